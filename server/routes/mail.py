"""The mail endpoints: /sites/:slug/mail/* -> playbooks/mail_<action>.yml -> roles/tenant_mail.

Handlers validate (with the models of the operation table, server/models/registry.py, which the
playbooks validate with too), run the playbook and return what it published. Mailcow's API key
reaches every run as an environment variable from the settings. A new mailbox's password is not
part of `api_input`: it is a secret of that one run (the environment variable
`TENANT_MAIL_MAILBOX_PASSWORD`), so it is in no file, and the runner masks it in every message.
Addresses in paths may come percent-encoded (`hello%40example.com`); they are decoded once and
validated like request bodies (400 before any playbook runs).
"""

from __future__ import annotations

from urllib.parse import unquote

from sanic import Blueprint, Request

from server.errors import AliasNotFound, AlreadyExists, Conflict, FeatureDisabled, MailboxNotFound, SiteNotFound
from server.models.mail import (
    AliasCreate,
    AliasCreated,
    AliasDeleted,
    AliasList,
    MailboxCreate,
    MailboxCreated,
    MailboxDeleted,
    MailboxList,
    MailDisabled,
    MailEnable,
    MailEnabled,
    MailPurged,
    MailStatus,
)
from server.models.registry import REQUEST_MODELS, validate
from server.models.sites import Confirm
from server.openapi import operation
from server.runner import run_playbook

bp = Blueprint("mail", url_prefix="/sites/<slug>/mail")

#: Environment variable of a run that holds the new mailbox's password (playbooks/mail_mailbox_create.yml).
MAILBOX_PASSWORD_ENV = "TENANT_MAIL_MAILBOX_PASSWORD"

_MAILBOX_ERRORS = (SiteNotFound, FeatureDisabled)


@bp.post("/enable")
@operation(body=REQUEST_MODELS["mail_enable"][0], response=MailEnabled, errors=(SiteNotFound, Conflict, AlreadyExists))
async def mail_enable(request: Request, slug: str, body: MailEnable) -> dict:
    """POST /sites/:slug/mail/enable: create or reactivate the site's mail domain in Mailcow."""
    return await run_playbook(request.app, "mail_enable.yml", {"slug": slug, **body.api_input()}, slug)


@bp.post("/disable")
@operation(response=MailDisabled, errors=(SiteNotFound,))
async def mail_disable(request: Request, slug: str) -> dict:
    """POST /sites/:slug/mail/disable: the mail domain goes inactive in Mailcow; nothing is deleted."""
    return await run_playbook(request.app, "mail_disable.yml", {"slug": slug}, slug)


@bp.post("/purge")
@operation(body=REQUEST_MODELS["mail_purge"][0], response=MailPurged, errors=(SiteNotFound,))
async def mail_purge(request: Request, slug: str, body: Confirm) -> dict:
    """POST /sites/:slug/mail/purge: delete the mail domain, its mailboxes and aliases (confirm DELETE)."""
    return await run_playbook(request.app, "mail_purge.yml", {"slug": slug, **body.api_input()}, slug)


@bp.get("/status")
@operation(response=MailStatus, errors=(SiteNotFound,))
async def mail_status(request: Request, slug: str) -> dict:
    """GET /sites/:slug/mail/status: the record's mail settings and whether Mailcow has the domain active."""
    return await run_playbook(request.app, "mail_status.yml", {"slug": slug}, slug)


@bp.get("/mailboxes")
@operation(response=MailboxList, errors=_MAILBOX_ERRORS)
async def mail_mailbox_list(request: Request, slug: str) -> dict:
    """GET /sites/:slug/mail/mailboxes: the addresses of the mail domain's mailboxes."""
    return await run_playbook(request.app, "mail_mailbox_list.yml", {"slug": slug}, slug)


@bp.post("/mailboxes")
@operation(
    body=REQUEST_MODELS["mail_mailbox_create"][0], response=MailboxCreated, errors=(*_MAILBOX_ERRORS, AlreadyExists, Conflict)
)
async def mail_mailbox_create(request: Request, slug: str, body: MailboxCreate) -> dict:
    """POST /sites/:slug/mail/mailboxes: a new mailbox in the site's mail domain."""
    api_input = {"slug": slug, **body.api_input()}
    password = api_input.pop("password")
    return await run_playbook(request.app, "mail_mailbox_create.yml", api_input, slug, {MAILBOX_PASSWORD_ENV: password})


@bp.delete("/mailboxes/<address>")
@operation(response=MailboxDeleted, errors=(*_MAILBOX_ERRORS, MailboxNotFound))
async def mail_mailbox_delete(request: Request, slug: str, address: str) -> dict:
    """DELETE /sites/:slug/mail/mailboxes/:address: delete a mailbox of the site's mail domain."""
    api_input = validate("mail_mailbox_delete", {"slug": slug, "address": unquote(address)})
    return await run_playbook(request.app, "mail_mailbox_delete.yml", api_input, slug)


@bp.get("/aliases")
@operation(response=AliasList, errors=_MAILBOX_ERRORS)
async def mail_alias_list(request: Request, slug: str) -> dict:
    """GET /sites/:slug/mail/aliases: the addresses of the mail domain's aliases."""
    return await run_playbook(request.app, "mail_alias_list.yml", {"slug": slug}, slug)


@bp.post("/aliases")
@operation(body=REQUEST_MODELS["mail_alias_create"][0], response=AliasCreated, errors=(*_MAILBOX_ERRORS, AlreadyExists))
async def mail_alias_create(request: Request, slug: str, body: AliasCreate) -> dict:
    """POST /sites/:slug/mail/aliases: a new alias in the site's mail domain, to one destination."""
    return await run_playbook(request.app, "mail_alias_create.yml", {"slug": slug, **body.api_input()}, slug)


@bp.delete("/aliases/<source>")
@operation(response=AliasDeleted, errors=(*_MAILBOX_ERRORS, AliasNotFound))
async def mail_alias_delete(request: Request, slug: str, source: str) -> dict:
    """DELETE /sites/:slug/mail/aliases/:source: delete an alias of the site's mail domain by its address."""
    api_input = validate("mail_alias_delete", {"slug": slug, "source": unquote(source)})
    return await run_playbook(request.app, "mail_alias_delete.yml", api_input, slug)
