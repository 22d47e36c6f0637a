"""The API's error taxonomy: every error code, its HTTP status and its default message.

Every error the API answers with is an `ApiError` subclass with a class-level HTTP status
(`status_code`), a snake_case machine `code` and a default `message`. Codes are defined here and
nowhere else: the service renders them (server/errors.py holds the Sanic handler), the playbooks
publish them through roles/api_result, whose filter looks the status up here.

The body is always `{"ok": false, "error": <code>, "message": <text>, "details": [...]}`.
This module imports no web framework: the Ansible layer (and AWX's execution environment) uses it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

#: code -> HTTP status of every ApiError subclass, filled in as the classes are defined.
ERROR_CODES: dict[str, int] = {}
#: The codes a playbook may publish through roles/api_result.
PLAYBOOK_ERROR_CODES: dict[str, int] = {}
_ERROR_CLASSES: dict[str, type[ApiError]] = {}


class ApiError(Exception):
    """Base of every error the API answers with.

    `details` is a list of `{"field": ..., "message": ...}` items for field errors.
    `log_context` (playbook, slug, failed task ...) is logged for 5xx errors, never sent.
    `headers` are sent with the error response (`Allow` of a 405).
    """

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    message: str = "Internal error."
    #: Client errors are not logged as errors (Sanic reads the same attribute).
    quiet: ClassVar[bool] = False
    #: Whether roles may publish this code (False: raised by the HTTP layer or the runner only).
    playbook_code: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            raise TypeError(f"{cls.__name__} must define its own `code`")
        if cls.code in _ERROR_CLASSES:
            raise TypeError(f"error code {cls.code!r} is defined twice ({_ERROR_CLASSES[cls.code].__name__})")
        cls.quiet = cls.status_code < 500
        _ERROR_CLASSES[cls.code] = cls
        ERROR_CODES[cls.code] = cls.status_code
        if cls.__dict__.get("playbook_code", True):
            PLAYBOOK_ERROR_CODES[cls.code] = cls.status_code

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Sequence[Mapping[str, str]] = (),
        log_context: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        text = message or type(self).message
        super().__init__(text)
        self.message = text
        self.details = [dict(item) for item in details]
        self.log_context = dict(log_context or {})
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The JSON body sent to the client."""
        return {"ok": False, "error": self.code, "message": self.message, "details": self.details}


def error_class(code: str) -> type[ApiError]:
    """The ApiError subclass of a code (KeyError for an unknown code)."""
    return _ERROR_CLASSES[code]


def playbook_error_class(code: str) -> type[ApiError]:
    """The ApiError subclass of a code a playbook may publish (KeyError otherwise)."""
    if code not in PLAYBOOK_ERROR_CODES:
        raise KeyError(code)
    return _ERROR_CLASSES[code]


# --- 400 -------------------------------------------------------------------------------------
class InvalidInput(ApiError):
    status_code = 400
    code = "invalid_input"
    message = "The request is invalid."


class InvalidJson(ApiError):
    status_code = 400
    code = "invalid_json"
    message = "The request body must be a JSON object."
    playbook_code = False


# --- 401 -------------------------------------------------------------------------------------
class Unauthorized(ApiError):
    status_code = 401
    code = "unauthorized"
    message = "A valid X-API-Key header is required."
    playbook_code = False


# --- 404 -------------------------------------------------------------------------------------
class NotFound(ApiError):
    status_code = 404
    code = "not_found"
    message = "Not found."


class SiteNotFound(ApiError):
    status_code = 404
    code = "site_not_found"
    message = "The site does not exist."


class SnapshotNotFound(ApiError):
    status_code = 404
    code = "snapshot_not_found"
    message = "The backup snapshot does not exist."


class MailboxNotFound(ApiError):
    status_code = 404
    code = "mailbox_not_found"
    message = "The mailbox does not exist."


class AliasNotFound(ApiError):
    status_code = 404
    code = "alias_not_found"
    message = "The alias does not exist."


# --- 405, 408, 413 (raised by the HTTP layer) ------------------------------------------------
class MethodNotAllowed(ApiError):
    status_code = 405
    code = "method_not_allowed"
    message = "The method is not allowed on this route."
    playbook_code = False


class RequestTimeout(ApiError):
    status_code = 408
    code = "request_timeout"
    message = "The request was not received in time."
    playbook_code = False


class PayloadTooLarge(ApiError):
    status_code = 413
    code = "payload_too_large"
    message = "The request body is too large."
    playbook_code = False


# --- 409 -------------------------------------------------------------------------------------
class Conflict(ApiError):
    status_code = 409
    code = "conflict"
    message = "The request conflicts with the current state."


class AlreadyExists(ApiError):
    status_code = 409
    code = "already_exists"
    message = "It already exists."


class FeatureDisabled(ApiError):
    status_code = 409
    code = "feature_disabled"
    message = "The feature is not enabled for this site."


# --- 500 -------------------------------------------------------------------------------------
class InternalError(ApiError):
    status_code = 500
    code = "internal_error"
    message = "Internal error."


class PlaybookFailed(ApiError):
    status_code = 500
    code = "playbook_failed"
    message = "The operation failed."
    playbook_code = False


class RunTimeout(ApiError):
    status_code = 500
    code = "run_timeout"
    message = "The operation did not finish in time and was stopped."
    playbook_code = False


class RunCancelled(ApiError):
    status_code = 500
    code = "run_cancelled"
    message = "The operation was stopped because the service is shutting down."
    playbook_code = False
