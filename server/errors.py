"""The single JSON error handler of the service: any exception -> the API's error body.

The codes, statuses and messages are the contract's (contract/errors.py); this module maps
Sanic's own exceptions (routing, body size, timeouts) onto them and renders them.
4xx errors are quiet; 5xx errors are logged with the playbook and the task that failed.
"""

from __future__ import annotations

import logging

from sanic import Request
from sanic.exceptions import SanicException
from sanic.handlers import ErrorHandler
from sanic.response import HTTPResponse, json

from contract.errors import (
    ApiError,
    InternalError,
    InvalidInput,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RequestTimeout,
    Unauthorized,
)

logger = logging.getLogger("server.errors")

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
