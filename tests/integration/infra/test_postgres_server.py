"""The project's PostgreSQL server really runs and accepts the admin login over TCP."""

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
