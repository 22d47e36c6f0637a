"""`make run` (scripts/run.py) handles its secrets as production does: every file that holds one
is 0600 (created so, never restricted afterwards: tests/unit/sandbox/test_files.py), and no secret
is on any process's command line, where every local user could read it."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from sandbox.testing import free_port

ROOT = Path(__file__).resolve().parents[3]


def _command_lines() -> dict[int, bytes]:
    lines = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                lines[int(entry.name)] = (entry / "cmdline").read_bytes()
            except OSError:
                continue
    return lines


@pytest.fixture
def state_dir():
    """`make run`'s state dir, where the postgres user can reach it (unlike pytest's tmp_path)."""
    base = Path(tempfile.mkdtemp(prefix="tp-make-run-"))
    base.chmod(0o755)
    yield base / "state"
    shutil.rmtree(base, ignore_errors=True)


def test_make_run_keeps_every_secret_in_private_files_and_off_command_lines(tmp_path, state_dir):
    state = state_dir
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PROVISIONER_", "SANDBOX_"))}
    env.update(STATE_DIR=str(state), PORT=str(port), PROVISIONER_PG_ADMIN_PORT=str(free_port()),
               SANDBOX_KUBE_PORT=str(free_port()), SANDBOX_MAILCOW_PORT=str(free_port()))
    output = tmp_path / "make-run.log"
    with open(output, "wb") as log:
        run = subprocess.Popen([sys.executable, "-m", "scripts.run"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while True:
            assert run.poll() is None, output.read_text()
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.5)

        secrets = {
            "API key": (state / "api-key").read_text().strip(),
            "restic password seed": (state / "restic-password-seed").read_text().strip(),
            "Mailcow key": (state / "mailcow" / "api-key").read_text().strip(),
            "PostgreSQL admin password": (state / "postgres" / "admin-password").read_text().strip(),
        }
        assert all(len(value) >= 16 for value in secrets.values()), secrets.keys()
        # The service works with them: the key opens the API.
        sites = requests.get(f"http://127.0.0.1:{port}/sites", headers={"X-API-Key": secrets["API key"]}, timeout=60)
        assert sites.status_code == 200, sites.text

        data_dir = state / "postgres" / "data"
        holding = {}
        for path in state.rglob("*"):
            if path.is_file() and data_dir not in path.parents:
                content = path.read_bytes()
                names = [name for name, value in secrets.items() if value.encode() in content]
                if names:
                    holding[path.relative_to(state).as_posix()] = (names, oct(stat.S_IMODE(path.stat().st_mode)))
        assert {"api-key", "restic-password-seed", "mailcow/api-key", "postgres/admin-password"} <= set(holding)
        assert {path: mode for path, (names, mode) in holding.items() if mode != "0o600"} == {}

        for pid, command_line in _command_lines().items():
            for name, value in secrets.items():
                assert value.encode() not in command_line, f"the {name} is on the command line of process {pid}"
    finally:
        run.send_signal(signal.SIGTERM)
        try:
            code = run.wait(90)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            raise
    assert code == 0, output.read_text()
    assert "[make run] stopped" in output.read_text()
