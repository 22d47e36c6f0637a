"""A project-owned PostgreSQL server for `make run` and the tests.

It is the real server from Debian's packages, in a data directory of ours (`initdb`), listening
on 127.0.0.1 and a port of ours, with one superuser login that the service uses as its admin
connection. In production the admin connection comes from configuration instead.

PostgreSQL refuses to run as root, so when we are root the data directory belongs to the
`postgres` system user and the server commands run as that user.
"""

from __future__ import annotations

import argparse
import os
import pwd
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sandbox.files import write_private

ADMIN_USER = "provisioner_admin"


def _bin_dir() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found: apt-get install -y postgresql")
    return candidates[-1].parent


@dataclass(frozen=True)
class PostgresServer:
    """Where the server lives and how to reach it as the admin."""

    base_dir: Path
    host: str
    port: int
    admin_user: str
    admin_password: str

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir / "run"

    @property
    def log_path(self) -> Path:
        return self.base_dir / "server.log"

    def dsn(self, database: str = "postgres") -> str:
        return (
            f"host={self.host} port={self.port} user={self.admin_user} "
            f"password={self.admin_password} dbname={database}"
        )

    def env(self) -> dict[str, str]:
        """libpq environment for the admin (psql, pg_dump)."""
        return {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.admin_user,
            "PGPASSWORD": self.admin_password,
            "PGDATABASE": "postgres",
        }


def _as_owner(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(_as_owner(cmd), check=True, capture_output=True, text=True, **kwargs)


def _chown_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(path, pw.pw_uid, pw.pw_gid)


def _prepare_dirs(base_dir: Path) -> None:
    base_dir.mkdir(parents=True, exist_ok=True)
    # The postgres user must be able to reach its directories through ours.
    base_dir.chmod(0o755)
    _chown_to_postgres(base_dir)
    for sub in ("run",):
        (base_dir / sub).mkdir(exist_ok=True)
        _chown_to_postgres(base_dir / sub)


def _password_file(base_dir: Path) -> Path:
    return base_dir / "admin-password"


def initialise(base_dir: Path) -> str:
    """Create the data directory and the admin login once; return the admin password."""
    _prepare_dirs(base_dir)
    pw_file = _password_file(base_dir)
    if (base_dir / "data" / "PG_VERSION").exists():
        return pw_file.read_text().strip()
    password = secrets.token_urlsafe(24)
    write_private(pw_file, password + "\n")
    # initdb reads the password from a file the postgres user can read; remove it right after.
    init_pw = base_dir / "run" / "initdb-password"
    write_private(init_pw, password + "\n")
    _chown_to_postgres(init_pw)
    try:
        _run([
            str(_bin_dir() / "initdb"),
            "-D", str(base_dir / "data"),
            "-U", ADMIN_USER,
            f"--pwfile={init_pw}",
            "--auth-host=scram-sha-256",
            "--auth-local=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ])
    finally:
        init_pw.unlink(missing_ok=True)
    return password


def is_running(base_dir: Path) -> bool:
    result = subprocess.run(
        _as_owner([str(_bin_dir() / "pg_ctl"), "-D", str(base_dir / "data"), "status"]),
        capture_output=True,
        text=True,
    )
    return result.returncode == 0


def start(base_dir: Path, port: int, host: str = "127.0.0.1") -> PostgresServer:
    """Initialise if needed and start the server (no-op when it already runs)."""
    password = initialise(base_dir)
    server = PostgresServer(base_dir, host, port, ADMIN_USER, password)
    if not is_running(base_dir):
        log = base_dir / "server.log"
        if not log.exists():
            log.touch()
            _chown_to_postgres(log)
        options = f"-p {port} -k {base_dir / 'run'} -c listen_addresses={host}"
        _run([
            str(_bin_dir() / "pg_ctl"), "-D", str(base_dir / "data"),
            "-o", options, "-l", str(log), "-w", "-t", "60", "start",
        ])
    return server


def stop(base_dir: Path) -> None:
    if (base_dir / "data" / "PG_VERSION").exists() and is_running(base_dir):
        _run([str(_bin_dir() / "pg_ctl"), "-D", str(base_dir / "data"), "-m", "fast", "-w", "stop"])


def destroy(base_dir: Path) -> None:
    stop(base_dir)
    shutil.rmtree(base_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=5433)
    args = parser.parse_args(argv)
    if args.action == "start":
        server = start(args.dir, args.port)
        print(f"PostgreSQL listening on {server.host}:{server.port} (admin {server.admin_user})")
    elif args.action == "stop":
        stop(args.dir)
    else:
        return 0 if is_running(args.dir) else 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
