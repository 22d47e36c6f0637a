"""X-API-Key on every route except those marked `@public` (only /health).

Keys are compared in constant time: the presented key and every configured key are hashed to
SHA-256 digests of equal length and compared with `hmac.compare_digest`, against every key,
without stopping at the first match, so timing tells neither which key matched nor how much of
a key was right.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sanic import Request

from contract.errors import Unauthorized

HEADER = "X-API-Key"
_PUBLIC_ATTRIBUTE = "__api_public__"

Handler = TypeVar("Handler", bound=Callable[..., Any])


def public(handler: Handler) -> Handler:
    """Mark a route handler as reachable without an API key."""
    setattr(handler, _PUBLIC_ATTRIBUTE, True)
    return handler


def is_public(handler: Any) -> bool:
    """Whether a handler was marked with `@public`."""
    return bool(getattr(handler, _PUBLIC_ATTRIBUTE, False))


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).digest()


class KeyChecker:
    """Holds the digests of the accepted keys and checks a presented key against all of them."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._digests = [_digest(key) for key in keys if key]
        if not self._digests:
            raise ValueError("at least one API key is required")

    def __len__(self) -> int:
        return len(self._digests)

    def accepts(self, presented: str | None) -> bool:
        """Whether `presented` is one of the keys. Compares against every key, always."""
        candidate = _digest(presented or "")
        matched = False
        for digest in self._digests:
            matched |= hmac.compare_digest(candidate, digest)
        return matched and bool(presented)


async def require_api_key(request: Request) -> None:
    """Request middleware: 401 unless the route is public or the X-API-Key header is valid."""
    route = request.route
    if route is None or is_public(route.handler):
        return
    checker: KeyChecker = request.app.ctx.keys
    if not checker.accepts(request.headers.get(HEADER)):
        raise Unauthorized()
