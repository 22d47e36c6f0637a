"""The `Controller` interface the `Cluster` calls, and small helpers every controller shares.

A controller simulates one piece of the control plane (kube-controller-manager, kubelet,
cert-manager, an admission plugin). `Cluster` calls its hooks for the kinds it lists in `kinds`:

* `admit(cluster, rtype, obj, old, dry_run)` before a write is stored (also for dry runs); it may
  mutate `obj` (defaulting) or raise a `StatusError` (admission refusal).
* `settle(cluster, rtype, obj)` after a write was stored (never for dry runs), inside the cluster
  lock; it writes status or dependent objects through the cluster's internal API so the result is
  settled before the next read.
* `deleted(cluster, rtype, obj)` after an object was removed from the store.
* `start(cluster)` once when the emulator starts with a (possibly restored) store, and
  `shutdown()` once when it stops: background work (timers, Job pods) ends there.

Hooks look at `obj["apiVersion"]` / `obj["kind"]` rather than at `rtype`, so they also work when
a caller has no `ResourceType` at hand.
"""

from __future__ import annotations

import copy
import time
from datetime import datetime, timezone
from typing import Any, Iterable

# `kinds` entry that subscribes a controller to every kind (the garbage collector).
ANY_KIND = ("*", "*")


class Controller:
    """Base class: every hook does nothing."""

    kinds: tuple[tuple[str, str], ...] = ()

    def admit(self, cluster, rtype, obj: dict, old: dict | None, dry_run: bool) -> None:
        """Mutate `obj` or raise a StatusError before it is stored."""

    def settle(self, cluster, rtype, obj: dict) -> None:
        """React to a stored write."""

    def deleted(self, cluster, rtype, obj: dict) -> None:
        """React to a removal."""

    def start(self, cluster) -> None:
        """Pick up work for objects that already exist (emulator restart)."""

    def shutdown(self) -> None:
        """Stop background work; leave no thread or process behind."""

    def handles(self, group: str, kind: str) -> bool:
        return ANY_KIND in self.kinds or (group, kind) in self.kinds


# -- object helpers -----------------------------------------------------------------------------


def group_of(obj: dict) -> str:
    api_version = obj.get("apiVersion") or ""
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def name_of(obj: dict) -> str:
    return meta(obj).get("name") or ""


def namespace_of(obj: dict) -> str | None:
    return meta(obj).get("namespace") or None


def uid_of(obj: dict) -> str:
    return meta(obj).get("uid") or ""


def annotation(obj: dict, key: str, default: str | None = None) -> str | None:
    return (meta(obj).get("annotations") or {}).get(key, default)


def is_terminating(obj: dict) -> bool:
    return bool(meta(obj).get("deletionTimestamp"))


def owner_reference(owner: dict, controller: bool = True) -> dict:
    """The ownerReference a controller puts on what it creates for `owner`."""
    ref = {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": name_of(owner),
        "uid": uid_of(owner),
    }
    if controller:
        ref["controller"] = True
        ref["blockOwnerDeletion"] = True
    return ref


def owned_by(obj: dict, owner_uid: str) -> bool:
    return any(ref.get("uid") == owner_uid for ref in meta(obj).get("ownerReferences") or ())


def controller_ref(obj: dict) -> dict | None:
    for ref in meta(obj).get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


# -- time ---------------------------------------------------------------------------------------


def now() -> str:
    """RFC 3339 UTC at second precision, the format of every Kubernetes timestamp."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> float:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def parse_duration(value: Any) -> float | None:
    """`1500ms`, `2s`, `1m30s`, `250` (milliseconds) -> seconds; None when it does not parse."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) / 1000.0
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit():
        return int(text) / 1000.0
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    total, number = 0.0, ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit() or ch == ".":
            number += ch
            i += 1
            continue
        unit = "ms" if text.startswith("ms", i) else ch
        if unit not in units or not number:
            return None
        total += float(number) * units[unit]
        number = ""
        i += len(unit)
    if number:
        return None
    return total


def monotonic() -> float:
    return time.monotonic()


# -- status helpers -----------------------------------------------------------------------------


def merge_conditions(old: Iterable[dict] | None, new: list[dict]) -> list[dict]:
    """Keep the timestamps of conditions that did not change, as real controllers do.

    A condition keeps `lastTransitionTime` while its status stays the same, and also
    `lastUpdateTime` / `lastProbeTime` while reason and message stay the same, so writing the same
    state twice is a no-op (no resourceVersion bump).
    """
    previous = {c.get("type"): c for c in old or () if isinstance(c, dict)}
    out = []
    for cond in new:
        cond = dict(cond)
        before = previous.get(cond.get("type"))
        if before and before.get("status") == cond.get("status"):
            if "lastTransitionTime" in cond and before.get("lastTransitionTime"):
                cond["lastTransitionTime"] = before["lastTransitionTime"]
            if before.get("reason") == cond.get("reason") and before.get("message") == cond.get("message"):
                for key in ("lastUpdateTime", "lastProbeTime"):
                    if key in cond and before.get(key):
                        cond[key] = before[key]
        out.append(cond)
    return out


def settle_status(old_status: dict | None, new_status: dict) -> dict:
    """`new_status` with the condition timestamps of `old_status` kept where nothing changed."""
    out = copy.deepcopy(new_status)
    _keep_condition_times(old_status or {}, out)
    return out


def _keep_condition_times(old: Any, new: Any) -> None:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return
    for key, value in new.items():
        if key == "conditions" and isinstance(value, list):
            new[key] = merge_conditions(old.get(key), value)
        elif isinstance(value, dict):
            _keep_condition_times(old.get(key), value)


def condition(obj: dict, kind: str) -> dict | None:
    for cond in (obj.get("status") or {}).get("conditions") or ():
        if cond.get("type") == kind:
            return cond
    return None


def condition_true(obj: dict, kind: str) -> bool:
    cond = condition(obj, kind)
    return bool(cond and cond.get("status") == "True")


# -- cluster helpers ----------------------------------------------------------------------------


def served_kinds(cluster, namespaced: bool | None = None) -> list[tuple[str, str]]:
    """(apiVersion, kind) of every served kind, one version per stored kind."""
    out, seen = [], set()
    for rtype in cluster.registry.all():
        if namespaced is not None and rtype.namespaced != namespaced:
            continue
        if rtype.storage_key in seen:
            continue
        seen.add(rtype.storage_key)
        out.append((rtype.api_version, rtype.kind))
    return out


def served_version(cluster, group: str, kind: str) -> str | None:
    """The apiVersion a (group, kind) is served at; None when not served (e.g. CRD absent)."""
    for rtype in cluster.registry.all():
        if rtype.group == group and rtype.kind == kind:
            return rtype.api_version
    return None


def safe_delete(cluster, api_version: str, kind: str, namespace: str | None, name: str) -> bool:
    """delete_internal that tolerates the object being gone already."""
    from .. import errors

    try:
        cluster.delete_internal(api_version, kind, namespace, name)
        return True
    except errors.NotFound:
        return False


def update_object(cluster, obj: dict) -> dict:
    """Write a whole object (spec/metadata) as a controller would: no admission, no dry run."""
    return cluster.update_internal(obj)
