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
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from server.models.db import RESERVED_WORDS

REPO = Path(__file__).resolve().parents[3]
ANSIBLE_PLAYBOOK = str(Path(sys.executable).with_name("ansible-playbook"))


@dataclass
class Outcome:
    rc: int
    changed: int
    result: dict  # what api_result published: {"body": ...} or {"error": ...}
    output: str


@pytest.fixture
def playbook(kube_env, postgres, tmp_path):
    """`playbook(name, api_input, *args, **extra_vars)` runs playbooks/<name>.yml -> Outcome."""

    def run(name: str, api_input: dict, *args: str, **extra_vars) -> Outcome:
        env = {
            **kube_env,
            "TENANT_DB_ADMIN_PASSWORD": postgres.admin_password,
            "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
            "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        }
        variables = {
            "api_input": api_input,
            "tenant_db_admin_host": postgres.host,
            "tenant_db_admin_port": postgres.port,
            "tenant_db_admin_user": postgres.admin_user,
            **extra_vars,
        }
        proc = subprocess.run(
            [ANSIBLE_PLAYBOOK, "-i", "inventory", f"playbooks/{name}.yml", "-e", json.dumps(variables), *args],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
        )
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise AssertionError(f"{name}: no JSON output (rc {proc.returncode})\n{proc.stdout}\n{proc.stderr}") from None
        result = report.get("global_custom_stats", {}).get("api_result", {})
        return Outcome(proc.returncode, report["stats"]["localhost"]["changed"], result, proc.stdout)

    return run


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


def _state(postgres, kubectl, slug: str) -> dict:
    """What a run could write: the site's roles and databases on the server (passwords, login,
    ACLs) and every object of its namespace (resourceVersions)."""
    like = f"%{slug.replace('-', '_')}%"
    roles = _admin(postgres, f"SELECT rolname, rolcanlogin, rolpassword FROM pg_authid WHERE rolname LIKE '{like}' ORDER BY 1")
    databases = _admin(postgres, "SELECT datname, pg_get_userbyid(datdba), datacl FROM pg_database ORDER BY 1")
    objects = kubectl("get", "secret,deployment", "-n", f"tenant-{slug}",
                      "-o", "jsonpath={range .items[*]}{.kind}/{.metadata.name}@{.metadata.resourceVersion} {end}").stdout
    namespace = kubectl("get", "namespace", f"tenant-{slug}", "-o", "jsonpath={.metadata.resourceVersion}").stdout
    return {"roles": roles, "databases": databases, "objects": objects, "namespace": namespace}


def _three_runs(playbook, postgres, kubectl, slug: str, name: str, api_input: dict) -> Outcome:
    """--check writes nothing; the first real run changes something; the second nothing."""
    before = _state(postgres, kubectl, slug)
    checked = playbook(name, api_input, "--check")
    assert checked.rc == 0, checked.output
    assert _state(postgres, kubectl, slug) == before, f"{name} --check wrote something"
    first = playbook(name, api_input)
    assert first.rc == 0, first.output
    assert first.changed > 0, f"{name}: the first run changed nothing"
    assert _state(postgres, kubectl, slug) != before
    second = playbook(name, api_input)
    assert second.rc == 0 and second.changed == 0, f"{name}: the second run changed something"
    assert second.result == first.result
    again = _state(postgres, kubectl, slug)
    assert playbook(name, api_input, "--check").changed == 0
    assert _state(postgres, kubectl, slug) == again
    return first


def test_enable_disable_purge_change_once_and_check_mode_writes_nothing(playbook, postgres, kubectl):
    slug = _create_site(playbook, "pb-cycle")
    enabled = _three_runs(playbook, postgres, kubectl, slug, "db_enable", {"slug": slug, "dbName": "pb_cycle_db"})
    assert enabled.result["body"] == {"ok": True, "slug": slug, "dbEnabled": True, "dbName": "pb_cycle_db",
                                      "username": "u_pb_cycle_example_com"}
    credentials = _secret(kubectl, slug)
    assert _psql(postgres, "SELECT 1", user=credentials["PGUSER"], password=credentials["PGPASSWORD"],
                 database="pb_cycle_db").returncode == 0

    disabled = _three_runs(playbook, postgres, kubectl, slug, "db_disable", {"slug": slug})
    assert disabled.result["body"] == {"ok": True, "slug": slug, "dbEnabled": False}
    assert _admin(postgres, "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'u_pb_cycle_example_com'") == "f"

    purged = _three_runs(playbook, postgres, kubectl, slug, "db_purge", {"slug": slug, "confirm": "DELETE"})
    assert purged.result["body"] == {"ok": True, "slug": slug, "purged": True}
    assert _admin(postgres, "SELECT count(*) FROM pg_database WHERE datname = 'pb_cycle_db'") == "0"
    assert _admin(postgres, "SELECT count(*) FROM pg_roles WHERE rolname = 'u_pb_cycle_example_com'") == "0"
    assert _secret(kubectl, slug) is None


def test_status_changes_nothing_and_works_in_check_mode(playbook, postgres, kubectl):
    slug = _create_site(playbook, "pb-status")
    assert playbook("db_enable", {"slug": slug}).rc == 0
    before = _state(postgres, kubectl, slug)
    for args in ((), ("--check",)):
        outcome = playbook("db_status", {"slug": slug}, *args)
        assert outcome.rc == 0 and outcome.changed == 0
        assert outcome.result["body"] == {"ok": True, "slug": slug, "dbEnabled": True, "dbName": "db_pb_status_example_com",
                                          "username": "u_pb_status_example_com", "secretPresent": True}
    assert _state(postgres, kubectl, slug) == before


def test_operator_gets_the_same_400_and_404_as_the_api(playbook):
    bad = playbook("db_enable", {"slug": "pb-nope", "dbName": 'x"; DROP DATABASE postgres; --'})
    assert bad.rc != 0
    assert bad.result["error"]["status"] == 400 and bad.result["error"]["details"][0]["field"] == "dbName"
    missing = playbook("db_status", {"slug": "pb-nope"})
    assert missing.rc != 0 and missing.result["error"]["code"] == "site_not_found"


# --- crash safety --------------------------------------------------------------------------------
def test_enable_killed_halfway_is_finished_by_running_it_again(playbook, postgres, kubectl, kube_api, kube_env, tmp_path):
    from kubernetes import client

    slug = _create_site(playbook, "pb-killed")
    core = client.CoreV1Api(kube_api)
    variables = json.dumps({"api_input": {"slug": slug}, "tenant_db_admin_host": postgres.host,
                            "tenant_db_admin_port": postgres.port, "tenant_db_admin_user": postgres.admin_user})
    env = {**kube_env, "TENANT_DB_ADMIN_PASSWORD": postgres.admin_password, "ANSIBLE_LOCAL_TEMP": str(tmp_path / "t")}
    proc = subprocess.Popen([ANSIBLE_PLAYBOOK, "-i", "inventory", "playbooks/db_enable.yml", "-e", variables],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:  # kill the run the moment the Secret exists: before the user or the database
            assert proc.poll() is None, "the run finished before it could be killed"
            assert time.monotonic() < deadline
            try:
                core.read_namespaced_secret("site-db", f"tenant-{slug}")
                break
            except client.ApiException:
                time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    credentials = _secret(kubectl, slug)
    assert _admin(postgres, "SELECT count(*) FROM pg_database WHERE datname = 'db_pb_killed_example_com'") == "0"

    rerun = playbook("db_enable", {"slug": slug})
    assert rerun.rc == 0, rerun.output
    assert _secret(kubectl, slug) == credentials  # the password written first is the one used
    login = _psql(postgres, "SELECT current_database()", user=credentials["PGUSER"], password=credentials["PGPASSWORD"],
                  database=credentials["PGDATABASE"])
    assert login.stdout.strip() == "db_pb_killed_example_com", login.stderr


def test_enable_repairs_a_user_whose_password_differs_from_the_secret(playbook, postgres, kubectl):
    slug = _create_site(playbook, "pb-drift")
    assert playbook("db_enable", {"slug": slug}).rc == 0
    credentials = _secret(kubectl, slug)
    _admin(postgres, "ALTER ROLE u_pb_drift_example_com PASSWORD 'something-else-entirely'")
    assert _psql(postgres, "SELECT 1", user=credentials["PGUSER"], password=credentials["PGPASSWORD"],
                 database=credentials["PGDATABASE"]).returncode != 0
    repaired = playbook("db_enable", {"slug": slug})
    assert repaired.rc == 0 and repaired.changed > 0
    assert _psql(postgres, "SELECT 1", user=credentials["PGUSER"], password=credentials["PGPASSWORD"],
                 database=credentials["PGDATABASE"]).returncode == 0


def test_enable_without_name_adopts_the_database_an_interrupted_run_made(playbook, postgres, kubectl):
    slug = _create_site(playbook, "pb-adopt")
    # What a run with dbName "pb_adopted" leaves when it stops before writing the record.
    _admin(postgres, "CREATE ROLE u_pb_adopt_example_com LOGIN")
    _admin(postgres, "CREATE DATABASE pb_adopted OWNER u_pb_adopt_example_com")
    outcome = playbook("db_enable", {"slug": slug})
    assert outcome.rc == 0, outcome.output
    assert outcome.result["body"]["dbName"] == "pb_adopted"
    assert _admin(postgres, "SELECT count(*) FROM pg_database WHERE datname = 'db_pb_adopt_example_com'") == "0"
    conflict = playbook("db_enable", {"slug": slug, "dbName": "pb_other"})
    assert conflict.rc != 0 and conflict.result["error"]["code"] == "conflict"


def test_purge_interrupted_after_the_database_is_finished_by_running_it_again(playbook, postgres, kubectl):
    slug = _create_site(playbook, "pb-half-purged")
    assert playbook("db_enable", {"slug": slug}).rc == 0
    _admin(postgres, "DROP DATABASE db_pb_half_purged_example_com")  # as if the run stopped here
    outcome = playbook("db_purge", {"slug": slug, "confirm": "DELETE"})
    assert outcome.rc == 0, outcome.output
    assert _admin(postgres, "SELECT count(*) FROM pg_roles WHERE rolname = 'u_pb_half_purged_example_com'") == "0"
    assert _secret(kubectl, slug) is None


def test_purge_never_drops_a_database_of_another_owner(playbook, postgres, kubectl):
    owner = _create_site(playbook, "pb-keeper")
    assert playbook("db_enable", {"slug": owner, "dbName": "pb_kept"}).rc == 0
    other = _create_site(playbook, "pb-other")
    assert playbook("db_purge", {"slug": other, "confirm": "DELETE"}).rc == 0
    assert _admin(postgres, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'pb_kept'") == "u_pb_keeper_example_com"


# --- names ------------------------------------------------------------------------------------------
def test_long_slugs_get_shortened_names_that_stay_the_same(playbook, postgres, kubectl):
    prefix = {"tenant_namespace_prefix": "t"}  # a one-character prefix allows a 62-character slug
    slug = _create_site(playbook, "a" * 50, **prefix)
    assert len(slug) == 62
    first = playbook("db_enable", {"slug": slug}, **prefix)
    assert first.rc == 0, first.output
    user, database = first.result["body"]["username"], first.result["body"]["dbName"]
    assert len(user) == 63 and user.startswith("u_aaaa") and user != f"u_{slug.replace('-', '_')}"[:63]
    assert len(database) == 63 and database.startswith("db_aaaa")
    assert _admin(postgres, f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{database}'") == user
    again = playbook("db_enable", {"slug": slug}, **prefix)
    assert again.rc == 0 and again.changed == 0 and again.result == first.result
    credentials = _secret(kubectl, slug, prefix="t")
    assert credentials["PGUSER"] == user
    assert playbook("db_purge", {"slug": slug, "confirm": "DELETE"}, **prefix).rc == 0
    assert _admin(postgres, f"SELECT count(*) FROM pg_roles WHERE rolname = '{user}'") == "0"


def test_reserved_words_cover_the_servers_reserved_key_words(postgres):
    words = set(_admin(postgres, "SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')").split())
    assert words and words <= RESERVED_WORDS, sorted(words - RESERVED_WORDS)
