"""The emulator as a process: command line, persistence across restarts, clean SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.fixtures.mailcow import start_mailcow


def test_restart_keeps_state(tmp_path):
    first = start_mailcow(tmp_path)
    try:
        first.add_domain("example.org")
        first.add_mailbox("u", "example.org", password="Restart-Pass-1", quota=64)
        first.add_alias("info@example.org", "u@example.org")
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


def test_invalid_key_argument_exits_2():
    result = subprocess.run(
        [sys.executable, "-m", "sandbox.mailcow", "--port", "1", "--api-key", "bad key!"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.returncode == 2
    assert "API keys consist of" in result.stderr
