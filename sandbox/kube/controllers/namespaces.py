"""The namespace controller: empties a Terminating namespace, then removes it.

`Cluster` answers DELETE of a Namespace by marking it (deletionTimestamp, `status.phase:
Terminating`); the stage `namespace-finalize` then calls `finalize_namespace` after its delay. It
deletes every object of every served namespaced kind in the namespace (each removal fires the
`deleted` hooks, so Job pods' processes are killed, claim directories removed, dependents
collected), then removes the Namespace itself; watchers see a DELETED event for each.
"""

from __future__ import annotations

import shutil

from . import base
from .volumes import namespace_volumes_dir

# Deleted first, so no controller recreates their dependents while the namespace empties.
_FIRST = ("CronJob", "Job", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod")


def finalize_namespace(cluster, namespace: dict) -> None:
    name = base.name_of(namespace)
    with cluster.lock:
        current = cluster.get("v1", "Namespace", None, name)
        if current is None or base.uid_of(current) != base.uid_of(namespace) or not base.is_terminating(current):
            return
        kinds = base.served_kinds(cluster, namespaced=True)
        kinds.sort(key=lambda k: (_FIRST.index(k[1]) if k[1] in _FIRST else len(_FIRST)))
        for api_version, kind in kinds:
            for obj in list(cluster.list(api_version, kind, name)):
                base.safe_delete(cluster, api_version, kind, name, base.name_of(obj))
        state_dir = getattr(cluster, "state_dir", None)
        if state_dir:
            shutil.rmtree(namespace_volumes_dir(state_dir, name), ignore_errors=True)
        base.safe_delete(cluster, "v1", "Namespace", None, name)
