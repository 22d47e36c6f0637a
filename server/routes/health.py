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


@bp.get("/health")
@public
@operation(response=Health)
async def health(request: Request) -> dict:
    """GET /health: the service is up (no API key needed)."""
    return {"ok": True}
