"""server/runner/warm.py: the zygotes fork warm children; module children run a payload as
`python` would, carry the run's name, and die with the run. (Whole runs on the warm path are
tests/integration/api/test_runner.py and test_sites.py.)"""

import json
import os
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from server.runner import processes, warm
from server.runner.run import ANSIBLE_CONFIG

#: A stand-in for an AnsiballZ payload: reports what the process it runs in looks like.
PAYLOAD = textwrap.dedent(
    """
    import json, os, sys
    from ansible.module_utils import _internal
    print(json.dumps({
        "pid": os.getpid(), "ppid": os.getppid(), "argv": sys.argv, "cwd": os.getcwd(),
        "secret": os.environ.get("SELFTEST_SECRET"), "main_file": hasattr(sys.modules["__main__"], "__file__"),
        "kubernetes_loaded": "kubernetes" in sys.modules, "controller": _internal.is_controller,
        "controller_imported": "ansible.cli" in sys.modules,
        "comm": open("/proc/self/comm").read().strip(),
    }))
    print("to stderr", file=sys.stderr)
    sys.exit(3)
    """
).encode()


@pytest.fixture(scope="module")
def zygotes(tmp_path_factory):
    directory = tmp_path_factory.mktemp("warm")
    env = {**os.environ, "ANSIBLE_CONFIG": str(ANSIBLE_CONFIG), "ANSIBLE_LOCAL_TEMP": str(directory / "tmp")}
    runner = warm.WarmRunner(directory, warm.playbook_interpreter(), env)
    runner.start()
    yield runner
    runner.close()


def _module_socket(runner):
    return str(runner.directory / warm.MODULE_SOCKET)


def test_a_module_runs_in_a_warm_fork_as_a_new_python_would(zygotes, tmp_path):
    env = {**os.environ, "SELFTEST_SECRET": "s3cr3t", processes.RUN_MARKER: str(tmp_path)}
    rc, stdout, stderr = warm.run_module(_module_socket(zygotes), PAYLOAD, env, str(tmp_path))
    assert (rc, stderr) == (3, b"to stderr\n")
    seen = json.loads(stdout)
    assert seen["ppid"] != os.getpid() and seen["pid"] != zygotes._process.pid
    assert seen["argv"] == [""] and seen["main_file"] is False  # like `python` reading stdin
    assert seen["cwd"] == str(tmp_path)
    assert seen["secret"] == "s3cr3t"  # the environment arrives over the socket, in memory
    assert seen["kubernetes_loaded"], "the kubernetes client is imported once, in the zygote"
    assert not seen["controller"] and not seen["controller_imported"], "module children never see the controller"
    assert seen["comm"] == processes.run_comm(str(tmp_path))


def test_a_run_stopped_kills_its_forked_module_children(zygotes, tmp_path):
    marker = str(tmp_path / "run")
    payload = b"import time\ntime.sleep(61.93)\n"
    outcome = []
    thread = threading.Thread(
        target=lambda: outcome.append(warm.run_module(_module_socket(zygotes), payload, {**os.environ, processes.RUN_MARKER: marker}, "/"))
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not processes.marked_pids(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = processes.marked_pids(marker)
    assert child, "the forked module child carries the run's name"
    assert processes.RUN_MARKER.encode() not in Path(f"/proc/{child[0]}/environ").read_bytes(), (
        "a forked child shows its zygote's environment, which is why the name is needed"
    )
    processes.kill_marked(marker)
    thread.join(timeout=10)
    assert outcome and outcome[0][0] == -9
    assert processes.marked_pids(marker) == []


@pytest.mark.parametrize(
    ("command", "fast"),
    [
        (f"/bin/sh -c '{sys.executable} && sleep 0'", True),
        (f"/bin/sh -c 'LANG=C {sys.executable} && sleep 0'", False),
        ("/bin/sh -c '/usr/bin/python3-other && sleep 0'", False),
        (f"/bin/sh -c '{sys.executable} && rm -rf /tmp/x && sleep 0'", False),
        (f"/bin/sh -c 'echo {sys.executable} && sleep 0'", False),
        (b"/bin/sh -c 'x && sleep 0'", False),
    ],
)
def test_only_the_plain_pipelined_module_command_of_this_python_takes_the_fast_path(command, fast):
    assert warm._runs_this_python(command) is fast


def test_closing_stops_both_zygotes(tmp_path):
    env = {**os.environ, "ANSIBLE_CONFIG": str(ANSIBLE_CONFIG), "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp")}
    runner = warm.WarmRunner(tmp_path / "warm", warm.playbook_interpreter(), env)
    runner.start()
    group = runner._process.pid
    runner.close()
    assert _live_group_members(group) == []


def _live_group_members(group: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == group:
            members.append(int(entry.name))
    return members
