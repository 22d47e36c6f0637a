"""The Job runner of the kube emulator, through kubectl, the kubernetes client and kubernetes.core.

Job pods really run on this host: a Job that writes into its PersistentVolumeClaim leaves the file
in the claim's directory under the emulator's state dir (`claim_dir`).
"""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path

import pytest
import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from sandbox.kube.controllers import claim_dir

NS = "jobs"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait(predicate, timeout: float = 20.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    assert value, f"not reached within {timeout}s"
    return value


def _namespace() -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}


def _claim(name: str = "site-data") -> dict:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": NS},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}


def _job(name: str, container: dict, *, volumes=(), backoff_limit: int = 0, **spec) -> dict:
    return {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "namespace": NS},
        "spec": {"backoffLimit": backoff_limit, **spec, "template": {"spec": {
            "restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox", **container}],
            "volumes": list(volumes)}}},
    }


def _apply(kubectl, *objects: dict) -> None:
    kubectl("apply", "-f", "-", input=yaml.safe_dump_all(objects))


def _job_conditions(batch: client.BatchV1Api, name: str) -> dict:
    job = batch.read_namespaced_job(name, NS)
    return {c.type: c for c in job.status.conditions or []}


@pytest.fixture
def mount(tmp_path):
    """A mountPath that does not exist on the host; the kubelet creates it, the test removes it."""
    path = Path("/mnt") / f"sandbox-it-{uuid.uuid4().hex[:10]}"
    yield str(path)
    if path.is_dir():
        path.rmdir()


@pytest.fixture
def batch(kube_api) -> client.BatchV1Api:
    return client.BatchV1Api(kube_api)


@pytest.fixture
def core(kube_api) -> client.CoreV1Api:
    return client.CoreV1Api(kube_api)


def test_job_writes_into_its_claim_and_the_file_is_on_the_host(kube, kubectl, mount):
    _apply(kubectl, _namespace(), _claim(), _job(
        "writer",
        {"command": ["sh", "-c", f"echo hello from the pod > {mount}/hello.txt"],
         "volumeMounts": [{"name": "data", "mountPath": mount}]},
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "site-data"}}],
    ))
    kubectl("wait", "-n", NS, "--for=condition=complete", "job/writer", "--timeout=30s")
    assert (claim_dir(kube.state_dir, NS, "site-data") / "hello.txt").read_text() == "hello from the pod\n"
    pvc = yaml.safe_load(kubectl("get", "-n", NS, "pvc", "site-data", "-o", "yaml").stdout)
    assert pvc["status"]["phase"] == "Bound" and pvc["spec"]["volumeName"].startswith("pvc-")


def test_kubernetes_core_waits_for_job_complete(kube, run_playbook):
    job = _job("backup", {"command": ["sh", "-c", "sleep 1; echo done"]})
    run = run_playbook([
        {"name": "Ensure namespace", "kubernetes.core.k8s": {"definition": _namespace()}},
        {"name": "Run the job", "kubernetes.core.k8s": {
            "definition": job, "wait": True, "wait_timeout": 60, "wait_sleep": 1,
            "wait_condition": {"type": "Complete", "status": "True"}}},
    ])
    assert run.rc == 0, run.stdout
    result = run.result("Run the job")
    conditions = {c["type"]: c for c in result["result"]["status"]["conditions"]}
    assert conditions["Complete"]["status"] == "True" and conditions["Complete"]["reason"] == "CompletionsReached"
    assert result["result"]["status"]["succeeded"] == 1


def test_job_reads_env_from_secret_via_env_from_and_secret_key_ref(kube, kubectl, batch, core):
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": NS},
              "stringData": {"DB_USER": "site_a", "DB_PASSWORD": "p@ss word"}}
    _apply(kubectl, _namespace(), secret, _job("env", {
        "command": ["sh", "-c", 'echo "user=$DB_USER pw=$PW url=$(URL)"'],
        "envFrom": [{"secretRef": {"name": "db"}}],
        "env": [{"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "DB_PASSWORD"}}},
                {"name": "URL", "value": "postgres://$(DB_USER)@db"}],
    }))
    kubectl("wait", "-n", NS, "--for=condition=complete", "job/env", "--timeout=30s")
    [pod] = core.list_namespaced_pod(NS, label_selector="job-name=env").items
    log = core.read_namespaced_pod_log(pod.metadata.name, NS)
    assert log == "user=site_a pw=p@ss word url=postgres://site_a@db\n"
    assert kubectl("logs", "-n", NS, "job/env").stdout == log


def test_missing_command_fails_the_job_with_a_clear_reason(kube, kubectl, batch, core):
    _apply(kubectl, _namespace(), _job("broken", {"command": ["restic-does-not-exist", "backup"]}))
    kubectl("wait", "-n", NS, "--for=condition=failed", "job/broken", "--timeout=30s")
    assert _job_conditions(batch, "broken")["Failed"].reason == "BackoffLimitExceeded"
    [pod] = core.list_namespaced_pod(NS, label_selector="job-name=broken").items
    assert pod.status.phase == "Failed"
    terminated = pod.status.container_statuses[0].state.terminated
    assert terminated.reason == "StartError" and terminated.exit_code == 128
    assert 'exec: "restic-does-not-exist": executable file not found in $PATH' in terminated.message


def test_active_deadline_kills_a_long_sleep(kube, kubectl, batch, mount):
    _apply(kubectl, _namespace(), _claim(), _job(
        "slow",
        {"command": ["sh", "-c", f"echo $$$$ > {mount}/pid; exec sleep 60"],
         "volumeMounts": [{"name": "data", "mountPath": mount}]},
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "site-data"}}],
        activeDeadlineSeconds=2,
    ))
    pid_file = claim_dir(kube.state_dir, NS, "site-data") / "pid"
    _wait(lambda: pid_file.exists() and pid_file.read_text().strip())
    pid = int(pid_file.read_text())
    assert _alive(pid)
    kubectl("wait", "-n", NS, "--for=condition=failed", "job/slow", "--timeout=30s")
    failed = _job_conditions(batch, "slow")["Failed"]
    assert (failed.reason, failed.message) == ("DeadlineExceeded", "Job was active longer than specified deadline")
    _wait(lambda: not _alive(pid), timeout=10)


def test_pod_log_is_readable_through_the_api(kube, kubectl, core):
    _apply(kubectl, _namespace(), _job("talk", {"command": ["sh", "-c", "echo line one; echo line two >&2"]}))
    kubectl("wait", "-n", NS, "--for=condition=complete", "job/talk", "--timeout=30s")
    [pod] = core.list_namespaced_pod(NS, label_selector="batch.kubernetes.io/job-name=talk").items
    assert core.read_namespaced_pod_log(pod.metadata.name, NS) == "line one\nline two\n"


def test_deleting_the_namespace_removes_everything_and_kills_running_jobs(kube, kubectl, core, mount):
    _apply(kubectl, _namespace(), _claim(), _job(
        "forever",
        {"command": ["sh", "-c", f"echo $$$$ > {mount}/pid; sleep 300 & wait"],
         "volumeMounts": [{"name": "data", "mountPath": mount}]},
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "site-data"}}],
    ))
    pid_file = claim_dir(kube.state_dir, NS, "site-data") / "pid"
    _wait(lambda: pid_file.exists() and pid_file.read_text().strip())
    pid = int(pid_file.read_text())
    kubectl("delete", "namespace", NS, "--timeout=30s")
    with pytest.raises(ApiException) as gone:
        core.read_namespace(NS)
    assert gone.value.status == 404
    _wait(lambda: not _alive(pid), timeout=10)
    assert not claim_dir(kube.state_dir, NS, "site-data").exists()
    for kind in ("pods", "jobs", "pvc", "secrets", "configmaps"):
        assert kubectl("get", kind, "-n", NS, "-o", "name").stdout == ""


def test_deleting_a_job_kills_its_pod(kube, kubectl, batch, core, mount):
    _apply(kubectl, _namespace(), _claim(), _job(
        "cancel",
        {"command": ["sh", "-c", f"echo $$$$ > {mount}/pid; exec sleep 300"],
         "volumeMounts": [{"name": "data", "mountPath": mount}]},
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "site-data"}}],
    ))
    pid_file = claim_dir(kube.state_dir, NS, "site-data") / "pid"
    _wait(lambda: pid_file.exists() and pid_file.read_text().strip())
    pid = int(pid_file.read_text())
    kubectl("delete", "-n", NS, "job/cancel")  # kubectl sends propagationPolicy Background
    _wait(lambda: not core.list_namespaced_pod(NS).items)
    _wait(lambda: not _alive(pid), timeout=10)


def test_job_from_cronjob_runs_and_is_collected_with_it(kube, kubectl, batch, core):
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "backup", "namespace": NS},
            "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"backoffLimit": 0, "template": {"spec": {
                "restartPolicy": "Never", "containers": [{"name": "b", "image": "busybox",
                                                          "command": ["echo", "backed up"]}]}}}}}}
    _apply(kubectl, _namespace(), cron)
    # What `kubectl create job --from=cronjob/x` makes (owned by the CronJob), sent as JSON.
    job = yaml.safe_load(kubectl("create", "job", "-n", NS, "backup-manual", "--from=cronjob/backup",
                                 "-o", "yaml", "--dry-run=client").stdout)
    assert job["metadata"]["ownerReferences"][0]["uid"] == batch.read_namespaced_cron_job("backup", NS).metadata.uid
    _apply(kubectl, job)
    kubectl("wait", "-n", NS, "--for=condition=complete", "job/backup-manual", "--timeout=30s")
    assert kubectl("logs", "-n", NS, "job/backup-manual").stdout == "backed up\n"
    kubectl("delete", "-n", NS, "cronjob/backup")
    _wait(lambda: not batch.list_namespaced_job(NS).items and not core.list_namespaced_pod(NS).items)


def test_emulator_shutdown_leaves_no_pod_process(tmp_path, mount):
    from tests.fixtures.kube import client_env, start_kube

    sandbox = start_kube(tmp_path / "own")
    try:
        env = client_env(sandbox, tmp_path / "client")
        objects = yaml.safe_dump_all([_namespace(), _claim(), _job(
            "stay",
            {"command": ["sh", "-c", f"echo $$$$ > {mount}/pid; sleep 300 & sleep 301 & wait"],
             "volumeMounts": [{"name": "data", "mountPath": mount}]},
            volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "site-data"}}])])
        subprocess.run(["/usr/bin/kubectl", "--cache-dir", env["KUBECACHEDIR"], "apply", "-f", "-"], input=objects,
                       env=env, text=True, check=True, capture_output=True)
        pid_file = claim_dir(sandbox.state_dir, NS, "site-data") / "pid"
        _wait(lambda: pid_file.exists() and pid_file.read_text().strip())
        pid = int(pid_file.read_text())
        assert _alive(pid)
    finally:
        assert sandbox.process.stop() == 0
    assert not _alive(pid)
