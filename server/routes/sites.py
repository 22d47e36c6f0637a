"""The site endpoints (API_CONTRACT.md "Sites"): each runs the playbook of the same name."""

from __future__ import annotations

from sanic import Blueprint, Request

from server.errors import AlreadyExists, Conflict, SiteNotFound
from server.models.common import Confirm
from server.models.sites import (
    Deploy,
    Deployed,
    LimitsChanged,
    LimitsUpdate,
    SiteCreate,
    SiteCreated,
    SiteDeleted,
    SitePurged,
    SiteSummary,
    TlsChanged,
    TlsUpdate,
)
from server.openapi import operation
from server.runner import run_playbook

bp = Blueprint("sites")


@bp.post("/sites")
@operation(body=SiteCreate, response=SiteCreated, errors=(AlreadyExists,))
async def site_create(request: Request, body: SiteCreate) -> dict:
    """POST /sites: create a site (namespace, quotas, limit range, network policy, volume)."""
    return await run_playbook(request.app, "site_create.yml", body.api_input(), body.slug)


@bp.get("/sites")
@operation(response=list[SiteSummary])
async def site_list(request: Request) -> list:
    """GET /sites: the active sites, sorted by slug."""
    return await run_playbook(request.app, "site_list.yml", {}, None)


@bp.patch("/sites/<slug>/limits")
@operation(body=LimitsUpdate, response=LimitsChanged, errors=(SiteNotFound, Conflict))
async def site_limits_update(request: Request, slug: str, body: LimitsUpdate) -> dict:
    """PATCH /sites/:slug/limits: change cpu, ramGi and/or diskGi (the volume never shrinks)."""
    return await run_playbook(request.app, "site_limits_update.yml", {"slug": slug, **body.api_input()}, slug)


@bp.post("/sites/<slug>/deploy")
@operation(body=Deploy, response=Deployed, errors=(SiteNotFound,))
async def site_deploy(request: Request, slug: str, body: Deploy) -> dict:
    """POST /sites/:slug/deploy: run an image behind the site's Ingress (does not wait for ready)."""
    return await run_playbook(request.app, "site_deploy.yml", {"slug": slug, **body.api_input()}, slug)


@bp.patch("/sites/<slug>/tls")
@operation(body=TlsUpdate, response=TlsChanged, errors=(SiteNotFound,))
async def site_tls_update(request: Request, slug: str, body: TlsUpdate) -> dict:
    """PATCH /sites/:slug/tls: enable or disable TLS; a new issuer re-issues the certificate."""
    return await run_playbook(request.app, "site_tls_update.yml", {"slug": slug, **body.api_input()}, slug)


@bp.delete("/sites/<slug>")
@operation(response=SiteDeleted, errors=(SiteNotFound,))
async def site_delete(request: Request, slug: str) -> dict:
    """DELETE /sites/:slug: soft delete; the site goes offline, its data is kept."""
    return await run_playbook(request.app, "site_delete.yml", {"slug": slug}, slug)


@bp.post("/sites/<slug>/purge")
@operation(body=Confirm, response=SitePurged, errors=(SiteNotFound,))
async def site_purge(request: Request, slug: str, body: Confirm) -> dict:
    """POST /sites/:slug/purge: remove the site and everything it has, irreversibly."""
    return await run_playbook(request.app, "site_purge.yml", {"slug": slug, **body.api_input()}, slug)
