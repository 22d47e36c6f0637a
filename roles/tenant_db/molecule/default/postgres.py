"""The molecule scenario's own PostgreSQL server (scripts/postgres_server.py), started by
prepare.yml and stopped by destroy.yml:

    python postgres.py up <info.json>     start it (or keep it running); print {dir, port, user}
    python postgres.py down <info.json>   stop it and remove its directory

The admin password is $TENANT_DB_ADMIN_PASSWORD (set in the scenario's molecule.yml), so the
role reads it from the environment exactly as in the service. The data directory is under /tmp,
where the postgres system user can reach it (molecule's ephemeral directory may not be).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(REPO))

from sandbox.testing import free_port  # noqa: E402
from scripts import postgres_server  # noqa: E402


def up(info_path: Path) -> dict:
    if info_path.exists():
        info = json.loads(info_path.read_text())
    else:
        info = {"dir": tempfile.mkdtemp(prefix="tp-molecule-postgres-", dir="/tmp"), "port": free_port()}
    server = postgres_server.start(Path(info["dir"]), info["port"])
    password = os.environ["TENANT_DB_ADMIN_PASSWORD"]
    env = {"PATH": "/usr/bin:/bin", **server.env(), "PGPASSWORD": server.admin_password}
    sql = f"ALTER ROLE {server.admin_user} PASSWORD '{password}'"
    if subprocess.run(["psql", "-Atc", "SELECT 1"], env={**env, "PGPASSWORD": password}, capture_output=True).returncode:
        subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-qAtc", sql], env=env, check=True, capture_output=True)
    info["user"] = server.admin_user
    info_path.parent.mkdir(parents=True, exist_ok=True)
    info_path.write_text(json.dumps(info))
    return info


def down(info_path: Path) -> None:
    if info_path.exists():
        postgres_server.destroy(Path(json.loads(info_path.read_text())["dir"]))
        info_path.unlink()


if __name__ == "__main__":
    action, path = sys.argv[1], Path(sys.argv[2])
    if action == "up":
        print(json.dumps(up(path)))
    else:
        down(path)
