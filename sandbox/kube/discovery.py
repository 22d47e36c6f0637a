"""Discovery documents built from the registry: /version, /api, /apis, /api/v1, /apis/{g}[/{v}].

`/api` and `/apis` also come in the aggregated form (apidiscovery.k8s.io/v2
`APIGroupDiscoveryList`) when the client asks for it in `Accept`, as kubectl 1.32 does: one request
then describes every resource, instead of one request per group-version. Documents are cached per
registry revision (a CRD being served or removed makes a new revision).
"""

from __future__ import annotations

import threading

from . import errors
from .models.registry import SUBRESOURCE_VERBS, Registry, ResourceType

VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0",
    "gitCommit": "70d3cc986aa8221cd1dfb1121852688902d3bf53",
    "gitTreeState": "clean",
    "buildDate": "2024-12-11T17:59:15Z",
    "goVersion": "go1.23.3",
    "compiler": "gc",
    "platform": "linux/amd64",
}

AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def wants_aggregated(accept: str | None) -> bool:
    """Does the Accept header ask for apidiscovery.k8s.io/v2 first (kubectl 1.32 does)?"""
    for part in (accept or "").split(","):
        params = {p.split("=", 1)[0].strip(): p.split("=", 1)[1].strip() for p in part.split(";")[1:] if "=" in p}
        if params.get("as") == "APIGroupDiscoveryList":
            if params.get("g") == "apidiscovery.k8s.io" and params.get("v") == "v2":
                return True
            continue
        if part.strip():
            return False  # a plain type is preferred before any aggregated one
    return False


class Discovery:
    def __init__(self, registry: Registry):
        self._registry = registry
        self._lock = threading.Lock()
        self._revision = -1
        self._cache: dict[str, object] = {}

    def _cached(self, key: str, build):
        with self._lock:
            if self._revision != self._registry.revision:
                self._cache.clear()
                self._revision = self._registry.revision
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]

    # -- legacy documents -----------------------------------------------------------------------

    def api_versions(self, server_address: str) -> dict:
        return {"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}

    def api_groups(self) -> dict:
        return self._cached("groups", self._build_groups)

    def _build_groups(self) -> dict:
        groups = [self._group(g, vs) for g, vs in self._registry.group_versions().items() if g]
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    @staticmethod
    def _group(group: str, versions: list[str]) -> dict:
        entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"name": group, "versions": entries, "preferredVersion": entries[0]}

    def api_group(self, group: str) -> dict:
        versions = self._registry.group_versions().get(group)
        if not group or not versions:
            raise errors.NotFound.path()
        return {"kind": "APIGroup", "apiVersion": "v1", **self._group(group, versions)}

    def resources(self, group: str, version: str) -> dict:
        if group == "" and version != "v1":
            raise errors.NotFound.path()

        def build():
            types = self._registry.in_group_version(group, version)
            if not types:
                return None
            gv = f"{group}/{version}" if group else version
            rows = []
            for rtype in types:
                rows.append(_resource_row(rtype))
                for sub in rtype.subresources:
                    rows.append(_subresource_row(rtype, sub))
            return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": rows}

        doc = self._cached(f"resources/{group}/{version}", build)
        if doc is None:
            raise errors.NotFound.path()
        return doc

    # -- aggregated documents (apidiscovery.k8s.io/v2) ------------------------------------------

    def aggregated(self, core: bool) -> dict:
        return self._cached(f"aggregated/{core}", lambda: self._build_aggregated(core))

    def _build_aggregated(self, core: bool) -> dict:
        items = []
        for group, versions in self._registry.group_versions().items():
            if (group == "") != core:
                continue
            vers = []
            for version in versions:
                resources = [_aggregated_resource(r) for r in self._registry.in_group_version(group, version)]
                vers.append({"version": version, "resources": resources, "freshness": "Current"})
            meta = {"name": group, "creationTimestamp": None} if group else {"creationTimestamp": None}
            items.append({"metadata": meta, "versions": vers})
        return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
                "metadata": {}, "items": items}


def _resource_row(rtype: ResourceType) -> dict:
    row = {
        "name": rtype.plural,
        "singularName": rtype.singular,
        "namespaced": rtype.namespaced,
        "kind": rtype.kind,
        "verbs": list(rtype.verbs),
    }
    if rtype.short_names:
        row["shortNames"] = list(rtype.short_names)
    if rtype.categories:
        row["categories"] = list(rtype.categories)
    row["storageVersionHash"] = _hash(rtype)
    return row


def _sub_kind(rtype: ResourceType, sub: str) -> tuple[str, str, str]:
    """(group, version, kind) a subresource answers with."""
    if sub == "scale":
        return "autoscaling", "v1", "Scale"
    if sub == "log":
        return "", "v1", "Pod"
    return rtype.group, rtype.version, rtype.kind


def _subresource_row(rtype: ResourceType, sub: str) -> dict:
    group, version, kind = _sub_kind(rtype, sub)
    row = {"name": f"{rtype.plural}/{sub}", "singularName": "", "namespaced": rtype.namespaced}
    if (group, version) != (rtype.group, rtype.version):
        row["group"] = group
        row["version"] = version
    row["kind"] = kind
    row["verbs"] = list(SUBRESOURCE_VERBS.get(sub, ("get",)))
    return row


def _aggregated_resource(rtype: ResourceType) -> dict:
    out = {
        "resource": rtype.plural,
        "responseKind": {"group": rtype.group, "version": rtype.version, "kind": rtype.kind},
        "scope": "Namespaced" if rtype.namespaced else "Cluster",
        "singularResource": rtype.singular,
        "verbs": list(rtype.verbs),
    }
    if rtype.short_names:
        out["shortNames"] = list(rtype.short_names)
    if rtype.categories:
        out["categories"] = list(rtype.categories)
    subs = []
    for sub in rtype.subresources:
        group, version, kind = _sub_kind(rtype, sub)
        subs.append({"subresource": sub, "responseKind": {"group": group, "version": version, "kind": kind},
                     "verbs": list(SUBRESOURCE_VERBS.get(sub, ("get",)))})
    if subs:
        out["subresources"] = subs
    return out


def _hash(rtype: ResourceType) -> str:
    import base64
    import hashlib

    digest = hashlib.sha256(f"{rtype.group}/{rtype.version}/{rtype.kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()
