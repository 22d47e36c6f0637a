"""Per-site PostgreSQL databases through the API: HTTP -> runner -> playbooks/db_*.yml ->
roles/tenant_db -> the real PostgreSQL server and the sandbox Kubernetes API.

Results are checked through other channels: psql with the Secret's credentials, the server's
catalog as the admin, kubectl for the Secret and the Deployment.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from scripts import postgres_server
from sandbox.testing import free_port
from tests.fixtures.service import PRODUCTION_MODULE, files_containing, start_service

TENANT_HOST = "pg.tenants.example"  # what apps are told; differs from the admin connection
TENANT_PORT = 6543
INJECTION = 'x"; DROP DATABASE postgres; --'
TEMPLATE = "{{ lookup('pipe', 'id') }}"
SECRET_KEYS = {"DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"}


def _settings(kube, postgres, mailcow) -> dict[str, str]:
    return {
        "kubeconfig": str(kube.kubeconfig),
        "mailcow_url": mailcow.url,  # site purge also removes mail
        "mailcow_api_key": mailcow.key,
        "pg_admin_host": postgres.host,
        "pg_admin_port": str(postgres.port),
        "pg_admin_user": postgres.admin_user,
        "pg_admin_password": postgres.admin_password,
        "pg_tenant_host": TENANT_HOST,
        "pg_tenant_port": str(TENANT_PORT),
        "run_timeout": "120",
    }


@pytest.fixture(scope="module")
def service(tmp_path_factory, kube, postgres, mailcow):
    started = start_service(PRODUCTION_MODULE, tmp_path_factory.mktemp("db-service"), **_settings(kube, postgres, mailcow))
    yield started
    started.stop()


# --- helpers -----------------------------------------------------------------------------------
def _create_site(service, name: str) -> str:
    response = service.request("POST", "/sites", json={"domain": f"{name}.example.com", "cpu": 0.5, "ramGi": 1, "diskGi": 1})
    assert response.status_code == 200, response.text
    return response.json()["slug"]


def _underscored(slug: str) -> str:
    return slug.replace("-", "_")


def _secret(kubectl, slug: str) -> dict[str, str] | None:
    """The site's credentials Secret, decoded (None when it does not exist)."""
    proc = kubectl("get", "secret", "site-db", "-n", f"tenant-{slug}", "-o", "json", check=False)
    if proc.returncode != 0:
        assert "NotFound" in proc.stderr, proc.stderr
        return None
    data = json.loads(proc.stdout)["data"]
    return {key: base64.b64decode(value).decode() for key, value in data.items()}


def _psql(postgres, sql: str, *, user: str, password: str, database: str) -> subprocess.CompletedProcess:
    """psql on the admin host and port (the Secret's host is what tenants would use)."""
    env = {"PATH": "/usr/bin:/bin", "PGHOST": postgres.host, "PGPORT": str(postgres.port), "PGUSER": user,
           "PGPASSWORD": password, "PGDATABASE": database, "PGCONNECT_TIMEOUT": "5"}
    return subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-Atc", sql], env=env, capture_output=True, text=True, timeout=60)


def _admin(postgres, sql: str) -> str:
    proc = _psql(postgres, sql, user=postgres.admin_user, password=postgres.admin_password, database="postgres")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def _login(postgres, credentials: dict[str, str], sql: str = "SELECT current_user") -> subprocess.CompletedProcess:
    return _psql(postgres, sql, user=credentials["PGUSER"], password=credentials["PGPASSWORD"],
                 database=credentials["PGDATABASE"])


def _enable(service, slug: str, **body) -> "requests.Response":  # noqa: F821
    return service.request("POST", f"/sites/{slug}/db/enable", json=body)


def _deployment_env_from(kubectl, slug: str) -> list:
    out = kubectl("get", "deployment", "site", "-n", f"tenant-{slug}", "-o", "json").stdout
    return json.loads(out)["spec"]["template"]["spec"]["containers"][0].get("envFrom", [])


class _FileWatcher:
    """Reads every file under `root` (and every process command line) while runs go on, so a
    secret that sits in a temporary file for a moment is still caught."""

    def __init__(self, root: Path):
        self.root = root
        self.seen: dict[tuple[str, int, int], bytes] = {}
        self.cmdlines: set[bytes] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _loop(self):
        while not self._stop.is_set():
            for dirpath, _, names in os.walk(self.root):
                for name in names:
                    path = os.path.join(dirpath, name)
                    try:
                        info = os.stat(path)
                        key = (path, info.st_mtime_ns, info.st_size)
                        if key not in self.seen and info.st_size < 8_000_000:
                            with open(path, "rb") as handle:
                                self.seen[key] = handle.read()
                    except OSError:
                        continue
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        self.cmdlines.add((entry / "cmdline").read_bytes())
                    except OSError:
                        continue
            time.sleep(0.005)

    def holding(self, value: str) -> list[str]:
        needle = value.encode()
        files = sorted({path for (path, _, _), data in self.seen.items() if needle in data})
        procs = [cmd.decode(errors="replace")[:120] for cmd in self.cmdlines if needle in cmd]
        return files + procs


# --- enable ------------------------------------------------------------------------------------
def test_enable_gives_the_app_working_credentials(service, kube_env, kubectl, postgres):
    slug = _create_site(service, "db-enable")
    response = _enable(service, slug)
    assert response.status_code == 200, response.text
    name, user = f"db_{_underscored(slug)}", f"u_{_underscored(slug)}"
    assert response.json() == {"ok": True, "slug": slug, "dbEnabled": True, "dbName": name, "username": user}

    credentials = _secret(kubectl, slug)
    assert set(credentials) == SECRET_KEYS
    password = credentials["PGPASSWORD"]
    assert len(password) >= 24 and password.isalnum()
    assert credentials["PGHOST"] == TENANT_HOST and credentials["PGPORT"] == str(TENANT_PORT)
    assert (credentials["PGDATABASE"], credentials["PGUSER"]) == (name, user)
    assert credentials["DATABASE_URL"] == f"postgresql://{user}:{password}@{TENANT_HOST}:{TENANT_PORT}/{name}"

    created = _login(postgres, credentials, "CREATE TABLE visits (id serial PRIMARY KEY); INSERT INTO visits DEFAULT VALUES; SELECT count(*) FROM visits")
    assert created.returncode == 0, created.stderr
    assert created.stdout.split()[-1] == "1"

    # Stored as SCRAM, owned by the site's user, and PUBLIC may not connect.
    assert _admin(postgres, f"SELECT left(rolpassword, 14), rolcanlogin FROM pg_authid WHERE rolname = '{user}'") == "SCRAM-SHA-256$|t"
    assert _admin(postgres, f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{name}'") == user
    public_connect = (f"SELECT count(*) FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = '{name}' "
                      "AND a.grantee = 0 AND a.privilege_type = 'CONNECT'")
    assert _admin(postgres, f"SELECT datacl IS NULL FROM pg_database WHERE datname = '{name}'") == "f"
    assert _admin(postgres, public_connect) == "0"

    status = service.request("GET", f"/sites/{slug}/db/status")
    assert status.status_code == 200
    assert status.json() == {"ok": True, "slug": slug, "dbEnabled": True, "dbName": name, "username": user, "secretPresent": True}


def test_enable_with_a_chosen_name_then_again_is_a_no_op(service, kube_env, kubectl, postgres):
    slug = _create_site(service, "db-chosen")
    first = _enable(service, slug, dbName="shop_chosen")
    assert first.status_code == 200 and first.json()["dbName"] == "shop_chosen"
    before = _secret(kubectl, slug)
    version = kubectl("get", "secret", "site-db", "-n", f"tenant-{slug}", "-o", "jsonpath={.metadata.resourceVersion}").stdout

    for body in ({"dbName": "shop_chosen"}, {}):  # no name: the database the site has
        again = _enable(service, slug, **body)
        assert again.status_code == 200, again.text
        assert again.json() == first.json()
    assert _secret(kubectl, slug) == before
    assert kubectl("get", "secret", "site-db", "-n", f"tenant-{slug}", "-o", "jsonpath={.metadata.resourceVersion}").stdout == version


def test_enable_with_another_name_answers_409(service, kube_env, kubectl, postgres):
    slug = _create_site(service, "db-rename")
    assert _enable(service, slug).status_code == 200
    response = _enable(service, slug, dbName="renamed_db")
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert f"db_{_underscored(slug)}" in response.json()["message"]
    assert _admin(postgres, "SELECT count(*) FROM pg_database WHERE datname = 'renamed_db'") == "0"


def test_enable_with_a_database_of_another_owner_answers_409(service, kube_env, kubectl, postgres):
    owner = _create_site(service, "db-owner")
    assert _enable(service, owner, dbName="shared_name").status_code == 200
    other = _create_site(service, "db-thief")
    response = _enable(service, other, dbName="shared_name")
    assert response.status_code == 409
    assert response.json()["error"] == "already_exists"
    _admin(postgres, "CREATE DATABASE admins_own_db")
    try:
        assert _enable(service, other, dbName="admins_own_db").json()["error"] == "already_exists"
    finally:
        _admin(postgres, "DROP DATABASE admins_own_db")
    # Nothing was taken over or half made.
    assert _admin(postgres, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'shared_name'") == f"u_{_underscored(owner)}"
    assert _admin(postgres, f"SELECT count(*) FROM pg_roles WHERE rolname = 'u_{_underscored(other)}'") == "0"
    assert _secret(kubectl, other) is None


def test_another_sites_user_cannot_connect(service, kube_env, kubectl, postgres):
    first, second = _create_site(service, "db-first"), _create_site(service, "db-second")
    assert _enable(service, first).status_code == 200
    assert _enable(service, second).status_code == 200
    intruder = {**_secret(kubectl, second), "PGDATABASE": f"db_{_underscored(first)}"}
    refused = _login(postgres, intruder)
    assert refused.returncode != 0
    assert "permission denied for database" in refused.stderr
    assert _login(postgres, _secret(kubectl, first)).returncode == 0


@pytest.mark.parametrize(
    "name", ["1abc", "a-b", "a" * 64, "postgres", "template1", INJECTION, TEMPLATE, "select", "pg_x", ""]
)
def test_bad_database_names_answer_400_before_any_run(service, postgres, name):
    # The input is refused before a playbook runs, so the site need not even exist.
    response = _enable(service, "db-bad-names", dbName=name)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_input"
    assert [d["field"] for d in response.json()["details"]] == ["dbName"]
    assert "DROP" not in response.text and "lookup" not in response.text and "uid=" not in response.text
    assert _admin(postgres, "SELECT count(*) FROM pg_database WHERE datname = 'postgres'") == "1"
    assert _admin(postgres, "SELECT count(*) FROM pg_roles WHERE rolname = 'u_db_bad_names'") == "0"


def test_unknown_site_answers_404(service, kube_env):
    for method, path, body in [
        ("POST", "/sites/no-such-site/db/enable", {}),
        ("POST", "/sites/no-such-site/db/disable", None),
        ("POST", "/sites/no-such-site/db/purge", {"confirm": "DELETE"}),
        ("GET", "/sites/no-such-site/db/status", None),
    ]:
        response = service.request(method, path, json=body)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"] == "site_not_found"


# --- disable and enable again --------------------------------------------------------------------
def test_disable_ends_sessions_and_logins_until_enabled_again(service, kube_env, kubectl, postgres):
    slug = _create_site(service, "db-toggle")
    assert _enable(service, slug).status_code == 200
    credentials = _secret(kubectl, slug)
    session = subprocess.Popen(
        ["psql", "-Atc", "SELECT pg_sleep(60)"],
        env={"PATH": "/usr/bin:/bin", "PGHOST": postgres.host, "PGPORT": str(postgres.port), "PGUSER": credentials["PGUSER"],
             "PGPASSWORD": credentials["PGPASSWORD"], "PGDATABASE": credentials["PGDATABASE"]},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while _admin(postgres, f"SELECT count(*) FROM pg_stat_activity WHERE usename = '{credentials['PGUSER']}'") == "0":
            assert time.monotonic() < deadline, "the session did not start"
            time.sleep(0.1)

        response = service.request("POST", f"/sites/{slug}/db/disable")
        assert response.status_code == 200, response.text
        assert response.json() == {"ok": True, "slug": slug, "dbEnabled": False}
        _, stderr = session.communicate(timeout=10)
        assert session.returncode != 0 and "terminat" in stderr
    finally:
        session.kill()

    refused = _login(postgres, credentials)
    assert refused.returncode != 0 and "not permitted to log in" in refused.stderr
    # Database and Secret are kept.
    assert _secret(kubectl, slug) == credentials
    status = service.request("GET", f"/sites/{slug}/db/status").json()
    assert (status["dbEnabled"], status["dbName"], status["secretPresent"]) == (False, credentials["PGDATABASE"], True)

    again = service.request("POST", f"/sites/{slug}/db/disable")  # off already: no-op
    assert again.status_code == 200 and again.json()["dbEnabled"] is False

    assert _enable(service, slug).status_code == 200
    assert _secret(kubectl, slug) == credentials  # the same credentials come back
    assert _login(postgres, credentials).stdout.strip() == credentials["PGUSER"]


def test_disable_of_a_site_without_database_is_a_no_op(service, kube_env, kubectl, postgres):
    slug = _create_site(service, "db-never")
    response = service.request("POST", f"/sites/{slug}/db/disable")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "slug": slug, "dbEnabled": False}
    assert _admin(postgres, f"SELECT count(*) FROM pg_roles WHERE rolname = 'u_{_underscored(slug)}'") == "0"
    status = service.request("GET", f"/sites/{slug}/db/status").json()
    assert status == {"ok": True, "slug": slug, "dbEnabled": False, "dbName": None, "username": None, "secretPresent": False}


def test_app_gets_the_secret_only_while_the_database_is_enabled(service, kube_env, kubectl, postgres):
    slug = _create_site(service, "db-app")
    deploy = {"image": "ghcr.io/example/app:1.0", "containerPort": 8080}
    assert service.request("POST", f"/sites/{slug}/deploy", json=deploy).status_code == 200
    assert _deployment_env_from(kubectl, slug) == []

    assert _enable(service, slug).status_code == 200
    assert _deployment_env_from(kubectl, slug) == [{"secretRef": {"name": "site-db"}}]
    # A later deploy keeps it (the record says the database is enabled).
    assert service.request("POST", f"/sites/{slug}/deploy", json={**deploy, "image": "ghcr.io/example/app:2.0"}).status_code == 200
    assert _deployment_env_from(kubectl, slug) == [{"secretRef": {"name": "site-db"}}]

    assert service.request("POST", f"/sites/{slug}/db/disable").status_code == 200
    assert _deployment_env_from(kubectl, slug) == []
    assert service.request("POST", f"/sites/{slug}/deploy", json=deploy).status_code == 200
    assert _deployment_env_from(kubectl, slug) == []


# --- purge -----------------------------------------------------------------------------------------
def test_purge_removes_database_user_and_secret(service, kube_env, kubectl, postgres):
    slug = _create_site(service, "db-purge")
    assert _enable(service, slug, dbName="purge_me").status_code == 200
    credentials = _secret(kubectl, slug)
    user = credentials["PGUSER"]

    for wrong in ({"confirm": "delete"}, {"confirm": "DELETE "}, {}, {"confirm": True}):
        refused = service.request("POST", f"/sites/{slug}/db/purge", json=wrong)
        assert refused.status_code == 400, wrong
        assert refused.json()["error"] == "invalid_input"
    assert _login(postgres, credentials).returncode == 0  # nothing happened

    response = service.request("POST", f"/sites/{slug}/db/purge", json={"confirm": "DELETE"})
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True, "slug": slug, "purged": True}
    assert _admin(postgres, "SELECT count(*) FROM pg_database WHERE datname = 'purge_me'") == "0"
    assert _admin(postgres, f"SELECT count(*) FROM pg_roles WHERE rolname = '{user}'") == "0"
    assert _secret(kubectl, slug) is None
    status = service.request("GET", f"/sites/{slug}/db/status").json()
    assert status == {"ok": True, "slug": slug, "dbEnabled": False, "dbName": None, "username": None, "secretPresent": False}

    # Purging again finds nothing to do; a new enable starts from scratch with a new password.
    assert service.request("POST", f"/sites/{slug}/db/purge", json={"confirm": "DELETE"}).status_code == 200
    assert _enable(service, slug, dbName="another_name").status_code == 200
    assert _secret(kubectl, slug)["PGPASSWORD"] != credentials["PGPASSWORD"]


def test_site_purge_drops_the_database_and_user(service, kube_env, kubectl, postgres):
    slug = _create_site(service, "db-site-purge")
    assert _enable(service, slug).status_code == 200
    response = service.request("POST", f"/sites/{slug}/purge", json={"confirm": "DELETE"})
    assert response.status_code == 200, response.text
    assert _admin(postgres, f"SELECT count(*) FROM pg_database WHERE datname = 'db_{_underscored(slug)}'") == "0"
    assert _admin(postgres, f"SELECT count(*) FROM pg_roles WHERE rolname = 'u_{_underscored(slug)}'") == "0"
    assert service.request("GET", f"/sites/{slug}/db/status").status_code == 404


# --- secrets ------------------------------------------------------------------------------------
def test_passwords_appear_in_no_response_log_or_run_file(service, kube_env, kubectl, postgres):
    slug = _create_site(service, "db-secrets")
    responses = []
    with _FileWatcher(service.state_dir) as watcher:
        responses.append(_enable(service, slug))
        responses.append(service.request("GET", f"/sites/{slug}/db/status"))
        responses.append(service.request("POST", f"/sites/{slug}/db/disable"))
        responses.append(_enable(service, slug))
        responses.append(_enable(service, slug, dbName="other_name"))  # a 409
        credentials = _secret(kubectl, slug)
        responses.append(service.request("POST", f"/sites/{slug}/db/purge", json={"confirm": "DELETE"}))
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 409, 200]

    password = credentials["PGPASSWORD"]
    secrets = {
        "generated password": password,
        "generated password (base64)": base64.b64encode(password.encode()).decode(),
        "database URL (base64)": base64.b64encode(credentials["DATABASE_URL"].encode()).decode(),
        "admin password": postgres.admin_password,
    }
    texts = "\n".join(r.text + json.dumps(dict(r.headers)) for r in responses)
    for label, value in secrets.items():
        assert value not in texts, f"{label} in a response"
        assert value not in service.log(), f"{label} in the service log"
        assert watcher.holding(value) == [], f"{label} in a file or command line during the runs"
        assert files_containing(service.state_dir, value) == [], f"{label} left in the state dir"
    assert len(watcher.seen) > 10  # the watcher did see the runs' files


# --- PostgreSQL down -------------------------------------------------------------------------------
@pytest.fixture
def own_postgres():
    """A PostgreSQL server of this test alone, to stop and start (in a directory the postgres
    user can reach, unlike pytest's tmp_path)."""
    base = Path(tempfile.mkdtemp(prefix="tp-postgres-down-"))
    server = postgres_server.start(base, free_port())
    yield server
    postgres_server.destroy(base)


def test_postgres_down_answers_500_and_a_retry_finishes(tmp_path, kube, mailcow, kube_env, kubectl, own_postgres):
    own_service = start_service(PRODUCTION_MODULE, tmp_path / "service", **_settings(kube, own_postgres, mailcow))
    try:
        slug = _create_site(own_service, "db-down")
        postgres_server.stop(own_postgres.base_dir)

        response = _enable(own_service, slug)
        assert response.status_code == 500
        body = response.json()
        assert body["error"] == "internal_error"
        assert f"PostgreSQL server {own_postgres.host}:{own_postgres.port}" in body["message"]
        assert "Connection refused" in body["message"]
        assert own_postgres.admin_password not in response.text
        # Nothing was made: no Secret, the record unchanged.
        assert _secret(kubectl, slug) is None
        status = own_service.request("GET", f"/sites/{slug}/db/status")
        assert status.json()["dbEnabled"] is False and status.json()["dbName"] is None
        assert own_service.request("POST", f"/sites/{slug}/db/disable").status_code == 500
        # A site that never had a database has nothing to purge: that needs no PostgreSQL server.
        purge = own_service.request("POST", f"/sites/{slug}/db/purge", json={"confirm": "DELETE"})
        assert purge.status_code == 200, purge.text

        postgres_server.start(own_postgres.base_dir, own_postgres.port)
        retry = _enable(own_service, slug)
        assert retry.status_code == 200, retry.text
        assert _login(own_postgres, _secret(kubectl, slug)).returncode == 0
    finally:
        own_service.stop()
