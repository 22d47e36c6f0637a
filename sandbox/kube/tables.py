"""Server-side printing: `meta.k8s.io/v1 Table` answers for kubectl's human-readable output.

kubectl asks for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io,...` on `get` and prints
the server's columns. The columns here follow kube-apiserver 1.32's printers for the kinds people
look at (namespaces, pods, deployments, jobs, services, claims ...); custom resources use their
CRD's `additionalPrinterColumns`; every other kind gets NAME and AGE, like the real generic printer.
The row object is the object's metadata (`PartialObjectMetadata`), or the whole object with
`includeObject=Object`, so `--show-labels` and `-L` work.

Simplified against the real printers: pod READY/STATUS/RESTARTS are derived from the status the
simulated kubelet writes, and a JSONPath in printer columns supports the usual subset
(`.a.b`, `.a[0].b`, `.a[?(@.k=="v")].b`).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Callable

from .models.registry import ResourceType

TABLE_CONTENT_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io"


def wants_table(accept: str | None) -> bool:
    """Is a meta.k8s.io Table the client's first choice (kubectl get)?"""
    for part in (accept or "").split(","):
        params = dict(p.strip().split("=", 1) for p in part.split(";")[1:] if "=" in p)
        if params.get("as") == "Table":
            return params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1")
        if part.strip():
            return False
    return False


def table(rtype: ResourceType, objs: list[dict], resource_version: str | None, include_object: str = "Metadata",
          printer_columns: list[dict] | None = None, headers: bool = True) -> dict:
    """A Table of `objs` (one row each)."""
    columns, cells = _printer(rtype, printer_columns)
    now = datetime.now(timezone.utc)
    rows = []
    for obj in objs:
        row: dict = {"cells": cells(obj, now)}
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "managedFields"}
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
        rows.append(row)
    meta: dict = {}
    if resource_version:
        meta["resourceVersion"] = resource_version
    out = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
    if headers:
        out["columnDefinitions"] = columns
    out["rows"] = rows
    return out


# ------------------------------------------------------------------------------------------------
# columns


def _col(name: str, type_: str = "string", priority: int = 0, fmt: str = "", description: str = "") -> dict:
    return {"name": name, "type": type_, "format": fmt, "description": description or name, "priority": priority}


_NAME = _col("Name", fmt="name", description="Name must be unique within a namespace.")
_AGE = _col("Age", description="CreationTimestamp is a timestamp representing the server time when this object "
                               "was created.")

Cells = Callable[[dict, datetime], list]


def _printer(rtype: ResourceType, printer_columns: list[dict] | None) -> tuple[list[dict], Cells]:
    if rtype.custom:
        return _custom_printer(printer_columns or [])
    spec = _BUILTIN.get((rtype.group, rtype.kind))
    if spec is None:
        return [_NAME, _AGE], lambda obj, now: [_name(obj), _age(obj, now)]
    columns, fn = spec
    return columns, fn


def _custom_printer(printer_columns: list[dict]) -> tuple[list[dict], Cells]:
    if not printer_columns:
        return [_NAME, _AGE], lambda obj, now: [_name(obj), _age(obj, now)]
    columns = [_NAME] + [
        _col(c.get("name", ""), c.get("type", "string"), int(c.get("priority") or 0), c.get("format", ""),
             c.get("description", "")) for c in printer_columns
    ]

    def cells(obj: dict, now: datetime) -> list:
        out: list = [_name(obj)]
        for column in printer_columns:
            value = jsonpath(obj, column.get("jsonPath", ""))
            if column.get("type") == "date":
                out.append(_since(value, now) if value else "<unknown>")
            elif value is None:
                out.append(None)
            else:
                out.append(value if isinstance(value, (int, float, bool)) else _text(value))
        return out

    return columns, cells


# ------------------------------------------------------------------------------------------------
# built-in printers (kube-apiserver 1.32 pkg/printers/internalversion, simplified)


def _name(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("name", "")


def _age(obj: dict, now: datetime) -> str:
    return _since((obj.get("metadata") or {}).get("creationTimestamp"), now)


def _g(obj: Any, *path: Any, default: Any = None) -> Any:
    cur = obj
    for key in path:
        if isinstance(key, int):
            if not isinstance(cur, list) or len(cur) <= key:
                return default
        elif not isinstance(cur, dict):
            return default
        cur = cur[key] if isinstance(key, int) else cur.get(key)
        if cur is None:
            return default
    return cur


def _namespace(obj, now):
    return [_name(obj), _g(obj, "status", "phase", default=""), _age(obj, now)]


def _pod(obj, now):
    statuses = _g(obj, "status", "containerStatuses", default=[])
    total = len(_g(obj, "spec", "containers", default=[]))
    ready = sum(1 for s in statuses if s.get("ready"))
    restarts = sum(int(s.get("restartCount") or 0) for s in statuses)
    reason = _g(obj, "status", "reason") or _g(obj, "status", "phase", default="Unknown")
    for s in statuses:
        state = s.get("state") or {}
        if _g(state, "waiting", "reason"):
            reason = state["waiting"]["reason"]
        elif _g(state, "terminated", "reason"):
            reason = state["terminated"]["reason"]
    if _g(obj, "metadata", "deletionTimestamp"):
        reason = "Terminating"
    return [_name(obj), f"{ready}/{total}", reason, restarts, _age(obj, now),
            _g(obj, "status", "podIP", default="<none>"), _g(obj, "spec", "nodeName", default="<none>"), "<none>",
            "<none>"]


def _containers(template_spec: dict) -> tuple[str, str]:
    containers = (template_spec or {}).get("containers") or []
    return ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)


def _selector_text(sel: dict | None) -> str:
    from .models.selectors import selector_from_label_selector

    return selector_from_label_selector(sel) or "<none>"


def _deployment(obj, now):
    names, images = _containers(_g(obj, "spec", "template", "spec", default={}))
    return [_name(obj), f"{_g(obj, 'status', 'readyReplicas', default=0)}/{_g(obj, 'spec', 'replicas', default=0)}",
            _g(obj, "status", "updatedReplicas", default=0), _g(obj, "status", "availableReplicas", default=0),
            _age(obj, now), names, images, _selector_text(_g(obj, "spec", "selector"))]


def _statefulset(obj, now):
    names, images = _containers(_g(obj, "spec", "template", "spec", default={}))
    return [_name(obj), f"{_g(obj, 'status', 'readyReplicas', default=0)}/{_g(obj, 'spec', 'replicas', default=0)}",
            _age(obj, now), names, images]


def _replicaset(obj, now):
    return [_name(obj), _g(obj, "spec", "replicas", default=0), _g(obj, "status", "replicas", default=0),
            _g(obj, "status", "readyReplicas", default=0), _age(obj, now)]


def _daemonset(obj, now):
    node_selector = ",".join(f"{k}={v}" for k, v in
                             sorted((_g(obj, "spec", "template", "spec", "nodeSelector", default={})).items()))
    return [_name(obj)] + [_g(obj, "status", k, default=0) for k in (
        "desiredNumberScheduled", "currentNumberScheduled", "numberReady", "updatedNumberScheduled",
        "numberAvailable")] + [node_selector or "<none>", _age(obj, now)]


def _job(obj, now):
    conditions = {c.get("type"): c.get("status") for c in _g(obj, "status", "conditions", default=[])}
    if conditions.get("Complete") == "True":
        status = "Complete"
    elif conditions.get("Failed") == "True":
        status = "Failed"
    elif _g(obj, "spec", "suspend"):
        status = "Suspended"
    else:
        status = "Running"
    completions = _g(obj, "spec", "completions")
    done = _g(obj, "status", "succeeded", default=0)
    start, end = _g(obj, "status", "startTime"), _g(obj, "status", "completionTime")
    duration = ""
    if start:
        finished = _parse(end) if end else now
        duration = _human((finished - _parse(start)).total_seconds()) if _parse(start) else ""
    return [_name(obj), status, f"{done}/{completions}" if completions is not None else f"{done}/1 of 1",
            duration, _age(obj, now)]


def _cronjob(obj, now):
    last = _g(obj, "status", "lastScheduleTime")
    return [_name(obj), _g(obj, "spec", "schedule", default=""), _g(obj, "spec", "timeZone", default="<none>"),
            bool(_g(obj, "spec", "suspend", default=False)), len(_g(obj, "status", "active", default=[])),
            _since(last, now) if last else "<none>", _age(obj, now)]


def _service(obj, now):
    spec = obj.get("spec") or {}
    ingress = _g(obj, "status", "loadBalancer", "ingress", default=[])
    external = ",".join(i.get("ip") or i.get("hostname") or "" for i in ingress) or (
        spec.get("externalName") or ",".join(spec.get("externalIPs") or []) or
        ("<pending>" if spec.get("type") == "LoadBalancer" else "<none>"))
    ports = []
    for p in spec.get("ports") or []:
        text = f"{p.get('port')}"
        if p.get("nodePort"):
            text += f":{p['nodePort']}"
        ports.append(f"{text}/{p.get('protocol', 'TCP')}")
    return [_name(obj), spec.get("type", "ClusterIP"), spec.get("clusterIP") or "<none>", external,
            ",".join(ports) or "<none>", _age(obj, now), _selector_map(spec.get("selector"))]


def _selector_map(sel: dict | None) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((sel or {}).items())) or "<none>"


def _configmap(obj, now):
    return [_name(obj), len(obj.get("data") or {}) + len(obj.get("binaryData") or {}), _age(obj, now)]


def _secret(obj, now):
    return [_name(obj), obj.get("type", "Opaque"), len(obj.get("data") or {}), _age(obj, now)]


def _access_modes(modes: list | None) -> str:
    short = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
    return ",".join(short.get(m, m) for m in modes or [])


def _pvc(obj, now):
    phase = "Terminating" if _g(obj, "metadata", "deletionTimestamp") else _g(obj, "status", "phase", default="")
    bound = phase == "Bound"
    return [_name(obj), phase, _g(obj, "spec", "volumeName", default=""),
            _g(obj, "status", "capacity", "storage", default="") if bound else "",
            _access_modes(_g(obj, "status", "accessModes")) if bound else "",
            _g(obj, "spec", "storageClassName", default="<unset>"), "<unset>", _age(obj, now),
            _g(obj, "spec", "volumeMode", default="")]


def _pv(obj, now):
    ref = _g(obj, "spec", "claimRef", default={})
    claim = f"{ref.get('namespace')}/{ref.get('name')}" if ref else ""
    return [_name(obj), _g(obj, "spec", "capacity", "storage", default=""),
            _access_modes(_g(obj, "spec", "accessModes")),
            _g(obj, "spec", "persistentVolumeReclaimPolicy", default=""), _g(obj, "status", "phase", default=""),
            claim, _g(obj, "spec", "storageClassName", default=""), "<unset>", _g(obj, "status", "reason", default=""),
            _age(obj, now), _g(obj, "spec", "volumeMode", default="")]


def _ingress(obj, now):
    hosts = [r.get("host") for r in _g(obj, "spec", "rules", default=[]) if r.get("host")]
    ingress = _g(obj, "status", "loadBalancer", "ingress", default=[])
    ports = "80, 443" if _g(obj, "spec", "tls") else "80"
    return [_name(obj), _g(obj, "spec", "ingressClassName", default="<none>"), ",".join(hosts) or "*",
            ",".join(i.get("ip") or i.get("hostname") or "" for i in ingress), ports, _age(obj, now)]


def _node(obj, now):
    ready = next((c for c in _g(obj, "status", "conditions", default=[]) if c.get("type") == "Ready"), None)
    status = "Ready" if ready and ready.get("status") == "True" else "NotReady"
    roles = sorted(k.split("/", 1)[1] for k in (_g(obj, "metadata", "labels", default={}))
                   if k.startswith("node-role.kubernetes.io/"))
    return [_name(obj), status, ",".join(roles) or "<none>", _age(obj, now),
            _g(obj, "status", "nodeInfo", "kubeletVersion", default="")]


def _storageclass(obj, now):
    name = _name(obj)
    if _g(obj, "metadata", "annotations", "storageclass.kubernetes.io/is-default-class") == "true":
        name += " (default)"
    return [name, obj.get("provisioner", ""), obj.get("reclaimPolicy", "Delete"),
            obj.get("volumeBindingMode", "Immediate"), bool(obj.get("allowVolumeExpansion", False)), _age(obj, now)]


def _event(obj, now):
    last = obj.get("lastTimestamp") or obj.get("eventTime") or _g(obj, "metadata", "creationTimestamp")
    involved = obj.get("involvedObject") or {}
    return [_since(last, now) if last else "<unknown>", obj.get("type", ""), obj.get("reason", ""),
            f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}", obj.get("message", "")]


def _crd(obj, now):
    return [_name(obj), _g(obj, "metadata", "creationTimestamp", default="")]


_BUILTIN: dict[tuple[str, str], tuple[list[dict], Cells]] = {
    ("", "Namespace"): ([_NAME, _col("Status"), _AGE], _namespace),
    ("", "Pod"): ([_NAME, _col("Ready"), _col("Status"), _col("Restarts", "string"), _AGE, _col("IP", priority=1),
                   _col("Node", priority=1), _col("Nominated Node", priority=1),
                   _col("Readiness Gates", priority=1)], _pod),
    ("apps", "Deployment"): ([_NAME, _col("Ready"), _col("Up-to-date", "integer"), _col("Available", "integer"), _AGE,
                              _col("Containers", priority=1), _col("Images", priority=1),
                              _col("Selector", priority=1)], _deployment),
    ("apps", "StatefulSet"): ([_NAME, _col("Ready"), _AGE, _col("Containers", priority=1),
                               _col("Images", priority=1)], _statefulset),
    ("apps", "ReplicaSet"): ([_NAME, _col("Desired", "integer"), _col("Current", "integer"), _col("Ready", "integer"),
                              _AGE], _replicaset),
    ("apps", "DaemonSet"): ([_NAME, _col("Desired", "integer"), _col("Current", "integer"), _col("Ready", "integer"),
                             _col("Up-to-date", "integer"), _col("Available", "integer"), _col("Node Selector"), _AGE],
                            _daemonset),
    ("batch", "Job"): ([_NAME, _col("Status"), _col("Completions"), _col("Duration"), _AGE], _job),
    ("batch", "CronJob"): ([_NAME, _col("Schedule"), _col("Timezone"), _col("Suspend", "boolean"),
                            _col("Active", "integer"), _col("Last Schedule"), _AGE], _cronjob),
    ("", "Service"): ([_NAME, _col("Type"), _col("Cluster-IP"), _col("External-IP"), _col("Port(s)"), _AGE,
                       _col("Selector", priority=1)], _service),
    ("", "ConfigMap"): ([_NAME, _col("Data", "integer"), _AGE], _configmap),
    ("", "Secret"): ([_NAME, _col("Type"), _col("Data", "integer"), _AGE], _secret),
    ("", "PersistentVolumeClaim"): ([_NAME, _col("Status"), _col("Volume"), _col("Capacity"), _col("Access Modes"),
                                     _col("StorageClass"), _col("VolumeAttributesClass"), _AGE,
                                     _col("VolumeMode", priority=1)], _pvc),
    ("", "PersistentVolume"): ([_NAME, _col("Capacity"), _col("Access Modes"), _col("Reclaim Policy"),
                                _col("Status"), _col("Claim"), _col("StorageClass"), _col("VolumeAttributesClass"),
                                _col("Reason"), _AGE, _col("VolumeMode", priority=1)], _pv),
    ("networking.k8s.io", "Ingress"): ([_NAME, _col("Class"), _col("Hosts"), _col("Address"), _col("Ports"), _AGE],
                                       _ingress),
    ("", "Node"): ([_NAME, _col("Status"), _col("Roles"), _AGE, _col("Version")], _node),
    ("storage.k8s.io", "StorageClass"): ([_NAME, _col("Provisioner"), _col("ReclaimPolicy"),
                                          _col("VolumeBindingMode"), _col("AllowVolumeExpansion", "boolean"), _AGE],
                                         _storageclass),
    ("", "Event"): ([_col("Last Seen"), _col("Type"), _col("Reason"), _col("Object"), _col("Message")], _event),
    ("apiextensions.k8s.io", "CustomResourceDefinition"): ([_NAME, _col("Created At", "date")], _crd),
}


# ------------------------------------------------------------------------------------------------
# time and JSONPath


def _parse(value: str | None) -> datetime | None:
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _since(value: str | None, now: datetime) -> str:
    when = _parse(value)
    if when is None:
        return "<unknown>"
    return _human((now - when).total_seconds())


def _human(seconds: float) -> str:
    """Go's duration.HumanDuration, as kubectl prints ages (`45s`, `5m3s`, `3h`, `12d`)."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rest = s % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y{days}d" if days else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


_STEP = re.compile(r"\.([A-Za-z0-9_\-/]+)|\[(\d+)\]|\[\?\(@\.([A-Za-z0-9_\-]+)\s*==\s*[\"']([^\"']*)[\"']\)\]")


def jsonpath(obj: Any, path: str) -> Any:
    """The value at a printer-column JSONPath (subset: fields, indices, equality filters)."""
    text = path.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    values = [obj]
    pos = 0
    while pos < len(text):
        match = _STEP.match(text, pos)
        if not match:
            return None
        field, index, key, want = match.groups()
        nxt = []
        for value in values:
            if field is not None and isinstance(value, dict) and field in value:
                nxt.append(value[field])
            elif index is not None and isinstance(value, list) and int(index) < len(value):
                nxt.append(value[int(index)])
            elif key is not None and isinstance(value, list):
                nxt.extend(v for v in value if isinstance(v, dict) and str(v.get(key)) == want)
        values = nxt
        pos = match.end()
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    if isinstance(value, dict):
        import json

        return json.dumps(value, separators=(",", ":"))
    return str(value)
