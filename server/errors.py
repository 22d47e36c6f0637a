"""The API's error taxonomy and the single JSON error handler.

Every error the service answers with is an `ApiError` subclass with a class-level HTTP status
(`status_code`), a snake_case machine `code` and a default `message`. Codes are defined here and
nowhere else: `roles/api_result` accepts exactly these codes (a unit test keeps the role's
argument specs and its code->status table equal to `ERROR_CODES`).

The body is always `{"ok": false, "error": <code>, "message": <text>, "details": [...]}`.
4xx errors are quiet; 5xx errors are logged with the playbook and the task that failed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from sanic import Request
from sanic.exceptions import SanicException
from sanic.handlers import ErrorHandler
from sanic.response import HTTPResponse, json

logger = logging.getLogger("server.errors")

#: code -> HTTP status of every ApiError subclass, filled in as the classes are defined.
ERROR_CODES: dict[str, int] = {}
#: The codes a playbook may publish through roles/api_result (its argument specs list them).
PLAYBOOK_ERROR_CODES: dict[str, int] = {}
_ERROR_CLASSES: dict[str, type[ApiError]] = {}


class ApiError(SanicException):
    """Base of every error the API answers with.

    `details` is a list of `{"field": ..., "message": ...}` items for field errors.
    `log_context` (playbook, slug, failed task ...) is logged for 5xx errors, never sent.
    """

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    message: str = "Internal error."
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
        super().__init__(text, quiet=self.quiet, headers=dict(headers or {}))
        self.message = text
        self.details = [dict(item) for item in details]
        self.log_context = dict(log_context or {})

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


#: Sanic's own exceptions (routing, body size, timeouts) by status -> our class.
_FRAMEWORK_ERRORS: dict[int, type[ApiError]] = {
    400: InvalidInput,
    401: Unauthorized,
    404: NotFound,
    405: MethodNotAllowed,
    408: RequestTimeout,
    413: PayloadTooLarge,
}


def as_api_error(exception: BaseException) -> ApiError:
    """Turn any exception into the ApiError that answers it (never leaking internals)."""
    if isinstance(exception, ApiError):
        return exception
    status = getattr(exception, "status_code", 500) if isinstance(exception, SanicException) else 500
    if status == 405:
        allowed = sorted(getattr(exception, "allowed_methods", None) or ())
        headers = {"Allow": ", ".join(allowed)} if allowed else None
        return MethodNotAllowed(headers=headers)
    if status in _FRAMEWORK_ERRORS:
        return _FRAMEWORK_ERRORS[status]()
    if 400 <= status < 500:
        return InvalidInput()
    return InternalError()


def render(error: ApiError) -> HTTPResponse:
    """The HTTP response of an ApiError."""
    headers = dict(getattr(error, "headers", None) or {})
    return json(error.body(), status=error.status_code, headers=headers)


class JsonErrorHandler(ErrorHandler):
    """Answers every error, including unknown routes and methods, in the API's JSON shape."""

    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        error = as_api_error(exception)
        if error.status_code >= 500:
            self._log_server_error(request, error, exception)
        return render(error)

    @staticmethod
    def _log_server_error(request: Request | None, error: ApiError, exception: Exception) -> None:
        where = f"{request.method} {request.path}" if request is not None else "-"
        context = " ".join(f"{key}={value!r}" for key, value in sorted(error.log_context.items()))
        if exception is error:
            logger.error("%s -> %s %s: %s %s", where, error.status_code, error.code, error.message, context)
        else:
            # An unexpected exception: log its traceback, answer with a generic message.
            logger.error("%s -> %s %s", where, error.status_code, error.code, exc_info=exception)
