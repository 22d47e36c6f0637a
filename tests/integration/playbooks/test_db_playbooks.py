"""playbooks/db_*.yml run directly with ansible-playbook, as an operator or AWX would, against the
real PostgreSQL server and the sandbox Kubernetes API.

Every playbook: the first run changes something, the second changes nothing, and a --check run
writes nothing (compared through psql's view of the catalog and kubectl's view of the tenant
namespace). Runs killed halfway, or the states they leave, are finished by running again.
The role's molecule scenarios run from tests/integration/molecule/test_scenarios.py.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import time

import pytest

from contract.models.db import RESERVED_WORDS
from tests.fixtures.ansible_run import Outcome, Playbooks


@pytest.fixture
def playbook(kube_env, postgres, tmp_path) -> Playbooks:
    """`playbook(name, api_input, *args, **extra_vars)` runs playbooks/<name>.yml -> Outcome."""
    return Playbooks(
        kube_env, tmp_path, env={"TENANT_DB_ADMIN_PASSWORD": postgres.admin_password},
        variables={"tenant_db_admin_host": postgres.host, "tenant_db_admin_port": postgres.port,
                   "tenant_db_admin_user": postgres.admin_user},
    )


def _psql(postgres, sql: str, *, user=None, password=None, database="postgres") -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "PGHOST": postgres.host, "PGPORT": str(postgres.port),
           "PGUSER": user or postgres.admin_user, "PGPASSWORD": password or postgres.admin_password,
           "PGDATABASE": database, "PGCONNECT_TIMEOUT": "5"}
    return subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-Atc", sql], env=env, capture_output=True, text=True, timeout=60)


def _admin(postgres, sql: str) -> str:
    proc = _psql(postgres, sql)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def _secret(kubectl, slug: str, prefix: str = "tenant-") -> dict | None:
    proc = kubectl("get", "secret", "site-db", "-n", f"{prefix}{slug}", "-o", "json", check=False)
    if proc.returncode != 0:
        return None
    return {key: base64.b64decode(value).decode() for key, value in json.loads(proc.stdout)["data"].items()}


def _create_site(playbook, name: str, **extra_vars) -> str:
    outcome = playbook("site_create", {"domain": f"{name}.example.com", "cpu": 1, "ramGi": 1, "diskGi": 1}, **extra_vars)
    assert outcome.rc == 0, outcome.output
    return outcome.result["body"]["slug"]


def _state(postgres, kubectl, slug: str, prefix: str = "tenant-") -> dict:
    """What a run could write: the site's roles and databases on the server (passwords, login,
    ACLs) and every object of its namespace (resourceVersions)."""
    like = f"%{slug.replace('-', '_')[:50]}%"  # a derived name longer than 63 is cut to 54 + hash
    roles = _admin(postgres, f"SELECT rolname, rolcanlogin, rolpassword FROM pg_authid WHERE rolname LIKE '{like}' ORDER BY 1")
    databases = _admin(postgres, "SELECT datname, pg_get_userbyid(datdba), datacl FROM pg_database ORDER BY 1")
    objects = kubectl("get", "secret,deployment", "-n", f"{prefix}{slug}",
                      "-o", "jsonpath={range .items[*]}{.kind}/{.metadata.name}@{.metadata.resourceVersion} {end}").stdout
    namespace = kubectl("get", "namespace", f"{prefix}{slug}", "-o", "jsonpath={.metadata.resourceVersion}").stdout
    return {"roles": roles, "databases": databases, "objects": objects, "namespace": namespace}


def _check_writes_nothing(playbook, postgres, kubectl, slug: str, prefix: str, name: str, api_input: dict,
                          **extra_vars) -> Outcome:
    before = _state(postgres, kubectl, slug, prefix)
    checked = playbook(name, api_input, "--check", **extra_vars)
    assert checked.rc == 0, checked.output
    assert _state(postgres, kubectl, slug, prefix) == before, f"{name} --check wrote something"
    return checked


def _second_and_check_change_nothing(playbook, postgres, kubectl, slug: str, prefix: str, name: str, api_input: dict,
                                     first: Outcome, **extra_vars) -> None:
    second = playbook(name, api_input, **extra_vars)
    assert second.rc == 0 and second.changed == 0, f"{name}: the second run changed something"
    assert second.result == first.result
    checked = _check_writes_nothing(playbook, postgres, kubectl, slug, prefix, name, api_input, **extra_vars)
    assert checked.changed == 0, f"{name} --check after the second run predicted a change"


def _three_runs(playbook, postgres, kubectl, slug: str, prefix: str, name: str, api_input: dict, **extra_vars) -> Outcome:
    """--check writes nothing; the first real run changes something; the second nothing; a --check
    run after it predicts no change and writes nothing."""
    before = _state(postgres, kubectl, slug, prefix)
    _check_writes_nothing(playbook, postgres, kubectl, slug, prefix, name, api_input, **extra_vars)
    first = playbook(name, api_input, **extra_vars)
    assert first.rc == 0, first.output
    assert first.changed > 0, f"{name}: the first run changed nothing"
    assert _state(postgres, kubectl, slug, prefix) != before
    _second_and_check_change_nothing(playbook, postgres, kubectl, slug, prefix, name, api_input, first, **extra_vars)
    return first


def _enable_killed_halfway(playbook, kube_api, slug: str, prefix: str, **extra_vars) -> None:
    """Run db_enable and kill it the moment the Secret exists: before the user or the database."""
    from kubernetes import client

    core = client.CoreV1Api(kube_api)
    proc = playbook.start("db_enable", {"slug": slug}, **extra_vars)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, "the run finished before it could be killed"
            assert time.monotonic() < deadline
            try:
                core.read_namespaced_secret("site-db", f"{prefix}{slug}")
                break
            except client.ApiException:
                time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()


def _login(postgres, credentials: dict, sql: str = "SELECT 1") -> subprocess.CompletedProcess:
    return _psql(postgres, sql, user=credentials["PGUSER"], password=credentials["PGPASSWORD"],
                 database=credentials["PGDATABASE"])


# One site walks the whole life cycle: enable (check mode first, then a run killed halfway, then
# the runs that finish it), status, a repaired password drift, disable and purge. Its slug is
# 62 characters long (a one-character namespace prefix allows that), so every derived name is
# shortened. A neighbour site adopts what an interrupted run left, keeps its database while the
# first site is purged, and has a purge finished that stopped after dropping its database.
PREFIX = "t"
LONG = {"tenant_namespace_prefix": PREFIX}


def test_enable_disable_purge_change_once_and_check_mode_writes_nothing(playbook, postgres, kubectl, kube_api):
    slug = _create_site(playbook, "a" * 50, **LONG)
    assert len(slug) == 62
    neighbour = _create_site(playbook, "pb-adopt")

    # The neighbour: what a run with dbName "pb_adopted" leaves when it stops before writing the
    # record is adopted by an enable without a name; another name then conflicts.
    _admin(postgres, "CREATE ROLE u_pb_adopt_example_com LOGIN")
    _admin(postgres, "CREATE DATABASE pb_adopted OWNER u_pb_adopt_example_com")
    adopted = playbook("db_enable", {"slug": neighbour})
    assert adopted.rc == 0, adopted.output
    assert adopted.result["body"] == {"ok": True, "slug": neighbour, "dbEnabled": True, "dbName": "pb_adopted",
                                      "username": "u_pb_adopt_example_com"}
    assert _admin(postgres, "SELECT count(*) FROM pg_database WHERE datname = 'db_pb_adopt_example_com'") == "0"
    conflict = playbook("db_enable", {"slug": neighbour, "dbName": "pb_other"})
    assert conflict.rc != 0 and conflict.result["error"]["code"] == "conflict"

    # --- enable: --check writes nothing; a run killed halfway is finished by running it again ----
    before = _state(postgres, kubectl, slug, PREFIX)
    _check_writes_nothing(playbook, postgres, kubectl, slug, PREFIX, "db_enable", {"slug": slug}, **LONG)
    _enable_killed_halfway(playbook, kube_api, slug, PREFIX, **LONG)
    credentials = _secret(kubectl, slug, prefix=PREFIX)
    full_database = f"db_{slug.replace('-', '_')}"
    assert _admin(postgres, f"SELECT count(*) FROM pg_database WHERE datname LIKE '{full_database[:54]}%'") == "0"

    enabled = playbook("db_enable", {"slug": slug}, **LONG)
    assert enabled.rc == 0, enabled.output
    assert enabled.changed > 0, "db_enable: the first complete run changed nothing"
    assert _state(postgres, kubectl, slug, PREFIX) != before
    user, database = enabled.result["body"]["username"], enabled.result["body"]["dbName"]
    assert enabled.result["body"] == {"ok": True, "slug": slug, "dbEnabled": True, "dbName": database, "username": user}
    assert len(user) == 63 and user.startswith("u_aaaa") and user != f"u_{slug.replace('-', '_')}"[:63]
    assert len(database) == 63 and database.startswith("db_aaaa")
    assert _admin(postgres, f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{database}'") == user
    assert _secret(kubectl, slug, prefix=PREFIX) == credentials  # the password written first is the one used
    assert credentials["PGUSER"] == user
    login = _login(postgres, credentials, "SELECT current_database()")
    assert login.stdout.strip() == database, login.stderr
    _second_and_check_change_nothing(playbook, postgres, kubectl, slug, PREFIX, "db_enable", {"slug": slug},
                                     enabled, **LONG)

    # --- status changes nothing and works in check mode -------------------------------------------
    before = _state(postgres, kubectl, slug, PREFIX)
    for args in ((), ("--check",)):
        outcome = playbook("db_status", {"slug": slug}, *args, **LONG)
        assert outcome.rc == 0 and outcome.changed == 0
        assert outcome.result["body"] == {"ok": True, "slug": slug, "dbEnabled": True, "dbName": database,
                                          "username": user, "secretPresent": True}
    assert _state(postgres, kubectl, slug, PREFIX) == before

    # --- enable repairs a user whose password differs from the Secret ------------------------------
    _admin(postgres, f"ALTER ROLE \"{user}\" PASSWORD 'something-else-entirely'")
    assert _login(postgres, credentials).returncode != 0
    repaired = playbook("db_enable", {"slug": slug}, **LONG)
    assert repaired.rc == 0 and repaired.changed > 0
    assert _login(postgres, credentials).returncode == 0

    # --- disable -----------------------------------------------------------------------------------
    disabled = _three_runs(playbook, postgres, kubectl, slug, PREFIX, "db_disable", {"slug": slug}, **LONG)
    assert disabled.result["body"] == {"ok": True, "slug": slug, "dbEnabled": False}
    assert _admin(postgres, f"SELECT rolcanlogin FROM pg_roles WHERE rolname = '{user}'") == "f"

    # --- purge (with a database, then twice without one) never drops the neighbour's database ------
    purged = _three_runs(playbook, postgres, kubectl, slug, PREFIX, "db_purge", {"slug": slug, "confirm": "DELETE"},
                         **LONG)
    assert purged.result["body"] == {"ok": True, "slug": slug, "purged": True}
    assert _admin(postgres, f"SELECT count(*) FROM pg_database WHERE datname = '{database}'") == "0"
    assert _admin(postgres, f"SELECT count(*) FROM pg_roles WHERE rolname = '{user}'") == "0"
    assert _secret(kubectl, slug, prefix=PREFIX) is None
    assert _admin(postgres, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'pb_adopted'") == "u_pb_adopt_example_com"

    # --- a purge interrupted after the database is finished by running it again --------------------
    _admin(postgres, "DROP DATABASE pb_adopted")  # as if the run stopped here
    outcome = playbook("db_purge", {"slug": neighbour, "confirm": "DELETE"})
    assert outcome.rc == 0, outcome.output
    assert _admin(postgres, "SELECT count(*) FROM pg_roles WHERE rolname = 'u_pb_adopt_example_com'") == "0"
    assert _secret(kubectl, neighbour) is None


def test_operator_gets_the_same_400_and_404_as_the_api(playbook):
    bad = playbook("db_enable", {"slug": "pb-nope", "dbName": 'x"; DROP DATABASE postgres; --'})
    assert bad.rc != 0
    assert bad.result["error"]["status"] == 400 and bad.result["error"]["details"][0]["field"] == "dbName"
    missing = playbook("db_status", {"slug": "pb-nope"})
    assert missing.rc != 0 and missing.result["error"]["code"] == "site_not_found"


def test_reserved_words_cover_the_servers_reserved_key_words(postgres):
    words = set(_admin(postgres, "SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')").split())
    assert words and words <= RESERVED_WORDS, sorted(words - RESERVED_WORDS)
