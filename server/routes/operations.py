"""The API's operations as Sanic routes: one route per entry of the operation table.

Every entry of `contract.operations.OPERATIONS` becomes a handler named like the operation (and
its playbook), registered on the blueprint of its area (sites, db, mail, backups). `@operation`
(server/openapi.py) validates the slug and the body before the handler runs and documents the
route; the handler adds the path parameters the table names, takes the run's secrets out of the
input as the table says, and runs the playbook in the lane of the site's slug.

    POST /sites/{slug}/deploy -> site_deploy -> playbooks/site_deploy.yml
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json as json_response

from contract.operations import OPERATIONS, Operation, check_input, run_secrets
from server.openapi import operation as declare
from server.runner import run_playbook


def _sanic_path(path: str) -> str:
    return path.replace("{", "<").replace("}", ">")


def _handler(op: Operation) -> Any:
    extra_parameters = [name for name in op.path_parameters if name != "slug"]

    async def handler(request: Request, slug: str | None = None, body: Any = None, **parameters: str) -> HTTPResponse:
        api_input: dict[str, Any] = {"slug": slug} if slug is not None else {}
        if body is not None:
            api_input.update(body.api_input())
        if extra_parameters:
            # Addresses in paths may come percent-encoded (hello%40example.com): decoded once and
            # checked like a body, before any playbook runs.
            values = {name: unquote(parameters[name]) for name in extra_parameters}
            api_input = check_input(op.name, {**api_input, **values}, request.app.ctx.validation_context)
        secrets = run_secrets(op, api_input)
        # The run's lane is the site's slug: the path's, or the one the body's model derives.
        lane = slug if slug is not None else getattr(body, "slug", None)
        result = await run_playbook(request.app, op.playbook, api_input, lane, secrets)
        return json_response(result)

    handler.__name__ = handler.__qualname__ = op.name
    handler.__doc__ = f"{op.method} {op.path}: {op.summary}"
    return declare(body=op.body, response=op.response, errors=op.errors, summary=op.summary)(handler)


def blueprints() -> list[Blueprint]:
    """One blueprint per area, with the routes of the table in its order."""
    areas: dict[str, Blueprint] = {}
    for op in OPERATIONS:
        blueprint = areas.setdefault(op.area, Blueprint(op.area))
        blueprint.add_route(_handler(op), _sanic_path(op.path), methods=[op.method], name=op.name)
    return list(areas.values())
