"""Start an emulator as a subprocess on a free port and wait until it answers.

Used by the test fixtures and by `make run`; the emulators themselves never import this.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class EmulatorProcess:
    """A running emulator: its base URL, its process and where it logs."""

    name: str
    url: str
    port: int
    process: subprocess.Popen
    log_path: Path
    extra: dict = field(default_factory=dict)

    def stop(self, timeout: float = 10.0) -> int:
        """Send SIGTERM, wait for a clean exit, kill if it does not come."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def start_module(
    name: str,
    module: str,
    args: list[str],
    log_path: Path,
    port: int | None = None,
    health_path: str = "/healthz",
    timeout: float = 30.0,
    env: dict[str, str] | None = None,
) -> EmulatorProcess:
    """Run `python -m <module> --port <port> <args...>` and wait until `health_path` answers 200."""
    port = port or free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = open(log_path, "ab")  # noqa: SIM115 - owned by the child for its lifetime
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port), *args],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        cwd=Path(__file__).resolve().parent.parent,
        start_new_session=True,
    )
    log_file.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            if requests.get(url + health_path, timeout=1).status_code == 200:
                return EmulatorProcess(name, url, port, process, log_path)
        except requests.RequestException:
            pass
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{name} did not answer {health_path} within {timeout}s:\n{log_path.read_text(errors='replace')}")
