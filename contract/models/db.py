"""Request models of the database endpoints (API_CONTRACT.md, "DB").

`POST /sites/:slug/db/enable` takes an optional `dbName`. When it is left out the site keeps the
database it has, or gets `db_<slug with underscores>` (roles/tenant_db). A name that is given
must be a plain PostgreSQL identifier that needs no quoting and that nobody would mistake for
something else:

- 1 to 63 bytes (PostgreSQL's NAMEDATALEN - 1; longer names are silently truncated by the server),
- a lowercase letter or an underscore first, then lowercase letters, digits and underscores,
- not a database every server has (`postgres`, `template0`, `template1`),
- not starting with `pg_` (the prefix PostgreSQL keeps for its own objects),
- not a reserved SQL key word (`RESERVED_WORDS`: the words PostgreSQL's `pg_get_keywords()`
  lists as reserved, category R, or reserved but usable as function or type name, category T;
  a test compares the list with the real server).

`POST .../db/purge` uses `sites.Confirm`; disable and status have no body.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from contract.models.common import ApiModel

#: PostgreSQL keeps identifiers to NAMEDATALEN - 1 bytes.
MAX_IDENTIFIER_BYTES = 63

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

#: Databases every PostgreSQL server has; a site never gets one of them.
SYSTEM_DATABASES = frozenset({"postgres", "template0", "template1"})

#: Reserved key words of PostgreSQL 15 (pg_get_keywords() catcode R and T).
RESERVED_WORDS = frozenset(
    """
    all analyse analyze and any array as asc asymmetric authorization binary both case cast check
    collate collation column concurrently constraint create cross current_catalog current_date
    current_role current_schema current_time current_timestamp current_user default deferrable
    desc distinct do else end except false fetch for foreign freeze from full grant group having
    ilike in initially inner intersect into is isnull join lateral leading left like limit
    localtime localtimestamp natural not notnull null offset on only or order outer overlaps
    placing primary references returning right select session_user similar some symmetric
    system_user table tablesample then to trailing true union unique user using variadic verbose
    when where window with
    """.split()
)


def check_database_name(value: str) -> str:
    """Return `value` when it is an acceptable database name, else raise ValueError.

    Messages never quote the value: it is user input and may be anything.
    """
    if len(value.encode("utf-8")) > MAX_IDENTIFIER_BYTES:
        raise ValueError(f"must be at most {MAX_IDENTIFIER_BYTES} bytes")
    if not _IDENTIFIER.match(value):
        raise ValueError("must start with a lowercase letter or an underscore and hold only a-z, 0-9 and _")
    if value in SYSTEM_DATABASES:
        raise ValueError("names a database every PostgreSQL server has")
    if value.startswith("pg_"):
        raise ValueError("must not start with pg_ (reserved for PostgreSQL's own objects)")
    if value in RESERVED_WORDS:
        raise ValueError("is a reserved SQL key word")
    return value


class DbEnable(ApiModel):
    """POST /sites/:slug/db/enable"""

    db_name: str | None = None

    @field_validator("db_name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else check_database_name(value)


# --- responses (API_CONTRACT.md, "DB") --------------------------------------------------------
class DbEnabled(ApiModel):
    """The site's database is on: its name and the user the app logs in as."""

    ok: Literal[True]
    slug: str
    db_enabled: Literal[True]
    db_name: str
    username: str


class DbDisabled(ApiModel):
    """The site's database is off (kept, its user cannot log in)."""

    ok: Literal[True]
    slug: str
    db_enabled: Literal[False]


class DbPurged(ApiModel):
    """The site's database, user and credentials Secret are gone."""

    ok: Literal[True]
    slug: str
    purged: Literal[True]


class DbStatus(ApiModel):
    """What the site record says, and whether the credentials Secret exists in the cluster."""

    ok: Literal[True]
    slug: str
    db_enabled: bool
    db_name: str | None = Field(description="null until the database is enabled the first time, and after purge")
    username: str | None = Field(description="null until the database is enabled the first time, and after purge")
    secret_present: bool
