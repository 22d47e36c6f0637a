"""Filters of the playbooks' first and last steps, backed by the operation table (contract/).

- `api_request_check`: a playbook's input checked with the operation's models, the same ones the
  REST service checks before it starts a playbook, so an operator's or AWX's run refuses exactly
  what the service refuses, with the same 400 body (roles/api_request).
- `api_error`: an expected error completed with the status of its code (roles/api_result).
- `api_response`: a response body checked against the operation's response model and given
  the wire names, so every way of use publishes the contract's body (roles/api_result).

They run inside the ansible-playbook process (no module to start) and import only `contract`,
never the web service.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError


def _plain(value: Any) -> Any:
    """Ansible's lazy containers and tagged scalars as plain Python values (read item by item)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value


def api_request_check(data: Any, operation: str, context: dict | None = None) -> dict:
    """-> {"valid": True, "input": <normalised>} or {"valid": False, "error": {code, message, details}}."""
    from contract.errors import ApiError
    from contract.operations import check_input

    try:
        value = check_input(operation, data if isinstance(data, dict) else {}, _plain(context or {}))
    except ApiError as error:
        return {
            "valid": False,
            "error": {"code": error.code, "message": error.message, "details": error.details},
        }
    return {"valid": True, "input": value}


def api_error(error: Any) -> dict:
    """{code, message[, details]} -> {status, code, message, details}; the code must be a playbook's."""
    from contract.errors import PLAYBOOK_ERROR_CODES

    if not isinstance(error, dict) or not error.get("code") or not error.get("message"):
        raise AnsibleFilterError("an api_result_error needs a code and a message")
    code = str(error["code"])
    if code not in PLAYBOOK_ERROR_CODES:
        raise AnsibleFilterError(f"{code!r} is not an error code a playbook may publish: {sorted(PLAYBOOK_ERROR_CODES)}")
    return {
        "status": PLAYBOOK_ERROR_CODES[code],
        "code": code,
        "message": str(error["message"]),
        "details": [{"field": str(item["field"]), "message": str(item["message"])} for item in error.get("details") or []],
    }


def api_response(body: Any, operation: str) -> Any:
    """The body checked against the response model of `operation` (as is when none is named)."""
    if not operation:
        return body
    from contract.operations import conform_response

    try:
        return conform_response(operation, body)
    except (KeyError, ValueError) as error:
        raise AnsibleFilterError(str(error)) from None


class FilterModule:
    def filters(self):
        return {
            "api_request_check": api_request_check,
            "api_error": api_error,
            "api_response": api_response,
        }
