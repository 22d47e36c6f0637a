"""The garbage collector: when an owner is removed, its dependents go too (background deletion).

A dependent is any object in the owner's namespace whose `metadata.ownerReferences` names the
owner's uid (Job -> Pods, CronJob -> Jobs, Deployment -> ReplicaSets, Ingress -> Certificates ...).
An object that still has another owner that exists is kept, like the real collector does.
Cluster-scoped owners only collect cluster-scoped dependents.

Simplification: the deletion propagation policy is not known to the `deleted` hook, so every
deletion propagates in the background; `propagationPolicy: Orphan` (and batch/v1 Jobs' legacy
orphan default for clients that send no policy) is not honoured unless the `Cluster` passes
`propagation_policy` to the hook.
"""

from __future__ import annotations

from . import base


class GarbageCollector(base.Controller):
    kinds = (base.ANY_KIND,)

    def deleted(self, cluster, rtype, obj: dict, propagation_policy: str | None = None) -> None:
        if propagation_policy == "Orphan":
            return
        owner_uid = base.uid_of(obj)
        if not owner_uid:
            return
        namespace = base.namespace_of(obj)
        if namespace is not None:
            ns = cluster.get("v1", "Namespace", None, namespace)
            if ns is None or base.is_terminating(ns):
                return  # the namespace controller is removing everything in it anyway
        kinds = base.served_kinds(cluster, namespaced=namespace is not None)
        for api_version, kind in kinds:
            for dependent in list(cluster.list(api_version, kind, namespace)):
                if not base.owned_by(dependent, owner_uid):
                    continue
                if _has_other_live_owner(cluster, dependent, owner_uid):
                    continue
                base.safe_delete(cluster, api_version, kind, namespace, base.name_of(dependent))


def _has_other_live_owner(cluster, dependent: dict, gone_uid: str) -> bool:
    for ref in base.meta(dependent).get("ownerReferences") or ():
        if ref.get("uid") == gone_uid:
            continue
        owner = cluster.get(ref.get("apiVersion"), ref.get("kind"), base.namespace_of(dependent), ref.get("name"))
        if owner is not None and base.uid_of(owner) == ref.get("uid"):
            return True
    return False
