"""The Job controller over the sandbox kubelet (fake cluster, real processes)."""

from __future__ import annotations

import pytest

from sandbox.kube.controllers.gc import GarbageCollector
from sandbox.kube.controllers.jobs import JobController, is_finished
from sandbox.kube.controllers.kubelet import Kubelet
from sandbox.kube.controllers.quota import QuotaController

from .conftest import process_alive, wait_for


@pytest.fixture
def kubelet(tmp_path):
    return Kubelet(tmp_path / "state")


@pytest.fixture
def cluster(make_cluster, kubelet, tmp_path):
    return make_cluster(QuotaController(), kubelet, JobController(tmp_path / "state", kubelet), GarbageCollector())


def _job(name, command, backoff_limit=0, annotations=None, **spec):
    meta = {"name": name, "namespace": "t1"}
    if annotations:
        meta["annotations"] = annotations
    template_spec = spec.pop("pod_spec", {})
    return {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": meta,
        "spec": {"backoffLimit": backoff_limit, **spec, "template": {"spec": {
            "restartPolicy": "Never", **template_spec,
            "containers": [{"name": "main", "image": "busybox", "command": command}]}}},
    }


def _job_status(cluster, name):
    return cluster.get("batch/v1", "Job", "t1", name).get("status") or {}


def _finished(cluster, name):
    return is_finished(cluster.get("batch/v1", "Job", "t1", name))


def _conditions(cluster, name):
    return [(c["type"], c["status"], c.get("reason")) for c in _job_status(cluster, name).get("conditions", [])]


def _pods(cluster):
    return cluster.list("v1", "Pod", "t1")


def test_successful_job_completes_with_the_real_conditions(cluster):
    cluster.create_internal(_job("ok", ["sh", "-c", "echo fine"]))
    wait_for(lambda: _finished(cluster, "ok"))
    status = _job_status(cluster, "ok")
    assert _conditions(cluster, "ok") == [("SuccessCriteriaMet", "True", "CompletionsReached"),
                                          ("Complete", "True", "CompletionsReached")]
    assert status["succeeded"] == 1 and "active" not in status and "failed" not in status
    assert status["startTime"] and status["completionTime"]
    assert status["ready"] == 0 and status["terminating"] == 0 and status["uncountedTerminatedPods"] == {}
    pod = _pods(cluster)[0]
    job = cluster.get("batch/v1", "Job", "t1", "ok")
    assert pod["metadata"]["name"].startswith("ok-") and len(pod["metadata"]["name"]) == len("ok-") + 5
    assert pod["metadata"]["labels"]["job-name"] == "ok"
    assert pod["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "ok"
    assert pod["metadata"]["labels"]["controller-uid"] == job["metadata"]["uid"]
    assert pod["metadata"]["ownerReferences"] == [{"apiVersion": "batch/v1", "kind": "Job", "name": "ok",
                                                   "uid": job["metadata"]["uid"], "controller": True,
                                                   "blockOwnerDeletion": True}]


def test_failed_pod_with_backoff_limit_zero_fails_the_job(cluster):
    cluster.create_internal(_job("bad", ["sh", "-c", "exit 1"]))
    wait_for(lambda: _finished(cluster, "bad"))
    assert _conditions(cluster, "bad") == [("FailureTarget", "True", "BackoffLimitExceeded"),
                                           ("Failed", "True", "BackoffLimitExceeded")]
    assert _job_status(cluster, "bad")["failed"] == 1
    assert "completionTime" not in _job_status(cluster, "bad")


def test_backoff_limit_allows_retries_with_new_pods(cluster):
    cluster.create_internal(_job("retry", ["sh", "-c", "exit 2"], backoff_limit=2,
                                 annotations={"sandbox.tenant-provisioner.local/pod-failure-backoff": "50ms"}))
    wait_for(lambda: _finished(cluster, "retry"), timeout=20)
    assert _job_status(cluster, "retry")["failed"] == 3
    assert len(_pods(cluster)) == 3


def test_job_deadline_kills_the_pod_and_fails_the_job(cluster, kubelet):
    cluster.create_internal(_job("slow", ["sleep", "60"], activeDeadlineSeconds=1))
    wait_for(lambda: any((p.get("status") or {}).get("phase") == "Running" for p in _pods(cluster)))
    procs = [p for run in kubelet._runs.values() for p in run.procs.values()]
    wait_for(lambda: _finished(cluster, "slow"), timeout=15)
    assert _conditions(cluster, "slow") == [("FailureTarget", "True", "DeadlineExceeded"),
                                            ("Failed", "True", "DeadlineExceeded")]
    cond = _job_status(cluster, "slow")["conditions"][-1]
    assert cond["message"] == "Job was active longer than specified deadline"
    assert _job_status(cluster, "slow")["failed"] == 1
    assert _pods(cluster) == []
    wait_for(lambda: all(p.poll() is not None for p in procs))


def test_suspended_job_runs_nothing_until_resumed(cluster):
    cluster.create_internal(_job("later", ["true"], suspend=True))
    assert _pods(cluster) == []
    assert _conditions(cluster, "later") == [("Suspended", "True", "JobSuspended")]
    job = cluster.get("batch/v1", "Job", "t1", "later")
    job["spec"]["suspend"] = False
    cluster.update_internal(job)
    wait_for(lambda: _finished(cluster, "later"))
    assert ("Suspended", "False", "JobResumed") in _conditions(cluster, "later")


def test_deleting_the_job_kills_its_running_pod(cluster, kubelet):
    cluster.create_internal(_job("del", ["sleep", "60"]))
    wait_for(lambda: any((p.get("status") or {}).get("phase") == "Running" for p in _pods(cluster)))
    pids = [p.pid for run in kubelet._runs.values() for p in run.procs.values()]
    cluster.delete_internal("batch/v1", "Job", "t1", "del")
    assert _pods(cluster) == []
    wait_for(lambda: not any(process_alive(pid) for pid in pids))


def test_quota_refusal_leaves_the_job_waiting_with_an_event(cluster):
    cluster.create_internal({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "jobs", "namespace": "t1"},
                             "spec": {"hard": {"pods": "0"}, "scopes": ["Terminating"]}})
    cluster.create_internal(_job("q", ["true"], pod_spec={"activeDeadlineSeconds": 30}))
    assert _pods(cluster) == []
    events = [e for e in cluster.list("v1", "Event", "t1") if e["reason"] == "FailedCreate"]
    assert events and events[0]["message"].startswith('Error creating: pods "q-')
    assert "exceeded quota: jobs, requested: pods=1, used: pods=0, limited: pods=0" in events[0]["message"]
    assert _job_status(cluster, "q").get("active") is None and not _finished(cluster, "q")


def test_parallel_completions(cluster):
    cluster.create_internal(_job("many", ["true"], completions=3, parallelism=2))
    wait_for(lambda: _finished(cluster, "many"), timeout=20)
    assert _job_status(cluster, "many")["succeeded"] == 3


def test_ttl_after_finished_deletes_the_job(cluster):
    cluster.create_internal(_job("ttl", ["true"], ttlSecondsAfterFinished=0))
    wait_for(lambda: cluster.get("batch/v1", "Job", "t1", "ttl") is None)
    wait_for(lambda: _pods(cluster) == [])


def test_unfinished_pod_deleted_by_someone_else_counts_as_failed(cluster):
    cluster.create_internal(_job("lost", ["sleep", "60"]))
    wait_for(lambda: any((p.get("status") or {}).get("phase") == "Running" for p in _pods(cluster)))
    cluster.delete_internal("v1", "Pod", "t1", _pods(cluster)[0]["metadata"]["name"])
    wait_for(lambda: _finished(cluster, "lost"))
    assert _conditions(cluster, "lost")[-1] == ("Failed", "True", "BackoffLimitExceeded")
    assert _job_status(cluster, "lost")["failed"] == 1


def test_on_failure_restarts_count_against_the_backoff_limit(cluster):
    job = _job("flaky", ["sh", "-c", "exit 1"], backoff_limit=1)
    job["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    cluster.create_internal(job)
    wait_for(lambda: _finished(cluster, "flaky"), timeout=20)
    assert _conditions(cluster, "flaky")[-1] == ("Failed", "True", "BackoffLimitExceeded")
    assert _pods(cluster) == []
