"""Which request model validates which operation: one table for the routes and the playbooks.

The operation name is the playbook's name (`<area>_<action>`), so a route, its playbook and the
validation of its input share one name. The routes validate with it before any playbook runs;
the playbooks validate `api_input` again with the same models (roles/api_request, filter plugins/filter/api_request.py),
so an operator running `ansible-playbook` directly gets the same checks.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from server.errors import InvalidInput
from server.models import backups, db, mail, sites
from server.models.common import invalid_input, validate_slug

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
    "mail_enable": (mail.MailEnable, True),
    "mail_disable": (None, True),
    "mail_purge": (sites.Confirm, True),
    "mail_status": (None, True),
    "mail_mailbox_list": (None, True),
    "mail_mailbox_create": (mail.MailboxCreate, True),
    "mail_mailbox_delete": (mail.MailboxDelete, True),
    "mail_alias_list": (None, True),
    "mail_alias_create": (mail.AliasCreate, True),
    "mail_alias_delete": (mail.AliasDelete, True),
    "backup_enable": (backups.BackupEnable, True),
    "backup_disable": (None, True),
    "backup_config": (backups.BackupConfig, True),
    "backup_run": (None, True),
    "backup_snapshots": (None, True),
    "backup_restore": (backups.BackupRestore, True),
    "backup_purge": (sites.Confirm, True),
}


#: The error `validate` raises (a 400 with field details).
RequestInvalid = InvalidInput


def validate(operation: str, data: dict[str, Any] | None, context: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validate the input of `operation`; return it normalised (JSON, wire names).

    Raises server.errors.InvalidInput with one detail per problem (slug and body together);
    messages never echo the submitted values.
    """
    if operation not in REQUEST_MODELS:
        raise KeyError(f"unknown operation {operation!r}")
    model, takes_slug = REQUEST_MODELS[operation]
    data = dict(data or {})
    out: dict[str, Any] = {}
    details: list[dict[str, str]] = []
    if takes_slug:
        try:
            out["slug"] = validate_slug(data.pop("slug", None) if isinstance(data.get("slug"), str) else "")
        except InvalidInput as error:
            details.extend(error.details)
    if model is not None:
        try:
            out.update(model.model_validate(data, context=context or {}).model_dump(mode="json", by_alias=True))
        except ValidationError as error:
            details.extend(invalid_input(error).details)
    elif data:
        details.extend({"field": key, "message": "Extra inputs are not permitted"} for key in data)
    if details:
        first = details[0]
        more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        raise InvalidInput(f"Invalid {first['field']}: {first['message']}{more}", details=details)
    return out
