"""Per-site PostgreSQL databases through the API: HTTP -> runner -> playbooks/db_*.yml ->
roles/tenant_db -> the real PostgreSQL server and the sandbox Kubernetes API.

Results are checked through other channels: psql with the Secret's credentials, the server's
catalog as the admin, kubectl for the Secret and the Deployment.
"""

from __future__ import annotations

import base64
import json
import subprocess
import time

import pytest

from scripts import postgres_server
from tests.fixtures.service import files_containing
from tests.fixtures.stack import start_stack
from tests.fixtures.watch import SecretWatcher

TENANT_HOST = "pg.tenants.example"  # what apps are told; differs from the admin connection
TENANT_PORT = 6543
INJECTION = 'x"; DROP DATABASE postgres; --'
TEMPLATE = "{{ lookup('pipe', 'id') }}"
SECRET_KEYS = {"DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"}


SETTINGS = {"pg_tenant_host": TENANT_HOST, "pg_tenant_port": str(TENANT_PORT), "run_timeout": "120"}


@pytest.fixture(scope="module")
def service(tmp_path_factory, kube, postgres, mailcow):
    # With Mailcow: a site purge also removes mail.
    started = start_stack(tmp_path_factory.mktemp("db-service"), kube, postgres, mailcow, **SETTINGS)
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


def _assert_working_credentials(postgres, kubectl, slug: str, name: str, user: str) -> dict[str, str]:
    """The Secret holds working credentials for `name` and `user`; the catalog keeps the
    password as SCRAM, the database is owned by the user and PUBLIC may not connect."""
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

    assert _admin(postgres, f"SELECT left(rolpassword, 14), rolcanlogin FROM pg_authid WHERE rolname = '{user}'") == "SCRAM-SHA-256$|t"
    assert _admin(postgres, f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{name}'") == user
    public_connect = (f"SELECT count(*) FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = '{name}' "
                      "AND a.grantee = 0 AND a.privilege_type = 'CONNECT'")
    assert _admin(postgres, f"SELECT datacl IS NULL FROM pg_database WHERE datname = '{name}'") == "f"
    assert _admin(postgres, public_connect) == "0"
    return credentials


def _no_database_status(slug: str) -> dict:
    return {"ok": True, "slug": slug, "dbEnabled": False, "dbName": None, "username": None, "secretPresent": False}


# --- the life of a site's database, next to a rival site ------------------------------------------
def test_database_life_cycle_conflicts_other_sites_and_no_password_leaks(service, kube_env, kubectl, postgres):
    """Site `owner` walks the whole life cycle: enable with a chosen name (its app gets the Secret),
    enable again (no-op), another name (409), disable (sessions end, logins refused, no-op twice),
    enable again (same credentials), purge (refused without DELETE; no-op twice), enable anew,
    site purge. Site `rival` disables while it has no database (no-op), is refused the owner's and
    the admin's databases, then enables the default name and cannot reach the owner's database.
    From the rival's enable to the owner's purge every file and command line is watched for
    the passwords; no response, log or file of the whole test may hold them."""
    responses = []

    def call(method: str, path: str, **kwargs):
        response = service.request(method, path, **kwargs)
        responses.append(response)
        return response

    def enable(slug: str, **body):
        return call("POST", f"/sites/{slug}/db/enable", json=body)

    def status(slug: str) -> dict:
        response = call("GET", f"/sites/{slug}/db/status")
        assert response.status_code == 200, response.text
        return response.json()

    owner = _create_site(service, "db-owner")
    owner_user = f"u_{_underscored(owner)}"
    deploy = {"image": "ghcr.io/example/app:1.0", "containerPort": 8080}
    assert call("POST", f"/sites/{owner}/deploy", json=deploy).status_code == 200
    assert _deployment_env_from(kubectl, owner) == []

    # --- enable with a chosen name: working credentials, and the app gets the Secret ---------------
    first = enable(owner, dbName="shop_chosen")
    assert first.status_code == 200, first.text
    assert first.json() == {"ok": True, "slug": owner, "dbEnabled": True, "dbName": "shop_chosen", "username": owner_user}
    credentials = _assert_working_credentials(postgres, kubectl, owner, "shop_chosen", owner_user)
    assert _deployment_env_from(kubectl, owner) == [{"secretRef": {"name": "site-db"}}]

    # Again with the same name, or with none (the database the site has): a no-op.
    version = kubectl("get", "secret", "site-db", "-n", f"tenant-{owner}", "-o", "jsonpath={.metadata.resourceVersion}").stdout
    for body in ({"dbName": "shop_chosen"}, {}):
        again = enable(owner, **body)
        assert again.status_code == 200, again.text
        assert again.json() == first.json()
    assert _secret(kubectl, owner) == credentials
    assert kubectl("get", "secret", "site-db", "-n", f"tenant-{owner}", "-o", "jsonpath={.metadata.resourceVersion}").stdout == version

    # --- a site without a database: disable is a no-op ---------------------------------------------
    rival = _create_site(service, "db-rival")
    rival_user, rival_name = f"u_{_underscored(rival)}", f"db_{_underscored(rival)}"
    response = call("POST", f"/sites/{rival}/db/disable")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "slug": rival, "dbEnabled": False}
    assert _admin(postgres, f"SELECT count(*) FROM pg_roles WHERE rolname = '{rival_user}'") == "0"
    assert status(rival) == _no_database_status(rival)

    # --- a database of another owner (a site's, or the admin's): 409, nothing taken or half made ---
    response = enable(rival, dbName="shop_chosen")
    assert response.status_code == 409
    assert response.json()["error"] == "already_exists"
    _admin(postgres, "CREATE DATABASE admins_own_db")
    try:
        assert enable(rival, dbName="admins_own_db").json()["error"] == "already_exists"
    finally:
        _admin(postgres, "DROP DATABASE admins_own_db")
    assert _admin(postgres, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'shop_chosen'") == owner_user
    assert _admin(postgres, f"SELECT count(*) FROM pg_roles WHERE rolname = '{rival_user}'") == "0"
    assert _secret(kubectl, rival) is None

    with SecretWatcher(service.state_dir) as watcher:
        # --- enable with the default name; another site's user cannot connect -------------------
        response = enable(rival)
        assert response.status_code == 200, response.text
        assert response.json() == {"ok": True, "slug": rival, "dbEnabled": True, "dbName": rival_name, "username": rival_user}
        rival_credentials = _assert_working_credentials(postgres, kubectl, rival, rival_name, rival_user)
        assert status(rival) == {"ok": True, "slug": rival, "dbEnabled": True, "dbName": rival_name,
                                 "username": rival_user, "secretPresent": True}
        refused = _login(postgres, {**rival_credentials, "PGDATABASE": "shop_chosen"})
        assert refused.returncode != 0
        assert "permission denied for database" in refused.stderr
        assert _login(postgres, credentials).returncode == 0

        # --- enable with another name: 409 -------------------------------------------------------
        response = enable(owner, dbName="renamed_db")
        assert response.status_code == 409
        assert response.json()["error"] == "conflict"
        assert "shop_chosen" in response.json()["message"]
        assert _admin(postgres, "SELECT count(*) FROM pg_database WHERE datname = 'renamed_db'") == "0"

        # A later deploy keeps the Secret (the record says the database is enabled).
        assert call("POST", f"/sites/{owner}/deploy", json={**deploy, "image": "ghcr.io/example/app:2.0"}).status_code == 200
        assert _deployment_env_from(kubectl, owner) == [{"secretRef": {"name": "site-db"}}]

        # --- disable ends sessions and logins until enabled again; data and Secret are kept ------
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

            response = call("POST", f"/sites/{owner}/db/disable")
            assert response.status_code == 200, response.text
            assert response.json() == {"ok": True, "slug": owner, "dbEnabled": False}
            _, stderr = session.communicate(timeout=10)
            assert session.returncode != 0 and "terminat" in stderr
        finally:
            session.kill()
        refused = _login(postgres, credentials)
        assert refused.returncode != 0 and "not permitted to log in" in refused.stderr
        assert _secret(kubectl, owner) == credentials
        disabled = status(owner)
        assert (disabled["dbEnabled"], disabled["dbName"], disabled["secretPresent"]) == (False, "shop_chosen", True)
        assert _deployment_env_from(kubectl, owner) == []

        again = call("POST", f"/sites/{owner}/db/disable")  # off already: no-op
        assert again.status_code == 200 and again.json()["dbEnabled"] is False
        assert call("POST", f"/sites/{owner}/deploy", json=deploy).status_code == 200
        assert _deployment_env_from(kubectl, owner) == []

        assert enable(owner).status_code == 200
        assert _secret(kubectl, owner) == credentials  # the same credentials come back
        assert _login(postgres, credentials).stdout.strip() == credentials["PGUSER"]

        # --- purge: refused without the exact DELETE, then removes database, user and Secret -----
        for wrong in ({"confirm": "delete"}, {"confirm": "DELETE "}, {}, {"confirm": True}):
            refused = call("POST", f"/sites/{owner}/db/purge", json=wrong)
            assert refused.status_code == 400, wrong
            assert refused.json()["error"] == "invalid_input"
        assert _login(postgres, credentials).returncode == 0  # nothing happened

        response = call("POST", f"/sites/{owner}/db/purge", json={"confirm": "DELETE"})
        assert response.status_code == 200, response.text
        assert response.json() == {"ok": True, "slug": owner, "purged": True}
    assert _admin(postgres, "SELECT count(*) FROM pg_database WHERE datname = 'shop_chosen'") == "0"
    assert _admin(postgres, f"SELECT count(*) FROM pg_roles WHERE rolname = '{owner_user}'") == "0"
    assert _secret(kubectl, owner) is None
    assert status(owner) == _no_database_status(owner)

    # Purging again finds nothing to do; a new enable starts from scratch with a new password.
    assert call("POST", f"/sites/{owner}/db/purge", json={"confirm": "DELETE"}).status_code == 200
    assert enable(owner, dbName="another_name").status_code == 200
    new_credentials = _secret(kubectl, owner)
    assert new_credentials["PGPASSWORD"] != credentials["PGPASSWORD"]

    # --- site purge drops the database and the user ------------------------------------------------
    response = call("POST", f"/sites/{owner}/purge", json={"confirm": "DELETE"})
    assert response.status_code == 200, response.text
    assert _admin(postgres, "SELECT count(*) FROM pg_database WHERE datname = 'another_name'") == "0"
    assert _admin(postgres, f"SELECT count(*) FROM pg_roles WHERE rolname = '{owner_user}'") == "0"
    assert call("GET", f"/sites/{owner}/db/status").status_code == 404

    # --- no password in a response, the log, a run file or a command line ------------------------
    secrets = {"admin password": postgres.admin_password}
    for whose, creds in (("owner", credentials), ("rival", rival_credentials), ("owner's new", new_credentials)):
        secrets[f"{whose} generated password"] = creds["PGPASSWORD"]
        secrets[f"{whose} generated password (base64)"] = base64.b64encode(creds["PGPASSWORD"].encode()).decode()
        secrets[f"{whose} database URL (base64)"] = base64.b64encode(creds["DATABASE_URL"].encode()).decode()
    texts = "\n".join(r.text + json.dumps(dict(r.headers)) for r in responses)
    log = service.log()
    for label, value in secrets.items():
        assert value not in texts, f"{label} in a response"
        assert value not in log, f"{label} in the service log"
        assert watcher.holding(value) == [], f"{label} in a file or command line during the runs"
        assert files_containing(service.state_dir, value) == [], f"{label} left in the state dir"
    assert any("/artifacts/" in path for path in watcher.seen_files()), "the watcher saw no run files"


@pytest.mark.parametrize(
    "name", ["1abc", "a-b", "a" * 64, "postgres", "template1", INJECTION, TEMPLATE, "select", "pg_x", ""]
)
def test_bad_database_names_answer_400_before_any_run(service, postgres, name):
    # The input is refused before a playbook runs, so the site need not even exist.
    runs = service.playbook_runs()
    response = _enable(service, "db-bad-names", dbName=name)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_input"
    assert [d["field"] for d in response.json()["details"]] == ["dbName"]
    assert "DROP" not in response.text and "lookup" not in response.text and "uid=" not in response.text
    assert service.playbook_runs() == runs  # no playbook ran
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


# --- PostgreSQL down -------------------------------------------------------------------------------
def test_postgres_down_answers_500_and_a_retry_finishes(tmp_path, kube, mailcow, kube_env, kubectl, own_postgres):
    own_service = start_stack(tmp_path / "service", kube, own_postgres, mailcow, **SETTINGS)
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
