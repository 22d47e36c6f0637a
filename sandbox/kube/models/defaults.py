"""Server-side defaulting of built-in kinds (a subset of kube-apiserver 1.32's `SetDefaults_*`).

Defaults matter to clients that wait on objects: kubernetes.core's Deployment predicate compares
`spec.replicas` with `status.replicas`, so a Deployment without `replicas` must read back as 1.
Only defaults that clients or the simulated controllers read, or that commonly show up in
`kubectl get -o yaml`, are filled in; the rest of the real defaulting is left out (documented in
COVERAGE.md). Defaults run on every write, before validation, like decoding does on a real server,
so a write that omits a defaulted field does not count as a change.
"""

from __future__ import annotations

import hashlib
from typing import Callable


def apply_defaults(group: str, kind: str, obj: dict) -> None:
    """Fill in the defaults of one object in place."""
    fn = _DEFAULTERS.get((group, kind))
    if fn is not None:
        fn(obj)


def _spec(obj: dict) -> dict:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        spec = {}
        obj["spec"] = spec
    return spec


def _pod_spec(spec: dict) -> None:
    if not isinstance(spec, dict):
        return
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for key in ("containers", "initContainers"):
        for container in spec.get(key) or ():
            if not isinstance(container, dict):
                continue
            container.setdefault("terminationMessagePath", "/dev/termination-log")
            container.setdefault("terminationMessagePolicy", "File")
            image = str(container.get("image") or "")
            tag = image.rsplit("/", 1)[-1]
            latest = "@" not in image and (":" not in tag or tag.endswith(":latest"))
            container.setdefault("imagePullPolicy", "Always" if latest else "IfNotPresent")
            if not isinstance(container.get("resources"), dict):
                container["resources"] = {}
            for port in container.get("ports") or ():
                if isinstance(port, dict):
                    port.setdefault("protocol", "TCP")


def _template(spec: dict) -> None:
    template = spec.get("template")
    if isinstance(template, dict):
        _pod_spec(template.get("spec"))


def _deployment(obj: dict) -> None:
    spec = _spec(obj)
    spec.setdefault("replicas", 1)
    strategy = spec.setdefault("strategy", {})
    if isinstance(strategy, dict):
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            if isinstance(rolling, dict):
                rolling.setdefault("maxUnavailable", "25%")
                rolling.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    _template(spec)


def _replicaset(obj: dict) -> None:
    spec = _spec(obj)
    spec.setdefault("replicas", 1)
    _template(spec)


def _statefulset(obj: dict) -> None:
    spec = _spec(obj)
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    spec.setdefault("revisionHistoryLimit", 10)
    strategy = spec.setdefault("updateStrategy", {})
    if isinstance(strategy, dict):
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            strategy.setdefault("rollingUpdate", {"partition": 0})
    spec.setdefault(
        "persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"}
    )
    _template(spec)


def _daemonset(obj: dict) -> None:
    spec = _spec(obj)
    spec.setdefault("revisionHistoryLimit", 10)
    strategy = spec.setdefault("updateStrategy", {})
    if isinstance(strategy, dict):
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            strategy.setdefault("rollingUpdate", {"maxUnavailable": 1, "maxSurge": 0})
    _template(spec)


def _job_spec(spec: dict) -> None:
    spec.setdefault("parallelism", 1)
    spec.setdefault("completions", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    _template(spec)


def _job(obj: dict) -> None:
    spec = _spec(obj)
    _job_spec(spec)
    meta = obj.get("metadata") or {}
    uid = meta.get("uid")
    if uid and not spec.get("manualSelector"):
        # The Job strategy generates the selector and the template labels from the uid.
        labels = {
            "batch.kubernetes.io/controller-uid": uid,
            "batch.kubernetes.io/job-name": meta.get("name", ""),
            "controller-uid": uid,
            "job-name": meta.get("name", ""),
        }
        spec.setdefault("selector", {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}})
        template = spec.setdefault("template", {})
        if isinstance(template, dict):
            tmeta = template.setdefault("metadata", {})
            if isinstance(tmeta, dict):
                tlabels = tmeta.setdefault("labels", {})
                if isinstance(tlabels, dict):
                    for key, value in labels.items():
                        tlabels.setdefault(key, value)


def _cronjob(obj: dict) -> None:
    spec = _spec(obj)
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    job_template = spec.get("jobTemplate")
    if isinstance(job_template, dict) and isinstance(job_template.get("spec"), dict):
        jspec = job_template["spec"]
        jspec.setdefault("backoffLimit", 6)
        jspec.setdefault("completionMode", "NonIndexed")
        jspec.setdefault("suspend", False)
        jspec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
        _template(jspec)


def _pod(obj: dict) -> None:
    spec = _spec(obj)
    _pod_spec(spec)
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    spec.setdefault("priority", 0)


def _service(obj: dict) -> None:
    spec = _spec(obj)
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["type"] != "ExternalName":
        if "clusterIP" not in spec:
            spec["clusterIP"] = _cluster_ip(obj)
        if spec.get("clusterIP") and spec["clusterIP"] != "None":
            spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    for port in spec.get("ports") or ():
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            if "targetPort" not in port and "port" in port:
                port["targetPort"] = port["port"]


def _cluster_ip(obj: dict) -> str:
    """A stable ClusterIP in 10.96.0.0/12 derived from namespace/name (no allocator to persist)."""
    meta = obj.get("metadata") or {}
    digest = hashlib.sha256(f"{meta.get('namespace')}/{meta.get('name')}".encode()).digest()
    n = int.from_bytes(digest[:3], "big") % ((1 << 20) - 2) + 1  # host part of 10.96.0.0/12
    return f"10.{96 + (n >> 16)}.{(n >> 8) & 255}.{n & 255}"


def _pvc(obj: dict) -> None:
    spec = _spec(obj)
    spec.setdefault("volumeMode", "Filesystem")


def _pv(obj: dict) -> None:
    spec = _spec(obj)
    spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
    spec.setdefault("volumeMode", "Filesystem")


def _storageclass(obj: dict) -> None:
    obj.setdefault("reclaimPolicy", "Delete")
    obj.setdefault("volumeBindingMode", "Immediate")


def _secret(obj: dict) -> None:
    obj.setdefault("type", "Opaque")


def _namespace(obj: dict) -> None:
    meta = obj.setdefault("metadata", {})
    labels = meta.get("labels")
    if not isinstance(labels, dict):
        labels = {}
        meta["labels"] = labels
    labels["kubernetes.io/metadata.name"] = meta.get("name", "")


def _networkpolicy(obj: dict) -> None:
    spec = _spec(obj)
    if "policyTypes" not in spec:
        types = ["Ingress"]
        if spec.get("egress"):
            types.append("Egress")
        spec["policyTypes"] = types
    for rule in (spec.get("ingress") or []) + (spec.get("egress") or []):
        for port in (rule or {}).get("ports") or ():
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")


def _crd(obj: dict) -> None:
    spec = _spec(obj)
    names = spec.get("names")
    if isinstance(names, dict):
        if names.get("kind"):
            names.setdefault("singular", str(names["kind"]).lower())
            names.setdefault("listKind", f"{names['kind']}List")
    conversion = spec.setdefault("conversion", {"strategy": "None"})
    if isinstance(conversion, dict):
        conversion.setdefault("strategy", "None")


_DEFAULTERS: dict[tuple[str, str], Callable[[dict], None]] = {
    ("apps", "Deployment"): _deployment,
    ("apps", "ReplicaSet"): _replicaset,
    ("apps", "StatefulSet"): _statefulset,
    ("apps", "DaemonSet"): _daemonset,
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cronjob,
    ("", "Pod"): _pod,
    ("", "Service"): _service,
    ("", "PersistentVolumeClaim"): _pvc,
    ("", "PersistentVolume"): _pv,
    ("", "Secret"): _secret,
    ("", "Namespace"): _namespace,
    ("storage.k8s.io", "StorageClass"): _storageclass,
    ("networking.k8s.io", "NetworkPolicy"): _networkpolicy,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _crd,
}
