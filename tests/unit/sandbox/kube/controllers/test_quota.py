"""ResourceQuota: usage, scopes, status and the admission messages of kube-apiserver."""

from __future__ import annotations

import pytest

from sandbox.kube import errors
from sandbox.kube.controllers.quota import QuotaController, compute_status, pod_usage, quota_matches


def _pod(name="p", deadline=None, containers=None, init=None, phase=None):
    spec = {"containers": containers or [{"name": "app", "resources": {
        "requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}}]}
    if deadline is not None:
        spec["activeDeadlineSeconds"] = deadline
    if init:
        spec["initContainers"] = init
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "t1"}, "spec": spec}
    if phase:
        pod["status"] = {"phase": phase}
    return pod


def _pvc(name="site-data", storage="10Gi"):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": "t1"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": storage}}}}


def _quota(name, hard, scopes=None):
    spec = {"hard": hard}
    if scopes:
        spec["scopes"] = scopes
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name, "namespace": "t1"}, "spec": spec}


def test_pod_usage_takes_the_larger_of_containers_and_init_containers():
    pod = _pod(init=[{"name": "init", "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "2"}}}])
    usage = {k: str(v) for k, v in pod_usage(pod).items()}
    assert usage["requests.cpu"] == "2" and usage["limits.cpu"] == "2"
    assert usage["requests.memory"] == "256Mi" and usage["pods"] == "1"


def test_finished_pods_use_nothing():
    assert pod_usage(_pod(phase="Succeeded")) == {}


@pytest.mark.parametrize(("scopes", "deadline", "expected"), [
    (["Terminating"], 600, True), (["Terminating"], None, False),
    (["NotTerminating"], None, True), (["NotTerminating"], 600, False),
    (["NotBestEffort"], None, True), (["BestEffort"], None, False),
])
def test_pod_scopes(scopes, deadline, expected):
    assert quota_matches(_quota("q", {"pods": "1"}, scopes), _pod(deadline=deadline)) is expected


def test_pvcs_only_count_in_unscoped_quotas():
    assert quota_matches(_quota("q", {"requests.storage": "1Gi"}), _pvc())
    assert not quota_matches(_quota("q", {"pods": "1"}, ["NotTerminating"]), _pvc())


def test_status_counts_matching_objects_only():
    quota = _quota("compute", {"pods": "1", "requests.cpu": "1", "limits.memory": "1Gi"}, ["NotTerminating"])
    pods = [_pod("a"), _pod("b", deadline=60), _pod("c", phase="Failed")]
    assert compute_status(quota, pods, []) == {
        "hard": {"pods": "1", "requests.cpu": "1", "limits.memory": "1Gi"},
        "used": {"pods": "1", "requests.cpu": "250m", "limits.memory": "512Mi"},
    }


def test_storage_status_counts_claims():
    quota = _quota("storage", {"requests.storage": "20Gi", "persistentvolumeclaims": "2"})
    assert compute_status(quota, [], [_pvc("a", "10Gi"), _pvc("b", "5Gi")])["used"] == {
        "requests.storage": "15Gi", "persistentvolumeclaims": "2"}


def test_pvc_over_quota_is_forbidden_with_the_real_message(make_cluster):
    cluster = make_cluster(QuotaController())
    cluster.create_internal(_quota("storage", {"requests.storage": "20Gi", "persistentvolumeclaims": "5"}))
    cluster.create_internal(_pvc("old", "10Gi"))
    assert cluster.get("v1", "ResourceQuota", "t1", "storage")["status"]["used"]["requests.storage"] == "10Gi"
    with pytest.raises(errors.Forbidden) as caught:
        cluster.create_internal(_pvc("site-data", "20Gi"))
    assert caught.value.message == (
        'persistentvolumeclaims "site-data" is forbidden: exceeded quota: storage, requested: '
        "requests.storage=20Gi, used: requests.storage=10Gi, limited: requests.storage=20Gi")
    assert caught.value.code == 403
    assert caught.value.to_status()["details"] == {"name": "site-data", "kind": "persistentvolumeclaims"}


def test_growing_a_pvc_is_charged_by_the_growth(make_cluster):
    cluster = make_cluster(QuotaController())
    cluster.create_internal(_quota("storage", {"requests.storage": "20Gi"}))
    cluster.create_internal(_pvc("site-data", "10Gi"))
    grown = cluster.get("v1", "PersistentVolumeClaim", "t1", "site-data")
    grown["spec"]["resources"]["requests"]["storage"] = "20Gi"
    cluster.update_internal(grown)
    grown["spec"]["resources"]["requests"]["storage"] = "30Gi"
    with pytest.raises(errors.Forbidden) as caught:
        cluster.update_internal(grown)
    assert "requested: requests.storage=10Gi, used: requests.storage=20Gi, limited: requests.storage=20Gi" in \
        caught.value.message


def test_pods_must_state_quotaed_resources(make_cluster):
    cluster = make_cluster(QuotaController())
    cluster.create_internal(_quota("compute", {"limits.cpu": "2", "requests.memory": "1Gi"}))
    with pytest.raises(errors.Forbidden) as caught:
        cluster.create_internal(_pod(containers=[{"name": "app"}, {"name": "side", "resources": {
            "limits": {"cpu": "1"}}}]))
    assert caught.value.message == (
        'pods "p" is forbidden: failed quota: compute: must specify limits.cpu for: app; '
        "requests.memory for: app,side")


def test_terminating_quota_limits_job_pods_but_not_the_site_pod(make_cluster):
    cluster = make_cluster(QuotaController())
    cluster.create_internal(_quota("site", {"pods": "1"}, ["NotTerminating"]))
    cluster.create_internal(_quota("jobs", {"pods": "1"}, ["Terminating"]))
    cluster.create_internal(_pod("site"))
    cluster.create_internal(_pod("backup-1", deadline=600))
    with pytest.raises(errors.Forbidden) as caught:
        cluster.create_internal(_pod("backup-2", deadline=600))
    assert caught.value.message == (
        'pods "backup-2" is forbidden: exceeded quota: jobs, requested: pods=1, used: pods=1, limited: pods=1')


def test_used_drops_when_a_pod_finishes_or_goes(make_cluster):
    cluster = make_cluster(QuotaController())
    cluster.create_internal(_quota("jobs", {"pods": "2"}, ["Terminating"]))
    cluster.create_internal(_pod("a", deadline=60))
    cluster.create_internal(_pod("b", deadline=60))
    assert cluster.get("v1", "ResourceQuota", "t1", "jobs")["status"]["used"] == {"pods": "2"}
    cluster.write_status("v1", "Pod", "t1", "a", {"phase": "Succeeded"})
    assert cluster.get("v1", "ResourceQuota", "t1", "jobs")["status"]["used"] == {"pods": "1"}
    cluster.delete_internal("v1", "Pod", "t1", "b")
    assert cluster.get("v1", "ResourceQuota", "t1", "jobs")["status"]["used"] == {"pods": "0"}
