"""The kubelet: runs Pods as local processes on the host, with their volumes mounted.

Every stored Pod that is not finished is run once (Job pods, and pods created through the API).
Images are not pulled: each container runs its `command` + `args` (with `$(VAR)` expansion; an
image's ENTRYPOINT/CMD come from `stages/images/catalog.yaml` when `command` is absent) as a host
process, in a private mount namespace (`unshare --mount --propagation private`, see podexec.py)
where its volumes are bind-mounted at their `mountPath`s (`subPath`, `subPathExpr`, `readOnly`):

| volume | host source |
| --- | --- |
| persistentVolumeClaim | `claim_dir(state_dir, namespace, claimName)` (waits until the claim exists) |
| emptyDir | `<state>/pods/<ns>/<pod>/volumes/<name>`, removed with the pod |
| configMap, secret, downwardAPI, projected | files written to that private dir (items, keys, modes); mounted read-only |
| hostPath | the path itself (`DirectoryOrCreate` / `FileOrCreate` create it) |

Environment: the container's resolved env (environment.py) over PATH, HOSTNAME (= pod name) and
HOME (= a private per-pod directory). stdin is /dev/null; stdout and stderr go to
`pod_log_path(state_dir, namespace, pod, container)`; `pod_log_path(..., pod)` without a container
is the pod's default container (the `kubectl.kubernetes.io/default-container` annotation or the
first container). Processes run as root.

Status, written through the cluster as it changes: Pending (containers waiting
ContainerCreating / PodInitializing, or CreateContainerConfigError with the kubelet's message
while a referenced ConfigMap/Secret/key is missing) -> Running -> Succeeded / Failed, with
conditions, `containerStatuses` / `initContainerStatuses` (state.terminated.exitCode, reason
Completed / Error / StartError with containerd's message, e.g. `exec: "foo": executable file not
found in $PATH`), qosClass, startTime, hostIP/podIP 127.0.0.1. Init containers run in order,
then all containers together. restartPolicy Never / OnFailure / Always are honoured (restarts
after a back-off of 1 s doubling up to 30 s, shown as CrashLoopBackOff). `spec.activeDeadlineSeconds` kills the pod (Failed, reason
DeadlineExceeded). Deleting a pod kills its processes (SIGTERM to the process group and every
descendant, SIGKILL after the grace period, at most `MAX_GRACE` seconds here).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import yaml

from .. import errors
from ..models.qos import qos_class
from . import base, environment
from .environment import ConfigError
from .volumes import claim_dir

log = logging.getLogger(__name__)

NODE_NAME = "sandbox"
HOST_IP = environment.HOST_IP
MAX_GRACE = 5.0
RESTART_BACKOFF = 1.0  # first restart delay; doubles per restart up to MAX_RESTART_BACKOFF
MAX_RESTART_BACKOFF = 30.0
UNSHARE = shutil.which("unshare") or "/usr/bin/unshare"
PODEXEC = Path(__file__).resolve().with_name("podexec.py")
CATALOG = Path(__file__).resolve().parent.parent / "stages" / "images" / "catalog.yaml"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_READ_ONLY_VOLUMES = ("configMap", "secret", "downwardAPI", "projected")

# Listener(cluster, pod): called (cluster lock held) after the kubelet wrote a pod's status.
Listener = Callable[[object, dict], None]


# -- paths --------------------------------------------------------------------------------------


def pod_log_path(state_dir, namespace: str, name: str, container: str | None = None) -> Path:
    """Where a pod's log is: one file per container; without `container`, the default container."""
    root = Path(state_dir) / "logs" / namespace
    if container is None:
        return root / f"{name}.log"
    return root / name / f"{container}.log"


def pod_dir(state_dir, namespace: str, name: str) -> Path:
    """The pod's private host directory: emptyDirs, config/secret files, HOME, runtime files."""
    return Path(state_dir) / "pods" / namespace / name


def default_container(pod: dict) -> str | None:
    wanted = base.annotation(pod, "kubectl.kubernetes.io/default-container")
    containers = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or ()]
    if wanted in containers:
        return wanted
    return containers[0] if containers else None


# -- images -------------------------------------------------------------------------------------


def normalise_image(image: str) -> str:
    """`docker.io/library/postgres:16@sha256:..` -> `library/postgres`; `restic/restic:0.17` -> same w/o tag."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        if parts[0] in ("docker.io", "index.docker.io", "registry-1.docker.io"):
            parts = parts[1:]
        else:
            return "/".join(parts)
    if len(parts) == 1:
        parts = ["library"] + parts
    return "/".join(parts)


def load_catalog(path: Path = CATALOG) -> dict[str, dict]:
    return (yaml.safe_load(Path(path).read_text()) or {}).get("images") or {}


def entrypoint_for(container: dict, catalog: dict[str, dict]) -> list[str] | None:
    """The argv prefix when `command` is absent: ENTRYPOINT (+ CMD when there are no args)."""
    entry = catalog.get(normalise_image(str(container.get("image") or "")))
    if entry is None:
        return None
    argv = list(entry.get("entrypoint") or [])
    if not container.get("args"):
        argv += list(entry.get("cmd") or [])
    return argv


# -- processes ----------------------------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            out.append(child)
            todo.append(child)
    return out


def _signal_tree(proc: subprocess.Popen, sig: int) -> None:
    pids = [proc.pid] + _descendants(proc.pid)
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def terminate(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM the process group and all descendants; SIGKILL what is left after `grace`."""
    if proc.poll() is not None:
        _signal_tree(proc, signal.SIGKILL)  # orphans that outlived the main process
        return
    _signal_tree(proc, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        pass
    _signal_tree(proc, signal.SIGKILL)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        log.error("process %s survived SIGKILL", proc.pid)


# -- status -------------------------------------------------------------------------------------


class PodStatus:
    """The status the kubelet reports for one pod, updated as its containers run."""

    def __init__(self, pod: dict):
        self.pod = pod
        spec = pod.get("spec") or {}
        self.has_init = bool(spec.get("initContainers"))
        self.phase = "Pending"
        self.reason: str | None = None
        self.message: str | None = None
        self.start_time: str | None = None
        self.sandbox_ready = False
        self.init = {c["name"]: self._entry(c, "PodInitializing") for c in spec.get("initContainers") or ()}
        first_wait = "PodInitializing" if self.has_init else "ContainerCreating"
        self.main = {c["name"]: self._entry(c, first_wait) for c in spec.get("containers") or ()}
        self.qos = qos_class(spec)

    @staticmethod
    def _entry(container: dict, waiting: str) -> dict:
        return {
            "name": container["name"],
            "image": container.get("image", ""),
            "imageID": "",
            "lastState": {},
            "ready": False,
            "restartCount": 0,
            "started": False,
            "state": {"waiting": {"reason": waiting}},
        }

    def entry(self, name: str, init: bool) -> dict:
        return (self.init if init else self.main)[name]

    def waiting(self, name: str, init: bool, reason: str, message: str | None = None) -> None:
        state = {"reason": reason}
        if message:
            state["message"] = message
        entry = self.entry(name, init)
        entry["state"] = {"waiting": state}
        entry["ready"] = entry["started"] = False

    def running(self, name: str, init: bool, container_id: str, started_at: str) -> None:
        entry = self.entry(name, init)
        entry["containerID"] = container_id
        entry["state"] = {"running": {"startedAt": started_at}}
        entry["started"] = True
        entry["ready"] = not init

    def terminated(self, name: str, init: bool, result: dict) -> None:
        entry = self.entry(name, init)
        if result.get("containerID"):
            entry["containerID"] = result["containerID"]
        entry["state"] = {"terminated": result}
        entry["ready"] = entry["started"] = False

    def restarted(self, name: str, init: bool) -> float:
        """Record a restart; returns the back-off to wait before it."""
        entry = self.entry(name, init)
        entry["lastState"] = entry["state"]
        entry["restartCount"] += 1
        delay = min(RESTART_BACKOFF * 2 ** (entry["restartCount"] - 1), MAX_RESTART_BACKOFF)
        entry["state"] = {"waiting": {
            "reason": "CrashLoopBackOff",
            "message": f"back-off {delay:g}s restarting failed container={name} "
                       f"pod={base.name_of(self.pod)}_{base.namespace_of(self.pod)}({base.uid_of(self.pod)})",
        }}
        entry["ready"] = entry["started"] = False
        return delay

    def to_dict(self) -> dict:
        now = base.now()
        terminal = self.phase in ("Succeeded", "Failed")
        init_done = all("terminated" in e["state"] and e["state"]["terminated"]["exitCode"] == 0
                        for e in self.init.values())
        unready = [n for n, e in self.main.items() if not e["ready"]]
        incomplete = [n for n, e in self.init.items()
                      if not ("terminated" in e["state"] and e["state"]["terminated"]["exitCode"] == 0)]

        def cond(kind, ok, reason=None, message=None):
            out = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None,
                   "lastTransitionTime": now}
            if reason:
                out["reason"] = reason
            if message:
                out["message"] = message
            return out

        terminal_reason = {"Succeeded": "PodCompleted", "Failed": "PodFailed"}.get(self.phase)
        ready = self.phase == "Running" and not unready
        not_ready = (terminal_reason, None) if terminal else (
            "ContainersNotReady", f"containers with unready status: [{' '.join(unready)}]")
        conditions = [
            cond("PodReadyToStartContainers", self.sandbox_ready and not terminal),
            cond("Initialized", init_done or not self.has_init,
                 None if init_done or not self.has_init else "ContainersNotInitialized",
                 None if init_done or not self.has_init else
                 f"containers with incomplete status: [{' '.join(incomplete)}]"),
            cond("Ready", ready, *(not_ready if not ready else (None, None))),
            cond("ContainersReady", ready, *(not_ready if not ready else (None, None))),
            cond("PodScheduled", True),
        ]
        if terminal and not self.has_init:
            conditions[1]["reason"] = "PodCompleted"
        status = {
            "phase": self.phase,
            "conditions": conditions,
            "hostIP": HOST_IP,
            "hostIPs": [{"ip": HOST_IP}],
            "podIP": HOST_IP,
            "podIPs": [{"ip": HOST_IP}],
            "qosClass": self.qos,
        }
        if self.reason:
            status["reason"] = self.reason
        if self.message:
            status["message"] = self.message
        if self.start_time:
            status["startTime"] = self.start_time
        if self.init:
            status["initContainerStatuses"] = [dict(e) for e in self.init.values()]
        status["containerStatuses"] = [dict(e) for e in self.main.values()]
        return status


# -- one pod ------------------------------------------------------------------------------------


class _PodRun:
    def __init__(self, pod: dict):
        self.pod = pod
        self.uid = base.uid_of(pod)
        self.namespace = base.namespace_of(pod) or "default"
        self.name = base.name_of(pod)
        self.cancelled = threading.Event()
        self.procs: dict[str, subprocess.Popen] = {}
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.deadline: float | None = None
        self.deadline_hit = False
        self.finished = False
        self.forgotten = False  # reset: files already gone, do not touch paths a new pod may use


class Kubelet(base.Controller):
    kinds = (("", "Pod"),)

    def __init__(self, state_dir: Path, catalog: dict[str, dict] | None = None):
        self.state_dir = Path(state_dir)
        self.catalog = load_catalog() if catalog is None else catalog
        self.listeners: list[Listener] = []
        self._runs: dict[str, _PodRun] = {}
        self._lock = threading.Lock()
        self._stopping = False
        self._reapers: list[threading.Thread] = []
        self._latest: dict[tuple[str, str], str] = {}  # (namespace, name) -> uid of the newest run

    # -- hooks --------------------------------------------------------------------------------

    def settle(self, cluster, rtype, pod: dict) -> None:
        self.run(cluster, pod)

    def deleted(self, cluster, rtype, pod: dict) -> None:
        uid = base.uid_of(pod)
        grace = (pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
        self.kill(uid, grace)
        namespace, name = base.namespace_of(pod) or "default", base.name_of(pod)
        with self._lock:
            run = self._runs.pop(uid, None)
            newest = self._latest.get((namespace, name)) in (None, uid)
            if (run is None or run.finished) and newest:
                self._latest.pop((namespace, name), None)
        if (run is None or run.finished) and newest:
            self._remove_files(namespace, name)

    def start(self, cluster) -> None:
        """Pods that were running when the emulator stopped: their processes are gone."""
        for pod in cluster.list("v1", "Pod"):
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            with cluster.lock:
                current = cluster.get("v1", "Pod", base.namespace_of(pod), base.name_of(pod))
                if current is None or base.uid_of(current) in self._runs:
                    continue
                if (current.get("status") or {}).get("startTime"):
                    status = dict(current.get("status") or {})
                    status["phase"] = "Failed"
                    status["reason"] = "NodeRestart"
                    status["message"] = "sandbox: the emulator restarted while the pod was running"
                    cluster.write_status("v1", "Pod", base.namespace_of(current), base.name_of(current), status)
                    self._notify(cluster, cluster.get("v1", "Pod", base.namespace_of(current), base.name_of(current)))
                else:
                    self.run(cluster, current)

    def shutdown(self) -> None:
        """Emulator shutdown: kill every pod process and wait for the pod threads."""
        with self._lock:
            self._stopping = True
        runs = self._kill_all()
        for run in runs:
            if run.thread is not None:
                run.thread.join(10)

    def reset(self) -> None:
        """The store is being emptied (no `deleted` hooks; the cluster lock is held): kill every
        pod process now, forget the pods and drop their files. Pod threads end on their own."""
        self._kill_all()
        shutil.rmtree(self.state_dir / "pods", ignore_errors=True)
        shutil.rmtree(self.state_dir / "logs", ignore_errors=True)

    def _kill_all(self) -> list[_PodRun]:
        with self._lock:
            runs = list(self._runs.values())
            self._runs.clear()
            self._latest.clear()
        for run in runs:
            run.forgotten = True
            run.cancelled.set()
        for run in runs:
            with run.lock:
                procs = list(run.procs.values())
            for proc in procs:
                terminate(proc, 1.0)
        for reaper in list(self._reapers):
            reaper.join(MAX_GRACE + 6)
        return runs

    # -- public -------------------------------------------------------------------------------

    def run(self, cluster, pod: dict) -> None:
        """Start running `pod` unless it runs already or is finished."""
        uid = base.uid_of(pod)
        if not uid or base.is_terminating(pod):
            return
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return
        with self._lock:
            if self._stopping or uid in self._runs:
                return
            run = _PodRun(pod)
            self._runs[uid] = run
            self._latest[(run.namespace, run.name)] = uid
        run.thread = threading.Thread(target=self._main, args=(cluster, run), name=f"pod-{run.name}", daemon=True)
        run.thread.start()

    def kill(self, uid: str, grace: float = 30) -> None:
        """Stop a pod's processes (non-blocking): SIGTERM now, SIGKILL after the grace period."""
        with self._lock:
            run = self._runs.get(uid)
        if run is None:
            return
        run.cancelled.set()
        with run.lock:
            procs = list(run.procs.values())
        for proc in procs:
            reaper = threading.Thread(target=terminate, args=(proc, min(float(grace or 0), MAX_GRACE)), daemon=True)
            with self._lock:
                self._reapers = [r for r in self._reapers if r.is_alive()] + [reaper]
            reaper.start()

    # -- the pod thread -----------------------------------------------------------------------

    def _main(self, cluster, run: _PodRun) -> None:
        status = PodStatus(run.pod)
        try:
            self._run_pod(cluster, run, status)
        except Exception:  # the pod fails, the emulator goes on
            log.exception("pod %s/%s crashed in the sandbox kubelet", run.namespace, run.name)
            status.phase = "Failed"
            status.message = "sandbox kubelet error (see emulator log)"
            self._write(cluster, run, status)
        finally:
            run.finished = True
            with self._lock:
                gone = run.uid not in self._runs and not run.forgotten
                newest = self._latest.get((run.namespace, run.name)) in (None, run.uid)
                if gone and newest:
                    self._latest.pop((run.namespace, run.name), None)
            if gone and newest:
                self._remove_files(run.namespace, run.name)

    def _run_pod(self, cluster, run: _PodRun, status: PodStatus) -> None:
        spec = run.pod.get("spec") or {}
        directory = pod_dir(self.state_dir, run.namespace, run.name)
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o700)
        self._link_default_log(run)
        status.start_time = base.now()
        deadline = spec.get("activeDeadlineSeconds")
        if deadline is not None:
            run.deadline = time.monotonic() + float(deadline)
        if not self._write(cluster, run, status):
            return
        sources = self._prepare_volumes(cluster, run, status)
        if sources is None:
            self._finish(cluster, run, status)
            return
        status.sandbox_ready = True
        policy = spec.get("restartPolicy", "Always")
        for container in spec.get("initContainers") or ():
            result = self._container_loop(cluster, run, status, container, sources, True, policy)
            if result is None or result["exitCode"] != 0:
                if not run.cancelled.is_set():
                    status.phase = "Failed"
                    for name in status.main:
                        status.waiting(name, False, "PodInitializing")
                self._finish(cluster, run, status)
                return
        containers = list(spec.get("containers") or ())
        if len(containers) == 1:
            self._container_loop(cluster, run, status, containers[0], sources, False, policy)
        else:
            threads = [
                threading.Thread(
                    target=self._container_loop,
                    args=(cluster, run, status, c, sources, False, policy),
                    daemon=True,
                )
                for c in containers
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        if not run.deadline_hit:
            codes = [e["state"].get("terminated", {}).get("exitCode", 1) for e in status.main.values()]
            status.phase = "Succeeded" if all(code == 0 for code in codes) else "Failed"
        self._finish(cluster, run, status)

    def _finish(self, cluster, run: _PodRun, status: PodStatus) -> None:
        if run.deadline_hit:
            status.phase = "Failed"
            status.reason = "DeadlineExceeded"
            status.message = "Pod was active on the node longer than the specified deadline"
        if status.phase not in ("Succeeded", "Failed"):
            status.phase = "Failed"
        self._write(cluster, run, status)

    def _write(self, cluster, run: _PodRun, status: PodStatus) -> bool:
        """Write the pod's status; False when the pod is gone (or replaced)."""
        if self._stopping:
            return False
        with cluster.lock:
            current = cluster.get("v1", "Pod", run.namespace, run.name)
            if current is None or base.uid_of(current) != run.uid:
                run.cancelled.set()
                return False
            new = base.settle_status(current.get("status"), status.to_dict())
            if new != (current.get("status") or {}):
                try:
                    cluster.write_status("v1", "Pod", run.namespace, run.name, new)
                except errors.NotFound:
                    run.cancelled.set()
                    return False
                current = cluster.get("v1", "Pod", run.namespace, run.name) or current
            self._notify(cluster, current)
        return True

    def _notify(self, cluster, pod: dict | None) -> None:
        if pod is None:
            return
        for listener in list(self.listeners):
            try:
                listener(cluster, pod)
            except Exception:
                log.exception("pod listener failed")

    def _wait(self, run: _PodRun, seconds: float) -> bool:
        """Sleep unless cancelled or past the deadline; True when the pod should go on."""
        if run.deadline is not None:
            seconds = min(seconds, max(0.0, run.deadline - time.monotonic()))
        run.cancelled.wait(seconds)
        if run.deadline is not None and time.monotonic() >= run.deadline:
            run.deadline_hit = True
            return False
        return not run.cancelled.is_set()

    # -- volumes ------------------------------------------------------------------------------

    def _prepare_volumes(self, cluster, run: _PodRun, status: PodStatus) -> dict[str, tuple[Path, bool]] | None:
        """{volume name: (host path, read only)}; waits for claims/configs; None when cancelled."""
        while True:
            try:
                return self._volume_sources(cluster, run)
            except _Unsupported as problem:
                message = f"sandbox: {problem}"
                for name in list(status.init) + list(status.main):
                    status.terminated(name, name in status.init, {
                        "exitCode": 128, "reason": "StartError", "message": message,
                        "startedAt": "1970-01-01T00:00:00Z", "finishedAt": base.now(),
                    })
                status.phase = "Failed"
                return None
            except ConfigError as problem:
                for name in list(status.init) + list(status.main):
                    status.waiting(name, name in status.init, "ContainerCreating")
                status.message = None
                log.info("pod %s/%s waits: %s", run.namespace, run.name, problem)
                if not self._write(cluster, run, status):
                    return None
                if not self._wait(run, 0.5):
                    return None

    def _volume_sources(self, cluster, run: _PodRun) -> dict[str, tuple[Path, bool]]:
        out: dict[str, tuple[Path, bool]] = {}
        base_dir = pod_dir(self.state_dir, run.namespace, run.name) / "volumes"
        for volume in (run.pod.get("spec") or {}).get("volumes") or ():
            name = volume.get("name")
            if "persistentVolumeClaim" in volume:
                source = volume["persistentVolumeClaim"] or {}
                claim = source.get("claimName", "")
                with cluster.lock:
                    pvc = cluster.get("v1", "PersistentVolumeClaim", run.namespace, claim)
                if pvc is None or base.is_terminating(pvc):
                    raise ConfigError(f'persistentvolumeclaim "{claim}" not found')
                path = claim_dir(self.state_dir, run.namespace, claim)
                path.mkdir(parents=True, exist_ok=True)
                out[name] = (path, bool(source.get("readOnly")))
            elif "hostPath" in volume:
                source = volume["hostPath"] or {}
                path = Path(source.get("path", "/"))
                kind = source.get("type") or ""
                if kind == "DirectoryOrCreate":
                    path.mkdir(parents=True, exist_ok=True)
                elif kind == "FileOrCreate" and not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.touch()
                out[name] = (path, False)
            elif "emptyDir" in volume:
                path = base_dir / name
                path.mkdir(parents=True, exist_ok=True)
                out[name] = (path, False)
            elif any(k in volume for k in _READ_ONLY_VOLUMES):
                files = self._volume_files(cluster, run, volume)
                path = base_dir / name
                path.mkdir(parents=True, exist_ok=True)
                for rel, (content, mode) in files.items():
                    target = path / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(content)
                    target.chmod(mode)
                out[name] = (path, True)
            else:
                kinds = sorted(k for k in volume if k != "name")
                raise _Unsupported(f"volume {name!r}: type {', '.join(kinds) or '?'} is not supported by the sandbox")
        return out

    def _volume_files(self, cluster, run: _PodRun, volume: dict) -> dict[str, tuple[bytes, int]]:
        files: dict[str, tuple[bytes, int]] = {}
        if "configMap" in volume or "secret" in volume:
            self._config_files(cluster, run, volume, files, None)
        elif "downwardAPI" in volume:
            source = volume["downwardAPI"] or {}
            self._downward_files(run, source.get("items") or (), source.get("defaultMode", 0o644), files)
        elif "projected" in volume:
            source = volume["projected"] or {}
            mode = source.get("defaultMode", 0o644)
            for item in source.get("sources") or ():
                if "configMap" in item or "secret" in item:
                    self._config_files(cluster, run, item, files, mode)
                elif "downwardAPI" in item:
                    self._downward_files(run, (item["downwardAPI"] or {}).get("items") or (), mode, files)
                elif "serviceAccountToken" in item:
                    path = (item["serviceAccountToken"] or {}).get("path", "token")
                    files[path] = (b"sandbox-service-account-token", mode)
        return files

    def _config_files(self, cluster, run, source_holder: dict, files: dict, mode_override) -> None:
        kind = "ConfigMap" if "configMap" in source_holder else "Secret"
        source = source_holder.get("configMap") or source_holder.get("secret") or {}
        name = source.get("name") if kind == "ConfigMap" else source.get("secretName", source.get("name"))
        mode = source.get("defaultMode", mode_override if mode_override is not None else 0o644)
        with cluster.lock:
            obj = cluster.get("v1", kind, run.namespace, name)
        if obj is None:
            if source.get("optional"):
                return
            raise ConfigError(f'{kind.lower()} "{name}" not found')
        data = environment.config_map_data(obj) if kind == "ConfigMap" else environment.secret_data(obj)
        raw = {}
        if kind == "Secret":
            for key, value in (obj.get("data") or {}).items():
                raw[key] = base64.b64decode(value or "")
        items = source.get("items")
        if items:
            for item in items:
                key = item.get("key")
                if key not in data:
                    if source.get("optional"):
                        continue
                    raise ConfigError(f"configmap references non-existent config key: {key}"
                                      if kind == "ConfigMap" else f"references non-existent secret key: {key}")
                files[item.get("path") or key] = (raw.get(key, data[key].encode()), item.get("mode", mode))
        else:
            for key, value in data.items():
                files[key] = (raw.get(key, value.encode()), mode)

    def _downward_files(self, run, items, mode, files: dict) -> None:
        for item in items:
            field = (item.get("fieldRef") or {}).get("fieldPath")
            if field:
                files[item.get("path")] = (environment._field_value(run.pod, field).encode(), item.get("mode", mode))

    def _mounts(self, container: dict, sources: dict, env: dict[str, str]) -> list[dict]:
        mounts = []
        for mount in container.get("volumeMounts") or ():
            name = mount.get("name")
            if name not in sources:
                raise _Unsupported(f'volume "{name}" of mount {mount.get("mountPath")!r} is not defined')
            source, read_only = sources[name]
            sub = mount.get("subPath") or ""
            if mount.get("subPathExpr"):
                sub = environment.expand(mount["subPathExpr"], env)
            if sub:
                source = source / sub
                if not source.exists():
                    source.mkdir(parents=True, exist_ok=True)
            mounts.append({
                "source": str(source),
                "target": mount.get("mountPath"),
                "readOnly": bool(read_only or mount.get("readOnly")),
                "file": source.is_file(),
            })
        mounts.sort(key=lambda m: len(Path(m["target"]).parts))
        return mounts

    # -- containers ---------------------------------------------------------------------------

    def _container_loop(self, cluster, run, status: PodStatus, container: dict, sources, init: bool, policy: str):
        """Run one container, restarting it as the restart policy says; its last result."""
        name = container["name"]
        result = None
        while not run.cancelled.is_set():
            try:
                env = environment.container_env(cluster, run.pod, container)
            except ConfigError as problem:
                status.waiting(name, init, "CreateContainerConfigError", str(problem))
                if not self._write(cluster, run, status) or not self._wait(run, 1.0):
                    return result
                continue
            result = self._exec(cluster, run, status, container, sources, env, init)
            if run.cancelled.is_set() or run.deadline_hit:
                return result
            failed = result["exitCode"] != 0
            if policy == "Never" or (policy == "OnFailure" and not failed) or (init and not failed):
                return result
            delay = status.restarted(name, init)
            if not self._write(cluster, run, status):
                return result
            if not self._wait(run, delay):
                return result
        return result

    def _exec(self, cluster, run, status: PodStatus, container: dict, sources, env, init: bool) -> dict:
        name = container["name"]
        container_id = "containerd://" + secrets.token_hex(32)
        started_at = base.now()
        process_env = {"PATH": DEFAULT_PATH, "HOSTNAME": run.name,
                       "HOME": str(pod_dir(self.state_dir, run.namespace, run.name) / "home")}
        process_env.update(env)
        Path(process_env["HOME"]).mkdir(parents=True, exist_ok=True)
        try:
            mounts = self._mounts(container, sources, env)
            entrypoint = None if container.get("command") else entrypoint_for(container, self.catalog)
            argv = environment.command_line(container, env, entrypoint)
            if not argv:
                raise _Unsupported(
                    f'image "{container.get("image", "")}" has no known entrypoint in the sandbox catalog '
                    "and the container has no command"
                )
        except _Unsupported as problem:
            return self._start_error(cluster, run, status, name, init, container_id, started_at,
                                     f"sandbox: {problem}")
        spec_path = pod_dir(self.state_dir, run.namespace, run.name) / f"{name}.json"
        fd = os.open(spec_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"mounts": mounts, "workingDir": container.get("workingDir"), "argv": argv,
                       "env": process_env, "errorPath": None}, fh)
        log_path = pod_log_path(self.state_dir, run.namespace, run.name, name)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        read_fd, write_fd = os.pipe()
        with open(log_path, "ab") as log_file:
            with run.lock:
                if run.cancelled.is_set():
                    os.close(read_fd)
                    os.close(write_fd)
                    spec_path.unlink(missing_ok=True)
                    return {"exitCode": 137, "reason": "Error", "startedAt": started_at,
                            "finishedAt": base.now(), "containerID": container_id}
                proc = subprocess.Popen(
                    [UNSHARE, "--mount", "--propagation", "private", sys.executable, "-I", "-S",
                     str(PODEXEC), str(spec_path), str(write_fd)],
                    stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                    start_new_session=True, cwd="/", env={"PATH": DEFAULT_PATH}, pass_fds=(write_fd,),
                )
                run.procs[name] = proc
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as pipe:
            start_error = pipe.read().decode(errors="replace")
        spec_path.unlink(missing_ok=True)
        if start_error:
            proc.wait()
            with run.lock:
                run.procs.pop(name, None)
            return self._start_error(cluster, run, status, name, init, container_id, started_at, start_error)
        status.running(name, init, container_id, started_at)
        if not init and all("running" in e["state"] or "terminated" in e["state"] for e in status.main.values()):
            status.phase = "Running"
        self._write(cluster, run, status)
        while True:
            timeout = None if run.deadline is None else max(0.0, run.deadline - time.monotonic())
            try:
                code = proc.wait(timeout)
                break
            except subprocess.TimeoutExpired:
                run.deadline_hit = True
                run.cancelled.set()
                grace = (run.pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
                terminate(proc, min(float(grace), MAX_GRACE))
        with run.lock:
            run.procs.pop(name, None)
        if code == 0:
            _signal_tree(proc, signal.SIGKILL)  # background children of a finished container go too
        exit_code = code if code >= 0 else 128 - code
        result = {
            "exitCode": exit_code,
            "reason": "Completed" if exit_code == 0 else "Error",
            "startedAt": started_at,
            "finishedAt": base.now(),
            "containerID": container_id,
        }
        status.terminated(name, init, result)
        self._write(cluster, run, status)
        return result

    def _start_error(self, cluster, run, status, name, init, container_id, started_at, message) -> dict:
        result = {
            "exitCode": 128,
            "reason": "StartError",
            "message": message,
            "startedAt": "1970-01-01T00:00:00Z",
            "finishedAt": base.now(),
            "containerID": container_id,
        }
        log_path = pod_log_path(self.state_dir, run.namespace, run.name, name)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.touch()
        status.terminated(name, init, result)
        self._write(cluster, run, status)
        return result

    # -- files --------------------------------------------------------------------------------

    def _link_default_log(self, run: _PodRun) -> None:
        container = default_container(run.pod)
        if container is None:
            return
        link = pod_log_path(self.state_dir, run.namespace, run.name)
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(Path(run.name) / f"{container}.log")

    def _remove_files(self, namespace: str, name: str) -> None:
        shutil.rmtree(pod_dir(self.state_dir, namespace, name), ignore_errors=True)
        shutil.rmtree(pod_log_path(self.state_dir, namespace, name, "x").parent, ignore_errors=True)
        link = pod_log_path(self.state_dir, namespace, name)
        if link.is_symlink() or link.exists():
            link.unlink(missing_ok=True)


class _Unsupported(Exception):
    """A pod the sandbox cannot run at all (fails at once instead of waiting)."""
