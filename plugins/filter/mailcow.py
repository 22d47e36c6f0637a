"""How Mailcow's answers are read: the one place roles/tenant_mail interprets its API calls.

Mailcow's admin API (shared/reference/MAILCOW_API_NOTES.md) reports most failures with HTTP 200:

- add/edit/delete answer a list of entries `{"type": "success"|"danger"|"warning", "msg": ...}`
  where `msg` is a key (`"domain_invalid"`) or a key with arguments (`["domain_exists", "x.org"]`).
  A call succeeded when an entry carries the expected success key and no entry is `danger`.
- get answers `{}` for anything missing, an object for one thing, a list for `all`.
- only transport and framework problems have real statuses: 401 (key unknown or IP not allowed),
  403 (read-only key on a write), 404 (route), 405 (method), 400 (body not JSON), and an
  **empty body with 200** on a GET sent without a key.

`mailcow_error(result, expect, missing)` turns the registered result of an `ansible.builtin.uri`
call into `None` (fine) or the error the operation answers with, `{code, message}`, ready
for `api_result_error`. Codes are those of contract/errors.py (PLAYBOOK_ERROR_CODES); the
status is the code's.

    - name: Ensure the mailbox exists in Mailcow
      ansible.builtin.uri: {url: ".../add/mailbox", method: POST, body: {...}, ...}
      register: __tenant_mail_added
      changed_when: __tenant_mail_added | mailcow_error('mailbox_added') is none
    - name: Answer with Mailcow's refusal of the mailbox
      ansible.builtin.include_role: {name: api_result}
      vars:
        api_result_error: "{{ __tenant_mail_added | mailcow_error('mailbox_added') }}"
      when: __tenant_mail_added | mailcow_error('mailbox_added') is not none

Messages never hold the API key or a password: the key travels in a header, which no answer
echoes, and Mailcow masks passwords in its `log` entries (which are not used here anyway).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

#: Mailcow's danger keys this project expects, with the answer they become:
#: (error code, message; `{0}`, `{1}` are the entry's arguments; the code gives the status).
REFUSALS: dict[str, tuple[str, str]] = {
    # 400: what Mailcow finds invalid (the request models refuse most of it before any call).
    "domain_invalid": ("invalid_input", "Mailcow refused the domain as invalid"),
    "mailbox_invalid": ("invalid_input", "Mailcow refused the mailbox address as invalid"),
    "username_invalid": ("invalid_input", "Mailcow refused the mailbox address {0} as invalid"),
    "alias_invalid": ("invalid_input", "Mailcow refused the alias address {0} as invalid"),
    "alias_empty": ("invalid_input", "Mailcow refused the alias: no address"),
    "goto_empty": ("invalid_input", "Mailcow refused the alias: no destination"),
    "goto_invalid": ("invalid_input", "Mailcow refused the alias destination {0} as invalid"),
    "alias_goto_identical": ("invalid_input", "Mailcow refused the alias: its destination is its own address"),
    "password_complexity": (
        "invalid_input",
        "Mailcow refused the password: it does not meet Mailcow's password policy (GET /api/v1/get/passwordpolicy)",
    ),
    "password_mismatch": ("invalid_input", "Mailcow refused the password: the two copies differ"),
    "domain_cannot_match_hostname": ("invalid_input", "Mailcow refused the domain: it is Mailcow's own hostname"),
    "mailbox_quota_exceeded": (
        "invalid_input",
        "Mailcow refused the quota: the mail domain allows at most {0} MiB per mailbox",
    ),
    # 409: conflicts with what exists in Mailcow.
    "domain_exists": ("already_exists", "mail domain {0} already exists in Mailcow"),
    "object_exists": ("already_exists", "mailbox {0} already exists"),
    "is_alias": ("already_exists", "{0} is already an alias"),
    "is_alias_or_mailbox": ("already_exists", "{0} is already an alias or a mailbox"),
    "is_spam_alias": ("already_exists", "{0} is already a spam alias"),
    "domain_not_empty": ("conflict", "mail domain {0} still has mailboxes"),
    "max_mailbox_exceeded": ("conflict", "the mail domain has {0} of its {1} mailboxes already"),
    "max_alias_exceeded": ("conflict", "the mail domain has no aliases left"),
    "mailbox_quota_left_exceeded": ("conflict", "the mail domain has only {0} MiB of quota left"),
    "max_quota_in_use": ("conflict", "a mailbox of the domain uses {0} MiB"),
    "domain_quota_m_in_use": ("conflict", "the mailboxes of the domain use {0} MiB"),
    "mailboxes_in_use": ("conflict", "the mail domain has {0} mailboxes"),
    "aliases_in_use": ("conflict", "the mail domain has {0} aliases"),
}

#: Danger keys that mean "what this call names does not exist": Mailcow says `access_denied` for an
#: unknown mailbox or alias (and for a mailbox in an unknown domain), `domain_not_found` for an
#: alias in an unknown domain. The caller says what that means for its call (`missing`).
MISSING_KEYS = ("access_denied", "domain_not_found")

_EMPTY = object()
_NOT_JSON = object()


def _error(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


def _internal(message: str) -> dict[str, Any]:
    return _error("internal_error", message)


def _base(result: Mapping[str, Any]) -> str:
    """Mailcow's base URL from the URL the call went to (no query, no /api/v1/...)."""
    url = str(result.get("url") or "")
    parts = urlsplit(url)
    if not parts.scheme:
        return "Mailcow"
    path = parts.path.split("/api/v1", 1)[0].rstrip("/")
    return f"Mailcow at {parts.scheme}://{parts.netloc}{path}"


def _call(result: Mapping[str, Any]) -> str:
    parts = urlsplit(str(result.get("url") or ""))
    method = "POST" if "/api/v1/get/" not in parts.path else "GET"
    return f"{method} {parts.path or '?'}"


def _body(result: Mapping[str, Any]) -> Any:
    """The decoded JSON body, `_EMPTY` for no body, `_NOT_JSON` for anything else."""
    if "json" in result:
        return result["json"]
    content = result.get("content")
    if content is None or not str(content).strip():
        return _EMPTY
    try:
        return json.loads(content)
    except (TypeError, ValueError):
        return _NOT_JSON


def msg_key(entry: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """An entry's message key and its arguments (`msg` is a key or `[key, args...]`)."""
    msg = entry.get("msg")
    if isinstance(msg, str):
        return msg, []
    if isinstance(msg, Sequence) and msg and isinstance(msg[0], str):
        return msg[0], list(msg[1:])
    return "", []


def _format(template: str, args: list[Any]) -> str:
    padded = [str(arg) for arg in args] + ["?"] * 4
    return template.format(*padded)


def _refusal(entry: Mapping[str, Any], missing: Mapping[str, Any] | None) -> dict[str, Any]:
    key, args = msg_key(entry)
    if key in MISSING_KEYS and missing:
        return dict(missing)
    if key in REFUSALS:
        code, template = REFUSALS[key]
        return _error(code, _format(template, args))
    shown = " ".join(str(part) for part in [key, *args]) or json.dumps(entry.get("msg"))
    return _internal(f"Mailcow refused the request: {shown}")


def _transport_error(result: Mapping[str, Any], body: Any) -> dict[str, Any] | None:
    """The 500 of an answer that is not Mailcow speaking its API (or None)."""
    where = _base(result)
    status = int(result.get("status", -1) or -1)
    said = body.get("msg") if isinstance(body, Mapping) else None
    if status == -1:
        reason = str(result.get("msg") or "no answer")
        reason = reason.split(": ", 1)[1] if reason.startswith("Status code was") and ": " in reason else reason
        return _internal(f"{where} could not be reached: {reason}")
    if status == 401:
        return _internal(
            f"{where} rejected the API key (HTTP 401: {said or 'authentication failed'}); "
            "check the key (TENANT_MAIL_MAILCOW_API_KEY) and Mailcow's allowed IPs for it"
        )
    if status == 403:
        return _internal(
            f"{where} refused to let the API key write (HTTP 403: {said or 'access denied'}); "
            "a read-write key is needed"
        )
    if status != 200:
        detail = f": {said}" if said else ""
        return _internal(f"{where} answered HTTP {status} to {_call(result)}{detail}")
    if body is _EMPTY:
        return _internal(
            f"{where} answered {_call(result)} with an empty body, as Mailcow does when no API key "
            "is sent; set TENANT_MAIL_MAILCOW_API_KEY"
        )
    if body is _NOT_JSON:
        return _internal(f"{where} answered {_call(result)} with something that is not JSON; is it Mailcow's API?")
    return None


def mailcow_error(
    result: Mapping[str, Any],
    expect: str | Sequence[str] | None = None,
    missing: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """None when the call went as it should, else the operation's error `{code, message}`.

    `result`: the registered result of an `ansible.builtin.uri` call made with
    `return_content: true` and `failed_when: false`. A call that did not run (`when` false, or
    a write skipped in check mode) is fine.
    `expect`: the success key (or keys) a write must answer with; None for a read.
    `missing`: the error to answer when Mailcow says the named object does not exist
    (`access_denied`, `domain_not_found`), for example `{code: mailbox_not_found, message: ...}`.
    """
    if not isinstance(result, Mapping):
        return _internal("no answer from Mailcow was recorded")
    if result.get("skipped"):
        return None
    body = _body(result)
    problem = _transport_error(result, body)
    if problem is not None or expect is None:
        return problem

    expected = {expect} if isinstance(expect, str) else set(expect)
    entries = body if isinstance(body, list) else [body]
    entries = [entry for entry in entries if isinstance(entry, Mapping)]
    for entry in entries:
        if entry.get("type") == "danger":
            return _refusal(entry, missing)
    for entry in entries:
        if entry.get("type") == "error":
            return _internal(f"{_base(result)} could not carry out {_call(result)}: {entry.get('msg')}")
    if any(entry.get("type") == "success" and msg_key(entry)[0] in expected for entry in entries):
        return None
    said = ", ".join(msg_key(entry)[0] or "?" for entry in entries) or "nothing"
    return _internal(
        f"{_base(result)} did not confirm {_call(result)} with {' or '.join(sorted(expected))}; it answered {said}"
    )


def mailcow_items(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The objects a get answered: `{}` (Mailcow's "nothing") is `[]`, one object is `[object]`."""
    body = _body(result) if isinstance(result, Mapping) and not result.get("skipped") else _EMPTY
    if isinstance(body, list):
        return [item for item in body if isinstance(item, Mapping) and item]
    if isinstance(body, Mapping) and body:
        return [dict(body)]
    return []


def mailcow_object(result: Mapping[str, Any]) -> dict[str, Any]:
    """The one object a get answered, `{}` when Mailcow has no such thing."""
    items = mailcow_items(result)
    return dict(items[0]) if items else {}


def mailcow_active(value: Any) -> bool:
    """Mailcow's `active` flag (1, "1", 0, "0"; older servers answer strings)."""
    try:
        return int(value) == 1
    except (TypeError, ValueError):
        return False


class FilterModule:
    def filters(self):
        return {
            "mailcow_error": mailcow_error,
            "mailcow_items": mailcow_items,
            "mailcow_object": mailcow_object,
            "mailcow_active": mailcow_active,
        }
