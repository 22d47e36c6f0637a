"""`make run`: start what the service needs on this machine, then the service itself.

- PostgreSQL: a server of ours under the state dir, unless `PROVISIONER_PG_ADMIN_HOST` is set.
- Kubernetes: the sandbox API (`sandbox/kube`), unless `PROVISIONER_KUBECONFIG` is set.
- Mailcow: the sandbox API (`sandbox/mailcow`), unless `PROVISIONER_MAILCOW_URL` is set.
- The service on 127.0.0.1:8000 (`PORT` or `PROVISIONER_PORT` overrides), with the API key from
  `PROVISIONER_API_KEYS`, or else the key kept in `<state>/api-key` (created on first run).

Everything runs until Ctrl-C (or SIGTERM), then stops in reverse order.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from sandbox.files import private_secret
from sandbox.mailcow.__main__ import API_KEY_ENV as MAILCOW_KEY_ENV
from sandbox.testing import EmulatorProcess, free_port, seed_cluster_issuers, start_module
from scripts import postgres_server
from server.config import ensure_api_key_file

ROOT = Path(__file__).resolve().parent.parent


def _say(text: str) -> None:
    print(f"[make run] {text}", flush=True)


def _start_sandboxes(state: Path, env: dict[str, str]) -> list[EmulatorProcess]:
    started: list[EmulatorProcess] = []
    if not env.get("PROVISIONER_PG_ADMIN_HOST"):
        pg_dir = state / "postgres"
        port = int(env.get("PROVISIONER_PG_ADMIN_PORT") or 5433)
        server = postgres_server.start(pg_dir, port)
        env.update(
            PROVISIONER_PG_ADMIN_HOST=server.host,
            PROVISIONER_PG_ADMIN_PORT=str(server.port),
            PROVISIONER_PG_ADMIN_USER=server.admin_user,
            PROVISIONER_PG_ADMIN_PASSWORD=server.admin_password,
        )
        env.setdefault("PROVISIONER_PG_TENANT_HOST", server.host)
        env.setdefault("PROVISIONER_PG_TENANT_PORT", str(server.port))
        _say(f"PostgreSQL (real, ours) on {server.host}:{server.port}, data in {pg_dir}")
    if not env.get("PROVISIONER_KUBECONFIG"):
        kube_dir = state / "kube"
        kubeconfig = kube_dir / "kubeconfig"
        kube = start_module(
            "sandbox kube", "sandbox.kube",
            ["--kubeconfig", str(kubeconfig), "--state-dir", str(kube_dir / "state")],
            kube_dir / "server.log", port=int(env.get("SANDBOX_KUBE_PORT") or free_port()),
        )
        started.append(kube)
        issuers = (env.get("PROVISIONER_TLS_ISSUERS") or "letsencrypt-prod,letsencrypt-staging").split(",")
        seed_cluster_issuers(kube.url, [name.strip() for name in issuers if name.strip()])
        env["PROVISIONER_KUBECONFIG"] = str(kubeconfig)
        _say(f"sandbox Kubernetes API on {kube.url}; KUBECONFIG={kubeconfig}")
    if not env.get("PROVISIONER_MAILCOW_URL") and (ROOT / "sandbox/mailcow/__main__.py").exists():
        mail_dir = state / "mailcow"
        key_file = mail_dir / "api-key"
        mail_dir.mkdir(parents=True, exist_ok=True)
        mail_key = private_secret(key_file, lambda: "SANDBOX-" + secrets.token_hex(12).upper())
        # The key goes through the environment: a command line is readable by every local user.
        mailcow = start_module(
            "sandbox mailcow", "sandbox.mailcow", ["--state-dir", str(mail_dir / "state")],
            mail_dir / "server.log", port=int(env.get("SANDBOX_MAILCOW_PORT") or free_port()),
            env={MAILCOW_KEY_ENV: mail_key},
        )
        started.append(mailcow)
        env.update(PROVISIONER_MAILCOW_URL=mailcow.url, PROVISIONER_MAILCOW_API_KEY=mail_key)
        _say(f"sandbox Mailcow API on {mailcow.url}")
    return started


def main() -> int:
    state = Path(os.environ.get("STATE_DIR") or ROOT / ".state").resolve()
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o755)
    env = dict(os.environ)
    env.setdefault("PROVISIONER_STATE_DIR", str(state / "service"))
    if os.environ.get("PORT"):
        env["PROVISIONER_PORT"] = os.environ["PORT"]
    env.setdefault("PROVISIONER_PORT", "8000")

    if not env.get("PROVISIONER_RESTIC_PASSWORD_SEED"):
        # The per-site restic passwords derive from this seed: it must never change once used.
        env["PROVISIONER_RESTIC_PASSWORD_SEED"] = private_secret(
            state / "restic-password-seed", lambda: secrets.token_urlsafe(32)
        )
    env.setdefault("PROVISIONER_RESTIC_REPOSITORY_BASE", str(state / "restic"))
    started = _start_sandboxes(state, env)
    service = None
    stop_requested = False

    def _stop(signum, frame):  # noqa: ARG001
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        if (ROOT / "server/__main__.py").exists():
            if env.get("PROVISIONER_API_KEYS"):
                _say("API key: from PROVISIONER_API_KEYS")
            else:
                key_file = state / "api-key"
                key = ensure_api_key_file(key_file)
                env["PROVISIONER_API_KEY_FILE"] = str(key_file)
                _say(f"API key: {key}  (kept in {key_file})")
            service = subprocess.Popen([sys.executable, "-m", "server"], env=env, cwd=ROOT)
            _say(f"service on http://127.0.0.1:{env['PROVISIONER_PORT']} (Ctrl-C stops everything)")
        else:
            _say("the service does not exist yet: only the sandboxes run (Ctrl-C stops them)")
        while not stop_requested:
            if service is not None and service.poll() is not None:
                _say(f"service exited with {service.returncode}")
                return service.returncode or 1
            time.sleep(0.5)
        return 0
    finally:
        if service is not None and service.poll() is None:
            service.terminate()
            try:
                service.wait(15)
            except subprocess.TimeoutExpired:
                service.kill()
        for proc in reversed(started):
            proc.stop()
        if not os.environ.get("PROVISIONER_PG_ADMIN_HOST"):
            postgres_server.stop(state / "postgres")
        _say("stopped")


if __name__ == "__main__":
    sys.exit(main())
