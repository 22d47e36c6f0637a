"""Start an emulator as a subprocess on a free port and wait until it answers.

Used by the test fixtures and by `make run`; the emulators themselves never import this.
"""

from __future__ import annotations

import argparse
import json
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


def seed_cluster_issuers(kube_url: str, names) -> None:
    """Create self-signed cert-manager ClusterIssuers in a sandbox cluster (a real cluster has its
    issuers; the sandbox starts without any, so certificates would never become ready)."""
    for name in names:
        body = {
            "apiVersion": "cert-manager.io/v1",
            "kind": "ClusterIssuer",
            "metadata": {"name": name},
            "spec": {"selfSigned": {}},
        }
        response = requests.post(kube_url + "/apis/cert-manager.io/v1/clusterissuers", json=body, timeout=10)
        if response.status_code not in (201, 409):
            raise RuntimeError(f"could not create ClusterIssuer {name}: {response.status_code} {response.text}")


# --- command line: start a stand-in in the background and stop it again (molecule, scripts) -----
_MODULES = {"kube": "sandbox.kube", "mailcow": "sandbox.mailcow"}


def up(kind: str, base: Path, extra: list[str] | None = None, env: dict[str, str] | None = None) -> dict:
    """Start a stand-in that outlives this process; its pid, url and files are kept under `base`.
    Secrets (the sandbox Mailcow's key) go in `env`, never in `extra` (the command line)."""
    base.mkdir(parents=True, exist_ok=True)
    info_path = base / "sandbox.json"
    if info_path.exists():
        info = json.loads(info_path.read_text())
        try:
            if requests.get(info["url"] + "/healthz", timeout=2).status_code == 200:
                return info
        except requests.RequestException:
            pass
    args = list(extra or [])
    if kind == "kube":
        args += ["--kubeconfig", str(base / "kubeconfig"), "--state-dir", str(base / "state")]
    else:
        args += ["--state-dir", str(base / "state")]
    proc = start_module(kind, _MODULES[kind], args, base / "server.log", env=env)
    info = {"kind": kind, "pid": proc.process.pid, "url": proc.url, "port": proc.port,
            "kubeconfig": str(base / "kubeconfig") if kind == "kube" else None}
    info_path.write_text(json.dumps(info))
    return info


def down(base: Path, timeout: float = 10.0) -> None:
    """Stop a stand-in started with `up` (SIGTERM, then SIGKILL) and forget it."""
    info_path = base / "sandbox.json"
    if not info_path.exists():
        return
    pid = json.loads(info_path.read_text())["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            os.kill(pid, 0)
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    info_path.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.testing", description="Start or stop a stand-in.")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("up", help="start a stand-in in the background; print its url")
    start.add_argument("kind", choices=sorted(_MODULES))
    start.add_argument("dir", type=Path)
    start.add_argument("extra", nargs=argparse.REMAINDER, help="more arguments for the stand-in")
    stop = sub.add_parser("down", help="stop the stand-in started in DIR")
    stop.add_argument("dir", type=Path)
    args = parser.parse_args(argv)
    if args.command == "up":
        print(json.dumps(up(args.kind, args.dir.absolute(), args.extra)))
    else:
        down(args.dir.absolute())
    return 0


if __name__ == "__main__":
    sys.exit(main())
