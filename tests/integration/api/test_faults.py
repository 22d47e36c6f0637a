"""The audit's fault cases, kept: the service killed (SIGKILL, with every process of its runs, as
when its container dies) in the middle of a deploy and of a db enable; a run that outlives the run
timeout; PostgreSQL stopped and Mailcow killed while a run talks to them. Each ends in a clear
error (or, for a killed service, no answer) and leaves a state that the retried request repairs.

One site walks through all of it, against a PostgreSQL server and a Mailcow of this module alone
(both are stopped on purpose). Results are checked in the cluster, with psql and in Mailcow.
"""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import psycopg2
import pytest
import requests

from scripts import postgres_server
from tests.fixtures.mailcow import start_mailcow
from tests.fixtures.service import PRODUCTION_MODULE, live_processes, start_service

SLUG = "faults-example-com"
NAMESPACE = f"tenant-{SLUG}"
IMAGE = "ghcr.io/example/faults:1.0"
TIMEOUT = 300  # seconds a request may take on a busy machine


@pytest.fixture
def own_mailcow(tmp_path):
    """A Mailcow of this test alone, to kill and start again (same port, same state)."""
    root = tmp_path / "mailcow"
    sandbox = start_mailcow(root)
    holder = {"sandbox": sandbox, "root": root}
    yield holder
    holder["sandbox"].process.stop()


# --- helpers -----------------------------------------------------------------------------------
def _start(state: Path, kube, postgres, mailcow, **extra: str):
    return start_service(
        PRODUCTION_MODULE, state,
        kubeconfig=str(kube.kubeconfig),
        pg_admin_host=postgres.host, pg_admin_port=str(postgres.port),
        pg_admin_user=postgres.admin_user, pg_admin_password=postgres.admin_password,
        pg_tenant_host=postgres.host, pg_tenant_port=str(postgres.port),
        mailcow_url=mailcow.url, mailcow_api_key=mailcow.key,
        **{"run_timeout": "240", **extra},
    )


def _descendants(pid: int) -> set[int]:
    """`pid` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    tree, todo = set(), [pid]
    while todo:
        current = todo.pop()
        tree.add(current)
        todo.extend(children.get(current, []))
    return tree


def _kill_tree(pid: int) -> None:
    """SIGKILL a process and all its descendants at once (a container's death): the tree is
    frozen first (SIGSTOP until no new process appears), so none escapes by forking."""
    frozen: set[int] = set()
    while (tree := _descendants(pid)) - frozen:
        for member in tree - frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(member, signal.SIGSTOP)
        frozen |= tree
    for member in frozen:
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)


def _in_background(service, method: str, path: str, body=None) -> tuple[threading.Thread, list]:
    """Send a request from a thread; the list gets its response or the exception it raised."""
    outcome: list = []

    def send():
        try:
            outcome.append(service.request(method, path, json=body, timeout=TIMEOUT))
        except requests.RequestException as problem:
            outcome.append(problem)

    thread = threading.Thread(target=send)
    thread.start()
    return thread, outcome


def _wait_for(what: str, check, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"waited {timeout}s in vain for {what}")


def _get(kube, path: str) -> dict | None:
    response = requests.get(kube.url + path, timeout=10)
    return response.json() if response.status_code == 200 else None


def _secret(kube) -> dict[str, str] | None:
    found = _get(kube, f"/api/v1/namespaces/{NAMESPACE}/secrets/site-db")
    return {k: base64.b64decode(v).decode() for k, v in found["data"].items()} if found else None


def _psql(postgres, credentials: dict[str, str] | None, sql: str) -> subprocess.CompletedProcess:
    """psql as the site's user (credentials from its Secret) or as the admin (None)."""
    env = dict(os.environ, PGHOST=postgres.host, PGPORT=str(postgres.port))
    if credentials is None:
        env.update(PGUSER=postgres.admin_user, PGPASSWORD=postgres.admin_password, PGDATABASE="postgres")
    else:
        env.update(PGUSER=credentials["PGUSER"], PGPASSWORD=credentials["PGPASSWORD"], PGDATABASE=credentials["PGDATABASE"])
    return subprocess.run(["psql", "-X", "-Atc", sql], env=env, capture_output=True, text=True, timeout=60)


def _role_lock(postgres, user: str):
    """An open admin transaction that changed the site's role: a run's ALTER ROLE waits for it."""
    connection = psycopg2.connect(postgres.dsn())
    connection.cursor().execute(f'ALTER ROLE "{user}" CONNECTION LIMIT 7')
    return connection


def _waiting_alter_role(postgres) -> bool:
    out = _psql(postgres, None, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                "AND query ~* 'ALTER (ROLE|USER)' AND pid <> pg_backend_pid()")
    return out.returncode == 0 and out.stdout.strip() not in ("", "0")


def _run_dirs(service) -> list[str]:
    return sorted(p.name for p in service.runs_dir.iterdir()) if service.runs_dir.exists() else []


# --- the walk -------------------------------------------------------------------------------------
def test_killed_service_timeouts_and_lost_backends_end_clearly_and_a_retry_repairs(
        tmp_path, kube, own_postgres, own_mailcow):
    pg, mailcow = own_postgres, own_mailcow["sandbox"]
    state = tmp_path / "service"  # one state dir, as one replica restarted in place
    first = _start(state, kube, pg, mailcow)
    services = [first]
    try:
        created = first.request("POST", "/sites", json={"domain": "faults.example.com", "cpu": 1, "ramGi": 1, "diskGi": 1},
                                timeout=TIMEOUT)
        assert created.status_code == 200, created.text

        # 1. The service dies mid-deploy: the record already names the image, no app object
        #    exists yet. A new service process removes the dead run's files; the retry deploys.
        deploy = {"image": IMAGE, "containerPort": 8080}
        thread, outcome = _in_background(first, "POST", f"/sites/{SLUG}/deploy", deploy)
        _wait_for("the deploy to record the image", lambda: (_get(kube, f"/api/v1/namespaces/{NAMESPACE}")["metadata"]
                                                              .get("annotations") or {}).get("tenant-provisioner.io/image") == IMAGE)
        _kill_tree(first.pid)
        first.process.process.wait(30)  # reaped, as a dead container's process is gone
        thread.join(TIMEOUT)
        assert outcome and isinstance(outcome[0], requests.ConnectionError), outcome
        dead_runs = _run_dirs(first)
        assert dead_runs, "the killed run left no run dir to clean up"
        second = _start(state, kube, pg, mailcow)
        services.append(second)
        assert not set(dead_runs) & set(_run_dirs(second)), "the dead run's files are still there"
        retried = second.request("POST", f"/sites/{SLUG}/deploy", json=deploy, timeout=TIMEOUT)
        assert retried.status_code == 200, retried.text
        deployment = _get(kube, f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/site")
        assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == IMAGE
        assert _get(kube, f"/api/v1/namespaces/{NAMESPACE}/services/site") is not None
        assert _get(kube, f"/apis/networking.k8s.io/v1/namespaces/{NAMESPACE}/ingresses/site") is not None

        # 2. The service dies mid db/enable, once the credentials Secret is written: the retry
        #    keeps that password and makes the user and database; the app's login works.
        thread, outcome = _in_background(second, "POST", f"/sites/{SLUG}/db/enable", {})
        _wait_for("db enable to write the Secret", lambda: _secret(kube) is not None)
        _kill_tree(second.pid)
        second.process.process.wait(30)  # reaped, as a dead container's process is gone
        thread.join(TIMEOUT)
        assert outcome and isinstance(outcome[0], requests.ConnectionError), outcome
        kept = _secret(kube)
        third = _start(state, kube, pg, mailcow)
        services.append(third)
        enabled = third.request("POST", f"/sites/{SLUG}/db/enable", json={}, timeout=TIMEOUT)
        assert enabled.status_code == 200, enabled.text
        assert _secret(kube) == kept
        login = _psql(pg, kept, "SELECT current_user")
        assert login.returncode == 0 and login.stdout.strip() == kept["PGUSER"], login.stderr

        # 3. A run that outlives the run timeout (db disable waits for a lock this test holds):
        #    500 run_timeout, none of its processes left; the retry, once the lock is gone, finishes.
        hurried = _start(tmp_path / "hurried", kube, pg, mailcow, run_timeout="25")
        services.append(hurried)
        blocker = _role_lock(pg, kept["PGUSER"])
        try:
            timed_out = hurried.request("POST", f"/sites/{SLUG}/db/disable", timeout=TIMEOUT)
            assert timed_out.status_code == 500, timed_out.text
            assert timed_out.json()["error"] == "run_timeout"
            assert "did not finish within 25 seconds and was stopped" in timed_out.json()["message"]
            assert live_processes(str(hurried.runs_dir)) == []
        finally:
            blocker.rollback()
            blocker.close()
        disabled = third.request("POST", f"/sites/{SLUG}/db/disable", timeout=TIMEOUT)
        assert disabled.status_code == 200, disabled.text
        assert "not permitted to log in" in _psql(pg, kept, "SELECT 1").stderr

        # 4. PostgreSQL stops while db enable waits in it: 500 naming the step, no password; the retry once it runs again finishes, with the same login.
        blocker = _role_lock(pg, kept["PGUSER"])
        thread, outcome = _in_background(third, "POST", f"/sites/{SLUG}/db/enable", {})
        try:
            _wait_for("db enable to wait in PostgreSQL", lambda: _waiting_alter_role(pg))
            postgres_server.stop(pg.base_dir)
        finally:
            blocker.close()
        thread.join(TIMEOUT)
        response = outcome[0]
        assert response.status_code == 500, response.text
        body = response.json()
        assert body["error"] == "playbook_failed"  # an unexpected failure, named by its task
        assert "task 'Ensure the site's database user exists" in body["message"], body
        assert pg.admin_password not in response.text and kept["PGPASSWORD"] not in response.text
        postgres_server.start(pg.base_dir, pg.port)
        enabled = third.request("POST", f"/sites/{SLUG}/db/enable", json={}, timeout=TIMEOUT)
        assert enabled.status_code == 200, enabled.text
        assert _psql(pg, kept, "SELECT 1").returncode == 0

        # 5. Mailcow dies after it added the mail domain, before it answered: 500 saying Mailcow
        #    could not be reached; the retry adopts the domain (it carries the site's tag).
        mailcow.add_fault(action="delay", seconds=60, when="after", pathPrefix="/api/v1/add/domain", times=1)
        thread, outcome = _in_background(third, "POST", f"/sites/{SLUG}/mail/enable", {"domain": "faults.example"})
        _wait_for("Mailcow to add the domain", lambda: mailcow.get("get/domain/faults.example").json() != {})
        _kill_tree(mailcow.process.process.pid)
        mailcow.process.process.wait(30)
        thread.join(TIMEOUT)
        response = outcome[0]
        assert response.status_code == 500, response.text
        assert f"Mailcow at {mailcow.url} could not be reached" in response.json()["message"]
        assert mailcow.key not in response.text
        mailcow = own_mailcow["sandbox"] = start_mailcow(own_mailcow["root"], port=mailcow.process.port)
        mail = third.request("POST", f"/sites/{SLUG}/mail/enable", json={"domain": "faults.example"}, timeout=TIMEOUT)
        assert mail.status_code == 200, mail.text
        assert mailcow.get("get/domain/faults.example").json()["active"] == 1

        # The site goes with everything it has; nothing of the interrupted runs stays behind.
        purged = third.request("POST", f"/sites/{SLUG}/purge", json={"confirm": "DELETE"}, timeout=TIMEOUT)
        assert purged.status_code == 200, purged.text
        left = _psql(pg, None, f"SELECT rolname FROM pg_roles WHERE rolname = '{kept['PGUSER']}' "
                               f"UNION ALL SELECT datname FROM pg_database WHERE datname LIKE '{kept['PGDATABASE']}%'")
        assert left.returncode == 0 and left.stdout.strip() == "", left.stdout
        assert mailcow.get("get/domain/faults.example").json() == {}
        assert _get(kube, f"/api/v1/namespaces/{NAMESPACE}") is None
    finally:
        for service in services:
            if service.process.process.poll() is None:
                service.stop()
