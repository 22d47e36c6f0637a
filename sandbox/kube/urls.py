"""The route table: a request path -> which handler, for which kind, namespace, name, subresource.

Fixed paths (discovery, OpenAPI, health, the sandbox control plane) are a plain table; resource
paths are parsed with the registry because what a segment means depends on the kind:

    /api/v1/{plural}[/{name}[/{subresource}]]                         cluster-scoped, or all namespaces
    /api/v1/namespaces/{ns}/{plural}[/{name}[/{subresource}]]         namespaced
    /apis/{group}/{version}/...                                       same below a named group
    /api/v1/namespaces/{name}[/status|/finalize]                      the Namespace itself
    /api/v1/watch/...                                                 old-style watch (= ?watch=true)
"""

from __future__ import annotations

from dataclasses import dataclass

from . import errors
from .models.registry import Registry, ResourceType

FIXED = {
    "/version": "version",
    "/api": "api_versions",
    "/apis": "api_groups",
    "/healthz": "health",
    "/livez": "health",
    "/readyz": "health",
    "/openapi/v3": "openapi_v3_root",
    "/openapi/v2": "openapi_v2",
    "/swagger.json": "openapi_v2",
}


@dataclass
class Route:
    handler: str
    rtype: ResourceType | None = None
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    group: str = ""
    version: str = ""
    watch: bool = False
    rest: str = ""  # what follows a fixed prefix (/_sandbox/<rest>, /openapi/v3/<rest>)


def resolve(path: str, registry: Registry) -> Route:
    """Route for a path (without query string); raises errors.NotFound for anything unknown."""
    path = "/" + path.strip("/") if path not in ("", "/") else "/"
    if path in FIXED:
        return Route(FIXED[path])
    if path.startswith(("/healthz/", "/livez/", "/readyz/")):
        return Route("health")
    if path.startswith("/_sandbox/"):
        return Route("sandbox", rest=path[len("/_sandbox/"):])
    if path.startswith("/openapi/v3/"):
        return Route("openapi_v3_doc", rest=path[len("/openapi/v3/"):])
    parts = path.strip("/").split("/")
    if parts[0] == "api":
        if len(parts) < 2:
            raise errors.NotFound.path()
        group, version, rest = "", parts[1], parts[2:]
    elif parts[0] == "apis":
        if len(parts) == 2:
            return Route("api_group", group=parts[1])
        if len(parts) < 3:
            raise errors.NotFound.path()
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise errors.NotFound.path()
    if not rest:
        return Route("resources", group=group, version=version)
    watch = False
    if rest[0] == "watch":
        watch, rest = True, rest[1:]
        if not rest:
            raise errors.NotFound.path()
    return _resource_route(registry, group, version, rest, watch)


def _resource_route(registry: Registry, group: str, version: str, rest: list[str], watch: bool) -> Route:
    def rtype_for(plural: str) -> ResourceType:
        rtype = registry.lookup(group, version, plural)
        if rtype is None:
            raise errors.NotFound.path()
        return rtype

    # /namespaces/{ns}/{plural}[/{name}[/{sub}]]  (but /namespaces/{name}[/status|finalize] is a Namespace)
    if rest[0] == "namespaces" and group == "" and len(rest) >= 3 and rest[2] not in ("status", "finalize"):
        namespace, rest = rest[1], rest[2:]
        rtype = rtype_for(rest[0])
        if not rtype.namespaced:
            raise errors.NotFound.path()
        return _item_route(rtype, namespace, rest, watch)
    if rest[0] == "namespaces" and group != "" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
        rtype = rtype_for(rest[0])
        if not rtype.namespaced:
            raise errors.NotFound.path()
        return _item_route(rtype, namespace, rest, watch)
    rtype = rtype_for(rest[0])
    if rtype.namespaced and len(rest) > 1:
        raise errors.NotFound.path()  # namespaced kinds have no item path outside a namespace
    return _item_route(rtype, None, rest, watch)


def _item_route(rtype: ResourceType, namespace: str | None, rest: list[str], watch: bool) -> Route:
    if len(rest) == 1:
        return Route("collection", rtype, namespace, watch=watch)
    if len(rest) == 2:
        return Route("item", rtype, namespace, rest[1], watch=watch)
    if len(rest) == 3 and not watch:
        if rest[2] not in rtype.subresources:
            raise errors.NotFound.path()
        return Route("subresource", rtype, namespace, rest[1], rest[2])
    raise errors.NotFound.path()
