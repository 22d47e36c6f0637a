"""The database endpoints: /sites/:slug/db/* -> playbooks/db_<action>.yml -> roles/tenant_db.

Handlers validate (with the models of the operation table, server/models/registry.py, which the
playbooks validate with too), run the playbook and return what it published. The PostgreSQL admin password reaches the runs as an
environment variable from the settings; enable also hands the run a freshly generated password,
so the runner's redaction knows the value a new user may get (the role keeps the password the
Secret already has).
"""

from __future__ import annotations

import secrets
import string

from sanic import Blueprint, Request

from server.errors import AlreadyExists, Conflict, SiteNotFound
from server.models.common import Confirm
from server.models.db import DbDisabled, DbEnable, DbEnabled, DbPurged, DbStatus
from server.models.registry import REQUEST_MODELS
from server.openapi import operation
from server.runner import run_playbook

bp = Blueprint("db", url_prefix="/sites/<slug>/db")

#: Environment variable of a run that offers the password for a new database user (roles/tenant_db).
NEW_PASSWORD_ENV = "TENANT_DB_NEW_PASSWORD"
_PASSWORD_ALPHABET = string.ascii_letters + string.digits
_PASSWORD_LENGTH = 32


def _new_password() -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(_PASSWORD_LENGTH))


@bp.post("/enable")
@operation(body=REQUEST_MODELS["db_enable"][0], response=DbEnabled, errors=(SiteNotFound, Conflict, AlreadyExists))
async def db_enable(request: Request, slug: str, body: DbEnable) -> dict:
    """POST /sites/:slug/db/enable: the site's database, its user and the credentials Secret."""
    secrets_of_run = {NEW_PASSWORD_ENV: _new_password()}
    return await run_playbook(request.app, "db_enable.yml", {"slug": slug, **body.api_input()}, slug, secrets_of_run)


@bp.post("/disable")
@operation(response=DbDisabled, errors=(SiteNotFound,))
async def db_disable(request: Request, slug: str) -> dict:
    """POST /sites/:slug/db/disable: the user cannot log in, the app loses the Secret; data stays."""
    return await run_playbook(request.app, "db_disable.yml", {"slug": slug}, slug)


@bp.post("/purge")
@operation(body=REQUEST_MODELS["db_purge"][0], response=DbPurged, errors=(SiteNotFound,))
async def db_purge(request: Request, slug: str, body: Confirm) -> dict:
    """POST /sites/:slug/db/purge: drop the database and user, delete the Secret (confirm DELETE)."""
    return await run_playbook(request.app, "db_purge.yml", {"slug": slug, **body.api_input()}, slug)


@bp.get("/status")
@operation(response=DbStatus, errors=(SiteNotFound,))
async def db_status(request: Request, slug: str) -> dict:
    """GET /sites/:slug/db/status: the record's database settings and whether the Secret exists."""
    return await run_playbook(request.app, "db_status.yml", {"slug": slug}, slug)
