"""Semantic validation beyond schema shape, with kube-apiserver 1.32's field paths and texts.

`validate(rtype, obj, old)` returns the `errors.Cause`s the real server reports as 422 Invalid
(`errors.Invalid.of(kind, group, name, causes)` renders them); it never raises. It runs after
defaulting, on the object that would be stored; `old` is the stored object for updates (None for
creates). `rtype` is duck-typed: only `.group`, `.version`, `.kind`, `.namespaced` are read.

Texts follow k8s.io/apimachinery v0.32 (`util/validation`, `util/validation/field`: the cause's
message is `ErrorBody()`, e.g. `Invalid value: "Bad_Name": a lowercase RFC 1123 label must ...`)
and the kube 1.32 validators of each kind. Values are printed like Go's `field.Error`: strings
quoted, numbers bare, maps/slices/structs in Go `%#v` form (`map[string]string{"app":"web"}`,
`v1.LabelSelector{MatchLabels:...}`). Where the real value is an internal Go struct too large to
reproduce (a Job's whole pod template), the text is abbreviated as `core.PodTemplateSpec{...}`.

One module per subject; this one holds only the table of validators per kind:

| module | checks |
| --- | --- |
| `field.py` | cause constructors (`required`, `invalid` ...), shared small checks |
| `meta.py` | object metadata (name rules per kind, generateName, namespace, labels, annotations, finalizers, ownerReferences), label selectors |
| `pods.py` | pod specs and templates (containers, ports, env, resources requests <= limits, volumes and mounts, restartPolicy), Pod |
| `core.py` | Service, PersistentVolumeClaim, Secret, ConfigMap, ResourceQuota (scopes), LimitRange, Namespace |
| `apps.py` | Deployment/ReplicaSet/StatefulSet/DaemonSet |
| `batch.py` | Job, CronJob (schedule by `models/cron.py`) |
| `networking.py` | Ingress |
| `apiextensions.py` | CustomResourceDefinition |

Their building blocks live beside this package: `models/names.py` (name and label rules),
`models/goformat.py` (Go value printing), `models/quantity.py` (quantities), `models/cron.py`.

Not here (other layers): Quantity syntax and Secret base64 are *decoding* errors (400,
schema.check_types); quota admission (403 `exceeded quota`) and PVC resize admission are
controllers' hooks; Job selector/label generation is the create strategy's job (if a Job arrives
without `spec.selector`, the generated-selector checks are skipped).
"""

from __future__ import annotations

from .apiextensions import validate_crd
from .apps import validate_workload
from .batch import validate_cron_job, validate_job
from .core import (
    validate_config_map, validate_limit_range, validate_namespace, validate_pvc, validate_resource_quota,
    validate_secret, validate_service,
)
from .field import Cause
from .meta import meta_causes, meta_update_causes, name_function
from .networking import validate_ingress
from .pods import validate_pod

_VALIDATORS = {
    ("", "Service"): validate_service,
    ("", "PersistentVolumeClaim"): validate_pvc,
    ("", "Secret"): validate_secret,
    ("", "ConfigMap"): validate_config_map,
    ("", "ResourceQuota"): validate_resource_quota,
    ("", "Namespace"): validate_namespace,
    ("", "Pod"): validate_pod,
    ("", "LimitRange"): validate_limit_range,
    ("apps", "Deployment"): lambda o, old: validate_workload(o, old, "Deployment"),
    ("apps", "ReplicaSet"): lambda o, old: validate_workload(o, old, "ReplicaSet"),
    ("apps", "StatefulSet"): lambda o, old: validate_workload(o, old, "StatefulSet"),
    ("apps", "DaemonSet"): lambda o, old: validate_workload(o, old, "DaemonSet"),
    ("batch", "Job"): validate_job,
    ("batch", "CronJob"): validate_cron_job,
    ("networking.k8s.io", "Ingress"): validate_ingress,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): validate_crd,
}


def validate(rtype, obj: dict, old: dict | None) -> list[Cause]:
    """Semantic validation of `obj` (after defaulting) as kube-apiserver 1.32 would do it."""
    group = getattr(rtype, "group", "") or ""
    kind = getattr(rtype, "kind", "") or ""
    namespaced = bool(getattr(rtype, "namespaced", True))
    meta = obj.get("metadata") or {}
    causes = meta_causes(meta, namespaced, name_function(group, kind))
    if old is not None:
        causes += meta_update_causes(meta, old.get("metadata") or {})
    fn = _VALIDATORS.get((group, kind))
    if fn is not None:
        causes += fn(obj, old)
    return causes
