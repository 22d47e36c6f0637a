"""The LimitRanger admission plugin for pods (runs before ResourceQuota, like the real chain).

On Pod create: a container that states a limit but no request gets request = limit (API
defaulting), then every `type: Container` LimitRange item of the namespace fills in missing limits
(`default`) and requests (`defaultRequest`) and records what it set in the annotation
`kubernetes.io/limit-ranger`; then `min`/`max` are enforced (403 `maximum cpu usage per Container
is 1, but limit is 2`). The LimitRange object's own defaulting is applied on read (`default`
falls back to `max`, `defaultRequest` to `default`, then to `min`). Pod-level and PVC items are
not evaluated.
"""

from __future__ import annotations

from .. import errors
from . import base
from ..models.quantity import Quantity, parse_list

_ANNOTATION = "kubernetes.io/limit-ranger"


def container_item(limit_range: dict) -> dict | None:
    """The merged `type: Container` item with the API's LimitRange defaulting applied."""
    for item in (limit_range.get("spec") or {}).get("limits") or ():
        if item.get("type") != "Container":
            continue
        default = dict(item.get("default") or {})
        default_request = dict(item.get("defaultRequest") or {})
        for key, value in (item.get("max") or {}).items():
            default.setdefault(key, value)
        for key, value in default.items():
            default_request.setdefault(key, value)
        for key, value in (item.get("min") or {}).items():
            default_request.setdefault(key, value)
        return {
            "default": default,
            "defaultRequest": default_request,
            "min": dict(item.get("min") or {}),
            "max": dict(item.get("max") or {}),
        }
    return None


def _default_from_limits(container: dict) -> None:
    resources = container.setdefault("resources", {})
    limits = resources.get("limits") or {}
    if limits:
        requests = resources.setdefault("requests", {})
        for key, value in limits.items():
            requests.setdefault(key, value)


def _merge(container: dict, item: dict, label: str) -> list[str]:
    resources = container.setdefault("resources", {})
    set_limits, set_requests = [], []
    if item["default"]:
        limits = resources.setdefault("limits", {})
        for key, value in item["default"].items():
            if key not in limits:
                limits[key] = value
                set_limits.append(key)
    if item["defaultRequest"]:
        requests = resources.setdefault("requests", {})
        for key, value in item["defaultRequest"].items():
            if key not in requests:
                requests[key] = value
                set_requests.append(key)
    notes = []
    if set_requests:
        notes.append(f"{', '.join(sorted(set_requests))} request for {label} {container.get('name')}")
    if set_limits:
        notes.append(f"{', '.join(sorted(set_limits))} limit for {label} {container.get('name')}")
    return notes


def _constraint_errors(container: dict, item: dict) -> list[str]:
    resources = container.get("resources") or {}
    raw_requests = resources.get("requests") or {}
    raw_limits = resources.get("limits") or {}
    requests, limits = parse_list(raw_requests), parse_list(raw_limits)
    out = []
    for name, text in sorted(item["min"].items()):
        enforced = Quantity.parse(text)
        if name not in requests:
            out.append(f"minimum {name} usage per Container is {enforced}.  No request is specified")
        elif requests[name].value < enforced.value:
            out.append(f"minimum {name} usage per Container is {enforced}, but request is {requests[name]}")
        elif name in limits and limits[name].value < enforced.value:
            out.append(f"minimum {name} usage per Container is {enforced}, but limit is {limits[name]}")
    for name, text in sorted(item["max"].items()):
        enforced = Quantity.parse(text)
        if name not in limits:
            out.append(f"maximum {name} usage per Container is {enforced}.  No limit is specified")
        elif limits[name].value > enforced.value:
            out.append(f"maximum {name} usage per Container is {enforced}, but limit is {limits[name]}")
        elif name in requests and requests[name].value > enforced.value:
            out.append(f"maximum {name} usage per Container is {enforced}, but request is {requests[name]}")
    return out


def apply_limit_ranges(pod: dict, limit_ranges: list[dict]) -> None:
    """Default and check `pod` in place; raises Forbidden like the LimitRanger plugin."""
    spec = pod.get("spec") or {}
    containers = [(c, "container") for c in spec.get("containers") or ()]
    containers += [(c, "init container") for c in spec.get("initContainers") or ()]
    for container, _ in containers:
        _default_from_limits(container)
    problems: list[str] = []
    for limit_range in sorted(limit_ranges, key=base.name_of):
        item = container_item(limit_range)
        if item is None:
            continue
        notes: list[str] = []
        for container, label in containers:
            notes.extend(_merge(container, item, label))
        if notes:
            annotations = pod.setdefault("metadata", {}).setdefault("annotations", {})
            annotations[_ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)
        for container, _ in containers:
            problems.extend(_constraint_errors(container, item))
    if problems:
        name = base.name_of(pod)
        message = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
        raise errors.Forbidden(f'pods "{name}" is forbidden: {message}', {"name": name, "kind": "pods"})


class LimitRangeController(base.Controller):
    kinds = (("", "Pod"),)

    def admit(self, cluster, rtype, obj: dict, old: dict | None, dry_run: bool) -> None:
        if old is not None:
            return
        namespace = base.namespace_of(obj)
        limit_ranges = cluster.list("v1", "LimitRange", namespace) if namespace else []
        apply_limit_ranges(obj, limit_ranges)
