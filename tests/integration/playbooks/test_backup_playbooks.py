"""playbooks/backup_*.yml run directly with ansible-playbook, as an operator or AWX would, against
the sandbox Kubernetes API and a local restic repository base.

The converging playbooks (enable, config, disable, purge) change something on their first run and
nothing on the second, and a --check run writes nothing (compared through the Kubernetes API and
the repository's files). run, snapshots and restore write nothing under --check either.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from tests.fixtures.ansible_run import Playbooks

SEED = "operator-seed-5f4e3d2c1b0a99887766"
SLUG = "ops-backup-example-com"
NS = f"tenant-{SLUG}"


@pytest.fixture
def playbook(kube_env, tmp_path) -> Playbooks:
    """`playbook(name, api_input, *args)` runs playbooks/<name>.yml -> Outcome."""
    base = tmp_path / "restic"
    run = Playbooks(kube_env, tmp_path, env={"TENANT_BACKUP_RESTIC_PASSWORD_SEED": SEED},
                    variables={"tenant_backup_repository_base": str(base)})
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
        assert playbook(name, api_input, "--check").rc == 0, name
        assert _state(kube, playbook.repository) == before, f"{name} --check wrote something"
    first = playbook(name, api_input)
    assert first.rc == 0 and first.changed > 0, (name, first.result)
    assert _state(kube, playbook.repository) != before
    second = playbook(name, api_input)
    assert second.rc == 0 and second.changed == 0, f"{name}: the second run changed something"
    assert second.result == first.result
    return first.result["body"]


def test_backup_playbooks_converge_once_and_check_mode_writes_nothing(playbook, kube, kube_env):
    created = playbook("site_create", {"domain": "ops-backup.example.com", "cpu": 1, "ramGi": 1, "diskGi": 1})
    assert created.rc == 0, created.result

    enabled = _converges(playbook, kube, "backup_enable", {"slug": SLUG, "retentionDays": 14, "schedule": "0 3 * * *"})
    assert enabled == {"ok": True, "slug": SLUG, "backupEnabled": True, "retentionDays": 14, "schedule": "0 3 * * *"}
    assert (playbook.repository / "config").is_file()

    configured = _converges(playbook, kube, "backup_config", {"slug": SLUG, "schedule": "45 23 * * 6"})
    assert configured == {"ok": True, "slug": SLUG, "retentionDays": 14, "schedule": "45 23 * * 6"}

    # run: check mode starts no Job; a real run starts one (an action, not a state to converge to).
    before = _state(kube, playbook.repository)
    checked = playbook("backup_run", {"slug": SLUG}, "--check")
    assert checked.rc == 0 and checked.result["body"]["started"] is True
    assert _state(kube, playbook.repository) == before
    started = playbook("backup_run", {"slug": SLUG})
    assert started.rc == 0 and started.changed > 0
    assert started.result["body"] == {"ok": True, "slug": SLUG, "started": True}
    jobs = kube.wait_for_jobs(NS)
    assert len(jobs) == 1

    # snapshots and restore: the same answer with --check, nothing written.
    before = _state(kube, playbook.repository)
    listed = playbook("backup_snapshots", {"slug": SLUG})
    assert listed.rc == 0 and listed.changed == 0
    (item,) = listed.result["body"]["items"]
    assert item["hasFiles"] and not item["hasDb"] and item["sizeBytes"] > 0
    listed_in_check = playbook("backup_snapshots", {"slug": SLUG}, "--check")
    assert listed_in_check.rc == 0 and listed_in_check.changed == 0 and listed_in_check.result == listed.result
    restored = playbook("backup_restore", {"slug": SLUG, "snapshotId": item["id"], "restoreDb": False}, "--check")
    assert restored.rc == 0, restored.result
    assert restored.result["body"] == {"ok": True, "slug": SLUG, "restored": True, "snapshotId": item["id"]}
    assert _state(kube, playbook.repository) == before

    disabled = _converges(playbook, kube, "backup_disable", {"slug": SLUG}, check_first=False)
    assert disabled == {"ok": True, "slug": SLUG, "backupEnabled": False}
    cronjob = requests.get(f"{kube.url}/apis/batch/v1/namespaces/{NS}/cronjobs/site-backup", timeout=10).json()
    assert cronjob["spec"]["suspend"] is True

    purged = _converges(playbook, kube, "backup_purge", {"slug": SLUG, "confirm": "DELETE"})
    assert purged == {"ok": True, "slug": SLUG, "purged": True}
    assert not playbook.repository.exists()
    assert os.listdir(playbook.repository.parent) == []
