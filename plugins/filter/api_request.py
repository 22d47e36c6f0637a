"""The filter `api_request_check`: a playbook's input checked with the service's own models.

It runs inside the ansible-playbook process (no module to start), with the same request models
the REST service validates with before it starts a playbook (server/models/registry.py), so an
operator's or AWX's run refuses exactly what the service refuses, with the same 400 body.
"""

from __future__ import annotations

from typing import Any


def api_request_check(data: Any, operation: str, context: dict | None = None) -> dict:
    """-> {"valid": True, "input": <normalised>} or {"valid": False, "error": {status, code, message, details}}."""
    from server.errors import ApiError
    from server.models.registry import validate

    try:
        value = validate(operation, data if isinstance(data, dict) else {}, dict(context or {}))
    except ApiError as error:
        return {
            "valid": False,
            "error": {"status": error.status_code, "code": error.code, "message": error.message, "details": error.details},
        }
    return {"valid": True, "input": value}


class FilterModule:
    def filters(self):
        return {"api_request_check": api_request_check}
