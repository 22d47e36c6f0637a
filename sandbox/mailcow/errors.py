"""Mailcow's framework errors: the answers `json_api.php` and `sessions.inc.php` give before (or
instead of) running an operation. Status codes and bodies are word for word those of
mailcow-dockerized @ 06424670 (shared/reference/MAILCOW_API_NOTES.md §1, §2).

Operation failures are not errors here: they are HTTP 200 `danger` entries built by models.py.
"""

from __future__ import annotations

from . import php


class ApiError(Exception):
    """A framework answer: HTTP status plus `{"type": "error", "msg": ...}`, or an empty body."""

    status = 500
    msg: str | None = None

    def __init__(self, msg: str | None = None):
        if msg is not None:
            self.msg = msg
        super().__init__(self.msg or self.__class__.__name__)

    def body(self) -> bytes:
        if self.msg is None:
            return b""
        return php.json_encode({"type": "error", "msg": self.msg}).encode("utf-8")


class AuthenticationFailed(ApiError):
    """Unknown or inactive X-API-Key (sessions.inc.php)."""

    status = 401
    msg = "authentication failed"


class IpAccessDenied(ApiError):
    """Valid key, client address outside the key's allow list (sessions.inc.php)."""

    status = 401

    def __init__(self, remote_addr: str):
        super().__init__(f"api access denied for ip {remote_addr}")


class BrowserRequestForbidden(ApiError):
    """`Sec-Fetch-Dest` present and not `empty`: 403 with an empty body (json_api.php)."""

    status = 403
    msg = None


class ReadWriteDenied(ApiError):
    """Read-only key (or, for edit/delete, no key) on a write action."""

    status = 403
    msg = "API read/write access denied"


class RouteNotFound(ApiError):
    """Unknown action or category."""

    status = 404
    msg = "route not found"


class GetOnly(ApiError):
    status = 405
    msg = "only GET method is allowed"


class PostOnly(ApiError):
    status = 405
    msg = "only POST method is allowed"


class InvalidJsonBody(ApiError):
    """`Content-Type: application/json` on a non-get action and the body does not decode."""

    status = 400
    msg = "Request body doesn't contain valid json!"


class AttributesMissing(ApiError):
    """No `attr` (add/edit) or `items` (delete) in the post data: HTTP 200 all the same."""

    status = 200
    msg = "Cannot find attributes in post data"


class InternalError(ApiError):
    """An uncaught PHP error (php.PhpFatal): HTTP 500 with an empty body."""

    status = 500
    msg = None
