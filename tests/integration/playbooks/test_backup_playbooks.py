"""playbooks/backup_*.yml run directly with ansible-playbook, as an operator or AWX would, against
the sandbox Kubernetes API and a local restic repository base.

The converging playbooks (enable, config, disable, purge) change something on their first run and
nothing on the second, and a --check run writes nothing (compared through the Kubernetes API and
the repository's files). run, snapshots and restore write nothing under --check either.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[3]
ANSIBLE_PLAYBOOK = str(Path(sys.executable).with_name("ansible-playbook"))
SEED = "operator-seed-5f4e3d2c1b0a99887766"
SLUG = "ops-backup-example-com"
NS = f"tenant-{SLUG}"


@pytest.fixture
def playbook(kube_env, tmp_path):
    """`playbook(name, api_input, *args)` runs playbooks/<name>.yml -> (rc, changed, result)."""
    base = tmp_path / "restic"

    def run(name: str, api_input: dict, *args: str) -> tuple[int, int, dict]:
        env = {**kube_env, "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "TENANT_BACKUP_RESTIC_PASSWORD_SEED": SEED,
               "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"), "ANSIBLE_HOME": str(tmp_path / "ansible-home")}
        variables = {"api_input": api_input, "tenant_backup_repository_base": str(base)}
        proc = subprocess.run(
            [ANSIBLE_PLAYBOOK, "-i", "inventory", f"playbooks/{name}.yml", "-e", json.dumps(variables), *args],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise AssertionError(f"{name}: no JSON output (rc {proc.returncode})\n{proc.stdout}\n{proc.stderr}") from None
        result = report.get("global_custom_stats", {}).get("api_result", {})
        return proc.returncode, report["stats"]["localhost"]["changed"], result

    run.repository = base / SLUG
    return run


def _state(kube, repository: Path) -> dict:
    """What a run could write: the backup objects and Jobs of the namespace (resourceVersions),
    the site record, and the repository's files (locks aside: read-only commands take none)."""
    state = {}
    for path in (f"/api/v1/namespaces/{NS}/secrets", f"/api/v1/namespaces/{NS}/configmaps",
                 f"/apis/batch/v1/namespaces/{NS}/cronjobs", f"/apis/batch/v1/namespaces/{NS}/jobs"):
        for item in requests.get(kube.url + path, timeout=10).json()["items"]:
            state[f"{path}/{item['metadata']['name']}"] = item["metadata"]["resourceVersion"]
    state["namespace"] = requests.get(f"{kube.url}/api/v1/namespaces/{NS}", timeout=10).json()["metadata"]["resourceVersion"]
    state["repository"] = sorted(str(p.relative_to(repository)) for p in repository.rglob("*")
                                 if p.is_file() and p.parent.name != "locks") if repository.exists() else None
    return state


def _converges(playbook, kube, name: str, api_input: dict, *, check_first: bool = True) -> dict:
    """--check writes nothing; the first run changes something; the second changes nothing."""
    before = _state(kube, playbook.repository)
    if check_first:
        rc, _, _ = playbook(name, api_input, "--check")
        assert rc == 0, name
        assert _state(kube, playbook.repository) == before, f"{name} --check wrote something"
    rc, changed, first = playbook(name, api_input)
    assert rc == 0 and changed > 0, (name, first)
    assert _state(kube, playbook.repository) != before
    rc, changed, second = playbook(name, api_input)
    assert rc == 0 and changed == 0, f"{name}: the second run changed something"
    assert second == first
    return first["body"]


def test_backup_playbooks_converge_once_and_check_mode_writes_nothing(playbook, kube, kube_env):
    rc, _, created = playbook("site_create", {"domain": "ops-backup.example.com", "cpu": 1, "ramGi": 1, "diskGi": 1})
    assert rc == 0, created

    enabled = _converges(playbook, kube, "backup_enable", {"slug": SLUG, "retentionDays": 14, "schedule": "0 3 * * *"})
    assert enabled == {"ok": True, "slug": SLUG, "backupEnabled": True, "retentionDays": 14, "schedule": "0 3 * * *"}
    assert (playbook.repository / "config").is_file()

    configured = _converges(playbook, kube, "backup_config", {"slug": SLUG, "schedule": "45 23 * * 6"})
    assert configured == {"ok": True, "slug": SLUG, "retentionDays": 14, "schedule": "45 23 * * 6"}

    # run: check mode starts no Job; a real run starts one (an action, not a state to converge to).
    before = _state(kube, playbook.repository)
    rc, _, checked = playbook("backup_run", {"slug": SLUG}, "--check")
    assert rc == 0 and checked["body"]["started"] is True
    assert _state(kube, playbook.repository) == before
    rc, changed, started = playbook("backup_run", {"slug": SLUG})
    assert rc == 0 and changed > 0 and started["body"] == {"ok": True, "slug": SLUG, "started": True}
    jobs = kube.wait_for_jobs(NS)
    assert len(jobs) == 1

    # snapshots and restore: the same answer with --check, nothing written.
    before = _state(kube, playbook.repository)
    rc, changed, listed = playbook("backup_snapshots", {"slug": SLUG})
    assert rc == 0 and changed == 0
    (item,) = listed["body"]["items"]
    assert item["hasFiles"] and not item["hasDb"] and item["sizeBytes"] > 0
    rc, changed, listed_in_check = playbook("backup_snapshots", {"slug": SLUG}, "--check")
    assert rc == 0 and changed == 0 and listed_in_check == listed
    rc, _, restored = playbook("backup_restore", {"slug": SLUG, "snapshotId": item["id"], "restoreDb": False}, "--check")
    assert rc == 0, restored
    assert restored["body"] == {"ok": True, "slug": SLUG, "restored": True, "snapshotId": item["id"]}
    assert _state(kube, playbook.repository) == before

    disabled = _converges(playbook, kube, "backup_disable", {"slug": SLUG}, check_first=False)
    assert disabled == {"ok": True, "slug": SLUG, "backupEnabled": False}
    cronjob = requests.get(f"{kube.url}/apis/batch/v1/namespaces/{NS}/cronjobs/site-backup", timeout=10).json()
    assert cronjob["spec"]["suspend"] is True

    purged = _converges(playbook, kube, "backup_purge", {"slug": SLUG, "confirm": "DELETE"})
    assert purged == {"ok": True, "slug": SLUG, "purged": True}
    assert not playbook.repository.exists()
    assert os.listdir(playbook.repository.parent) == []
