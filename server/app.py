"""`create_app()`: the Sanic application of the service.

Settings are read once (or passed in), the app gets its typed context, the JSON error handler,
the API key middleware and every blueprint of `server.routes`. Shared resources (the playbook
runner with its lanes and worker threads) are made in `before_server_start` and closed in
`before_server_stop`, never at import time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sanic import Blueprint, Request, Sanic
from sanic.config import Config
from sanic.response import BaseHTTPResponse

from server import openapi
from server.auth import KeyChecker, require_api_key
from server.config import ConfigError, Settings, load_settings
from server.errors import JsonErrorHandler
from server.routes import BLUEPRINTS
from server.runner import PlaybookRunner

logger = logging.getLogger("server.app")
access_logger = logging.getLogger("server.access")

APP_NAME = "tenant-provisioner"
#: Largest request body accepted (413 above): request bodies are small JSON objects.
REQUEST_MAX_SIZE = 1024 * 1024
#: Requests wait in their lane as long as it takes (excess requests queue, they do not fail);
#: clients choose how long they wait. Sanic's 60 s default would answer 503 while queued.
RESPONSE_TIMEOUT = 24 * 3600


@dataclass
class AppContext:
    """`app.ctx`: what handlers and middleware share."""

    settings: Settings
    keys: KeyChecker
    validation_context: dict[str, Any]
    playbook_dir: Path | None = None
    runner: PlaybookRunner | None = None
    openapi: dict[str, Any] | None = None


ProvisionerApp = Sanic[Config, AppContext]


def create_app(
    settings: Settings | None = None,
    *,
    blueprints: Sequence[Blueprint] = (),
    playbook_dir: Path | None = None,
    name: str = APP_NAME,
) -> ProvisionerApp:
    """Build the service.

    `settings` default to the environment (`load_settings()`). `blueprints` are registered after
    the API's own and `playbook_dir` replaces `playbooks/`: both exist for the test-only entry
    point (tests/fixtures/service_app.py), the production entry point (`python -m server`)
    passes neither.
    """
    settings = settings if settings is not None else load_settings()
    keys = settings.api_key_values()
    if not keys:
        raise ConfigError("no API key configured: set PROVISIONER_API_KEYS or PROVISIONER_API_KEY_FILE")

    app: ProvisionerApp = Sanic(
        name,
        ctx=AppContext(
            settings=settings,
            keys=KeyChecker(keys),
            validation_context=settings.validation_context(),
            playbook_dir=playbook_dir,
        ),
        error_handler=JsonErrorHandler(),
        env_prefix=None,  # one prefix: Settings reads PROVISIONER_*, Sanic reads no SANIC_*
        configure_logging=False,
    )
    app.config.update(
        {
            "FALLBACK_ERROR_FORMAT": "json",
            "REQUEST_MAX_SIZE": REQUEST_MAX_SIZE,
            "RESPONSE_TIMEOUT": RESPONSE_TIMEOUT,
        }
    )
    app.register_middleware(_stamp_request, "request")
    app.register_middleware(require_api_key, "request")
    app.register_middleware(_log_access, "response")
    for blueprint in [*BLUEPRINTS, openapi.bp, *blueprints]:
        app.blueprint(blueprint)
    app.register_listener(_start_runner, "before_server_start")
    app.register_listener(_stop_runner, "before_server_stop")
    return app


async def _stamp_request(request: Request) -> None:
    request.ctx.started = time.perf_counter()


async def _log_access(request: Request, response: BaseHTTPResponse) -> None:
    """One access line per request: the path without its query string (which may hold a key a
    client put in the wrong place), the status and the duration."""
    started = getattr(request.ctx, "started", None)
    duration = f" {1000 * (time.perf_counter() - started):.1f}ms" if started is not None else ""
    access_logger.info(
        '%s "%s %s" %s%s', request.client_ip or "-", request.method, request.path, response.status, duration
    )


async def _start_runner(app: ProvisionerApp) -> None:
    app.ctx.runner = PlaybookRunner(app.ctx.settings, playbook_dir=app.ctx.playbook_dir)
    logger.info(
        "runner ready: playbooks=%s max_parallel_runs=%d run_timeout=%gs state_dir=%s",
        app.ctx.runner.playbook_dir,
        app.ctx.settings.max_parallel_runs,
        app.ctx.settings.run_timeout,
        app.ctx.settings.state_dir,
    )


async def _stop_runner(app: ProvisionerApp) -> None:
    """Runs still in progress are stopped (their processes killed); they answer 500."""
    runner = app.ctx.runner
    if runner is not None:
        await asyncio.to_thread(runner.close)
        app.ctx.runner = None
