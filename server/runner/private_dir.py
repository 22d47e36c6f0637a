"""The private data dir of one run: created 0700, inputs written unsafe, removed afterwards.

Layout (under `Settings.runs_dir`, one dir per run, named `<service pid>-<random>`):

    env/extravars        api_input and the playbook variables, one mapping tagged !unsafe
    env/settings         ansible-runner's own settings (poll interval, no stdout file)
    artifacts/<ident>/   written by ansible-runner (events, status, rc)
    tmp/                 Ansible's local and remote temp dirs of this run

Nothing else is ever written here: secrets reach the run from memory (`secret_env`).
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any

import yaml

EXTRAVARS = Path("env") / "extravars"
SETTINGS = Path("env") / "settings"


def unsafe_yaml(data: dict[str, Any]) -> str:
    """`data` (JSON-like values only) as a YAML mapping tagged `!unsafe` as a whole.

    Ansible never renders an unsafe string as a template, so a value such as
    `{{ lookup('pipe', 'id') }}` reaches the playbook verbatim. The tag is on the mapping, not on
    each string: Ansible 2.19 still resolves the type of a tagged scalar (`!unsafe 'off'` arrives
    as a bool, `!unsafe '123'` as an int), while a tagged mapping keeps its strings strings and
    marks everything inside it unsafe, keys included.
    """
    _check_json_like(data, "extra vars")
    return "!unsafe\n" + yaml.safe_dump(data, default_flow_style=False, allow_unicode=True, sort_keys=True)


def _check_json_like(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: mapping keys must be strings, got {type(key).__name__}")
            _check_json_like(item, f"{where}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_json_like(item, f"{where}[{index}]")
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise TypeError(f"{where}: {type(value).__name__} is not a JSON value")


def create(runs_dir: Path) -> Path:
    """A new private data dir (0700) for one run, under `runs_dir` (created 0700 if missing)."""
    runs_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(runs_dir, 0o700)
    path = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=runs_dir))
    (path / "env").mkdir(mode=0o700)
    (path / "tmp").mkdir(mode=0o700)
    return path


def write_extravars(private_dir: Path, extravars: dict[str, Any] | str) -> Path:
    """Write the run's extra vars file (0600): a mapping (every string is marked unsafe) or the
    YAML `unsafe_yaml` made of one."""
    content = extravars if isinstance(extravars, str) else unsafe_yaml(extravars)
    return _write_private(private_dir / EXTRAVARS, content)


def _write_private(path: Path, content: str) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    return path


def write_runner_settings(private_dir: Path, settings: dict[str, Any]) -> Path:
    """Write ansible-runner's `env/settings` (0600). ansible-runner ignores settings passed as
    an argument when this file is missing, so they are always written here."""
    return _write_private(private_dir / SETTINGS, yaml.safe_dump(settings, default_flow_style=False))


def remove(private_dir: Path) -> None:
    """Delete a private data dir and everything in it."""
    shutil.rmtree(private_dir, ignore_errors=True)


def owner_pid(private_dir: Path) -> int | None:
    """The pid of the service process that created `private_dir` (from its name)."""
    head = private_dir.name.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def remove_stale(runs_dir: Path) -> list[Path]:
    """Delete private dirs left by service processes that no longer run (after a crash)."""
    removed = []
    if not runs_dir.is_dir():
        return removed
    for entry in runs_dir.iterdir():
        pid = owner_pid(entry)
        if pid is not None and pid != os.getpid() and _alive(pid):
            continue
        if entry.is_dir():
            remove(entry)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
