"""The sandbox's own control plane, under `/_sandbox/` only (never part of the emulated API).

    POST /_sandbox/reset   back to the initial state (seeded namespaces, CRDs, classes); the
                           resourceVersion counter keeps counting so client caches stay valid
    GET  /_sandbox/info    resourceVersion, number of objects per kind, served kinds, state dir
"""

from __future__ import annotations

from . import errors
from .models.cluster import Cluster


def handle(cluster: Cluster, method: str, rest: str, query: dict[str, str]) -> tuple[int, dict]:
    action = rest.strip("/")
    if action == "reset":
        if method != "POST":
            raise errors.MethodNotAllowed.verb()
        cluster.reset()
        return 200, {"ok": True, "resourceVersion": str(cluster.resource_version)}
    if action == "info":
        if method != "GET":
            raise errors.MethodNotAllowed.verb()
        with cluster.lock:
            counts = {key: cluster.store.count(key) for key in sorted(cluster.store.keys())}
            kinds = sorted(f"{r.api_version}/{r.kind}" for r in cluster.registry.all())
        return 200, {"resourceVersion": str(cluster.resource_version), "objects": counts, "kinds": kinds,
                     "stateDir": str(cluster.state_dir)}
    raise errors.NotFound.path()
