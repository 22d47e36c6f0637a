"""ResourceQuota: the quota controller (status) and the ResourceQuota admission plugin.

Status: `status.hard` = `spec.hard`; `status.used` holds every hard resource, computed from the
namespace's pods (those the quota's scopes select; pods in phase Succeeded/Failed do not count)
and PVCs. Resources the sandbox does not evaluate count as `0`.

Admission (create of a Pod, create or growth of a PVC), like kube-apiserver's quota evaluator:
for each quota in the namespace (by name) whose scopes match the object and whose `hard` names a
resource the object uses: pods must state requests/limits for every quota'd cpu/memory resource
(`failed quota: <q>: must specify limits.cpu for: app`), and `used + requested` must not exceed
`hard` for any of them (`exceeded quota: <q>, requested: ..., used: ..., limited: ...`), else
403 Forbidden. The first failing quota answers. Updates are charged by their growth only.
"""

from __future__ import annotations

from .. import errors
from . import base
from ..models.quantity import ZERO, Quantity, add_lists, max_lists, parse_list, pretty

_POD_SCOPES = ("Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass")
# Quota'd compute resources every container must state (a backward-compatibility rule of the real
# evaluator: "if we quota cpu or memory, then each container must make an explicit request").
_VALIDATION_SET = ("cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory")
_STORAGE_CLASS_SUFFIX = ".storageclass.storage.k8s.io/"


# -- usage --------------------------------------------------------------------------------------


def pod_is_terminal(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _container_usage(container: dict) -> dict[str, Quantity]:
    resources = container.get("resources") or {}
    requests = parse_list(resources.get("requests"))
    limits = parse_list(resources.get("limits"))
    out: dict[str, Quantity] = {}
    for name in ("cpu", "memory", "ephemeral-storage"):
        if name in requests:
            out[name] = requests[name]
            out[f"requests.{name}"] = requests[name]
        if name in limits:
            out[f"limits.{name}"] = limits[name]
    return out


def pod_usage(pod: dict) -> dict[str, Quantity]:
    """What a pod charges: `pods`, `count/pods` and its effective requests/limits.

    Effective = max(sum over containers, largest init container), per resource. Terminal pods
    charge nothing.
    """
    if pod_is_terminal(pod):
        return {}
    spec = pod.get("spec") or {}
    total: dict[str, Quantity] = {}
    for container in spec.get("containers") or ():
        total = add_lists(total, _container_usage(container))
    for container in spec.get("initContainers") or ():
        total = max_lists(total, _container_usage(container))
    one = Quantity.parse("1")
    total["pods"] = one
    total["count/pods"] = one
    return total


def pvc_usage(pvc: dict) -> dict[str, Quantity]:
    spec = pvc.get("spec") or {}
    one = Quantity.parse("1")
    out = {"persistentvolumeclaims": one, "count/persistentvolumeclaims": one}
    storage = parse_list((spec.get("resources") or {}).get("requests")).get("storage")
    storage_class = spec.get("storageClassName")
    if storage is not None:
        out["requests.storage"] = storage
    if storage_class:
        prefix = f"{storage_class}{_STORAGE_CLASS_SUFFIX}"
        out[prefix + "persistentvolumeclaims"] = one
        if storage is not None:
            out[prefix + "requests.storage"] = storage
    return out


def _pvc_resource(name: str) -> bool:
    return name in ("persistentvolumeclaims", "count/persistentvolumeclaims", "requests.storage") or (
        _STORAGE_CLASS_SUFFIX in name
    )


def _pod_resource(name: str) -> bool:
    return name in ("pods", "count/pods") or name in (
        "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage",
        "limits.cpu", "limits.memory", "limits.ephemeral-storage",
    )


# -- scopes -------------------------------------------------------------------------------------


def _best_effort(pod: dict) -> bool:
    for key in ("containers", "initContainers"):
        for container in (pod.get("spec") or {}).get(key) or ():
            resources = container.get("resources") or {}
            for section in ("requests", "limits"):
                if any(k in ("cpu", "memory") for k in resources.get(section) or {}):
                    return False
    return True


def _scope_matches(scope: str, operator: str, values: list, pod: dict) -> bool:
    spec = pod.get("spec") or {}
    if scope == "Terminating":
        hit = spec.get("activeDeadlineSeconds") is not None and spec["activeDeadlineSeconds"] >= 0
    elif scope == "NotTerminating":
        hit = spec.get("activeDeadlineSeconds") is None
    elif scope == "BestEffort":
        hit = _best_effort(pod)
    elif scope == "NotBestEffort":
        hit = not _best_effort(pod)
    elif scope == "PriorityClass":
        name = spec.get("priorityClassName")
        if operator == "In":
            return name in values
        if operator == "NotIn":
            return name not in values
        if operator == "DoesNotExist":
            return not name
        return bool(name)
    else:  # CrossNamespacePodAffinity and unknown scopes: the sandbox never matches them
        hit = False
    return hit if operator in ("Exists", "In", None) else not hit


def _selectors(quota: dict) -> list[tuple[str, str | None, list]]:
    spec = quota.get("spec") or {}
    out = [(scope, "Exists", []) for scope in spec.get("scopes") or ()]
    for expr in (spec.get("scopeSelector") or {}).get("matchExpressions") or ():
        out.append((expr.get("scopeName"), expr.get("operator"), list(expr.get("values") or ())))
    return out


def quota_matches(quota: dict, obj: dict) -> bool:
    """Does the quota (by its scopes) apply to this Pod or PVC?"""
    selectors = _selectors(quota)
    if obj.get("kind") == "Pod":
        return all(_scope_matches(scope, op, values, obj) for scope, op, values in selectors)
    # PVCs are only governed by quotas without pod scopes.
    return not any(scope in _POD_SCOPES for scope, _, _ in selectors)


def _usage(obj: dict) -> dict[str, Quantity]:
    return pod_usage(obj) if obj.get("kind") == "Pod" else pvc_usage(obj)


def _relevant(obj: dict, resource: str) -> bool:
    return _pod_resource(resource) if obj.get("kind") == "Pod" else _pvc_resource(resource)


# -- status -------------------------------------------------------------------------------------


def compute_status(quota: dict, pods: list[dict], pvcs: list[dict]) -> dict:
    hard = dict((quota.get("spec") or {}).get("hard") or {})
    totals: dict[str, Quantity] = {}
    for obj in pods + pvcs:
        if quota_matches(quota, obj):
            totals = add_lists(totals, _usage(obj))
    used = {}
    for resource in hard:
        value = totals.get(resource, ZERO)
        if value.value == 0:
            used[resource] = "0"
        else:
            used[resource] = str(value)
    return {"hard": hard, "used": used}


# -- the controller -----------------------------------------------------------------------------


class QuotaController(base.Controller):
    kinds = (("", "ResourceQuota"), ("", "Pod"), ("", "PersistentVolumeClaim"))

    def admit(self, cluster, rtype, obj: dict, old: dict | None, dry_run: bool) -> None:
        kind = obj.get("kind")
        if kind == "Pod" and old is None:
            self._check(cluster, obj, None)
        elif kind == "PersistentVolumeClaim":
            self._check(cluster, obj, old)

    def settle(self, cluster, rtype, obj: dict) -> None:
        namespace = base.namespace_of(obj)
        if namespace:
            self.recompute(cluster, namespace)

    def deleted(self, cluster, rtype, obj: dict) -> None:
        namespace = base.namespace_of(obj)
        if namespace and obj.get("kind") != "ResourceQuota":
            self.recompute(cluster, namespace)

    def start(self, cluster) -> None:
        seen = set()
        for quota in cluster.list("v1", "ResourceQuota"):
            namespace = base.namespace_of(quota)
            if namespace not in seen:
                seen.add(namespace)
                with cluster.lock:
                    self.recompute(cluster, namespace)

    def recompute(self, cluster, namespace: str) -> None:
        quotas = cluster.list("v1", "ResourceQuota", namespace)
        if not quotas:
            return
        pods = cluster.list("v1", "Pod", namespace)
        pvcs = cluster.list("v1", "PersistentVolumeClaim", namespace)
        for quota in quotas:
            if base.is_terminating(quota):
                continue
            status = compute_status(quota, pods, pvcs)
            if status != (quota.get("status") or {}):
                cluster.write_status("v1", "ResourceQuota", namespace, base.name_of(quota), status)

    def _check(self, cluster, obj: dict, old: dict | None) -> None:
        namespace = base.namespace_of(obj)
        quotas = sorted(cluster.list("v1", "ResourceQuota", namespace), key=base.name_of)
        if not quotas:
            return
        delta = {k: v for k, v in _usage(obj).items() if v.value != 0}
        if old is not None and base.meta(old).get("resourceVersion"):
            before = _usage(old)
            delta = {k: v - before[k] if k in before else v for k, v in delta.items()}
            delta = {k: v for k, v in delta.items() if v.value > 0}
        if not delta:
            return
        plural = "pods" if obj.get("kind") == "Pod" else "persistentvolumeclaims"
        name = base.name_of(obj)
        interesting = []
        for quota in quotas:
            if not quota_matches(quota, obj):
                continue
            hard = (quota.get("status") or {}).get("hard") or (quota.get("spec") or {}).get("hard") or {}
            restricted = [r for r in hard if _relevant(obj, r)]
            if not restricted:
                continue
            if obj.get("kind") == "Pod":
                missing = _missing_constraints(obj, restricted)
                if missing:
                    raise _forbidden(plural, name, f"failed quota: {base.name_of(quota)}: must specify {missing}")
            used_raw = (quota.get("status") or {}).get("used") or {}
            unknown = [r for r in restricted if r not in used_raw]
            if unknown:
                raise _forbidden(
                    plural, name,
                    f"status unknown for quota: {base.name_of(quota)}, resources: {', '.join(sorted(unknown))}",
                )
            interesting.append(quota)
        for quota in interesting:
            status = quota.get("status") or {}
            hard = parse_list(status.get("hard"))
            used = parse_list(status.get("used"))
            requested = {k: v for k, v in delta.items() if k in hard}
            exceeded = [
                k for k, v in requested.items() if (used.get(k, ZERO) + v).value > hard[k].value
            ]
            if exceeded:
                raise _forbidden(
                    plural, name,
                    "exceeded quota: {}, requested: {}, used: {}, limited: {}".format(
                        base.name_of(quota),
                        pretty({k: requested[k] for k in exceeded}),
                        pretty({k: used.get(k, ZERO) for k in exceeded}),
                        pretty({k: hard[k] for k in exceeded}),
                    ),
                )


def _missing_constraints(pod: dict, restricted: list[str]) -> str:
    required = [r for r in restricted if r in _VALIDATION_SET]
    if not required:
        return ""
    missing: dict[str, set[str]] = {}
    spec = pod.get("spec") or {}
    for container in list(spec.get("containers") or ()) + list(spec.get("initContainers") or ()):
        have = _container_usage(container)
        for resource in required:
            if resource not in have:
                missing.setdefault(resource, set()).add(container.get("name") or "")
    return "; ".join(f"{r} for: {','.join(sorted(missing[r]))}" for r in sorted(missing))


def _forbidden(plural: str, name: str, message: str) -> errors.Forbidden:
    return errors.Forbidden(f'{plural} "{name}" is forbidden: {message}', {"name": name, "kind": plural})
