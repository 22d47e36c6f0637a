"""The project's PostgreSQL server really runs and accepts the admin login over TCP."""

import stat
import subprocess


def test_admin_login_over_tcp_answers_query(postgres):
    env = postgres.env()
    out = subprocess.run(
        ["psql", "-Atc", "select current_user, inet_server_port()"],
        env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == f"{postgres.admin_user}|{postgres.port}"


def test_wrong_password_is_refused(postgres):
    env = {**postgres.env(), "PGPASSWORD": "not-the-password"}
    out = subprocess.run(["psql", "-Atc", "select 1"], env={"PATH": "/usr/bin:/bin", **env},
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert "password authentication failed" in out.stderr


def test_the_admin_password_is_kept_in_a_private_file_only(postgres):
    password_file = postgres.base_dir / "admin-password"
    assert password_file.read_text().strip() == postgres.admin_password
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    # initdb's copy is gone, and the password is in no other file outside the data directory.
    others = [p for p in postgres.base_dir.rglob("*") if p.is_file() and p != password_file
              and postgres.data_dir not in p.parents]
    assert [p for p in others if postgres.admin_password.encode() in p.read_bytes()] == []
