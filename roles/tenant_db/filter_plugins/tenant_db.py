"""Filters of roles/tenant_db: PostgreSQL names derived from a site."""

from __future__ import annotations

import hashlib

#: PostgreSQL keeps this many bytes of a name (NAMEDATALEN - 1).
MAX_NAME = 63
_KEPT = MAX_NAME - 9  # the rest is "_" and 8 hex digits


def tenant_db_identifier(name: str) -> str:
    """`name` when it fits PostgreSQL's 63 bytes, else its first 54 characters, "_" and 8 hex
    digits of its SHA-256: unique, and the same on every run. Names here are ASCII."""
    name = str(name)
    if len(name.encode()) <= MAX_NAME:
        return name
    return f"{name[:_KEPT]}_{hashlib.sha256(name.encode()).hexdigest()[:8]}"


class FilterModule:
    def filters(self):
        return {"tenant_db_identifier": tenant_db_identifier}
