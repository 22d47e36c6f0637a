"""Volumes, garbage collection and namespace finalization (fake cluster)."""

from __future__ import annotations

import pytest

from sandbox.kube.controllers.gc import GarbageCollector
from sandbox.kube.controllers.kubelet import Kubelet
from sandbox.kube.controllers.namespaces import finalize_namespace
from sandbox.kube.controllers.stages import StageController
from sandbox.kube.controllers.volumes import VolumeController, claim_dir

from .conftest import process_alive, wait_for


def _pvc(storage="10Gi"):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "site-data", "namespace": "t1"},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                     "resources": {"requests": {"storage": storage}}}}


def test_claim_is_bound_to_a_provisioned_volume(make_cluster, tmp_path):
    cluster = make_cluster(VolumeController(tmp_path / "state"))
    cluster.create_internal(_pvc())
    pvc = cluster.get("v1", "PersistentVolumeClaim", "t1", "site-data")
    assert pvc["status"] == {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"}}
    assert pvc["spec"]["volumeName"] == f"pvc-{pvc['metadata']['uid']}"
    volume = cluster.get("v1", "PersistentVolume", None, pvc["spec"]["volumeName"])
    assert volume["status"] == {"phase": "Bound"}
    assert volume["spec"]["claimRef"]["name"] == "site-data"
    assert volume["spec"]["hostPath"]["path"] == str(claim_dir(tmp_path / "state", "t1", "site-data"))
    assert claim_dir(tmp_path / "state", "t1", "site-data").is_dir()


def test_capacity_follows_a_grown_request_and_never_shrinks(make_cluster, tmp_path):
    cluster = make_cluster(VolumeController(tmp_path / "state"))
    cluster.create_internal(_pvc("10Gi"))
    pvc = cluster.get("v1", "PersistentVolumeClaim", "t1", "site-data")
    pvc["spec"]["resources"]["requests"]["storage"] = "20Gi"
    cluster.update_internal(pvc)
    pvc = cluster.get("v1", "PersistentVolumeClaim", "t1", "site-data")
    assert pvc["status"]["capacity"] == {"storage": "20Gi"}
    assert cluster.get("v1", "PersistentVolume", None, pvc["spec"]["volumeName"])["spec"]["capacity"] == \
        {"storage": "20Gi"}


def test_deleting_the_claim_deletes_volume_and_data(make_cluster, tmp_path):
    cluster = make_cluster(VolumeController(tmp_path / "state"))
    cluster.create_internal(_pvc())
    name = cluster.get("v1", "PersistentVolumeClaim", "t1", "site-data")["spec"]["volumeName"]
    (claim_dir(tmp_path / "state", "t1", "site-data") / "file").write_text("x")
    cluster.delete_internal("v1", "PersistentVolumeClaim", "t1", "site-data")
    assert not claim_dir(tmp_path / "state", "t1", "site-data").exists()
    assert cluster.get("v1", "PersistentVolume", None, name) is None


def _owned(kind, api_version, name, owner):
    return {"apiVersion": api_version, "kind": kind, "metadata": {
        "name": name, "namespace": "t1", "ownerReferences": [
            {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
             "uid": owner["metadata"]["uid"], "controller": True}]},
            **({"spec": {"containers": [{"name": "c", "image": "x"}]}} if kind == "Pod" else {})}


def test_garbage_collector_cascades_through_owners(make_cluster):
    cluster = make_cluster(GarbageCollector())
    cron = cluster.create_internal({"apiVersion": "batch/v1", "kind": "CronJob",
                                    "metadata": {"name": "backup", "namespace": "t1"}, "spec": {}})
    job = cluster.create_internal(_owned("Job", "batch/v1", "backup-manual", cron))
    cluster.create_internal(_owned("Pod", "v1", "backup-manual-abcde", job))
    cluster.create_internal({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "keep", "namespace": "t1"}})
    cluster.delete_internal("batch/v1", "CronJob", "t1", "backup")
    assert cluster.kinds_in("t1") == ["ConfigMap/keep"]


def test_dependent_with_another_live_owner_is_kept(make_cluster):
    cluster = make_cluster(GarbageCollector())
    a = cluster.create_internal({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "t1"}})
    b = cluster.create_internal({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b", "namespace": "t1"}})
    both = _owned("Secret", "v1", "shared", a)
    both["metadata"]["ownerReferences"].append({"apiVersion": "v1", "kind": "ConfigMap", "name": "b",
                                                 "uid": b["metadata"]["uid"]})
    cluster.create_internal(both)
    cluster.delete_internal("v1", "ConfigMap", "t1", "a")
    assert cluster.get("v1", "Secret", "t1", "shared") is not None


def test_namespace_finalization_empties_then_removes_the_namespace(make_cluster, tmp_path):
    kubelet = Kubelet(tmp_path / "state")
    stages = StageController(actions={"finalize-namespace": finalize_namespace})
    cluster = make_cluster(stages, VolumeController(tmp_path / "state"), kubelet, GarbageCollector())
    cluster.create_internal(_pvc())
    cluster.create_internal({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "t1"},
                             "spec": {"restartPolicy": "Never", "containers": [
                                 {"name": "c", "image": "busybox", "command": ["sleep", "60"]}]}})
    wait_for(lambda: (cluster.get("v1", "Pod", "t1", "p").get("status") or {}).get("phase") == "Running")
    pids = [p.pid for run in kubelet._runs.values() for p in run.procs.values()]
    cluster.mark_terminating("t1")
    assert cluster.get("v1", "Namespace", None, "t1") is not None  # the default 200 ms delay
    wait_for(lambda: cluster.get("v1", "Namespace", None, "t1") is None, timeout=5)
    assert cluster.kinds_in("t1") == []
    assert not claim_dir(tmp_path / "state", "t1", "site-data").exists()
    wait_for(lambda: not any(process_alive(pid) for pid in pids))
    deletes = [w for w in cluster.writes if w[0] == "delete"]
    assert deletes[-1] == ("delete", "Namespace", "t1")


@pytest.mark.parametrize("delay", ["0s", "1s"])
def test_namespace_finalize_delay_annotation(make_cluster, delay):
    stages = StageController(actions={"finalize-namespace": finalize_namespace})
    cluster = make_cluster(stages, namespace=None)
    cluster.create_internal({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "slow", "annotations": {
        "namespace-finalize.stage.sandbox.tenant-provisioner.local/delay": delay}}})
    cluster.mark_terminating("slow")
    import time

    time.sleep(0.5)
    gone = cluster.get("v1", "Namespace", None, "slow") is None
    assert gone is (delay == "0s")


def test_claim_gets_the_default_class_and_the_protection_finalizer(make_cluster, tmp_path):
    cluster = make_cluster(VolumeController(tmp_path / "state"))
    cluster.create_internal({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "provisioner": "x.io/p",
                             "metadata": {"name": "fast", "annotations": {
                                 "storageclass.kubernetes.io/is-default-class": "true"}}})
    pvc = _pvc()
    del pvc["spec"]["storageClassName"]
    cluster.create_internal(pvc)
    stored = cluster.get("v1", "PersistentVolumeClaim", "t1", "site-data")
    assert stored["spec"]["storageClassName"] == "fast"
    assert stored["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]
    assert stored["metadata"]["annotations"]["volume.kubernetes.io/storage-provisioner"] == "x.io/p"
    assert stored["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] == "yes"


def test_claim_in_use_stays_until_its_pod_finishes(make_cluster, tmp_path):
    cluster = make_cluster(VolumeController(tmp_path / "state"))
    cluster.create_internal(_pvc())
    cluster.create_internal({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "user", "namespace": "t1"},
                             "spec": {"containers": [{"name": "c", "image": "x"}], "volumes": [
                                 {"name": "d", "persistentVolumeClaim": {"claimName": "site-data"}}]}})
    cluster.delete_internal("v1", "PersistentVolumeClaim", "t1", "site-data")
    assert cluster.get("v1", "PersistentVolumeClaim", "t1", "site-data")["metadata"]["deletionTimestamp"]
    assert claim_dir(tmp_path / "state", "t1", "site-data").exists()
    cluster.write_status("v1", "Pod", "t1", "user", {"phase": "Succeeded"})
    assert cluster.get("v1", "PersistentVolumeClaim", "t1", "site-data") is None
    assert not claim_dir(tmp_path / "state", "t1", "site-data").exists()
