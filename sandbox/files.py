"""Files of the stand-ins and of `make run` that may hold a secret: created with their final mode
(0600 unless told), never written first and restricted after, and replaced atomically."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE = 0o600


def write_private(path: Path, data: bytes | str, mode: int = PRIVATE) -> None:
    """Write `data` to `path` through a temporary file of `mode` in the same directory, then
    rename it into place: a reader sees the old or the new content, never a world-readable one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "wb") as handle:
            os.fchmod(handle.fileno(), mode)  # a leftover keeps its old mode, and umask narrows it
            handle.write(data.encode() if isinstance(data, str) else data)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


def private_secret(path: Path, make) -> str:
    """The secret kept in `path` (0600), created with `make()` on first use."""
    path = Path(path)
    if not path.exists():
        write_private(path, make() + "\n")
    return path.read_text().strip()
