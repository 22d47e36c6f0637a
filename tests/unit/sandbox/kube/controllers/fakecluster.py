"""A small in-memory stand-in for `Cluster`'s internal API, for the controllers' unit tests.

It keeps what the controllers rely on and nothing else: objects by (apiVersion, kind, namespace,
name), uid and resourceVersion, generation bumps on spec changes, no write when nothing changes,
and the hook order of the real Cluster: `admit` before a create/update is stored, `settle` after
a stored write, `deleted` after a removal (internal writes included); deleting an object with
finalizers marks it (deletionTimestamp) and it goes when an update empties them. Kinds come from
the real registry table; CRD kinds (cert-manager) are added as custom types.
"""

from __future__ import annotations

import copy
import itertools
import threading
import uuid
from pathlib import Path

from sandbox.kube import errors
from sandbox.kube.models.registry import BUILTINS, Registry, ResourceType

CERT_MANAGER = [
    ResourceType("cert-manager.io", "v1", kind, plural, namespaced, subresources=("status",),
                 tracks_generation=True, custom=True)
    for kind, plural, namespaced in (
        ("Certificate", "certificates", True),
        ("Issuer", "issuers", True),
        ("ClusterIssuer", "clusterissuers", False),
    )
]


class FakeCluster:
    def __init__(self, state_dir: Path, controllers=(), cert_manager: bool = True):
        self.state_dir = Path(state_dir)
        self.lock = threading.RLock()
        self.registry = Registry(tuple(BUILTINS) + (tuple(CERT_MANAGER) if cert_manager else ()))
        self.controllers = list(controllers)
        self.objects: dict[tuple[str, str, str, str], dict] = {}
        self._rv = itertools.count(1)
        self.writes: list[tuple[str, str, str]] = []  # (verb, kind, name) of every stored write

    # -- helpers for tests ------------------------------------------------------------------

    def add_namespace(self, name: str) -> dict:
        return self.create_internal({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name},
                                     "status": {"phase": "Active"}})

    def mark_terminating(self, name: str) -> dict:
        ns = self.get("v1", "Namespace", None, name)
        ns["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        ns["status"] = {"phase": "Terminating"}
        return self._put(ns, self.objects[self._key(ns)])

    def kinds_in(self, namespace: str) -> list[str]:
        return sorted(f"{o['kind']}/{o['metadata']['name']}" for o in self.objects.values()
                      if o["metadata"].get("namespace") == namespace)

    # -- internal API -----------------------------------------------------------------------

    def _rtype(self, api_version: str, kind: str) -> ResourceType:
        rtype = self.registry.by_kind(api_version, kind)
        if rtype is None:
            raise errors.NotFound(f"no kind {kind} {api_version}", {})
        return rtype

    def _key(self, obj: dict) -> tuple[str, str, str, str]:
        meta = obj["metadata"]
        rtype = self._rtype(obj["apiVersion"], obj["kind"])
        return obj["apiVersion"], obj["kind"], meta.get("namespace", "") if rtype.namespaced else "", meta["name"]

    def _hooks(self, rtype: ResourceType):
        return [c for c in self.controllers if c.handles(rtype.group, rtype.kind)]

    def get(self, api_version, kind, namespace, name):
        if self.registry.by_kind(api_version, kind) is None:
            return None
        with self.lock:
            obj = self.objects.get((api_version, kind, namespace or "", name))
            return copy.deepcopy(obj) if obj is not None else None

    def list(self, api_version, kind, namespace=None, label_selector=None):
        rtype = self.registry.by_kind(api_version, kind)
        if rtype is None:
            return []
        with self.lock:
            out = []
            for (av, k, ns, _), obj in sorted(self.objects.items()):
                if av != api_version or k != kind:
                    continue
                if rtype.namespaced and namespace is not None and ns != namespace:
                    continue
                labels = obj["metadata"].get("labels") or {}
                if label_selector and any(labels.get(a) != b for a, b in label_selector.items()):
                    continue
                out.append(copy.deepcopy(obj))
            return out

    def create_internal(self, obj: dict) -> dict:
        obj = copy.deepcopy(obj)
        rtype = self._rtype(obj["apiVersion"], obj["kind"])
        with self.lock:
            meta = obj.setdefault("metadata", {})
            if not rtype.namespaced:
                meta.pop("namespace", None)
            else:
                ns = self.objects.get(("v1", "Namespace", "", meta.get("namespace", "")))
                if ns is None:
                    raise errors.NotFound.item("namespaces", "", meta.get("namespace", ""))
                if ns["metadata"].get("deletionTimestamp"):
                    raise errors.Forbidden(f'{rtype.plural} "{meta["name"]}" is forbidden: unable to create new '
                                           f"content in namespace {meta['namespace']} because it is being terminated")
            if self._key(obj) in self.objects:
                raise errors.AlreadyExists.item(rtype.plural, rtype.group, meta["name"])
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = "2026-01-01T00:00:00Z"
            if rtype.tracks_generation:
                meta["generation"] = 1
            for ctl in self._hooks(rtype):
                ctl.admit(self, rtype, obj, None, False)
            return self._put(obj, None)

    def update_internal(self, obj: dict) -> dict:
        obj = copy.deepcopy(obj)
        rtype = self._rtype(obj["apiVersion"], obj["kind"])
        with self.lock:
            old = self.objects.get(self._key(obj))
            if old is None:
                raise errors.NotFound.item(rtype.plural, rtype.group, obj["metadata"]["name"])
            obj["status"] = copy.deepcopy(old.get("status"))
            if obj["status"] is None:
                obj.pop("status")
            for ctl in self._hooks(rtype):
                ctl.admit(self, rtype, obj, old, False)
            return self._put(obj, old)

    def write_status(self, api_version, kind, namespace, name, status):
        rtype = self._rtype(api_version, kind)
        with self.lock:
            old = self.objects.get((api_version, kind, namespace or "", name))
            if old is None:
                return None
            new = copy.deepcopy(old)
            new["status"] = copy.deepcopy(status)
            return self._put(new, old)

    def delete_internal(self, api_version, kind, namespace, name):
        rtype = self._rtype(api_version, kind)
        with self.lock:
            obj = self.objects.get((api_version, kind, namespace or "", name))
            if obj is None:
                return None
            if obj["metadata"].get("finalizers"):
                if not obj["metadata"].get("deletionTimestamp"):
                    marked = copy.deepcopy(obj)
                    marked["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
                    self._put(marked, obj)
                return self.get(api_version, kind, namespace, name)
            return self._remove(rtype, obj)

    def _remove(self, rtype, obj):
        with self.lock:
            meta = obj["metadata"]
            if self.objects.pop(self._key(obj), None) is None:
                return obj
            self.writes.append(("delete", obj["kind"], meta["name"]))
            for ctl in self._hooks(rtype):
                ctl.deleted(self, rtype, copy.deepcopy(obj))
            return obj

    def _put(self, new: dict, old: dict | None) -> dict:
        rtype = self._rtype(new["apiVersion"], new["kind"])
        if old is not None:
            same = {k: v for k, v in new.items() if k != "metadata"} == {k: v for k, v in old.items() if k != "metadata"}
            meta_same = {k: v for k, v in new["metadata"].items() if k not in ("resourceVersion", "generation")} == \
                {k: v for k, v in old["metadata"].items() if k not in ("resourceVersion", "generation")}
            if same and meta_same:
                return copy.deepcopy(old)
            if rtype.tracks_generation and new.get("spec") != old.get("spec"):
                new["metadata"]["generation"] = int(old["metadata"].get("generation", 1)) + 1
        new["metadata"]["resourceVersion"] = str(next(self._rv))
        self.objects[self._key(new)] = new
        self.writes.append(("create" if old is None else "update", new["kind"], new["metadata"]["name"]))
        for ctl in self._hooks(rtype):
            current = self.objects.get(self._key(new))
            if current is None:
                break
            ctl.settle(self, rtype, copy.deepcopy(current))
        current = self.objects.get(self._key(new))
        if current is not None and current["metadata"].get("deletionTimestamp") \
                and not current["metadata"].get("finalizers") and current["kind"] != "Namespace":
            self._remove(rtype, current)
        return copy.deepcopy(self.objects.get(self._key(new), new))
