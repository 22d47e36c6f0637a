"""The emulator as a process: keys from the environment, persistence across restarts, clean SIGTERM."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.mailcow import start_mailcow


def test_restart_keeps_state(tmp_path):
    first = start_mailcow(tmp_path)
    try:
        first.add_domain("example.org")
        first.add_mailbox("u", "example.org", password="Restart-Pass-1", quota=64)
        first.add_alias("info@example.org", "u@example.org")
        # The keys are in no command line (any local user reads those), the state file is private.
        command_line = Path(f"/proc/{first.process.process.pid}/cmdline").read_bytes().decode()
        assert first.key not in command_line and first.read_only_key not in command_line
        assert stat.S_IMODE((first.state_dir / "mailcow-state.json").stat().st_mode) == 0o600
    finally:
        assert first.process.stop() == 0
    second = start_mailcow(tmp_path)
    try:
        assert second.get("get/domain/example.org").json()["mboxes_in_domain"] == 1
        assert second.get("get/mailbox/u@example.org").json()["quota"] == 64 * 1048576
        assert second.get("get/alias/info@example.org").json()["id"] == 2
        assert second.check_password("u@example.org", "Restart-Pass-1") is True
        assert second.add_alias("next@example.org", "u@example.org")[0]["msg"][2] == "3"
    finally:
        second.process.stop()


def test_sigterm_exits_0(tmp_path):
    sandbox = start_mailcow(tmp_path)
    sandbox.process.process.send_signal(signal.SIGTERM)
    assert sandbox.process.process.wait(10) == 0
    assert "mailcow sandbox stopped" in sandbox.process.log()


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"SANDBOX_MAILCOW_API_KEY": "bad key!"}, "API keys consist of"),
        ({"SANDBOX_MAILCOW_API_KEY": "GOOD-KEY", "SANDBOX_MAILCOW_READ_ONLY_KEY": "bad;key"}, "API keys consist of"),
        ({}, "SANDBOX_MAILCOW_API_KEY (the read-write key) is not set"),
    ],
)
def test_a_missing_or_invalid_key_exits_2(keys, message):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_MAILCOW_")}
    result = subprocess.run(
        [sys.executable, "-m", "sandbox.mailcow", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[3],
        env={**environment, **keys},
    )
    assert result.returncode == 2
    assert message in result.stderr
