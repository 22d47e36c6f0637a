"""Backups with restic through the API: HTTP -> runner -> playbooks/backup_*.yml ->
roles/tenant_backup -> the sandbox cluster, whose Job runner really runs the backup and restore
Jobs (restic, pg_dump, psql on this host), the real PostgreSQL server and a local restic
repository base.

Results are checked through other channels: the files in the site's volume (the claim dir on
the host), psql with the site's credentials, restic with the Secret's settings, and the
Kubernetes API for the CronJob, Jobs and Secrets.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg2
import pytest
import requests

from sandbox.kube.controllers.volumes import claim_dir
from tests.fixtures.service import files_containing
from tests.fixtures.stack import start_stack
from tests.fixtures.watch import SecretWatcher

REPO = Path(__file__).resolve().parents[3]
SEED = "backup-test-seed-0f1e2d3c4b5a69788796a5b4"
SLOW = 300  # seconds a request of the life cycle may take on a busy machine


@pytest.fixture(scope="module")
def service(tmp_path_factory, kube, postgres, mailcow):
    state = tmp_path_factory.mktemp("backup-service")
    started = start_stack(state, kube, postgres, mailcow, restic_repository_base=str(state / "restic"),
                          restic_password_seed=SEED, run_timeout="180")
    yield started
    started.stop()


# --- helpers -----------------------------------------------------------------------------------
def _namespace(slug: str) -> str:
    return f"tenant-{slug}"


def _create_site(service, name: str, *, deploy: bool = False) -> str:
    response = service.request("POST", "/sites", json={"domain": f"{name}.example.com", "cpu": 0.5, "ramGi": 1, "diskGi": 1},
                               timeout=SLOW)
    assert response.status_code == 200, response.text
    slug = response.json()["slug"]
    if deploy:
        deployed = service.request("POST", f"/sites/{slug}/deploy", json={"image": "nginx:1.27", "containerPort": 80},
                                   timeout=SLOW)
        assert deployed.status_code == 200, deployed.text
    return slug


def _enable_db(service, kube, slug: str) -> dict[str, str]:
    """The site's database (the db feature's endpoint) and its credentials from the Secret."""
    response = service.request("POST", f"/sites/{slug}/db/enable", json={}, timeout=SLOW)
    assert response.status_code == 200, response.text
    return _secret(kube, slug, "site-db")


def _get(kube, path: str) -> dict | None:
    response = requests.get(kube.url + path, timeout=10)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.json()


def _secret(kube, slug: str, name: str) -> dict[str, str] | None:
    secret = _get(kube, f"/api/v1/namespaces/{_namespace(slug)}/secrets/{name}")
    if secret is None:
        return None
    return {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}


def _cronjob(kube, slug: str) -> dict | None:
    return _get(kube, f"/apis/batch/v1/namespaces/{_namespace(slug)}/cronjobs/site-backup")


def _jobs(kube, slug: str) -> list[dict]:
    return _get(kube, f"/apis/batch/v1/namespaces/{_namespace(slug)}/jobs")["items"]


def _finished(job: dict) -> str | None:
    for condition in (job.get("status") or {}).get("conditions") or ():
        if condition["type"] in ("Complete", "Failed") and condition["status"] == "True":
            return condition["type"]
    return None


def _wait_for_jobs(kube, slug: str, timeout: float = 120) -> list[dict]:
    """Every Job of the site finished; each must have completed."""
    deadline = time.monotonic() + timeout
    while True:
        jobs = _jobs(kube, slug)
        if jobs and all(_finished(job) for job in jobs):
            break
        assert time.monotonic() < deadline, f"Jobs still running: {[j['metadata']['name'] for j in jobs]}"
        time.sleep(0.5)
    for job in jobs:
        assert _finished(job) == "Complete", f"{job['metadata']['name']} failed:\n{_job_log(kube, slug, job)}"
    return jobs


def _job_log(kube, slug: str, job: dict) -> str:
    pods = _get(kube, f"/api/v1/namespaces/{_namespace(slug)}/pods?labelSelector=job-name%3D{job['metadata']['name']}")
    return "\n".join(requests.get(f"{kube.url}/api/v1/namespaces/{_namespace(slug)}/pods/{p['metadata']['name']}/log",
                                  timeout=10).text for p in pods["items"])


def _run_backup(service, kube, slug: str) -> None:
    """POST /backup/run and wait until its Job has completed."""
    response = service.request("POST", f"/sites/{slug}/backup/run")
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True, "slug": slug, "started": True}
    _wait_for_jobs(kube, slug)


def _snapshots(service, slug: str) -> list[dict]:
    response = service.request("GET", f"/sites/{slug}/backup/snapshots")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True and body["slug"] == slug
    return body["items"]


def _restic(settings: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **settings}
    proc = subprocess.run(["restic", "--no-cache", *args], env=env, input=stdin, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc


def _restic_snapshots(settings: dict[str, str]) -> list[dict]:
    return json.loads(_restic(settings, "snapshots", "--json").stdout) or []


def _volume(kube, slug: str) -> Path:
    path = claim_dir(kube.state_dir, _namespace(slug), "site-data")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _tree(root: Path) -> dict[str, tuple]:
    """Every entry under `root`: files with content and mode, directories and symlinks."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = ("link", os.readlink(path))
        elif path.is_dir():
            out[rel] = ("dir", path.stat().st_mode & 0o7777)
        else:
            out[rel] = ("file", path.read_bytes(), path.stat().st_mode & 0o7777)
    return out


def _write_files(root: Path) -> None:
    (root / "index.html").write_text("<h1>hello</h1>\n")
    (root / "uploads" / "2026").mkdir(parents=True)
    (root / "uploads" / "2026" / "photo.bin").write_bytes(os.urandom(200_000))  # incompressible
    (root / ".env.local").write_text("FEATURE=on\n")
    (root / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (root / "run.sh").chmod(0o750)
    (root / "current").symlink_to("uploads/2026")


def _sql(credentials: dict[str, str], sql: str, postgres) -> list[tuple]:
    """Run SQL as the site's user (on the admin host and port, where this host reaches the server)."""
    with psycopg2.connect(host=postgres.host, port=postgres.port, user=credentials["PGUSER"],
                          password=credentials["PGPASSWORD"], dbname=credentials["PGDATABASE"]) as connection:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else []


def _psql(credentials: dict[str, str], sql: str, postgres, database: str | None = None) -> list[str]:
    """Run SQL with the psql client as the site's user (or the admin, `credentials=None`): the
    channel beside the API and psycopg2. One line per row, columns joined by "|"."""
    env = dict(os.environ, PGHOST=postgres.host, PGPORT=str(postgres.port))
    if credentials is None:
        env.update(PGUSER=postgres.admin_user, PGPASSWORD=postgres.admin_password, PGDATABASE=database or "postgres")
    else:
        env.update(PGUSER=credentials["PGUSER"], PGPASSWORD=credentials["PGPASSWORD"],
                   PGDATABASE=database or credentials["PGDATABASE"])
    done = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


#: What a database holds besides its rows: columns of every table, sequences with their values,
#: views, functions and extensions.
_CATALOG = """
SELECT 'column', table_name || '.' || column_name || ' ' || data_type FROM information_schema.columns
 WHERE table_schema = 'public'
UNION ALL SELECT 'sequence', sequencename || '=' || coalesce(last_value::text, '-') FROM pg_sequences
 WHERE schemaname = 'public'
UNION ALL SELECT 'view', viewname || ' ' || definition FROM pg_views WHERE schemaname = 'public'
UNION ALL SELECT 'function', oid::regprocedure::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace
UNION ALL SELECT 'extension', extname FROM pg_extension
ORDER BY 1, 2
"""


def _databases_of(credentials: dict[str, str], postgres) -> list[str]:
    """The databases the site's user owns (the admin's view)."""
    return _psql(None, f"SELECT datname FROM pg_database WHERE datdba = '{credentials['PGUSER']}'::regrole ORDER BY 1", postgres)


def _record(kube, slug: str) -> dict[str, str]:
    """The site record's annotations on the tenant Namespace."""
    return _get(kube, f"/api/v1/namespaces/{_namespace(slug)}")["metadata"].get("annotations") or {}


def _password(slug: str) -> str:
    return hmac.new(SEED.encode(), f"tenant-provisioner/restic/{slug}".encode(), hashlib.sha256).hexdigest()


# --- the whole cycle with real data ----------------------------------------------------------------
def test_backup_restore_and_purge_bring_back_exactly_and_leave_nothing(service, kube, kube_env, postgres):
    slug = _create_site(service, "bk-cycle", deploy=True)
    namespace = _namespace(slug)
    credentials = _enable_db(service, kube, slug)
    _sql(credentials, "CREATE TABLE posts (id int PRIMARY KEY, title text, body bytea)", postgres)
    _sql(credentials, "INSERT INTO posts SELECT i, 'post ' || i, decode(md5(i::text), 'hex') FROM generate_series(1, 500) i", postgres)
    # Objects besides tables: a sequence (advanced), a view, a function, an extension the site's
    # user may create.
    _psql(credentials, "CREATE EXTENSION hstore; CREATE SEQUENCE tickets; SELECT nextval('tickets') FROM generate_series(1, 5); "
                       "CREATE VIEW recent AS SELECT id, title FROM posts WHERE id > 490; "
                       "CREATE FUNCTION title_of(int) RETURNS text LANGUAGE sql AS 'SELECT title FROM posts WHERE id = $1'", postgres)
    catalog_at_backup = _psql(credentials, _CATALOG, postgres)
    assert "sequence|tickets=5" in catalog_at_backup and "extension|hstore" in catalog_at_backup
    volume = _volume(kube, slug)
    _write_files(volume)
    files_at_backup = _tree(volume)
    rows_at_backup = _sql(credentials, "SELECT * FROM posts ORDER BY id", postgres)
    responses = []  # every answer, searched for secrets at the end

    def call(method: str, path: str, body=None):
        response = service.request(method, f"/sites/{slug}/backup/{path}", json=body, timeout=SLOW)
        responses.append(response)
        return response

    with SecretWatcher(service.state_dir) as watcher:
        enabled = call("POST", "enable", {"retentionDays": 14, "schedule": "0 3 * * *"})
        assert enabled.status_code == 200, enabled.text
        assert enabled.json() == {"ok": True, "slug": slug, "backupEnabled": True, "retentionDays": 14, "schedule": "0 3 * * *"}
        cronjob = _cronjob(kube, slug)
        assert cronjob["spec"]["schedule"] == "0 3 * * *" and cronjob["spec"]["suspend"] is False
        assert cronjob["spec"]["concurrencyPolicy"] == "Forbid" and cronjob["spec"]["timeZone"] == "Etc/UTC"
        pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        assert pod["activeDeadlineSeconds"] > 0  # Terminating quota scope, beside the site's one pod
        assert pod["containers"][0]["resources"]["limits"] == {"cpu": "500m", "memory": "512Mi"}
        settings = _secret(kube, slug, "site-backup")
        assert settings == {"RESTIC_REPOSITORY": str(service.state_dir / "restic" / slug), "RESTIC_PASSWORD": _password(slug)}
        assert _restic_snapshots(settings) == []  # initialised, empty

        # A second run while the first one runs: pg_dump waits for a lock this test holds.
        blocker = psycopg2.connect(host=postgres.host, port=postgres.port, user=credentials["PGUSER"],
                                   password=credentials["PGPASSWORD"], dbname=credentials["PGDATABASE"])
        try:
            blocker.cursor().execute("LOCK TABLE posts IN ACCESS EXCLUSIVE MODE")
            started = call("POST", "run")
            assert started.status_code == 200, started.text
            assert started.json() == {"ok": True, "slug": slug, "started": True}
            second = call("POST", "run")
            assert second.status_code == 409, second.text
            assert second.json()["error"] == "conflict"
            assert [job for job in _jobs(kube, slug) if not _finished(job)], "the first run is not running"
        finally:
            blocker.rollback()
            blocker.close()
        jobs = _wait_for_jobs(kube, slug)
        assert len(jobs) == 1
        assert jobs[0]["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
        assert jobs[0]["metadata"]["ownerReferences"][0]["kind"] == "CronJob"

        listed = call("GET", "snapshots")
        assert listed.status_code == 200, listed.text
        items = listed.json()["items"]
        assert len(items) == 1
        item = items[0]
        assert item["hasFiles"] is True and item["hasDb"] is True
        started_at = datetime.strptime(item["id"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        assert started_at > datetime.now(timezone.utc) - timedelta(minutes=5)
        assert 200_000 < item["sizeBytes"] < 2_000_000, item  # the incompressible photo is in it
        # The repository says the same: two snapshots of this run, and the size restic reports.
        snapshots = _restic_snapshots(settings)
        assert sorted(tag for s in snapshots for tag in s["tags"] if tag.startswith("kind=")) == ["kind=db", "kind=files"]
        assert all({f"site={slug}", f"run={item['id']}"} <= set(s["tags"]) and s["hostname"] == slug for s in snapshots)
        stats = json.loads(_restic(settings, "stats", "--json", "--mode", "raw-data", *[s["id"] for s in snapshots]).stdout)
        assert stats["total_size"] == item["sizeBytes"]

        # Change and delete data, then restore everything.
        (volume / "index.html").write_text("defaced\n")
        (volume / "uploads" / "2026" / "photo.bin").unlink()
        (volume / "new-after-backup.txt").write_text("should go\n")
        _sql(credentials, "UPDATE posts SET title = 'changed' WHERE id <= 10; DELETE FROM posts WHERE id > 400; "
                          "INSERT INTO posts VALUES (9999, 'new', NULL)", postgres)
        # Made after the snapshot: a table, a column, a view, a function, an extension; the
        # sequence advanced. None of it may survive the restore.
        _psql(credentials, "CREATE TABLE intruder (note text); INSERT INTO intruder VALUES ('later'); "
                           "ALTER TABLE posts ADD COLUMN later text DEFAULT 'x'; "
                           "SELECT nextval('tickets') FROM generate_series(1, 3); CREATE EXTENSION pgcrypto; "
                           "CREATE VIEW later_view AS SELECT 1 AS one; "
                           "CREATE FUNCTION later_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'", postgres)
        changed = _psql(credentials, _CATALOG, postgres)
        assert "sequence|tickets=8" in changed and "column|intruder.note text" in changed
        restored = call("POST", "restore", {"snapshotId": item["id"], "restoreFiles": True, "restoreDb": True})
        assert restored.status_code == 200, restored.text
        assert restored.json() == {"ok": True, "slug": slug, "restored": True, "snapshotId": item["id"]}
        assert _tree(volume) == files_at_backup
        # The database is the snapshot's, object for object (psql, the site's own login and the
        # Secret's credentials); the restore's own databases are gone.
        assert _psql(credentials, _CATALOG, postgres) == catalog_at_backup
        assert _sql(credentials, "SELECT * FROM posts ORDER BY id", postgres) == rows_at_backup
        assert _psql(credentials, "SELECT title FROM posts WHERE id = 5", postgres) == ["post 5"]
        assert _psql(credentials, "SELECT nextval('tickets')", postgres) == ["6"]
        assert _databases_of(credentials, postgres) == [credentials["PGDATABASE"]]
        assert _secret(kube, slug, "site-db") == credentials
        assert _get(kube, f"/apis/apps/v1/namespaces/{namespace}/deployments/site")["spec"]["replicas"] == 1
        restores = [j for j in _jobs(kube, slug) if j["metadata"]["labels"]["app.kubernetes.io/component"] == "restore"]
        assert len(restores) == 1 and _finished(restores[0]) == "Complete"

        # Only the files: the database keeps its new state.
        (volume / "index.html").write_text("defaced again\n")
        _sql(credentials, "DELETE FROM posts WHERE id = 1", postgres)
        files_only = call("POST", "restore", {"snapshotId": item["id"], "restoreFiles": True, "restoreDb": False})
        assert files_only.status_code == 200, files_only.text
        assert _tree(volume) == files_at_backup
        assert _sql(credentials, "SELECT count(*) FROM posts WHERE id = 1", postgres) == [(0,)]

        # Only the database: the files keep their new state.
        (volume / "index.html").write_text("defaced a third time\n")
        db_only = call("POST", "restore", {"snapshotId": item["id"], "restoreFiles": False, "restoreDb": True})
        assert db_only.status_code == 200, db_only.text
        assert _sql(credentials, "SELECT * FROM posts ORDER BY id", postgres) == rows_at_backup
        assert (volume / "index.html").read_text() == "defaced a third time\n"

        # A restore that fails (the site's login no longer matches its Secret): 500 with the end of
        # the Job's log, the app runs again, and the site's database is as it was.
        _psql(credentials, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)", postgres)
        catalog_before_failure = _psql(credentials, _CATALOG, postgres)
        with psycopg2.connect(host=postgres.host, port=postgres.port, user=postgres.admin_user,
                              password=postgres.admin_password, dbname="postgres") as admin:
            admin.autocommit = True
            admin.cursor().execute(f'ALTER ROLE "{credentials["PGUSER"]}" PASSWORD \'not-the-secret-one-0000\'')
        failed = call("POST", "restore", {"snapshotId": item["id"], "restoreFiles": False, "restoreDb": True})
        assert failed.status_code == 500, failed.text
        assert failed.json()["error"] == "internal_error"
        assert "restore Job site-restore-" in failed.json()["message"]
        assert "password authentication failed" in failed.json()["message"]
        assert credentials["PGPASSWORD"] not in failed.text
        # The current database is untouched, and the unfinished one is gone.
        assert _psql(None, _CATALOG, postgres, credentials["PGDATABASE"]) == catalog_before_failure
        assert _psql(None, "SELECT id FROM kept", postgres, credentials["PGDATABASE"]) == ["7"]
        assert _databases_of(credentials, postgres) == [credentials["PGDATABASE"]]
        assert _get(kube, f"/apis/apps/v1/namespaces/{namespace}/deployments/site")["spec"]["replicas"] == 1

        logs = Path(kube.state_dir) / "logs" / namespace
        job_logs = "\n".join(path.read_text() for path in logs.rglob("*.log") if path.is_file())
        assert "backup run" in job_logs and "restore done" in job_logs  # the Jobs' logs were read

        # Soft delete suspends the schedule and keeps the snapshots; purge removes them.
        responses.append(service.request("DELETE", f"/sites/{slug}"))
        assert responses[-1].status_code == 200, responses[-1].text
        assert _cronjob(kube, slug)["spec"]["suspend"] is True
        assert len(_restic_snapshots(settings)) == 2
        responses.append(service.request("POST", f"/sites/{slug}/purge", json={"confirm": "DELETE"}, timeout=SLOW))
        assert responses[-1].status_code == 200, responses[-1].text
        assert not Path(settings["RESTIC_REPOSITORY"]).exists()
        assert _get(kube, f"/api/v1/namespaces/{namespace}") is None

    # The repository password (and the seed) in no response, log, Job log, file or command line.
    secrets = {
        "repository password": _password(slug),
        "repository password (base64)": base64.b64encode(_password(slug).encode()).decode(),
        "password seed": SEED,
    }
    texts = "\n".join(r.text + json.dumps(dict(r.headers)) for r in responses)
    for label, value in secrets.items():
        assert value not in texts, f"{label} in a response"
        assert value not in service.log(), f"{label} in the service log"
        assert value not in job_logs, f"{label} in a Job's log"
        assert watcher.holding(value) == [], f"{label} in a file or command line during the runs"
        assert files_containing(service.state_dir, value) == [], f"{label} left in the state dir"
    assert any("/artifacts/" in path for path in watcher.seen_files()), "the watcher saw no run files"


# --- retention, stale locks, other sites' snapshots --------------------------------------------------------
def test_retention_forgets_only_this_sites_old_snapshots_and_stale_locks_do_not_stop_a_run(service, kube, kube_env, tmp_path):
    slug = _create_site(service, "bk-retention")
    other = "bk-neighbour-example-com"
    enabled = service.request("POST", f"/sites/{slug}/backup/enable", json={"retentionDays": 7, "schedule": "30 1 * * 1-5"})
    assert enabled.status_code == 200, enabled.text
    settings = _secret(kube, slug, "site-backup")
    assert settings["RESTIC_PASSWORD"] == _password(slug) != _password(other)
    _write_files(_volume(kube, slug))

    # Old runs made with restic's --time: 10 days old (beyond the window) and 3 days old (inside).
    source = tmp_path / "old"
    source.mkdir()
    (source / "file").write_text("old\n")
    now = datetime.now(timezone.utc)
    ids = {}
    for label, age in (("expired", 10), ("kept", 3)):
        moment = now - timedelta(days=age)
        ids[label] = moment.strftime("%Y%m%dT%H%M%SZ")
        _restic({**settings, "TZ": "UTC"}, "backup", "--host", slug, "--time", moment.strftime("%Y-%m-%d %H:%M:%S"),
                "--tag", f"site={slug},run={ids[label]},kind=files", str(source))
    # Snapshots that are not this site's, in this site's repository: another site's, and one
    # with this site's host but no site tag. Neither may be listed, restored or forgotten.
    old = (now - timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    _restic({**settings, "TZ": "UTC"}, "backup", "--host", other, "--time", old, "--tag", f"site={other},run=20200101T000000Z", str(source))
    _restic({**settings, "TZ": "UTC"}, "backup", "--host", slug, "--time", old, "--tag", "manual", str(source))
    listed = _snapshots(service, slug)
    assert [item["id"] for item in listed] == [ids["kept"], ids["expired"]]
    assert all(item["hasFiles"] and not item["hasDb"] and item["sizeBytes"] > 0 for item in listed)

    # A stale lock: a restic process killed while it held the repository.
    locks = Path(settings["RESTIC_REPOSITORY"]) / "locks"
    holder = subprocess.Popen(["restic", "--no-cache", "backup", "--stdin", "--host", "lock-holder"], stdin=subprocess.PIPE,
                              env={"PATH": os.environ["PATH"], **settings}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # restic's local backend writes a lock file in place and makes it read-only once it is
        # complete; a lock killed halfway through writing is unreadable, and restic ignores it.
        deadline = time.monotonic() + 30
        while not any(lock.stat().st_size > 0 and not lock.stat().st_mode & 0o222 for lock in locks.iterdir()):
            assert time.monotonic() < deadline, "restic took no lock"
            time.sleep(0.05)
    finally:
        holder.kill()
        holder.wait()
    assert any(locks.iterdir())
    # Without unlock, the run's prune would refuse to start.
    blocked = subprocess.run(["restic", "--no-cache", "prune", "--dry-run"], env={"PATH": os.environ["PATH"], **settings},
                             capture_output=True, text=True, timeout=60)
    assert blocked.returncode != 0 and "locked" in blocked.stderr

    _run_backup(service, kube, slug)
    after = [item["id"] for item in _snapshots(service, slug)]
    assert len(after) == 2 and after[1] == ids["kept"] and after[0] > ids["kept"]
    assert not any(locks.iterdir())
    remaining = _restic_snapshots(settings)
    assert {s["hostname"] for s in remaining} == {slug, other}
    assert sum(1 for s in remaining if s["hostname"] == other) == 1
    assert sum(1 for s in remaining if "manual" in (s.get("tags") or [])) == 1

    # The other site's run id is unknown here, whatever this repository holds.
    response = service.request("POST", f"/sites/{slug}/backup/restore", json={"snapshotId": "20200101T000000Z", "restoreDb": False})
    assert response.status_code == 404 and response.json()["error"] == "snapshot_not_found"


# --- settings, on and off, purge ------------------------------------------------------------------
def test_enable_config_disable_and_purge(service, kube, kube_env):
    slug = _create_site(service, "bk-settings")
    path = f"/sites/{slug}/backup"
    for action, body in (("run", None), ("restore", {"snapshotId": "20260101T000000Z", "restoreDb": False})):
        response = service.request("POST", f"{path}/{action}", json=body)
        assert response.status_code == 409 and response.json()["error"] == "feature_disabled", response.text
    response = service.request("PATCH", f"{path}/config", json={"retentionDays": 3})
    assert response.status_code == 409 and response.json()["error"] == "feature_disabled"

    assert service.request("POST", f"{path}/enable", json={"retentionDays": 14, "schedule": "0  3 * * *"}).json()["schedule"] == "0 3 * * *"
    cronjob = _cronjob(kube, slug)
    again = service.request("POST", f"{path}/enable", json={"retentionDays": 14, "schedule": "0 3 * * *"})
    assert again.status_code == 200
    assert _cronjob(kube, slug)["metadata"]["resourceVersion"] == cronjob["metadata"]["resourceVersion"]  # a no-op
    other = service.request("POST", f"{path}/enable", json={"retentionDays": 30, "schedule": "0 3 * * *"})
    assert other.status_code == 409 and other.json()["error"] == "conflict"
    # Restoring the database of a site without one.
    no_db = service.request("POST", f"{path}/restore", json={"snapshotId": "20260101T000000Z", "restoreDb": True})
    assert no_db.status_code == 409 and no_db.json()["error"] == "feature_disabled"
    unknown = service.request("POST", f"{path}/restore", json={"snapshotId": "20260101T000000Z", "restoreDb": False})
    assert unknown.status_code == 404 and unknown.json()["error"] == "snapshot_not_found"

    changed = service.request("PATCH", f"{path}/config", json={"retentionDays": 30, "schedule": "15 2 * * sun"})
    assert changed.json() == {"ok": True, "slug": slug, "retentionDays": 30, "schedule": "15 2 * * sun"}
    updated = _cronjob(kube, slug)
    assert updated["metadata"]["uid"] == cronjob["metadata"]["uid"]  # changed in place
    assert updated["spec"]["schedule"] == "15 2 * * sun"
    env = updated["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "RETENTION_DAYS", "value": "30"} in env

    settings = _secret(kube, slug, "site-backup")
    _restic(settings, "backup", "--host", slug, "--tag", f"site={slug},run=20260101T000000Z,kind=files", str(REPO / "images"))
    disabled = service.request("POST", f"{path}/disable")
    assert disabled.json() == {"ok": True, "slug": slug, "backupEnabled": False}
    assert _cronjob(kube, slug)["spec"]["suspend"] is True
    assert [item["id"] for item in _snapshots(service, slug)] == ["20260101T000000Z"]  # kept
    assert _record(kube, slug)["tenant-provisioner.io/backup-enabled"] == "false"

    # Enable again: another schedule is fine while off; the same password and repository.
    assert service.request("POST", f"{path}/enable", json={"retentionDays": 7, "schedule": "0 4 * * *"}).status_code == 200
    assert _secret(kube, slug, "site-backup") == settings
    assert _cronjob(kube, slug)["spec"]["suspend"] is False

    assert service.request("POST", f"{path}/purge", json={"confirm": "delete"}).status_code == 400
    purged = service.request("POST", f"{path}/purge", json={"confirm": "DELETE"})
    assert purged.json() == {"ok": True, "slug": slug, "purged": True}
    assert not Path(settings["RESTIC_REPOSITORY"]).exists()
    assert _cronjob(kube, slug) is None and _secret(kube, slug, "site-backup") is None
    assert _get(kube, f"/api/v1/namespaces/{_namespace(slug)}/configmaps/site-backup-script") is None
    assert _snapshots(service, slug) == []
    record = _record(kube, slug)
    assert record["tenant-provisioner.io/backup-enabled"] == "false"
    assert not any(key.startswith("tenant-provisioner.io/backup-") and key != "tenant-provisioner.io/backup-enabled"
                   for key in record)


def test_unknown_site_answers_404_on_every_backup_endpoint(service, kube_env):
    calls = [
        ("POST", "enable", {"retentionDays": 7, "schedule": "@daily"}),
        ("PATCH", "config", {"retentionDays": 7}),
        ("GET", "snapshots", None),
        ("POST", "restore", {"snapshotId": "20260101T000000Z"}),
        ("POST", "purge", {"confirm": "DELETE"}),
    ]
    for method, action, body in calls:
        response = service.request(method, f"/sites/bk-nowhere-example-com/backup/{action}", json=body)
        assert response.status_code == 404, (action, response.text)
        assert response.json()["error"] == "site_not_found"


@pytest.mark.parametrize(
    ("method", "action", "body", "field"),
    [
        ("POST", "enable", {"retentionDays": 7, "schedule": "0 0 3 * * *"}, "schedule"),  # six fields
        ("POST", "enable", {"retentionDays": 7, "schedule": "61 3 * * *"}, "schedule"),
        ("POST", "enable", {"retentionDays": 7, "schedule": "0 24 * * *"}, "schedule"),
        ("POST", "enable", {"retentionDays": 7, "schedule": "0 3 32 * *"}, "schedule"),
        ("POST", "enable", {"retentionDays": 7, "schedule": "0 3 * 13 *"}, "schedule"),
        ("POST", "enable", {"retentionDays": 7, "schedule": "0 3 * * 7"}, "schedule"),
        ("POST", "enable", {"retentionDays": 7, "schedule": "every night please"}, "schedule"),
        ("POST", "enable", {"retentionDays": 7, "schedule": "@every 1h"}, "schedule"),
        ("POST", "enable", {"retentionDays": 7, "schedule": "{{ lookup('pipe', 'id') }}"}, "schedule"),
        ("POST", "enable", {"retentionDays": 0, "schedule": "@daily"}, "retentionDays"),
        ("POST", "enable", {"retentionDays": -3, "schedule": "@daily"}, "retentionDays"),
        ("POST", "enable", {"retentionDays": 3651, "schedule": "@daily"}, "retentionDays"),
        ("POST", "enable", {"retentionDays": "14", "schedule": "@daily"}, "retentionDays"),
        ("POST", "enable", {"schedule": "@daily"}, "retentionDays"),
        ("PATCH", "config", {}, "body"),
        ("PATCH", "config", {"schedule": "*/0 * * * *"}, "schedule"),
        ("POST", "restore", {"snapshotId": "2026-01-20T03:00:00Z"}, "snapshotId"),
        ("POST", "restore", {"snapshotId": "20261340T030000Z"}, "snapshotId"),
        ("POST", "restore", {"snapshotId": "latest"}, "snapshotId"),
        ("POST", "restore", {"snapshotId": "20260120T030000Z", "restoreFiles": False, "restoreDb": False}, "body"),
        ("POST", "purge", {"confirm": "yes"}, "confirm"),
    ],
)
def test_bad_input_answers_400_before_any_playbook_runs(service, method, action, body, field):
    # The site does not exist (a playbook would answer 404 if its input check let the body pass),
    # and the run count proves the 400 did not come from a playbook's own input check either.
    runs = service.playbook_runs()
    response = service.request(method, f"/sites/bk-nowhere-example-com/backup/{action}", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_input"
    assert response.json()["details"][0]["field"] == field
    assert service.playbook_runs() == runs  # no playbook ran
