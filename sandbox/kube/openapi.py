"""A minimal `/openapi/v3`: enough for kubectl `apply`, `apply --server-side` and `create -f`.

kubectl fetches the root and one document per group-version to learn whether the server supports
server-side field validation (the `fieldValidation` query parameter on each kind's PATCH). Each
document therefore holds one PATCH operation per resource with its group-version-kind and the
write parameters, and no schemas: kubectl's client-side apply then falls back to its compiled-in
strategic-merge metadata (merge patch for custom resources), as verified against kubectl 1.32.
`kubectl explain` needs schemas and does not work against the sandbox. `/openapi/v2` is 404, which
kubectl tolerates.
"""

from __future__ import annotations

import hashlib
import json
import threading

from . import errors
from .discovery import VERSION
from .models.registry import Registry, ResourceType

_PARAMETERS = [
    {"name": "dryRun", "in": "query", "description": "When present, indicates that modifications should not be "
     "persisted.", "schema": {"type": "string", "uniqueItems": True}},
    {"name": "fieldManager", "in": "query", "description": "fieldManager is a name associated with the actor or "
     "entity that is making these changes.", "schema": {"type": "string", "uniqueItems": True}},
    {"name": "fieldValidation", "in": "query", "description": "fieldValidation instructs the server on how to "
     "handle objects in the request containing unknown or duplicate fields.",
     "schema": {"type": "string", "uniqueItems": True}},
    {"name": "force", "in": "query", "description": "Force is going to \"force\" Apply requests.",
     "schema": {"type": "boolean", "uniqueItems": True}},
]


class OpenAPI:
    def __init__(self, registry: Registry):
        self._registry = registry
        self._lock = threading.Lock()
        self._revision = -1
        self._docs: dict[str, bytes] = {}
        self._root: bytes = b""

    def _refresh(self) -> None:
        with self._lock:
            if self._revision == self._registry.revision:
                return
            docs: dict[str, bytes] = {}
            for group, versions in self._registry.group_versions().items():
                for version in versions:
                    key = f"apis/{group}/{version}" if group else f"api/{version}"
                    types = self._registry.in_group_version(group, version)
                    docs[key] = json.dumps(_document(key, types), separators=(",", ":")).encode()
            root = {"paths": {key: {"serverRelativeURL": f"/openapi/v3/{key}?hash={_hash(body)}"}
                              for key, body in docs.items()}}
            self._docs = docs
            self._root = json.dumps(root, separators=(",", ":")).encode()
            self._revision = self._registry.revision

    def root(self) -> bytes:
        self._refresh()
        return self._root

    def document(self, key: str) -> bytes:
        self._refresh()
        body = self._docs.get(key.strip("/"))
        if body is None:
            raise errors.NotFound.path()
        return body


def _document(key: str, types: list[ResourceType]) -> dict:
    paths = {}
    for rtype in types:
        ns = "/namespaces/{namespace}" if rtype.namespaced else ""
        path = f"/{key}{ns}/{rtype.plural}/{{name}}"
        paths[path] = {
            "patch": {
                "description": f"partially update the specified {rtype.kind}",
                "operationId": f"patch{rtype.kind}",
                "parameters": _PARAMETERS,
                "responses": {"200": {"description": "OK"}, "201": {"description": "Created"}},
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": {"group": rtype.group, "version": rtype.version,
                                                    "kind": rtype.kind},
            }
        }
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": VERSION["gitVersion"]},
            "paths": paths, "components": {}}


def _hash(body: bytes) -> str:
    return hashlib.sha512(body).hexdigest().upper()[:128]
