"""Hand a run its secrets without writing them anywhere: an anonymous memory file.

ansible-runner records the command and the full environment of every run in
`artifacts/<ident>/command` before it starts the process, so a secret put in the run's
environment would sit in a file, however briefly. Instead the service writes the secrets (a JSON
mapping of environment variable names to values) into a `memfd` (anonymous memory, no path on
any file system) and runs

    python -I server/runner/secret_env.py /proc/<service pid>/fd/<n> -- ansible-playbook ...

This file, run as a script (stdlib only, so `-I` keeps it fast), reads the mapping, adds it to
its environment and execs the command in its place: `ansible-playbook` and everything it starts
see the secrets as ordinary environment variables (`lookup('ansible.builtin.env', NAME)`),
exactly as when an operator exports them for a direct run. The command line and the recorded
environment hold only the `/proc` path, which can be opened by the service's own user alone and
only while the run goes on; the service closes the memfd when the run ends.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

SCRIPT = Path(__file__).resolve()


class SecretHandover:
    """The memfd holding one run's secrets; `wrap(command)` is the command that receives them."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        self._fd = os.memfd_create("run-secrets", os.MFD_CLOEXEC)
        os.write(self._fd, json.dumps(dict(secrets)).encode())
        self.path = f"/proc/{os.getpid()}/fd/{self._fd}"

    def wrap(self, command: list[str]) -> list[str]:
        return [sys.executable, "-I", str(SCRIPT), self.path, "--", *command]

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> SecretHandover:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[1] != "--":
        sys.exit("usage: secret_env.py SECRETS_PATH -- COMMAND [ARG...]")
    with open(argv[0], encoding="utf-8") as secrets_file:
        secrets = json.load(secrets_file)
    if not isinstance(secrets, dict) or not all(isinstance(v, str) for v in secrets.values()):
        sys.exit("secret_env.py: the secrets must be a JSON mapping of strings")
    os.environ.update(secrets)
    command = argv[2:]
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
