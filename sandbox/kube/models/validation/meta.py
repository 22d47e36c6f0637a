"""Validation of object metadata and label selectors (apimachinery's ValidateObjectMeta and friends).

`meta_causes` checks name or generateName (with the kind's name rule, `name_function`),
namespace, generation, labels, annotations, ownerReferences and finalizers; `meta_update_causes`
the immutable fields and finalizers added during deletion. `selector_causes` validates a
metav1.LabelSelector, `selector_matches` evaluates one against labels.
"""

from __future__ import annotations

from ..goformat import go_strings
from ..names import (
    NAME_IS_DNS1035_LABEL, NAME_IS_DNS_LABEL, NAME_IS_DNS_SUBDOMAIN, is_qualified_name, is_valid_label_value,
    path_segment_name,
)
from .field import IMMUTABLE, NEGATIVE, Cause, forbidden, invalid, required, too_long

def meta_causes(meta: dict, namespaced: bool, name_fn, path: str = "metadata") -> list[Cause]:
    causes: list[Cause] = []
    generate = meta.get("generateName") or ""
    if generate:
        causes += [invalid(f"{path}.generateName", generate, m) for m in name_fn(generate, True)]
    name = meta.get("name") or ""
    if not name:
        causes.append(required(f"{path}.name", "name or generateName is required"))
    else:
        causes += [invalid(f"{path}.name", name, m) for m in name_fn(name, False)]
    namespace = meta.get("namespace") or ""
    if namespaced:
        if not namespace:
            causes.append(required(f"{path}.namespace"))
        else:
            causes += [invalid(f"{path}.namespace", namespace, m) for m in NAME_IS_DNS_LABEL(namespace, False)]
    elif namespace:
        causes.append(forbidden(f"{path}.namespace", "not allowed on this type"))
    generation = meta.get("generation")
    if isinstance(generation, int) and generation < 0:
        causes.append(invalid(f"{path}.generation", generation, NEGATIVE))
    causes += validate_labels(meta.get("labels"), f"{path}.labels")
    causes += validate_annotations(meta.get("annotations"), f"{path}.annotations")
    causes += _owner_reference_causes(meta.get("ownerReferences"), f"{path}.ownerReferences")
    for finalizer in meta.get("finalizers") or []:
        if isinstance(finalizer, str):
            causes += [invalid(f"{path}.finalizers", finalizer, m) for m in is_qualified_name(finalizer)]
    return causes


def validate_labels(labels: dict | None, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for key, value in (labels or {}).items():
        causes += [invalid(path, key, m) for m in is_qualified_name(key)]
        if isinstance(value, str):
            causes += [invalid(path, value, m) for m in is_valid_label_value(value)]
    return causes


def validate_annotations(annotations: dict | None, path: str) -> list[Cause]:
    causes: list[Cause] = []
    total = 0
    for key, value in (annotations or {}).items():
        causes += [invalid(path, key, m) for m in is_qualified_name(key.lower())]
        total += len(key.encode()) + len(str(value or "").encode())
    if total > 256 * 1024:
        causes.append(too_long(path, 256 * 1024))
    return causes


def _owner_reference_causes(refs: list | None, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for ref in refs or []:
        if not isinstance(ref, dict):
            continue
        api_version = ref.get("apiVersion") or ""
        version = api_version.rsplit("/", 1)[-1]
        if not version:
            causes.append(invalid(f"{path}.apiVersion", api_version, "version must not be empty"))
        if not ref.get("kind"):
            causes.append(invalid(f"{path}.kind", ref.get("kind") or "", "kind must not be empty"))
        if not ref.get("name"):
            causes.append(invalid(f"{path}.name", ref.get("name") or "", "name must not be empty"))
        if not ref.get("uid"):
            causes.append(invalid(f"{path}.uid", ref.get("uid") or "", "uid must not be empty"))
    return causes


def name_function(group: str, kind: str):
    if group == "" and kind == "Namespace":
        return NAME_IS_DNS_LABEL
    if group == "" and kind == "Service":
        return NAME_IS_DNS1035_LABEL
    if group == "rbac.authorization.k8s.io":
        return path_segment_name
    return NAME_IS_DNS_SUBDOMAIN


def meta_update_causes(meta: dict, old_meta: dict) -> list[Cause]:
    causes: list[Cause] = []
    for field in ("name", "namespace", "uid", "creationTimestamp"):
        if old_meta.get(field) and meta.get(field) and meta.get(field) != old_meta.get(field):
            causes.append(invalid(f"metadata.{field}", meta.get(field), IMMUTABLE))
    if old_meta.get("deletionTimestamp"):
        new_fin = set(meta.get("finalizers") or []) - set(old_meta.get("finalizers") or [])
        if new_fin:
            causes.append(forbidden("metadata.finalizers", "no new finalizers can be added if the object is being "
                                    f"deleted, found new finalizers {go_strings(sorted(new_fin)).text}"))
    return causes


def selector_causes(sel: dict, path: str) -> list[Cause]:
    causes = validate_labels(sel.get("matchLabels"), f"{path}.matchLabels")
    for i, expr in enumerate(sel.get("matchExpressions") or []):
        expr = expr or {}
        epath = f"{path}.matchExpressions[{i}]"
        op = expr.get("operator")
        values = expr.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                causes.append(required(f"{epath}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                causes.append(forbidden(f"{epath}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            causes.append(invalid(f"{epath}.operator", op or "", "not a valid selector operator"))
        key = expr.get("key") or ""
        causes += [invalid(f"{epath}.key", key, m) for m in is_qualified_name(key)]
    return causes


def selector_matches(sel: dict | None, labels: dict | None) -> bool:
    """LabelSelector semantics (an empty selector matches everything)."""
    labels = labels or {}
    if not sel:
        return True
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in sel.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def selector_empty(sel: dict) -> bool:
    return not (sel.get("matchLabels") or sel.get("matchExpressions"))
