"""The Job controller (batch/v1), as kube-controller-manager 1.32 runs it, over the sandbox kubelet.

For a stored Job that is not suspended and not finished, the controller keeps
`min(parallelism, completions - succeeded)` pods active. A pod is named `<job>-<5 chars>`, carries
the template's labels (job-name, batch.kubernetes.io/job-name, controller-uid,
batch.kubernetes.io/controller-uid), a controller ownerReference to the Job and `nodeName`, and
goes through the same admission as an API write (`create_internal`: LimitRanger, then
ResourceQuota; a pod the quota refuses is not created, the Job records a FailedCreate Event and
tries again every second). The kubelet
runs it (kubelet.py) and every pod status change re-syncs the Job:

* status while running: startTime, active, ready, terminating 0, uncountedTerminatedPods {};
* success (`succeeded == completions`): completionTime, succeeded, conditions SuccessCriteriaMet
  then Complete (reason CompletionsReached, `Reached expected number of succeeded pods`);
* failure: conditions FailureTarget then Failed, with reason BackoffLimitExceeded (`Job has
  reached the specified backoff limit`: failed pods, or container restarts under OnFailure, exceed
  `backoffLimit`; an unfinished pod deleted by someone else counts as failed) or DeadlineExceeded (`Job was active longer than specified deadline`:
  `activeDeadlineSeconds` after startTime); remaining active pods are deleted (their processes
  killed) and counted as failed.

A failed pod is replaced after a back-off (sandbox: 1 s, doubling, at most 10 s; annotation
`sandbox.tenant-provisioner.local/pod-failure-backoff` overrides the first delay). `spec.suspend`
deletes active pods and sets the Suspended condition; resuming sets it False (JobResumed).
`ttlSecondsAfterFinished` deletes a finished Job (and so its pods). Indexed completion mode sets
the completion-index annotation, label and JOB_COMPLETION_INDEX. Deleting a Job kills its pods'
processes (the garbage collector deletes the pods).
"""

from __future__ import annotations

import copy
import logging
import secrets
import threading
import time
from pathlib import Path

from .. import errors
from . import base
from .kubelet import NODE_NAME, Kubelet, pod_log_path  # noqa: F401 - pod_log_path is part of this API

log = logging.getLogger(__name__)

_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
BACKOFF_ANNOTATION = "sandbox.tenant-provisioner.local/pod-failure-backoff"
DEFAULT_BACKOFF = 1.0
MAX_BACKOFF = 10.0
_TERMINAL = ("Succeeded", "Failed")
_COMPLETE = ("CompletionsReached", "Reached expected number of succeeded pods")
_BACKOFF = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
_DEADLINE = ("DeadlineExceeded", "Job was active longer than specified deadline")


def pod_name(job_name: str) -> str:
    """`<job>-<5 random chars>` in the apiserver's generateName alphabet (name kept <= 63)."""
    prefix = job_name[:57] + "-"
    return prefix + "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(5))


def is_finished(job: dict) -> bool:
    return base.condition_true(job, "Complete") or base.condition_true(job, "Failed")


def _job_condition(kind: str, reason: str, message: str, status: str = "True") -> dict:
    when = base.now()
    return {"type": kind, "status": status, "lastProbeTime": when, "lastTransitionTime": when,
            "reason": reason, "message": message}


def _pod_restarts(pod: dict) -> int:
    status = pod.get("status") or {}
    return sum(int(c.get("restartCount") or 0)
               for c in (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or []))


def _pod_ready(pod: dict) -> bool:
    return base.condition_true(pod, "Ready")


class JobController(base.Controller):
    kinds = (("batch", "Job"), ("", "Pod"))

    def __init__(self, state_dir: Path, kubelet: Kubelet):
        self.state_dir = Path(state_dir)
        self.kubelet = kubelet
        kubelet.listeners.append(self._pod_changed)
        self._timers: dict[tuple[str, str], threading.Timer] = {}
        self._lock = threading.Lock()
        self._stopped = False
        self._syncing: set[str] = set()
        self._lost: dict[str, int] = {}  # job uid -> unfinished pods deleted by others (count as failed)
        self._deleting: set[str] = set()  # pod uids this controller deletes itself

    # -- hooks --------------------------------------------------------------------------------

    def settle(self, cluster, rtype, obj: dict) -> None:
        if obj.get("kind") == "Job":
            self.sync(cluster, obj)
        else:
            self._pod_changed(cluster, obj)

    def deleted(self, cluster, rtype, obj: dict) -> None:
        if obj.get("kind") == "Job":
            self._cancel_timers(base.uid_of(obj))
            self._lost.pop(base.uid_of(obj), None)
            for pod in self._pods(cluster, obj):
                self.kubelet.kill(base.uid_of(pod), (pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30))
            return
        ref = base.controller_ref(obj)
        if base.uid_of(obj) in self._deleting:
            self._deleting.discard(base.uid_of(obj))
        elif ref and ref.get("kind") == "Job" and (obj.get("status") or {}).get("phase") not in _TERMINAL:
            self._lost[ref.get("uid")] = self._lost.get(ref.get("uid"), 0) + 1
        self._pod_changed(cluster, obj)

    def start(self, cluster) -> None:
        for job in cluster.list("batch/v1", "Job"):
            with cluster.lock:
                current = cluster.get("batch/v1", "Job", base.namespace_of(job), base.name_of(job))
                if current is not None:
                    self.sync(cluster, current)

    def shutdown(self) -> None:
        with self._lock:
            self._stopped = True
        self.reset()

    def reset(self) -> None:
        self._lost.clear()
        self._deleting.clear()
        with self._lock:
            timers, self._timers = list(self._timers.values()), {}
        for timer in timers:
            timer.cancel()

    # -- sync ---------------------------------------------------------------------------------

    def _pod_changed(self, cluster, pod: dict) -> None:
        ref = base.controller_ref(pod)
        if not ref or ref.get("kind") != "Job":
            return
        with cluster.lock:
            job = cluster.get("batch/v1", "Job", base.namespace_of(pod), ref.get("name"))
            if job is not None and base.uid_of(job) == ref.get("uid"):
                self.sync(cluster, job)

    def _pods(self, cluster, job: dict) -> list[dict]:
        uid = base.uid_of(job)
        return [p for p in cluster.list("v1", "Pod", base.namespace_of(job))
                if (base.controller_ref(p) or {}).get("uid") == uid]

    def sync(self, cluster, job: dict) -> None:
        """Bring the Job one step closer to done; idempotent (safe to call on every event)."""
        uid = base.uid_of(job)
        with cluster.lock:
            if uid in self._syncing or self._stopped:
                return
            self._syncing.add(uid)
            try:
                current = cluster.get("batch/v1", "Job", base.namespace_of(job), base.name_of(job))
                if current is None or base.uid_of(current) != uid or base.is_terminating(current):
                    return
                self._sync(cluster, current)
            finally:
                self._syncing.discard(uid)

    def _sync(self, cluster, job: dict) -> None:
        spec = job.get("spec") or {}
        status = copy.deepcopy(job.get("status") or {})
        namespace = base.namespace_of(job)
        if is_finished(job):
            self._schedule_ttl(cluster, job)
            return
        pods = self._pods(cluster, job)
        active = [p for p in pods if (p.get("status") or {}).get("phase") not in _TERMINAL
                  and not base.is_terminating(p)]
        if spec.get("suspend"):
            for pod in active:
                self._delete_pod(cluster, pod)
            status.pop("active", None)
            status.pop("startTime", None)
            status["ready"] = 0
            status["terminating"] = 0
            status["conditions"] = self._with_condition(
                status, _job_condition("Suspended", "JobSuspended", "Job suspended"))
            self._write(cluster, job, status)
            return
        if base.condition_true(job, "Suspended"):
            status["conditions"] = self._with_condition(
                status, _job_condition("Suspended", "JobResumed", "Job resumed", "False"))
        if not status.get("startTime"):
            status["startTime"] = base.now()
        succeeded = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Succeeded")
        failed = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Failed")
        failed += self._lost.get(base.uid_of(job), 0)
        restarts = sum(_pod_restarts(p) for p in pods) if (
            (spec.get("template") or {}).get("spec") or {}).get("restartPolicy") == "OnFailure" else 0
        completions = spec.get("completions")
        completions = 1 if completions is None else int(completions)
        parallelism = int(spec.get("parallelism", 1) if spec.get("parallelism") is not None else 1)
        backoff_limit = int(spec.get("backoffLimit", 6) if spec.get("backoffLimit") is not None else 6)
        deadline = spec.get("activeDeadlineSeconds")
        started = base.parse_time(status["startTime"])

        failure = None
        if deadline is not None and time.time() >= started + float(deadline):
            failure = _DEADLINE
        elif failed + restarts > backoff_limit:
            failure = _BACKOFF
        if failure is not None:
            for pod in active:
                self._delete_pod(cluster, pod)
            status.update(self._counts(succeeded, failed + len(active), 0, 0))
            status["conditions"] = self._with_condition(status, _job_condition("FailureTarget", *failure))
            status["conditions"] = self._with_condition(status, _job_condition("Failed", *failure))
            self._write(cluster, job, status)
            self._event(cluster, job, "Warning", failure[0], failure[1])
            self._schedule_ttl(cluster, cluster.get("batch/v1", "Job", namespace, base.name_of(job)) or job)
            return
        if succeeded >= completions and not active:
            status.update(self._counts(succeeded, failed, 0, 0))
            status["completionTime"] = base.now()
            status["conditions"] = self._with_condition(status, _job_condition("SuccessCriteriaMet", *_COMPLETE))
            status["conditions"] = self._with_condition(status, _job_condition("Complete", *_COMPLETE))
            self._write(cluster, job, status)
            self._event(cluster, job, "Normal", "Completed", "Job completed")
            self._schedule_ttl(cluster, cluster.get("batch/v1", "Job", namespace, base.name_of(job)) or job)
            return

        wanted = min(parallelism, completions - succeeded) - len(active)
        if wanted > 0:
            wait = self._backoff_left(job, pods, failed)
            if wait > 0:
                self._schedule(cluster, job, "backoff", wait)
            else:
                for _ in range(wanted):
                    created = self._create_pod(cluster, job, pods + active)
                    if created is None:
                        self._schedule(cluster, job, "create", self._create_retry(job))
                        break
                    active.append(created)
        ready = sum(1 for p in active if _pod_ready(p))
        status.update(self._counts(succeeded, failed, len(active), ready))
        self._write(cluster, job, status)
        if deadline is not None:
            self._schedule(cluster, job, "deadline", max(0.0, started + float(deadline) - time.time()) + 0.01)

    @staticmethod
    def _counts(succeeded: int, failed: int, active: int, ready: int) -> dict:
        out: dict = {"ready": ready, "terminating": 0, "uncountedTerminatedPods": {}}
        out["active"] = active
        out["succeeded"] = succeeded
        out["failed"] = failed
        return out

    @staticmethod
    def _with_condition(status: dict, cond: dict) -> list[dict]:
        """Conditions with `cond` set (in place when its type exists), timestamps kept if unchanged."""
        conditions = list(status.get("conditions") or ())
        for i, existing in enumerate(conditions):
            if existing.get("type") == cond["type"]:
                conditions[i] = cond
                break
        else:
            conditions.append(cond)
        return base.merge_conditions(status.get("conditions"), conditions)

    def _write(self, cluster, job: dict, status: dict) -> None:
        for key in ("active", "succeeded", "failed"):
            if not status.get(key):
                status.pop(key, None)
        status = base.settle_status(job.get("status"), status)
        if status != (job.get("status") or {}):
            try:
                cluster.write_status("batch/v1", "Job", base.namespace_of(job), base.name_of(job), status)
            except errors.NotFound:
                pass

    # -- pods ---------------------------------------------------------------------------------

    def _backoff_left(self, job: dict, pods: list[dict], failed: int) -> float:
        if failed == 0:
            return 0.0
        first = base.parse_duration(base.annotation(job, BACKOFF_ANNOTATION))
        first = DEFAULT_BACKOFF if first is None else first
        delay = min(first * (2 ** (failed - 1)), MAX_BACKOFF)
        finished = []
        for pod in pods:
            for entry in (pod.get("status") or {}).get("containerStatuses") or ():
                at = ((entry.get("state") or {}).get("terminated") or {}).get("finishedAt")
                if at:
                    finished.append(base.parse_time(at))
        last = max(finished) if finished else time.time()
        return max(0.0, last + delay - time.time())

    def _create_retry(self, job: dict) -> float:
        return 1.0

    def _indexes_in_use(self, pods: list[dict]) -> set[int]:
        used = set()
        for pod in pods:
            phase = (pod.get("status") or {}).get("phase")
            index = base.annotation(pod, "batch.kubernetes.io/job-completion-index")
            if index is not None and phase != "Failed":
                used.add(int(index))
        return used

    def _create_pod(self, cluster, job: dict, pods: list[dict]) -> dict | None:
        spec = job.get("spec") or {}
        template = copy.deepcopy(spec.get("template") or {})
        namespace, job_name, uid = base.namespace_of(job), base.name_of(job), base.uid_of(job)
        meta = template.get("metadata") or {}
        labels = dict(meta.get("labels") or {})
        labels.setdefault("batch.kubernetes.io/controller-uid", uid)
        labels.setdefault("batch.kubernetes.io/job-name", job_name)
        labels.setdefault("controller-uid", uid)
        labels.setdefault("job-name", job_name)
        annotations = dict(meta.get("annotations") or {})
        pod_spec = template.get("spec") or {}
        pod_spec["nodeName"] = NODE_NAME
        if spec.get("completionMode") == "Indexed":
            used = self._indexes_in_use(pods)
            index = next(i for i in range(int(spec.get("completions") or 1) + len(pods) + 1) if i not in used)
            annotations["batch.kubernetes.io/job-completion-index"] = str(index)
            labels["batch.kubernetes.io/job-completion-index"] = str(index)
            for container in pod_spec.get("containers") or ():
                container.setdefault("env", []).insert(0, {
                    "name": "JOB_COMPLETION_INDEX",
                    "valueFrom": {"fieldRef": {"fieldPath":
                                               "metadata.annotations['batch.kubernetes.io/job-completion-index']"}},
                })
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": pod_name(job_name),
                "generateName": job_name + "-",
                "namespace": namespace,
                "labels": labels,
                "ownerReferences": [base.owner_reference(job)],
            },
            "spec": pod_spec,
        }
        if annotations:
            pod["metadata"]["annotations"] = annotations
        try:
            created = cluster.create_internal(pod)  # admission (LimitRanger, ResourceQuota) runs here
        except errors.StatusError as exc:
            self._event(cluster, job, "Warning", "FailedCreate", f"Error creating: {exc.message}")
            return None
        if not isinstance(created, dict) or not base.uid_of(created):
            created = cluster.get("v1", "Pod", namespace, pod["metadata"]["name"])
        if created is None:
            return None
        self._event(cluster, job, "Normal", "SuccessfulCreate", f"Created pod: {base.name_of(created)}")
        self.kubelet.run(cluster, created)
        return created

    def _delete_pod(self, cluster, pod: dict) -> None:
        self._deleting.add(base.uid_of(pod))
        self.kubelet.kill(base.uid_of(pod), (pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30))
        base.safe_delete(cluster, "v1", "Pod", base.namespace_of(pod), base.name_of(pod))

    # -- events and timers --------------------------------------------------------------------

    def _event(self, cluster, job: dict, kind: str, reason: str, message: str) -> None:
        if not base.served_version(cluster, "", "Event"):
            return
        when = base.now()
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{base.name_of(job)}.{secrets.token_hex(8)}", "namespace": base.namespace_of(job)},
            "involvedObject": {
                "apiVersion": "batch/v1", "kind": "Job", "name": base.name_of(job),
                "namespace": base.namespace_of(job), "uid": base.uid_of(job),
                "resourceVersion": base.meta(job).get("resourceVersion", ""),
            },
            "reason": reason,
            "message": message,
            "source": {"component": "job-controller"},
            "firstTimestamp": when,
            "lastTimestamp": when,
            "count": 1,
            "type": kind,
            "eventTime": None,
            "reportingComponent": "job-controller",
            "reportingInstance": "",
        }
        try:
            cluster.create_internal(event)
        except errors.StatusError:
            pass

    def _schedule(self, cluster, job: dict, what: str, seconds: float) -> None:
        key = (base.uid_of(job), what)
        with self._lock:
            if self._stopped or key in self._timers:
                return
            timer = threading.Timer(seconds, self._fire, (cluster, job, key))
            timer.daemon = True
            self._timers[key] = timer
        timer.start()

    def _fire(self, cluster, job: dict, key) -> None:
        with self._lock:
            self._timers.pop(key, None)
            if self._stopped:
                return
        if key[1] == "ttl":
            with cluster.lock:
                current = cluster.get("batch/v1", "Job", base.namespace_of(job), base.name_of(job))
                if current is not None and base.uid_of(current) == key[0]:
                    base.safe_delete(cluster, "batch/v1", "Job", base.namespace_of(job), base.name_of(job))
            return
        self.sync(cluster, job)

    def _schedule_ttl(self, cluster, job: dict) -> None:
        ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
        if ttl is None:
            return
        finished = None
        for cond in (job.get("status") or {}).get("conditions") or ():
            if cond.get("type") in ("Complete", "Failed") and cond.get("status") == "True":
                finished = base.parse_time(cond["lastTransitionTime"])
        if finished is None:
            return
        self._schedule(cluster, job, "ttl", max(0.0, finished + float(ttl) - time.time()))

    def _cancel_timers(self, uid: str) -> None:
        with self._lock:
            keys = [k for k in self._timers if k[0] == uid]
            timers = [self._timers.pop(k) for k in keys]
        for timer in timers:
            timer.cancel()
