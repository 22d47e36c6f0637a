"""The sandbox kubelet: pods as local processes with their volumes in a private mount namespace."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from sandbox.kube.controllers.kubelet import Kubelet, entrypoint_for, normalise_image, pod_log_path
from sandbox.kube.controllers.volumes import VolumeController, claim_dir

from .conftest import process_alive, wait_for


@pytest.mark.parametrize(("image", "repo"), [
    ("postgres:16", "library/postgres"),
    ("docker.io/library/postgres:16@sha256:abc", "library/postgres"),
    ("restic/restic:0.17.3", "restic/restic"),
    ("registry.example.com:5000/team/app:1", "registry.example.com:5000/team/app"),
    ("localhost/app", "localhost/app"),
])
def test_image_names_are_normalised(image, repo):
    assert normalise_image(image) == repo


def test_catalog_gives_entrypoint_and_cmd():
    catalog = {"library/postgres": {"entrypoint": ["docker-entrypoint.sh"], "cmd": ["postgres"]}}
    assert entrypoint_for({"image": "postgres:16"}, catalog) == ["docker-entrypoint.sh", "postgres"]
    assert entrypoint_for({"image": "postgres:16", "args": ["-c", "x"]}, catalog) == ["docker-entrypoint.sh"]
    assert entrypoint_for({"image": "nginx"}, catalog) is None


@pytest.fixture
def mount_point():
    path = Path(f"/mnt/sandbox-unit-{uuid.uuid4().hex[:8]}")
    yield str(path)
    if path.is_dir():
        path.rmdir()


def _pod(name, command, volumes=(), mounts=(), **spec):
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "t1"},
        "spec": {"restartPolicy": "Never", "volumes": list(volumes), "containers": [
            {"name": "main", "image": "busybox", "command": command, "volumeMounts": list(mounts)}], **spec},
    }


def _waiting(cluster, name) -> dict:
    statuses = (cluster.get("v1", "Pod", "t1", name).get("status") or {}).get("containerStatuses") or [{}]
    return (statuses[0].get("state") or {}).get("waiting") or {}


def _phase(cluster, name):
    pod = cluster.get("v1", "Pod", "t1", name)
    return pod and (pod.get("status") or {}).get("phase")


@pytest.fixture
def cluster(make_cluster, tmp_path):
    return make_cluster(VolumeController(tmp_path / "state"), Kubelet(tmp_path / "state"))


def _claim(cluster, name="data"):
    cluster.create_internal({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                             "metadata": {"name": name, "namespace": "t1"},
                             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})


def test_claim_is_mounted_privately_and_data_lands_in_the_claim_dir(cluster, tmp_path, mount_point):
    _claim(cluster)
    cluster.create_internal(_pod("w", ["sh", "-c", f"echo hi > {mount_point}/x; echo done"],
                                 [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}],
                                 [{"name": "d", "mountPath": mount_point}]))
    wait_for(lambda: _phase(cluster, "w") == "Succeeded")
    assert (claim_dir(tmp_path / "state", "t1", "data") / "x").read_text() == "hi\n"
    assert not Path(mount_point, "x").exists()  # the bind mount lived only in the pod's namespace
    assert pod_log_path(tmp_path / "state", "t1", "w").read_text() == "done\n"
    status = cluster.get("v1", "Pod", "t1", "w")["status"]
    assert status["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    assert {c["type"]: c["status"] for c in status["conditions"]}["Ready"] == "False"


def test_config_volumes_are_files_read_only_with_modes(cluster, mount_point):
    cluster.create_internal({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "t1"},
                             "data": {"a.conf": "A", "b.conf": "B"}})
    script = f"cat {mount_point}/a.conf; stat -c %a {mount_point}/renamed; touch {mount_point}/new || echo ro"
    cluster.create_internal(_pod("c", ["sh", "-c", script],
                                 [{"name": "v", "configMap": {"name": "cfg", "defaultMode": 0o600,
                                                              "items": [{"key": "a.conf", "path": "a.conf"},
                                                                        {"key": "b.conf", "path": "renamed",
                                                                         "mode": 0o440}]}}],
                                 [{"name": "v", "mountPath": mount_point}]))
    wait_for(lambda: _phase(cluster, "c") == "Succeeded")
    log = pod_log_path(cluster.state_dir, "t1", "c").read_text()
    assert log.startswith("A440\n") and log.rstrip().endswith("ro")


def test_missing_command_fails_with_the_runtime_message(cluster):
    cluster.create_internal(_pod("bad", ["no-such-command-xyz"]))
    wait_for(lambda: _phase(cluster, "bad") == "Failed")
    state = cluster.get("v1", "Pod", "t1", "bad")["status"]["containerStatuses"][0]["state"]["terminated"]
    assert state["reason"] == "StartError" and state["exitCode"] == 128
    assert 'exec: "no-such-command-xyz": executable file not found in $PATH' in state["message"]


def test_exit_code_and_error_reason(cluster):
    cluster.create_internal(_pod("e", ["sh", "-c", "exit 3"]))
    wait_for(lambda: _phase(cluster, "e") == "Failed")
    state = cluster.get("v1", "Pod", "t1", "e")["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (state["exitCode"], state["reason"]) == (3, "Error")


def test_pod_waits_for_a_missing_secret_then_runs(cluster):
    pod = _pod("s", ["sh", "-c", "echo $TOKEN"])
    pod["spec"]["containers"][0]["env"] = [{"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "tok", "key": "t"}}}]
    cluster.create_internal(pod)
    waiting = wait_for(lambda: _waiting(cluster, "s").get("reason") == "CreateContainerConfigError")
    assert waiting and _waiting(cluster, "s")["message"] == 'secret "tok" not found'
    cluster.create_internal({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "tok", "namespace": "t1"},
                             "data": {"t": "c2VjcmV0"}})
    wait_for(lambda: _phase(cluster, "s") == "Succeeded")
    assert pod_log_path(cluster.state_dir, "t1", "s").read_text() == "secret\n"


def test_deleting_a_running_pod_kills_its_processes(cluster, tmp_path, mount_point):
    # `$$$$` is `$$` after Kubernetes' own `$(VAR)` expansion (where `$$` escapes `$`).
    _claim(cluster)
    cluster.create_internal(_pod("long", ["sh", "-c", f"echo $$$$ > {mount_point}/pid; sleep 60 & wait"],
                                 [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}],
                                 [{"name": "d", "mountPath": mount_point}]))
    pid_file = claim_dir(tmp_path / "state", "t1", "data") / "pid"
    wait_for(lambda: pid_file.exists() and pid_file.read_text().strip())
    pid = int(pid_file.read_text())
    assert process_alive(pid)
    cluster.delete_internal("v1", "Pod", "t1", "long")
    wait_for(lambda: not process_alive(pid))


def test_pod_deadline_kills_and_fails_the_pod(cluster):
    cluster.create_internal(_pod("d", ["sleep", "60"], activeDeadlineSeconds=1))
    wait_for(lambda: _phase(cluster, "d") == "Failed", timeout=15)
    status = cluster.get("v1", "Pod", "t1", "d")["status"]
    assert status["reason"] == "DeadlineExceeded"
    assert status["message"] == "Pod was active on the node longer than the specified deadline"
    assert status["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 143


def test_init_containers_run_first(cluster, mount_point):
    pod = _pod("i", ["sh", "-c", f"cat {mount_point}/greeting"],
               [{"name": "scratch", "emptyDir": {}}], [{"name": "scratch", "mountPath": mount_point}])
    pod["spec"]["initContainers"] = [{"name": "prep", "image": "busybox",
                                      "command": ["sh", "-c", f"echo hello > {mount_point}/greeting"],
                                      "volumeMounts": [{"name": "scratch", "mountPath": mount_point}]}]
    cluster.create_internal(pod)
    wait_for(lambda: _phase(cluster, "i") == "Succeeded")
    assert pod_log_path(cluster.state_dir, "t1", "i").read_text() == "hello\n"
    status = cluster.get("v1", "Pod", "t1", "i")["status"]
    assert status["initContainerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"


def test_shutdown_leaves_no_process(make_cluster, tmp_path):
    kubelet = Kubelet(tmp_path / "state")
    cluster = make_cluster(kubelet)
    cluster.create_internal(_pod("x", ["sh", "-c", "sleep 60 & sleep 60 & wait"]))
    wait_for(lambda: _phase(cluster, "x") == "Running")
    procs = [p for run in kubelet._runs.values() for p in run.procs.values()]
    assert procs
    kubelet.shutdown()
    assert all(p.poll() is not None for p in procs)
