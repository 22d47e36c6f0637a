"""GET /health: liveness, without an API key."""

from __future__ import annotations

from typing import Literal

from sanic import Blueprint, Request

from server.auth import public
from contract.models.common import ApiModel
from server.openapi import operation

bp = Blueprint("health")


class Health(ApiModel):
    """The service is up and serving."""

    ok: Literal[True]


# GET and HEAD (load balancers probe with HEAD); a body a client sends anyway is read and ignored.
@bp.route("/health", methods=["GET", "HEAD"])
@public
@operation(response=Health)
async def health(request: Request) -> dict:
    """GET /health: the service is up (no API key needed)."""
    return {"ok": True}
