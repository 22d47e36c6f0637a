"""Thin HTTP handlers: read the query and body, call one `Cluster` method, serialise the result.

The only checks here are on the shape of the request (content type, body syntax, query values).
Every failure is a `StatusError` rendered as a `Status` object; an unexpected exception becomes a
500 `Status` without a traceback (the traceback goes to the log).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Iterator

import yaml

from . import control, errors, tables
from .discovery import AGGREGATED_V2, VERSION, Discovery, wants_aggregated
from .models.cluster import PATCH_TYPES, Cluster, WriteOptions, WriteResult
from .openapi import OpenAPI
from .urls import Route, resolve
from .watch import stream as watch_stream

log = logging.getLogger("sandbox.kube")

JSON = "application/json"
DEFAULT_WATCH_TIMEOUT = 1800.0
_VALIDATION_DIRECTIVES = ("Strict", "Warn", "Ignore")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)
    stream: Iterator[bytes] | None = None  # chunked body (watch)


def json_response(status: int, obj: Any, headers: list[tuple[str, str]] | None = None,
                  content_type: str = JSON) -> Response:
    return Response(status, json.dumps(obj, separators=(",", ":")).encode(), content_type, headers or [])


def status_response(exc: errors.StatusError) -> Response:
    return json_response(exc.code, exc.to_status())


class Api:
    """The request handlers of one emulated API server."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.discovery = Discovery(cluster.registry)
        self.openapi = OpenAPI(cluster.registry)

    def handle(self, req: Request) -> Response:
        try:
            route = resolve(req.path, self.cluster.registry)
            handler = getattr(self, "_" + route.handler)
            return handler(req, route)
        except errors.StatusError as exc:
            return status_response(exc)
        except Exception as exc:  # noqa: BLE001 - the catch-all: a 500 Status, the traceback only in the log
            log.exception("internal error serving %s %s", req.method, req.path)
            return status_response(errors.InternalError(f"Internal error occurred: {type(exc).__name__}: {exc}"))

    # ------------------------------------------------------------------------------------------
    # fixed endpoints

    def _health(self, req: Request, route: Route) -> Response:
        return Response(200, b"ok", "text/plain; charset=utf-8")

    def _version(self, req: Request, route: Route) -> Response:
        _only(req, "GET")
        return json_response(200, VERSION)

    def _api_versions(self, req: Request, route: Route) -> Response:
        _only(req, "GET")
        if wants_aggregated(req.headers.get("accept")):
            return json_response(200, self.discovery.aggregated(core=True), content_type=AGGREGATED_V2)
        return json_response(200, self.discovery.api_versions(req.headers.get("host", "127.0.0.1")))

    def _api_groups(self, req: Request, route: Route) -> Response:
        _only(req, "GET")
        if wants_aggregated(req.headers.get("accept")):
            return json_response(200, self.discovery.aggregated(core=False), content_type=AGGREGATED_V2)
        return json_response(200, self.discovery.api_groups())

    def _api_group(self, req: Request, route: Route) -> Response:
        _only(req, "GET")
        return json_response(200, self.discovery.api_group(route.group))

    def _resources(self, req: Request, route: Route) -> Response:
        _only(req, "GET")
        return json_response(200, self.discovery.resources(route.group, route.version))

    def _openapi_v3_root(self, req: Request, route: Route) -> Response:
        _only(req, "GET")
        return Response(200, self.openapi.root())

    def _openapi_v3_doc(self, req: Request, route: Route) -> Response:
        _only(req, "GET")
        return Response(200, self.openapi.document(route.rest))

    def _openapi_v2(self, req: Request, route: Route) -> Response:
        raise errors.NotFound.path()

    def _sandbox(self, req: Request, route: Route) -> Response:
        status, body = control.handle(self.cluster, req.method, route.rest, req.query)
        return json_response(status, body)

    # ------------------------------------------------------------------------------------------
    # resources

    def _collection(self, req: Request, route: Route) -> Response:
        rtype, ns = route.rtype, route.namespace
        if req.method == "GET":
            if route.watch or _truthy(req.query.get("watch")):
                return self._watch(req, route, req.query.get("fieldSelector"))
            listed = self.cluster.read_list(rtype, ns, req.query.get("labelSelector"),
                                            req.query.get("fieldSelector"))
            if tables.wants_table(req.headers.get("accept")):
                return self._table(req, rtype, listed["items"], listed["metadata"]["resourceVersion"])
            return json_response(200, listed)
        if req.method == "POST":
            if rtype.namespaced and ns is None:
                raise errors.MethodNotAllowed.verb()
            body = _object_body(req, rtype.kind)
            return self._written(rtype, self.cluster.create(rtype, ns, body, _write_options(req)))
        if req.method == "DELETE":
            _delete_options(req)  # syntax check only: deletecollection applies the same options to each item
            return json_response(200, self.cluster.delete_collection(
                rtype, ns, req.query.get("labelSelector"), req.query.get("fieldSelector"), _write_options(req)))
        raise errors.MethodNotAllowed.verb()

    def _item(self, req: Request, route: Route) -> Response:
        rtype, ns, name = route.rtype, route.namespace, route.name
        if req.method == "GET":
            if route.watch or _truthy(req.query.get("watch")):
                selector = f"metadata.name={name}"
                return self._watch(req, route, selector)
            obj = self.cluster.read(rtype, ns, name)
            if tables.wants_table(req.headers.get("accept")):
                return self._table(req, rtype, [obj], None)
            return json_response(200, obj)
        if req.method == "PUT":
            body = _object_body(req, rtype.kind)
            return self._written(rtype, self.cluster.replace(rtype, ns, name, body, _write_options(req)))
        if req.method == "PATCH":
            patch_type, body = _patch_body(req)
            opts = _write_options(req, apply=patch_type == "apply")
            return self._written(rtype, self.cluster.patch(rtype, ns, name, patch_type, body, opts))
        if req.method == "DELETE":
            options = _delete_options(req)
            opts = _write_options(req)
            if options.get("dryRun"):
                opts.dry_run = _dry_run(options.get("dryRun"))
            result = self.cluster.delete(rtype, ns, name, options, opts)
            return json_response(200, self.cluster.render(rtype, result.obj)
                                 if result.obj.get("kind") != "Status" else result.obj)
        raise errors.MethodNotAllowed.verb()

    def _subresource(self, req: Request, route: Route) -> Response:
        rtype, ns, name, sub = route.rtype, route.namespace, route.name, route.subresource
        if sub == "log":
            _only(req, "GET")
            tail = req.query.get("tailLines")
            try:
                tail_lines = int(tail) if tail else None
            except ValueError:
                raise errors.BadRequest(f'tailLines: Invalid value: "{tail}"')
            text = self.cluster.pod_log(ns, name, req.query.get("container"), tail_lines)
            return Response(200, text.encode(), "text/plain")
        if sub == "scale":
            if req.method == "GET":
                return json_response(200, self.cluster.read_scale(rtype, ns, name))
            if req.method == "PUT":
                body = _object_body(req, "Scale")
                return _write_response(self.cluster.replace(rtype, ns, name, body, _write_options(req), "scale"))
            if req.method == "PATCH":
                patch_type, body = _patch_body(req)
                result = self.cluster.patch(rtype, ns, name, patch_type, body,
                                            _write_options(req, apply=patch_type == "apply"), "scale")
                return _write_response(result)
            raise errors.MethodNotAllowed.verb()
        # status and namespaces/finalize
        if req.method == "GET" and sub == "status":
            return json_response(200, self.cluster.read(rtype, ns, name))
        if req.method == "PUT":
            body = _object_body(req, rtype.kind)
            return self._written(rtype, self.cluster.replace(rtype, ns, name, body, _write_options(req), sub))
        if req.method == "PATCH" and sub == "status":
            patch_type, body = _patch_body(req)
            opts = _write_options(req, apply=patch_type == "apply")
            return self._written(rtype, self.cluster.patch(rtype, ns, name, patch_type, body, opts, sub))
        raise errors.MethodNotAllowed.verb()

    def _table(self, req: Request, rtype, objs: list[dict], resource_version: str | None) -> Response:
        """kubectl's human-readable output: a meta.k8s.io/v1 Table instead of the objects."""
        if not rtype.custom:
            objs = [{"apiVersion": rtype.api_version, "kind": rtype.kind, **o} for o in objs]
        body = tables.table(rtype, objs, resource_version, req.query.get("includeObject") or "Metadata",
                            list(rtype.printer_columns))
        return json_response(200, body, content_type=tables.TABLE_CONTENT_TYPE)

    def _written(self, rtype, result: WriteResult) -> Response:
        result.obj = self.cluster.render(rtype, result.obj)
        return _write_response(result)

    def _watch(self, req: Request, route: Route, field_selector: str | None) -> Response:
        rtype = route.rtype
        timeout = DEFAULT_WATCH_TIMEOUT
        if req.query.get("timeoutSeconds"):
            try:
                timeout = max(0.0, float(int(req.query["timeoutSeconds"])))
            except ValueError:
                raise errors.BadRequest(f'invalid value for timeoutSeconds: "{req.query["timeoutSeconds"]}"')
        wreq = self.cluster.watch_request(
            rtype, route.namespace, req.query.get("labelSelector"), field_selector,
            req.query.get("resourceVersion"), timeout, _truthy(req.query.get("allowWatchBookmarks")))
        cluster = self.cluster
        as_table = tables.wants_table(req.headers.get("accept"))
        include = req.query.get("includeObject") or "Metadata"
        first = [True]

        def render(obj: dict) -> dict:
            obj = cluster.render(rtype, obj)
            if not as_table:
                return obj
            headers, first[0] = first[0], False  # column definitions come with the first event only
            return tables.table(rtype, [obj], None, include, list(rtype.printer_columns), headers)

        def bookmark(rv: int) -> dict:
            return {"kind": rtype.kind, "apiVersion": rtype.api_version,
                    "metadata": {"resourceVersion": str(rv)}}

        def too_old(rv: int) -> dict:
            return errors.Gone(f"too old resource version: {rv} ({cluster.resource_version})").to_status()

        def chunks() -> Iterator[bytes]:
            for event in watch_stream(cluster.events, wreq, render, bookmark, too_old):
                yield json.dumps(event, separators=(",", ":")).encode() + b"\n"

        return Response(200, content_type=JSON, stream=chunks())


# ----------------------------------------------------------------------------------------------
# request parsing


def _only(req: Request, *methods: str) -> None:
    if req.method not in methods:
        raise errors.MethodNotAllowed.verb()


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1")


def _dry_run(value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    for v in values:
        if v not in ("All", None, ""):
            raise errors.BadRequest(f'dryRun: Unsupported value: "{v}": supported values: "All"')
    return "All" in values


def _write_options(req: Request, apply: bool = False) -> WriteOptions:
    q = req.query
    manager = q.get("fieldManager")
    if manager is None and not apply:
        manager = (req.headers.get("user-agent") or "").split("/", 1)[0]
    validation = q.get("fieldValidation") or "Warn"
    if validation not in _VALIDATION_DIRECTIVES:
        raise errors.BadRequest(
            f'fieldValidation: Unsupported value: "{validation}": supported values: "Ignore", "Strict", "Warn"')
    return WriteOptions(manager=manager or "", dry_run=_dry_run(q.get("dryRun")),
                        field_validation=validation, force=_truthy(q.get("force")))


def _content_type(req: Request) -> str:
    return (req.headers.get("content-type") or JSON).split(";", 1)[0].strip().lower()


def _object_body(req: Request, kind: str) -> Any:
    """The body of a POST/PUT: JSON or YAML. Protobuf is not supported (415)."""
    ctype = _content_type(req)
    if "protobuf" in ctype or ctype not in (JSON, "application/yaml", "application/*", "*/*", ""):
        raise errors.UnsupportedMediaType(
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json, application/yaml", {})
    text = req.body.decode("utf-8", errors="replace")
    if ctype == "application/yaml":
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise errors.BadRequest(f"error converting YAML to JSON: {exc}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise errors.BadRequest(
            f"the object provided is unrecognized (must be of type {kind}): couldn't get version/kind; "
            f"json parse error: {go_json_error(exc, text)} ({_summarize(req.body)})")


def _patch_body(req: Request) -> tuple[str, Any]:
    ctype = _content_type(req)
    patch_type = PATCH_TYPES.get(ctype)
    if patch_type is None:
        raise errors.UnsupportedMediaType.patch()
    text = req.body.decode("utf-8", errors="replace")
    if patch_type == "apply":
        try:
            return patch_type, yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise errors.BadRequest(f"error decoding YAML: {exc}")
    try:
        return patch_type, json.loads(text)
    except json.JSONDecodeError as exc:
        raise errors.BadRequest(go_json_error(exc, text))


def _delete_options(req: Request) -> dict:
    options: dict = {}
    if req.body.strip():
        try:
            options = json.loads(req.body)
        except json.JSONDecodeError as exc:
            text = req.body.decode("utf-8", errors="replace")
            raise errors.BadRequest(f"couldn't get version/kind; json parse error: {go_json_error(exc, text)}")
        if not isinstance(options, dict):
            raise errors.BadRequest("json: cannot unmarshal into Go value of type v1.DeleteOptions")
    for key in ("propagationPolicy", "gracePeriodSeconds", "dryRun"):
        if key in req.query:
            options[key] = req.query[key]
    policy = options.get("propagationPolicy")
    if policy not in (None, "Orphan", "Background", "Foreground"):
        raise errors.Invalid(
            f'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "{policy}": '
            'supported values: "Foreground", "Background", "Orphan", "nil"', {"group": "meta.k8s.io",
                                                                               "kind": "DeleteOptions"})
    return options


def _write_response(result: WriteResult, created_status: int = 201) -> Response:
    headers = [("Warning", _warning_header(w)) for w in result.warnings]
    return json_response(created_status if result.created else 200, result.obj, headers)


def _warning_header(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'299 - "{escaped}"'


def _summarize(data: bytes, max_length: int = 30) -> str:
    """How kube-apiserver quotes a body it could not decode (summarizeData)."""
    if not data:
        return "<empty>"
    if data[:1] == b"{":
        if len(data) > max_length:
            return data[:max_length].decode("utf-8", errors="replace") + " ..."
        return data.decode("utf-8", errors="replace")
    if len(data) > max_length:
        return data[:max_length].hex() + " ..."
    return data.hex()


def go_json_error(exc: json.JSONDecodeError, text: str) -> str:
    """Python's JSON error worded like Go's encoding/json (what the real server reports)."""
    pos = exc.pos
    if pos >= len(text.rstrip()) or "Unterminated string" in exc.msg:
        return "unexpected end of JSON input"
    char = text[pos]
    quoted = {"\n": "'\\n'", "\t": "'\\t'", "\r": "'\\r'", "'": "'\\''"}.get(char, f"'{char}'")
    msg = exc.msg
    if msg.startswith("Expecting property name"):
        return f"invalid character {quoted} looking for beginning of object key string"
    if msg.startswith("Expecting ':'"):
        return f"invalid character {quoted} after object key"
    if msg.startswith("Expecting ',' delimiter"):
        return f"invalid character {quoted} after object key:value pair"
    if msg.startswith("Extra data"):
        return f"invalid character {quoted} after top-level value"
    if msg.startswith("Invalid control character"):
        return f"invalid character {quoted} in string literal"
    return f"invalid character {quoted} looking for beginning of value"
