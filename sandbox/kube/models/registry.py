"""The kinds the emulator serves: `ResourceType` and the table of built-in kinds.

Built-in kinds are a fixed table (the subset of kube-apiserver 1.32 that this project, kubectl's
common commands and kubernetes.core use). Kinds defined by CustomResourceDefinitions are added
and removed at run time by `Registry.serve_crd` / `Registry.forget_crd`; `Registry.revision`
changes whenever the set of served kinds changes, so discovery and OpenAPI documents can be cached.

Simplification: every built-in kind is served at exactly one version (e.g. HorizontalPodAutoscaler
only as autoscaling/v2, no autoscaling/v1); CRD versions share one storage with conversion `None`
(only `apiVersion` changes), which is also what a CRD without a conversion webhook does.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Iterable

from . import schema as _schema

VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
SUBRESOURCE_VERBS = {
    "status": ("get", "patch", "update"),
    "scale": ("get", "patch", "update"),
    "log": ("get",),
    "finalize": ("update",),
}


@dataclass(frozen=True)
class ScalePaths:
    """Where a scalable kind keeps what the autoscaling/v1 Scale subresource shows."""

    spec_replicas: str = ".spec.replicas"
    status_replicas: str = ".status.replicas"
    label_selector: str | None = ".spec.selector"  # a LabelSelector (built-ins) or a string (CRDs)


@dataclass(eq=False)
class ResourceType:
    """One served kind at one group-version."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    tracks_generation: bool = False
    custom: bool = False  # served from a CustomResourceDefinition (no strategic merge patch)
    scale: ScalePaths | None = None
    crd_name: str | None = None
    open_api_schema: dict | None = None  # CRD version schema (custom kinds only)
    printer_columns: tuple = ()  # CRD version additionalPrinterColumns (kubectl get columns)
    _schema: object = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.singular:
            self.singular = self.kind.lower()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    @property
    def storage_key(self) -> str:
        """Shared by every version of one kind: `deployments.apps`, `configmaps`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def has_status(self) -> bool:
        """Main-resource writes ignore `status` for kinds with a status subresource."""
        return "status" in self.subresources

    @property
    def verbs(self) -> tuple[str, ...]:
        return VERBS

    def schema(self) -> "_schema.SchemaNode | None":
        """The SchemaNode tree for pruning, patching and apply (None: no schema, keep everything)."""
        if self._schema is None:
            if self.custom:
                node = _schema.crd_schema(self.open_api_schema or {"x-kubernetes-preserve-unknown-fields": True})
            else:
                node = _schema.builtin_schema(self.group, self.version, self.kind)
            self._schema = node if node is not None else False
        return self._schema or None

    def __repr__(self) -> str:
        return f"ResourceType({self.api_version} {self.kind})"


def _builtin(group, version, kind, plural, namespaced, short=(), cats=(), subs=(), gen=False, scale=False):
    return ResourceType(
        group=group, version=version, kind=kind, plural=plural, namespaced=namespaced,
        short_names=tuple(short), categories=tuple(cats), subresources=tuple(subs),
        tracks_generation=gen, scale=ScalePaths() if scale else None,
    )


# (group, version, kind, plural, namespaced, shortNames, categories, subresources, generation, scale)
BUILTINS: tuple[ResourceType, ...] = (
    _builtin("", "v1", "Namespace", "namespaces", False, ["ns"], [], ["status", "finalize"]),
    _builtin("", "v1", "ConfigMap", "configmaps", True, ["cm"]),
    _builtin("", "v1", "Secret", "secrets", True),
    _builtin("", "v1", "Service", "services", True, ["svc"], ["all"], ["status"]),
    _builtin("", "v1", "ServiceAccount", "serviceaccounts", True, ["sa"]),
    _builtin("", "v1", "Pod", "pods", True, ["po"], ["all"], ["status", "log"]),
    _builtin("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True, ["pvc"], [], ["status"]),
    _builtin("", "v1", "PersistentVolume", "persistentvolumes", False, ["pv"], [], ["status"]),
    _builtin("", "v1", "ResourceQuota", "resourcequotas", True, ["quota"], [], ["status"]),
    _builtin("", "v1", "LimitRange", "limitranges", True, ["limits"]),
    _builtin("", "v1", "Event", "events", True, ["ev"]),
    _builtin("", "v1", "Endpoints", "endpoints", True, ["ep"]),
    _builtin("", "v1", "Node", "nodes", False, ["no"], [], ["status"]),
    _builtin("apps", "v1", "Deployment", "deployments", True, ["deploy"], ["all"], ["status", "scale"], True, True),
    _builtin("apps", "v1", "ReplicaSet", "replicasets", True, ["rs"], ["all"], ["status", "scale"], True, True),
    _builtin("apps", "v1", "StatefulSet", "statefulsets", True, ["sts"], ["all"], ["status", "scale"], True, True),
    _builtin("apps", "v1", "DaemonSet", "daemonsets", True, ["ds"], ["all"], ["status"], True),
    _builtin("batch", "v1", "Job", "jobs", True, [], ["all"], ["status"], True),
    _builtin("batch", "v1", "CronJob", "cronjobs", True, ["cj"], ["all"], ["status"], True),
    _builtin("networking.k8s.io", "v1", "Ingress", "ingresses", True, ["ing"], [], ["status"], True),
    _builtin("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True, ["netpol"], [], [], True),
    _builtin("networking.k8s.io", "v1", "IngressClass", "ingressclasses", False, [], [], [], True),
    _builtin("rbac.authorization.k8s.io", "v1", "Role", "roles", True),
    _builtin("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True),
    _builtin("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False),
    _builtin("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False),
    _builtin("storage.k8s.io", "v1", "StorageClass", "storageclasses", False, ["sc"]),
    _builtin("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False,
             ["crd", "crds"], ["api-extensions"], ["status"], True),
    _builtin("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True, ["pdb"], [], ["status"], True),
    _builtin("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True, ["hpa"], ["all"],
             ["status"], True),
    _builtin("coordination.k8s.io", "v1", "Lease", "leases", True),
)

# Group order of `GET /apis` (the real server orders by priority; core-ish groups first).
_GROUP_ORDER = (
    "apiregistration.k8s.io", "apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io",
    "autoscaling", "batch", "certificates.k8s.io", "networking.k8s.io", "policy", "rbac.authorization.k8s.io",
    "storage.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "scheduling.k8s.io",
    "coordination.k8s.io", "node.k8s.io", "discovery.k8s.io", "flowcontrol.apiserver.k8s.io",
)


def types_from_crd(crd: dict) -> list[ResourceType]:
    """The kinds a CustomResourceDefinition serves: one ResourceType per served version."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = spec.get("group") or ""
    out = []
    for ver in spec.get("versions") or ():
        if not ver.get("served", True):
            continue
        subs = ver.get("subresources") or {}
        sub_names = []
        if "status" in subs:
            sub_names.append("status")
        scale = None
        if isinstance(subs.get("scale"), dict):
            sub_names.append("scale")
            sc = subs["scale"]
            scale = ScalePaths(
                spec_replicas=sc.get("specReplicasPath") or ".spec.replicas",
                status_replicas=sc.get("statusReplicasPath") or ".status.replicas",
                label_selector=sc.get("labelSelectorPath"),
            )
        out.append(
            ResourceType(
                group=group,
                version=ver.get("name") or "v1",
                kind=names.get("kind") or "",
                plural=names.get("plural") or "",
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                singular=names.get("singular") or (names.get("kind") or "").lower(),
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                subresources=tuple(sub_names),
                tracks_generation=True,
                custom=True,
                scale=scale,
                crd_name=(crd.get("metadata") or {}).get("name"),
                open_api_schema=(ver.get("schema") or {}).get("openAPIV3Schema"),
                printer_columns=tuple(ver.get("additionalPrinterColumns") or ()),
            )
        )
    return out


def crd_storage_version(crd: dict) -> str | None:
    for ver in (crd.get("spec") or {}).get("versions") or ():
        if ver.get("storage"):
            return ver.get("name")
    return None


class Registry:
    """Lookup of served kinds by URL (group, version, plural) and by (apiVersion, kind)."""

    def __init__(self, builtins: Iterable[ResourceType] = BUILTINS):
        self._lock = threading.Lock()
        self._builtins = tuple(builtins)
        self._by_crd: dict[str, list[ResourceType]] = {}
        self.revision = 0
        self._rebuild()

    def _rebuild(self) -> None:
        by_url: dict[tuple[str, str, str], ResourceType] = {}
        by_kind: dict[tuple[str, str], ResourceType] = {}
        for rtype in self.all():
            by_url[(rtype.group, rtype.version, rtype.plural)] = rtype
            by_kind[(rtype.api_version, rtype.kind)] = rtype
        self._by_url = by_url
        self._by_kind = by_kind
        self.revision += 1

    def all(self) -> list[ResourceType]:
        out = list(self._builtins)
        for types in self._by_crd.values():
            out.extend(types)
        return out

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._by_url.get((group, version, plural))

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        return self._by_kind.get((api_version, kind))

    def group_versions(self) -> dict[str, list[str]]:
        """{group: [versions, preferred first]}, core group "" included, in discovery order."""
        found: dict[str, list[str]] = {}
        for rtype in self.all():
            versions = found.setdefault(rtype.group, [])
            if rtype.version not in versions:
                versions.append(rtype.version)
        for group, versions in found.items():
            versions.sort(key=_version_priority)
        order = {g: i for i, g in enumerate(_GROUP_ORDER)}
        groups = sorted(found, key=lambda g: (g != "", g not in order, order.get(g, 0), g))
        return {g: found[g] for g in groups}

    def in_group_version(self, group: str, version: str) -> list[ResourceType]:
        return [r for r in self.all() if r.group == group and r.version == version]

    def serve_crd(self, crd: dict) -> list[ResourceType]:
        """Serve (or re-serve, after an update) the kinds of a stored CRD."""
        name = (crd.get("metadata") or {}).get("name") or ""
        types = [t for t in types_from_crd(crd) if t.kind and t.plural]
        with self._lock:
            self._by_crd[name] = types
            self._rebuild()
        return types

    def forget_crd(self, name: str) -> None:
        with self._lock:
            if self._by_crd.pop(name, None) is not None:
                self._rebuild()

    def crd_types(self, name: str) -> list[ResourceType]:
        return list(self._by_crd.get(name, ()))

    def reset(self) -> None:
        with self._lock:
            self._by_crd.clear()
            self._rebuild()


def _version_priority(version: str) -> tuple:
    """Kubernetes version ordering: GA > beta > alpha, higher numbers first (v2 > v1 > v1beta1)."""
    import re

    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not match:
        return (3, version)
    major, stage, minor = int(match.group(1)), match.group(2), int(match.group(3) or 0)
    rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (rank, -major, -minor)
