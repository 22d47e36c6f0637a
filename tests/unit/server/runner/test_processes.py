"""server/runner/processes.py: every process of a run is found and killed, detached ones too."""

import os
import subprocess
import sys
import time

from server.runner import processes


def _spawn_tree(marker: str) -> subprocess.Popen:
    """A parent that starts a child in a new session (like Ansible's workers), then sleeps."""
    script = (
        "import subprocess, time;"
        "subprocess.Popen(['sleep', '61.37'], start_new_session=True);"
        "time.sleep(61.37)"
    )
    env = {**os.environ, processes.RUN_MARKER: marker}
    return subprocess.Popen([sys.executable, "-c", script], env=env)


def _wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_marked_processes_are_found_and_killed_including_detached_ones(tmp_path):
    marker = str(tmp_path / "run-1")
    parent = _spawn_tree(marker)
    try:
        assert _wait_for(lambda: len(processes.marked_pids(marker)) == 2)
        killed = processes.kill_marked(marker)
        assert len(killed) >= 2
        parent.wait(timeout=5)
        assert processes.marked_pids(marker) == []
    finally:
        parent.kill()


def test_other_runs_are_left_alone(tmp_path):
    mine, other = str(tmp_path / "run-a"), str(tmp_path / "run-ab")
    keep = _spawn_tree(other)
    try:
        assert _wait_for(lambda: len(processes.marked_pids(other)) == 2)
        assert processes.kill_marked(mine) == []
        assert len(processes.marked_pids(other)) == 2
    finally:
        processes.kill_marked(other)
        keep.wait(timeout=5)


def test_the_calling_process_is_never_a_target_even_when_it_carries_the_marker(tmp_path):
    marker = str(tmp_path / "run-self")
    script = (
        "import os; from server.runner.processes import marked_pids;"
        f"print(os.getpid() in marked_pids({marker!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, processes.RUN_MARKER: marker},
        capture_output=True, text=True, check=True,
    )
    assert result.stdout.strip() == "False"


def test_a_forked_process_is_found_by_the_run_name_it_inherits(tmp_path):
    """A process forked (not exec'd) keeps the environment block it was forked with; the warm
    runner's children carry the run's marker as their name instead (processes.mark_process)."""
    marker = str(tmp_path / "run-forked")
    script = (
        "import os, sys, time; from server.runner import processes;"
        f"processes.mark_process({marker!r});"
        "pid = os.fork();"
        "time.sleep(61.41)"
    )
    parent = subprocess.Popen([sys.executable, "-c", script])  # no marker in any environment
    try:
        assert _wait_for(lambda: len(processes.marked_pids(marker)) == 2, timeout=30)
        assert len(processes.kill_marked(marker)) >= 2
        parent.wait(timeout=5)
        assert processes.marked_pids(marker) == []
    finally:
        parent.kill()
