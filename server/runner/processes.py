"""Find and kill every process of a run, however deep or detached.

ansible-runner stops a run by killing the process group of `ansible-playbook`, but Ansible's
worker processes call `setsid()`: they and the module processes they start (a `command: sleep`,
a `restic` ...) live in other process groups and would survive. So every run carries a marker
in its environment (`RUN_MARKER=<private dir>`), which all its descendants inherit, and a run is
stopped by killing every process whose environment holds that marker (Linux `/proc`).
Processes forked (not exec'd) by the warm runner carry it as their name instead (`run_comm`).
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
from pathlib import Path

#: Environment variable set on every run; its value is the run's private data dir.
RUN_MARKER = "TENANT_PROVISIONER_RUN"

_PROC = Path("/proc")
_COMM_PREFIX = "tpr-"


def marked_pids(marker_value: str) -> list[int]:
    """The pids of live processes whose environment has `RUN_MARKER=marker_value`, or whose
    name is the run's (`run_comm`)."""
    needle = f"{RUN_MARKER}={marker_value}".encode()
    name = run_comm(marker_value).encode() + b"\n"
    own = os.getpid()
    pids = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == own:
            continue
        try:
            if (entry / "comm").read_bytes() == name:
                pids.append(int(entry.name))
                continue
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone, a kernel thread, or not ours
            continue
        if needle in environ.split(b"\0"):
            pids.append(int(entry.name))
    return pids


def kill_marked(marker_value: str, timeout: float = 5.0) -> list[int]:
    """SIGKILL every process of the run until none is left (or `timeout` passes).

    Returns the pids that were killed. Zombies of our own children disappear once the runner
    reaps them; other zombies are reaped by init and no longer show their environment.
    """
    killed: list[int] = []
    deadline = time.monotonic() + timeout
    while True:
        pids = marked_pids(marker_value)
        if not pids:
            return killed
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            killed.append(pid)
        if time.monotonic() > deadline:
            return killed
        time.sleep(0.05)


def run_comm(marker_value: str) -> str:
    """The process name (`/proc/<pid>/comm`, 15 characters at most) of the run's forked processes.

    A process forked without exec keeps the environment block it was forked with, so on the warm
    path (`server.runner.warm`) the run's children carry the marker as their name instead, which
    every fork inherits.
    """
    return _COMM_PREFIX + hashlib.sha256(marker_value.encode()).hexdigest()[: 15 - len(_COMM_PREFIX)]


def mark_process(marker_value: str) -> None:
    """Give this process (and the processes it forks from now on) the run's name."""
    with open(_PROC / "self" / "comm", "w", encoding="ascii") as comm:
        comm.write(run_comm(marker_value))
