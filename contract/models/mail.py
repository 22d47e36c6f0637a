"""Request and response models of the mail endpoints (API_CONTRACT.md, "Mail").

Everything Mailcow would refuse is refused here first, with a 400 naming the field, so no call
reaches Mailcow with bad input. The rules (docs/mail.md repeats them):

- **Mail domain** (`enable`): an RFC 1123 hostname with at least two labels, IDN and upper case
  stored as lowercase punycode (the same rule as a site's domain; it may differ from it).
- **Local part** (`localPart`, `sourceLocalPart`, and the part before `@` of the addresses in
  `DELETE .../mailboxes/:address` and `.../aliases/:source`): 1 to 64 characters, ASCII letters,
  digits, `_` and `-` in dot-separated pieces (no leading, trailing or double dot); stored in
  lower case (Mailcow lowercases mailbox names). `+` is refused: Mailcow's Dovecot uses it as the
  sub-address delimiter, so `a+b@` would be delivered to `a@`. `0` is refused: Mailcow's PHP
  treats it as empty.
- **Alias destination**: one address `local@domain`, at most 254 characters; the local part a
  dot-atom of RFC 5322 (letters, digits and ``!#$%&'*+/=?^_`{|}~-``, case kept), the domain a
  hostname as above (punycode). No lists: one alias has one destination.
- **quotaMb**: an integer from 1 to 10240 MiB. Mailcow reads 0 (or a missing quota) as
  *unlimited* and would not count it against the domain quota, so 0 is refused and the role
  always sends the quota. 10240 MiB is Mailcow's default per-mailbox maximum and the maximum of
  the domains this service creates (`tenant_mail_domain_mailbox_max_quota_mb`).
- **password**: 8 to 72 bytes in UTF-8 (Mailcow's own default policy is 6 characters; BLF-CRYPT,
  Mailcow's default scheme, ignores everything after the 72nd byte); no control characters
  (newlines, tabs, NUL); no white space at either end (clients and forms tend to trim it); not
  starting with a `{SCHEME}` prefix such as `{SSHA256}` (Mailcow would store such a value as
  an already hashed password). Any other character is fine and arrives in Mailcow verbatim.
  If Mailcow's password policy is stricter, Mailcow's refusal is a 400 too.

Error messages never quote the submitted value (it may be a password).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import Field, field_validator

from contract.models.common import ApiModel
from contract.models.sites import normalise_domain

__all__ = [
    "MAX_QUOTA_MB",
    "MIN_QUOTA_MB",
    "AliasCreate",
    "AliasCreated",
    "AliasDelete",
    "AliasDeleted",
    "AliasList",
    "MailDisabled",
    "MailEnable",
    "MailEnabled",
    "MailPurged",
    "MailStatus",
    "MailboxCreate",
    "MailboxCreated",
    "MailboxDelete",
    "MailboxDeleted",
    "MailboxList",
    "check_address",
    "check_destination",
    "check_local_part",
    "check_password",
]

MIN_QUOTA_MB = 1
MAX_QUOTA_MB = 10240
MIN_PASSWORD_CHARACTERS = 8
MAX_PASSWORD_BYTES = 72
MAX_LOCAL_PART = 64
MAX_ADDRESS = 254

_LOCAL_PART = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_SCHEME_PREFIX = re.compile(r"^\{[A-Za-z0-9._-]+\}")


def check_local_part(value: str) -> str:
    """A local part of this site's mail domain, lowercased; ValueError otherwise."""
    if not value:
        raise ValueError("must not be empty")
    if len(value) > MAX_LOCAL_PART:
        raise ValueError(f"must be at most {MAX_LOCAL_PART} characters")
    if not _LOCAL_PART.fullmatch(value):
        raise ValueError(
            "may hold only letters, digits, _ and - in dot-separated pieces (no leading, trailing or double dot)"
        )
    if value == "0":
        raise ValueError("must not be 0 (Mailcow reads it as empty)")
    return value.lower()


def _split_address(value: str) -> tuple[str, str]:
    if len(value) > MAX_ADDRESS:
        raise ValueError(f"must be at most {MAX_ADDRESS} characters")
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        raise ValueError("must be an address local@domain")
    return local, domain


def _domain_of(text: str) -> str:
    try:
        return normalise_domain(text)
    except ValueError as error:
        raise ValueError(f"domain {error}") from None


def check_address(value: str) -> str:
    """An address of a mailbox or alias this service manages, normalised; ValueError otherwise."""
    local, domain = _split_address(value)
    return f"{check_local_part(local)}@{_domain_of(domain)}"


def check_destination(value: str) -> str:
    """Where an alias delivers to: any ordinary address (case of the local part kept)."""
    local, domain = _split_address(value)
    if len(local) > MAX_LOCAL_PART:
        raise ValueError(f"local part must be at most {MAX_LOCAL_PART} characters")
    if not _DOT_ATOM.fullmatch(local):
        raise ValueError("must be an address: the part before @ a dot-atom (letters, digits, !#$%&'*+/=?^_`{|}~-)")
    return f"{local}@{_domain_of(domain)}"


def check_password(value: str) -> str:
    """A mailbox password this service passes to Mailcow; ValueError otherwise."""
    if len(value) < MIN_PASSWORD_CHARACTERS:
        raise ValueError(f"must be at least {MIN_PASSWORD_CHARACTERS} characters")
    if len(value.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise ValueError(f"must be at most {MAX_PASSWORD_BYTES} bytes in UTF-8")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("must not hold control characters (newline, tab, NUL, ...)")
    if value != value.strip():
        raise ValueError("must not begin or end with white space")
    if _SCHEME_PREFIX.match(value):
        raise ValueError("must not begin with a {SCHEME} prefix (Mailcow would store it as a hash)")
    return value


QuotaMb = Annotated[
    int,
    Field(ge=MIN_QUOTA_MB, le=MAX_QUOTA_MB, description=f"Mailbox quota in MiB, {MIN_QUOTA_MB} to {MAX_QUOTA_MB}"),
]


# --- requests --------------------------------------------------------------------------------
class MailEnable(ApiModel):
    """POST /sites/:slug/mail/enable"""

    domain: str = Field(description="The mail domain; may differ from the site's domain.")

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        return normalise_domain(value)


class MailboxCreate(ApiModel):
    """POST /sites/:slug/mail/mailboxes"""

    local_part: str = Field(description="The part before @; the address is localPart@<mail domain>.")
    password: str = Field(description="8-72 bytes, no control characters, no white space at either end.")
    quota_mb: QuotaMb

    @field_validator("local_part")
    @classmethod
    def _local_part(cls, value: str) -> str:
        return check_local_part(value)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        return check_password(value)


class MailboxDelete(ApiModel):
    """DELETE /sites/:slug/mail/mailboxes/:address (the path parameter)"""

    address: str

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        return check_address(value)


class AliasCreate(ApiModel):
    """POST /sites/:slug/mail/aliases"""

    source_local_part: str = Field(description="The alias is sourceLocalPart@<mail domain>.")
    destination: str = Field(description="The one address the alias delivers to.")
    active: bool = True

    @field_validator("source_local_part")
    @classmethod
    def _source(cls, value: str) -> str:
        return check_local_part(value)

    @field_validator("destination")
    @classmethod
    def _destination(cls, value: str) -> str:
        return check_destination(value)


class AliasDelete(ApiModel):
    """DELETE /sites/:slug/mail/aliases/:source (the path parameter)"""

    source: str

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        return check_address(value)


# --- responses (API_CONTRACT.md) ---------------------------------------------------------------
class MailEnabled(ApiModel):
    """POST /sites/:slug/mail/enable"""

    ok: Literal[True]
    slug: str
    domain: str
    mail_enabled: Literal[True]
    provider: Literal["mailcow"]


class MailDisabled(ApiModel):
    """POST /sites/:slug/mail/disable (domain is null when the site never had mail)"""

    ok: Literal[True]
    slug: str
    mail_enabled: Literal[False]
    domain: str | None
    provider: Literal["mailcow"]


class MailPurged(ApiModel):
    """POST /sites/:slug/mail/purge (domain is null when the site had no mail)"""

    ok: Literal[True]
    slug: str
    mail_enabled: Literal[False]
    domain: str | None
    purged: Literal[True]
    provider: Literal["mailcow"]


class MailStatus(ApiModel):
    """GET /sites/:slug/mail/status"""

    ok: Literal[True]
    slug: str
    domain: str | None
    mail_enabled: bool
    active_in_mailcow: bool


class MailboxList(ApiModel):
    """GET /sites/:slug/mail/mailboxes"""

    ok: Literal[True]
    slug: str
    domain: str
    mailboxes: list[str]


class MailboxCreated(ApiModel):
    """POST /sites/:slug/mail/mailboxes"""

    ok: Literal[True]
    slug: str
    address: str


MailboxDeleted = MailboxCreated


class AliasList(ApiModel):
    """GET /sites/:slug/mail/aliases"""

    ok: Literal[True]
    slug: str
    domain: str
    aliases: list[str]


class AliasCreated(ApiModel):
    """POST /sites/:slug/mail/aliases"""

    ok: Literal[True]
    slug: str
    source: str


AliasDeleted = AliasCreated
