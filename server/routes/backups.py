"""The backup endpoints: /sites/:slug/backup/* -> playbooks/backup_<action>.yml -> roles/tenant_backup.

Handlers validate (with the models of the operation table, server/models/registry.py, which the
playbooks validate with too), run the playbook and return what it published. The restic password
seed reaches every run as an environment variable from the settings; the per-site repository
password is derived from it inside the run and never leaves it (docs/backups.md).
"""

from __future__ import annotations

from sanic import Blueprint, Request

from server.errors import Conflict, FeatureDisabled, SiteNotFound, SnapshotNotFound
from server.models.backups import (
    BackupConfig,
    BackupConfigured,
    BackupDisabled,
    BackupEnable,
    BackupEnabled,
    BackupPurged,
    BackupRestore,
    BackupRestored,
    BackupStarted,
    SnapshotList,
)
from server.models.common import Confirm
from server.models.registry import REQUEST_MODELS
from server.openapi import operation
from server.runner import run_playbook

bp = Blueprint("backups", url_prefix="/sites/<slug>/backup")


@bp.post("/enable")
@operation(body=REQUEST_MODELS["backup_enable"][0], response=BackupEnabled, errors=(SiteNotFound, Conflict))
async def backup_enable(request: Request, slug: str, body: BackupEnable) -> dict:
    """POST /sites/:slug/backup/enable: the site's restic repository, its Secret and the schedule."""
    return await run_playbook(request.app, "backup_enable.yml", {"slug": slug, **body.api_input()}, slug)


@bp.post("/disable")
@operation(response=BackupDisabled, errors=(SiteNotFound,))
async def backup_disable(request: Request, slug: str) -> dict:
    """POST /sites/:slug/backup/disable: the schedule is suspended; snapshots are kept."""
    return await run_playbook(request.app, "backup_disable.yml", {"slug": slug}, slug)


@bp.patch("/config")
@operation(body=REQUEST_MODELS["backup_config"][0], response=BackupConfigured, errors=(SiteNotFound, FeatureDisabled))
async def backup_config(request: Request, slug: str, body: BackupConfig) -> dict:
    """PATCH /sites/:slug/backup/config: change the schedule and/or the retention in place."""
    return await run_playbook(request.app, "backup_config.yml", {"slug": slug, **body.api_input()}, slug)


@bp.post("/run")
@operation(response=BackupStarted, errors=(SiteNotFound, FeatureDisabled, Conflict))
async def backup_run(request: Request, slug: str) -> dict:
    """POST /sites/:slug/backup/run: start a backup Job now (answers without waiting for it)."""
    return await run_playbook(request.app, "backup_run.yml", {"slug": slug}, slug)


@bp.get("/snapshots")
@operation(response=SnapshotList, errors=(SiteNotFound,))
async def backup_snapshots(request: Request, slug: str) -> dict:
    """GET /sites/:slug/backup/snapshots: the site's backup runs from its repository, newest first."""
    return await run_playbook(request.app, "backup_snapshots.yml", {"slug": slug}, slug)


@bp.post("/restore")
@operation(
    body=REQUEST_MODELS["backup_restore"][0],
    response=BackupRestored,
    errors=(SiteNotFound, SnapshotNotFound, FeatureDisabled, Conflict),
)
async def backup_restore(request: Request, slug: str, body: BackupRestore) -> dict:
    """POST /sites/:slug/backup/restore: stop the app, restore files and/or database, start it again."""
    return await run_playbook(request.app, "backup_restore.yml", {"slug": slug, **body.api_input()}, slug)


@bp.post("/purge")
@operation(body=REQUEST_MODELS["backup_purge"][0], response=BackupPurged, errors=(SiteNotFound,))
async def backup_purge(request: Request, slug: str, body: Confirm) -> dict:
    """POST /sites/:slug/backup/purge: remove every snapshot, the repository, schedule and Secret."""
    return await run_playbook(request.app, "backup_purge.yml", {"slug": slug, **body.api_input()}, slug)
