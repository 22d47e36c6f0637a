"""The operation table: every endpoint of the API, declared once.

Each `Operation` says everything the three ways of use need to know about one endpoint:

- its HTTP method and path (the service registers one route per entry: server/routes.py),
- the request model of its body and/or of its extra path parameters, and its response model
  (the OpenAPI document is built from them: server/openapi.py),
- the errors it can answer with besides 400, 401 and 500,
- the per-request secrets of a run: a body field that must not reach a file (a mailbox
  password) or a value generated for each request (a new database password). They reach the
  run as environment variables, never as variables in a file,
- its playbook: `playbooks/<name>.yml`, whose role entry point has the same name.

`check_input` checks an operation's input as the playbooks do (roles/api_request, through the
filter plugins/filter/api_request.py); the service checks the same models before any playbook
runs, so an operator's or AWX's run refuses exactly what the service refuses, with the same 400.
Nothing here imports a web framework.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from contract.context import context_of
from contract.errors import (
    AliasNotFound,
    AlreadyExists,
    ApiError,
    Conflict,
    FeatureDisabled,
    InvalidInput,
    MailboxNotFound,
    SiteNotFound,
    SnapshotNotFound,
)
from contract.models import backups, db, mail, sites
from contract.models.common import Confirm, invalid_input, validate_slug

_PATH_PARAMETER = re.compile(r"\{(\w+)\}")
_PASSWORD_ALPHABET = string.ascii_letters + string.digits
_PASSWORD_LENGTH = 32


@dataclass(frozen=True)
class RunSecret:
    """A secret of one run, handed to `ansible-playbook` as the environment variable `env`.

    `field`: the request field (wire name) it comes from; the field is taken out of the
    playbook's `api_input`. None: a new random value is generated for each request.
    """

    env: str
    field: str | None = None

    def generate(self) -> str:
        """A new random value (32 letters and digits)."""
        return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(_PASSWORD_LENGTH))


@dataclass(frozen=True)
class Operation:
    """One endpoint: see the module docstring."""

    name: str
    method: str
    path: str
    summary: str
    response: Any
    body: type[BaseModel] | None = None
    path_model: type[BaseModel] | None = None
    errors: tuple[type[ApiError], ...] = ()
    secrets: tuple[RunSecret, ...] = ()

    @property
    def playbook(self) -> str:
        """The playbook file that carries the operation out."""
        return f"{self.name}.yml"

    @property
    def area(self) -> str:
        """sites, db, mail or backups: the OpenAPI tag."""
        return {"site": "sites", "backup": "backups"}.get(self.name.split("_")[0], self.name.split("_")[0])

    @property
    def path_parameters(self) -> list[str]:
        return _PATH_PARAMETER.findall(self.path)

    @property
    def takes_slug(self) -> bool:
        return "slug" in self.path_parameters

    @property
    def input_model(self) -> type[BaseModel] | None:
        """The model the playbook's input (without the slug) is checked with."""
        return self.body or self.path_model

    def response_adapter(self) -> TypeAdapter:
        return _adapter(self.response)


def _adapter(response: Any) -> TypeAdapter:
    if response not in _ADAPTERS:
        _ADAPTERS[response] = TypeAdapter(response)
    return _ADAPTERS[response]


_ADAPTERS: dict[Any, TypeAdapter] = {}

_MAIL_OFF = (SiteNotFound, FeatureDisabled)

#: Every operation of the API (shared/reference/API_CONTRACT.md), in the contract's order.
OPERATIONS: tuple[Operation, ...] = (
    # --- sites -----------------------------------------------------------------------------
    Operation(
        "site_create", "POST", "/sites",
        "Create a site (namespace, quotas, limit range, network policy, volume).",
        body=sites.SiteCreate, response=sites.SiteCreated, errors=(AlreadyExists,),
    ),
    Operation("site_list", "GET", "/sites", "The active sites, sorted by slug.", response=list[sites.SiteSummary]),
    Operation(
        "site_limits_update", "PATCH", "/sites/{slug}/limits",
        "Change cpu, ramGi and/or diskGi (the volume never shrinks).",
        body=sites.LimitsUpdate, response=sites.LimitsChanged, errors=(SiteNotFound, Conflict),
    ),
    Operation(
        "site_deploy", "POST", "/sites/{slug}/deploy",
        "Run an image behind the site's Ingress (does not wait for ready).",
        body=sites.Deploy, response=sites.Deployed, errors=(SiteNotFound,),
    ),
    Operation(
        "site_tls_update", "PATCH", "/sites/{slug}/tls",
        "Enable or disable TLS; a new issuer re-issues the certificate.",
        body=sites.TlsUpdate, response=sites.TlsChanged, errors=(SiteNotFound,),
    ),
    Operation(
        "site_delete", "DELETE", "/sites/{slug}",
        "Soft delete; the site goes offline, its data is kept.",
        response=sites.SiteDeleted, errors=(SiteNotFound,),
    ),
    Operation(
        "site_purge", "POST", "/sites/{slug}/purge",
        "Remove the site and everything it has, irreversibly.",
        body=Confirm, response=sites.SitePurged, errors=(SiteNotFound,),
    ),
    # --- database --------------------------------------------------------------------------
    Operation(
        "db_enable", "POST", "/sites/{slug}/db/enable",
        "The site's database, its user and the credentials Secret.",
        body=db.DbEnable, response=db.DbEnabled, errors=(SiteNotFound, Conflict, AlreadyExists),
        # The password a new database user gets (roles/tenant_db keeps the one the Secret has).
        secrets=(RunSecret("TENANT_DB_NEW_PASSWORD"),),
    ),
    Operation(
        "db_disable", "POST", "/sites/{slug}/db/disable",
        "The user cannot log in, the app loses the Secret; data stays.",
        response=db.DbDisabled, errors=(SiteNotFound,),
    ),
    Operation(
        "db_purge", "POST", "/sites/{slug}/db/purge",
        "Drop the database and user, delete the Secret (confirm DELETE).",
        body=Confirm, response=db.DbPurged, errors=(SiteNotFound,),
    ),
    Operation(
        "db_status", "GET", "/sites/{slug}/db/status",
        "The record's database settings and whether the Secret exists.",
        response=db.DbStatus, errors=(SiteNotFound,),
    ),
    # --- mail ------------------------------------------------------------------------------
    Operation(
        "mail_enable", "POST", "/sites/{slug}/mail/enable",
        "Create or reactivate the site's mail domain in Mailcow.",
        body=mail.MailEnable, response=mail.MailEnabled, errors=(SiteNotFound, Conflict, AlreadyExists),
    ),
    Operation(
        "mail_disable", "POST", "/sites/{slug}/mail/disable",
        "The mail domain goes inactive in Mailcow; nothing is deleted.",
        response=mail.MailDisabled, errors=(SiteNotFound,),
    ),
    Operation(
        "mail_purge", "POST", "/sites/{slug}/mail/purge",
        "Delete the mail domain, its mailboxes and aliases (confirm DELETE).",
        body=Confirm, response=mail.MailPurged, errors=(SiteNotFound,),
    ),
    Operation(
        "mail_status", "GET", "/sites/{slug}/mail/status",
        "The record's mail settings and whether Mailcow has the domain active.",
        response=mail.MailStatus, errors=(SiteNotFound,),
    ),
    Operation(
        "mail_mailbox_list", "GET", "/sites/{slug}/mail/mailboxes",
        "The addresses of the mail domain's mailboxes.",
        response=mail.MailboxList, errors=_MAIL_OFF,
    ),
    Operation(
        "mail_mailbox_create", "POST", "/sites/{slug}/mail/mailboxes",
        "A new mailbox in the site's mail domain.",
        body=mail.MailboxCreate, response=mail.MailboxCreated, errors=(*_MAIL_OFF, AlreadyExists, Conflict),
        # The password goes to Mailcow only: never into api_input, a file or a response.
        secrets=(RunSecret("TENANT_MAIL_MAILBOX_PASSWORD", field="password"),),
    ),
    Operation(
        "mail_mailbox_delete", "DELETE", "/sites/{slug}/mail/mailboxes/{address}",
        "Delete a mailbox of the site's mail domain.",
        path_model=mail.MailboxDelete, response=mail.MailboxDeleted, errors=(*_MAIL_OFF, MailboxNotFound),
    ),
    Operation(
        "mail_alias_list", "GET", "/sites/{slug}/mail/aliases",
        "The addresses of the mail domain's aliases.",
        response=mail.AliasList, errors=_MAIL_OFF,
    ),
    Operation(
        "mail_alias_create", "POST", "/sites/{slug}/mail/aliases",
        "A new alias in the site's mail domain, to one destination.",
        body=mail.AliasCreate, response=mail.AliasCreated, errors=(*_MAIL_OFF, AlreadyExists),
    ),
    Operation(
        "mail_alias_delete", "DELETE", "/sites/{slug}/mail/aliases/{source}",
        "Delete an alias of the site's mail domain by its address.",
        path_model=mail.AliasDelete, response=mail.AliasDeleted, errors=(*_MAIL_OFF, AliasNotFound),
    ),
    # --- backups ---------------------------------------------------------------------------
    Operation(
        "backup_enable", "POST", "/sites/{slug}/backup/enable",
        "The site's restic repository, its Secret and the schedule.",
        body=backups.BackupEnable, response=backups.BackupEnabled, errors=(SiteNotFound, Conflict),
    ),
    Operation(
        "backup_disable", "POST", "/sites/{slug}/backup/disable",
        "The schedule is suspended; snapshots are kept.",
        response=backups.BackupDisabled, errors=(SiteNotFound,),
    ),
    Operation(
        "backup_config", "PATCH", "/sites/{slug}/backup/config",
        "Change the schedule and/or the retention in place.",
        body=backups.BackupConfig, response=backups.BackupConfigured, errors=(SiteNotFound, FeatureDisabled),
    ),
    Operation(
        "backup_run", "POST", "/sites/{slug}/backup/run",
        "Start a backup Job now (answers without waiting for it).",
        response=backups.BackupStarted, errors=(SiteNotFound, FeatureDisabled, Conflict),
    ),
    Operation(
        "backup_snapshots", "GET", "/sites/{slug}/backup/snapshots",
        "The site's backup runs from its repository, newest first.",
        response=backups.SnapshotList, errors=(SiteNotFound,),
    ),
    Operation(
        "backup_restore", "POST", "/sites/{slug}/backup/restore",
        "Stop the app, restore files and/or database, start it again.",
        body=backups.BackupRestore, response=backups.BackupRestored,
        errors=(SiteNotFound, SnapshotNotFound, FeatureDisabled, Conflict),
    ),
    Operation(
        "backup_purge", "POST", "/sites/{slug}/backup/purge",
        "Remove every snapshot, the repository, schedule and Secret.",
        body=Confirm, response=backups.BackupPurged, errors=(SiteNotFound,),
    ),
)

#: The table by operation name.
BY_NAME: dict[str, Operation] = {operation.name: operation for operation in OPERATIONS}


def operation(name: str) -> Operation:
    """The operation called `name` (KeyError for an unknown one)."""
    if name not in BY_NAME:
        raise KeyError(f"unknown operation {name!r}")
    return BY_NAME[name]


def check_input(name: str, data: Mapping[str, Any] | None, context: Any = None) -> dict[str, Any]:
    """Check the input of a playbook run (`api_input`: the body plus the path parameters).

    Returns it normalised (JSON values, wire names). A secret field left out of `data` is read
    from its environment variable, the way the service hands it over. Raises InvalidInput with
    one detail per problem (slug and body together); messages never echo the submitted values.
    """
    op = operation(name)
    data = dict(data or {})
    for secret in op.secrets:
        if secret.field is not None and secret.field not in data and os.environ.get(secret.env):
            data[secret.field] = os.environ[secret.env]
    out: dict[str, Any] = {}
    details: list[dict[str, str]] = []
    if op.takes_slug:
        slug = data.pop("slug", None)
        try:
            out["slug"] = validate_slug(slug if isinstance(slug, str) else "", context_of(context).max_slug_length)
        except InvalidInput as error:
            details.extend(error.details)
    model = op.input_model
    if model is not None:
        try:
            out.update(model.model_validate(data, context=dict(context or {})).model_dump(mode="json", by_alias=True))
        except ValidationError as error:
            details.extend(invalid_input(error).details)
    elif data:
        details.extend({"field": key, "message": "Extra inputs are not permitted"} for key in data)
    if details:
        first = details[0]
        more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        raise InvalidInput(f"Invalid {first['field']}: {first['message']}{more}", details=details)
    return out


def run_secrets(op: Operation, api_input: dict[str, Any]) -> dict[str, str]:
    """The secrets of one run: takes the secret fields out of `api_input`, generates the others."""
    values = {}
    for secret in op.secrets:
        values[secret.env] = api_input.pop(secret.field) if secret.field is not None else secret.generate()
    return values


def conform_response(name: str, body: Any) -> Any:
    """A playbook's response body checked against the operation's response model, with wire names.

    Raises ValueError when it does not match the contract.
    """
    adapter = operation(name).response_adapter()
    try:
        value = adapter.validate_json(json.dumps(body))
    except (ValidationError, TypeError, ValueError) as error:
        raise ValueError(f"the response of {name} does not match the API contract: {error}") from None
    return adapter.dump_python(value, mode="json", by_alias=True)
