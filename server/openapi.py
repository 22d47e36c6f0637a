"""The OpenAPI 3.1 document of the API, built from the registered routes, and `@operation`.

A route declares its models once, with `@operation`, which both enforces and documents them:

    @bp.post("/sites/<slug>/purge")
    @operation(body=Confirm, response=SitePurged, errors=(SiteNotFound,))
    async def site_purge(request: Request, slug: str, body: Confirm) -> dict:
        \"\"\"POST /sites/:slug/purge: remove the site and everything it has.\"\"\"
        return await run_playbook(request.app, "site_purge.yml", {"slug": slug}, slug)

- `body`: the request model. The JSON body is validated before the handler runs (400 on any
  problem) and passed as the `body` argument. The validation context is
  `Settings.validation_context()` (limits maxima, TLS issuers, namespace prefix).
- a path parameter named `slug` is validated (400 `invalid_input` when it cannot be a slug).
- `response`: the model (or `list[Model]`) of the 200 body. A handler may return a dict/list:
  it is validated against the model (500 if a playbook broke the contract) and sent as JSON.
- `errors`: the ApiError classes the route can answer with besides 400/401/500.
- the summary is the first line of the handler's docstring unless given.

`GET /openapi.json` serves the document (API key required, like every route but /health).
Routes without `@operation` are listed too, with a generic response.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.json_schema import models_json_schema
from sanic import Blueprint, Request, Sanic
from sanic.response import HTTPResponse, json as json_response

from server.auth import HEADER, is_public
from contract.errors import ERROR_CODES, ApiError, InternalError, InvalidInput, InvalidJson, Unauthorized
from contract.models.common import SLUG_PATTERN, ErrorBody, parse_body, validate_slug

_OPERATION_ATTRIBUTE = "__api_operation__"
_REF = "#/components/schemas/{model}"
_PATH_PARAMETER = re.compile(r"<(\w+)(?::[^>]*)?>")
_UNDOCUMENTED_METHODS = {"HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Operation:
    """What `@operation` declared for a route."""

    summary: str | None
    body: type[BaseModel] | None
    response: Any
    errors: tuple[type[ApiError], ...]

    def response_model(self) -> type[BaseModel] | None:
        """The model class inside `response` (`Model` or `list[Model]`)."""
        if isinstance(self.response, type) and issubclass(self.response, BaseModel):
            return self.response
        args = get_args(self.response)
        if get_origin(self.response) is list and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            return args[0]
        return None


def operation(
    *,
    body: type[BaseModel] | None = None,
    response: Any = None,
    errors: Sequence[type[ApiError]] = (),
    summary: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare (and enforce) a route's request body, response and errors. See the module doc."""
    declared = Operation(summary, body, response, tuple(errors))
    adapter = TypeAdapter(response) if response is not None else None

    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> Any:
            if "slug" in kwargs:
                kwargs["slug"] = validate_slug(kwargs["slug"], request.app.ctx.settings.max_slug_length)
            if body is not None:
                kwargs["body"] = parse_body(request.body, body, request.app.ctx.validation_context)
            result = await handler(request, *args, **kwargs)
            if isinstance(result, HTTPResponse):
                return result
            if adapter is not None:
                result = _conform(adapter, result, handler.__name__)
            return json_response(result)

        setattr(wrapper, _OPERATION_ATTRIBUTE, declared)
        return wrapper

    return decorate


def _conform(adapter: TypeAdapter, result: Any, name: str) -> Any:
    """`result` validated against the response model and dumped with wire names."""
    try:
        value = adapter.validate_json(json.dumps(result))
    except (ValidationError, TypeError, ValueError) as error:
        raise InternalError(
            "The operation returned a response that does not match the API contract.",
            log_context={"handler": name, "problem": str(error)},
        ) from None
    return adapter.dump_python(value, mode="json", by_alias=True)


def declared_operation(handler: Any) -> Operation | None:
    """The Operation a handler declared with `@operation`, if any."""
    return getattr(handler, _OPERATION_ATTRIBUTE, None)


# --- the document ------------------------------------------------------------------------------
def build_document(app: Sanic) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route registered on `app`."""
    routes = sorted(app.router.routes, key=lambda route: route.path)
    operations = [(route, declared_operation(route.handler)) for route in routes]

    inputs = {op.body for _, op in operations if op is not None and op.body is not None}
    outputs = {op.response_model() for _, op in operations if op is not None} - {None}
    pairs = [(model, "validation") for model in sorted(inputs, key=_name)]
    pairs += [(model, "serialization") for model in sorted(outputs, key=_name)]
    pairs.append((ErrorBody, "serialization"))
    refs, definitions = models_json_schema(pairs, ref_template=_REF)
    schemas = definitions.get("$defs", {})
    error_ref = refs[(ErrorBody, "serialization")]
    schemas[_name_of_ref(error_ref)]["properties"]["error"]["enum"] = sorted(ERROR_CODES)

    paths: dict[str, dict[str, Any]] = {}
    for route, declared in operations:
        path = "/" + _PATH_PARAMETER.sub(r"{\1}", route.path).lstrip("/")
        for method in sorted(set(route.methods) - _UNDOCUMENTED_METHODS):
            paths.setdefault(path, {})[method.lower()] = _operation_object(route, declared, refs, error_ref)

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "tenant-provisioner",
            "version": _version(),
            "description": "Provisions hosted web sites on Kubernetes; every operation is an Ansible playbook.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header", "name": HEADER}},
        },
        "security": [{"ApiKey": []}],
    }


def _operation_object(route: Any, declared: Operation | None, refs: dict, error_ref: dict) -> dict[str, Any]:
    handler = route.handler
    doc = (handler.__doc__ or "").strip()
    summary = (declared.summary if declared and declared.summary else doc.splitlines()[0] if doc else route.name)
    result: dict[str, Any] = {
        "operationId": getattr(handler, "__name__", route.name),
        "summary": summary,
        "tags": [route.name.split(".")[1]] if route.name.count(".") >= 2 else [],
    }
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": SLUG_PATTERN} if name == "slug" else {"type": "string"},
        }
        for name in _PATH_PARAMETER.findall(route.path)
    ]
    if parameters:
        result["parameters"] = parameters

    errors: list[type[ApiError]] = [InternalError]
    if declared is not None:
        errors += list(declared.errors)
        if declared.body is not None:
            errors += [InvalidInput, InvalidJson]
            result["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(declared.body, "validation")]}},
            }
        if any(parameter["name"] == "slug" for parameter in parameters):
            errors.append(InvalidInput)

    ok: dict[str, Any] = {"description": "Success."}
    model = declared.response_model() if declared else None
    if model is not None:
        schema = refs[(model, "serialization")]
        if get_origin(declared.response) is list:
            schema = {"type": "array", "items": schema}
        ok["content"] = {"application/json": {"schema": schema}}
    responses: dict[str, Any] = {"200": ok}

    if is_public(handler):
        result["security"] = []
    else:
        errors.append(Unauthorized)
    for status, codes in _codes_by_status(errors).items():
        responses[str(status)] = {
            "description": "Error: " + ", ".join(codes) + ".",
            "content": {"application/json": {"schema": error_ref}},
        }
    result["responses"] = dict(sorted(responses.items()))
    return result


def _codes_by_status(errors: Sequence[type[ApiError]]) -> dict[int, list[str]]:
    grouped: dict[int, set[str]] = {}
    for cls in errors:
        grouped.setdefault(cls.status_code, set()).add(cls.code)
    if 500 in grouped:  # every run can end in any of the 5xx codes
        grouped[500] = {code for code, status in ERROR_CODES.items() if status == 500}
    return {status: sorted(codes) for status, codes in sorted(grouped.items())}


def _name(model: type[BaseModel]) -> str:
    return model.__name__


def _name_of_ref(ref: dict[str, str]) -> str:
    return ref["$ref"].rsplit("/", 1)[-1]


def _version() -> str:
    try:
        return metadata.version("tenant-provisioner")
    except metadata.PackageNotFoundError:
        return "0.0.0"


# --- GET /openapi.json -------------------------------------------------------------------------
bp = Blueprint("openapi")


@bp.get("/openapi.json")
@operation()
async def openapi_document(request: Request) -> HTTPResponse:
    """GET /openapi.json: the OpenAPI document of this API."""
    if request.app.ctx.openapi is None:
        request.app.ctx.openapi = build_document(request.app)
    return json_response(request.app.ctx.openapi)
