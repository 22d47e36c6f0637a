"""Which request model validates which operation: one table for the routes and the playbooks.

The operation name is the playbook's name (`<area>_<action>`), so a route, its playbook and the
validation of its input share one name. The routes validate with it before any playbook runs;
the playbooks validate `api_input` again with the same models (plugins/modules/api_input.py),
so an operator running `ansible-playbook` directly gets the same checks.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from server.models import db, sites

# operation -> (body model or None, takes a slug path parameter)
REQUEST_MODELS: dict[str, tuple[type[BaseModel] | None, bool]] = {
    "site_create": (sites.SiteCreate, False),
    "site_list": (None, False),
    "site_limits_update": (sites.LimitsUpdate, True),
    "site_deploy": (sites.Deploy, True),
    "site_tls_update": (sites.TlsUpdate, True),
    "site_delete": (None, True),
    "site_purge": (sites.Confirm, True),
    "db_enable": (db.DbEnable, True),
    "db_disable": (None, True),
    "db_purge": (sites.Confirm, True),
    "db_status": (None, True),
}


class RequestInvalid(Exception):
    """Field errors as `[{"field": ..., "message": ...}]` (never the submitted values)."""

    def __init__(self, details: list[dict[str, str]]):
        super().__init__("; ".join(f"{d['field']}: {d['message']}" for d in details))
        self.details = details


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    """pydantic errors -> API details, without echoing input values (they may be secrets)."""
    details = []
    for item in error.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or "body"
        message = item["msg"].removeprefix("Value error, ")
        details.append({"field": field, "message": message})
    return details


def validate(operation: str, data: dict[str, Any] | None, context: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validate the input of `operation`; return it normalised (JSON types) or raise RequestInvalid."""
    if operation not in REQUEST_MODELS:
        raise KeyError(f"unknown operation {operation!r}")
    model, takes_slug = REQUEST_MODELS[operation]
    data = dict(data or {})
    out: dict[str, Any] = {}
    details: list[dict[str, str]] = []
    if takes_slug:
        slug = data.pop("slug", None)
        if not isinstance(slug, str) or not sites.valid_slug(slug):
            details.append({"field": "slug", "message": "is not a site slug (lowercase letters, digits and dashes)"})
        else:
            out["slug"] = slug
    if model is not None:
        try:
            out.update(model.model_validate(data, context=context or {}).model_dump(mode="json"))
        except ValidationError as exc:
            details.extend(field_errors(exc))
    elif data:
        details.extend({"field": key, "message": "Extra inputs are not permitted"} for key in data)
    if details:
        raise RequestInvalid(details)
    return out
