"""sandbox.mailcow: a local stand-in for Mailcow's admin API `/api/v1` (see README.md, COVERAGE.md)."""

from .models import MailcowBackend
from .responses import ApiKeys
from .server import build_server

__all__ = ["ApiKeys", "MailcowBackend", "build_server"]
