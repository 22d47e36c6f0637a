"""Request and response models of the site endpoints (API_CONTRACT.md, "Sites").

Validation happens here, before any playbook runs; the playbooks validate the same input again
with the same models (roles/api_request, filter plugins/filter/api_request.py) when an operator runs them directly.
Limits maxima and the allowed TLS issuers come from the settings, passed as validation context
(contract/context.py, `ValidationContext`). Field names are snake_case; the wire names are
camelCase (`ram_gi` <-> `ramGi`), given by the alias generator of `ApiModel`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import idna
from pydantic import Field, PlainSerializer, ValidationInfo, computed_field, field_validator, model_validator

from contract.context import context_of
from contract.models.common import ApiModel

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# An OCI image reference: [registry[:port]/]path[:tag][@digest], lowercase path components.
_IMAGE = re.compile(
    # A first component is a registry only when it looks like a host (a dot, a port or localhost).
    r"^(?:(?P<registry>(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+|localhost)(?::[0-9]+)?|[a-zA-Z0-9-]+:[0-9]+)/)?"
    r"(?P<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}))?$"
)

def normalise_domain(value: str) -> str:
    """RFC 1123 hostname with at least two labels; IDN and uppercase become lowercase punycode."""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    text = value.strip()
    text = text[:-1] if text.endswith(".") else text  # a fully qualified "example.com." is the same host
    if not text:
        raise ValueError("must not be empty")
    try:
        ascii_name = idna.encode(text, uts46=True).decode("ascii")
    except idna.IDNAError:
        # idna's message quotes the input; ours does not (inputs never go back out).
        raise ValueError("is not a valid hostname: letters, digits and dashes in dot-separated labels") from None
    if len(ascii_name) > 253:
        raise ValueError("is longer than 253 characters")
    labels = ascii_name.split(".")
    if len(labels) < 2:
        raise ValueError("must have at least two labels, e.g. app.example.com")
    for label in labels:
        if not _LABEL.match(label):
            raise ValueError(f"label {label!r} is not an RFC 1123 label")
    if labels[-1].isdigit():
        raise ValueError("must be a hostname, not an IP address")
    return ascii_name


def slug_of(domain: str) -> str:
    """The site's slug: the (normalised) domain with dots as dashes."""
    return domain.replace(".", "-").lower()


def _ctx(info: ValidationInfo, key: str) -> Any:
    return getattr(context_of(info.context), key)


# Request models are ApiModels: strict JSON types, unknown fields refused.
_Request = ApiModel


def _number(value: float) -> int | float:
    """1.0 -> 1, 0.5 -> 0.5: whole numbers go out as JSON integers, as the contract shows them."""
    return int(value) if float(value).is_integer() else value


_Number = PlainSerializer(_number, return_type=int | float)
Cpu = Annotated[float, Field(gt=0, description="CPU cores; fractions allowed (0.5)"), _Number]
RamGi = Annotated[float, Field(gt=0, description="Memory in GiB; fractions allowed (0.5)"), _Number]
DiskGi = Annotated[int, Field(ge=1, description="Volume size in GiB, a whole number")]


class _LimitsChecks(_Request):
    @field_validator("cpu", check_fields=False)
    @classmethod
    def _cpu_max(cls, value, info: ValidationInfo):
        if value is not None:
            if value > _ctx(info, "max_cpu"):
                raise ValueError(f"must be at most {_ctx(info, 'max_cpu')}")
            if round(value * 1000) != value * 1000:
                raise ValueError("must be a multiple of 0.001 (one millicore)")
        return value

    @field_validator("ram_gi", check_fields=False)
    @classmethod
    def _ram_max(cls, value, info: ValidationInfo):
        if value is not None:
            if value > _ctx(info, "max_ram_gi"):
                raise ValueError(f"must be at most {_ctx(info, 'max_ram_gi')}")
            if round(value * 1024) != value * 1024:
                raise ValueError("must be a whole number of MiB (a multiple of 1/1024)")
        return value

    @field_validator("disk_gi", check_fields=False)
    @classmethod
    def _disk_max(cls, value, info: ValidationInfo):
        if value is not None and value > _ctx(info, "max_disk_gi"):
            raise ValueError(f"must be at most {_ctx(info, 'max_disk_gi')}")
        return value


def _check_issuer(value: str | None, info: ValidationInfo) -> str | None:
    issuers = _ctx(info, "tls_issuers") or []
    if value is not None and issuers and value not in issuers:
        raise ValueError(f"unknown issuer; allowed: {', '.join(issuers)}")
    return value


class SiteCreate(_LimitsChecks):
    """POST /sites"""

    domain: str
    cpu: Cpu
    ram_gi: RamGi
    disk_gi: DiskGi
    tls_enabled: bool = False
    tls_issuer: str | None = None

    @field_validator("domain", mode="before")
    @classmethod
    def _domain(cls, value, info: ValidationInfo):
        domain = normalise_domain(value)
        name = _ctx(info, "namespace_prefix") + slug_of(domain)
        if len(name) > 63:
            raise ValueError(f"gives the namespace name {name!r} of {len(name)} characters; at most 63 are allowed")
        return domain

    @field_validator("tls_issuer")
    @classmethod
    def _issuer(cls, value, info: ValidationInfo):
        return _check_issuer(value, info)

    @computed_field
    @property
    def slug(self) -> str:
        return slug_of(self.domain)

    def api_input(self) -> dict[str, Any]:
        """The request as its playbook gets it: the slug is derived there again, not passed."""
        return self.model_dump(mode="json", by_alias=True, exclude={"slug"})


class LimitsUpdate(_LimitsChecks):
    """PATCH /sites/:slug/limits"""

    cpu: Cpu | None = None
    ram_gi: RamGi | None = None
    disk_gi: DiskGi | None = None

    @model_validator(mode="after")
    def _something(self):
        if self.cpu is None and self.ram_gi is None and self.disk_gi is None:
            raise ValueError("give at least one of cpu, ramGi, diskGi")
        return self


class Deploy(_Request):
    """POST /sites/:slug/deploy"""

    image: Annotated[str, Field(min_length=1, max_length=512)]
    container_port: Annotated[int, Field(ge=1, le=65535)]

    @field_validator("image")
    @classmethod
    def _image(cls, value: str):
        match = _IMAGE.match(value)
        if not match:
            raise ValueError("is not an OCI image reference such as ghcr.io/org/app:1.2")
        if len(match.group("path")) > 255:
            raise ValueError("repository path is longer than 255 characters")
        return value


class TlsUpdate(_Request):
    """PATCH /sites/:slug/tls"""

    enabled: bool
    issuer: str | None = None

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value, info: ValidationInfo):
        return _check_issuer(value, info)


# --- responses (API_CONTRACT.md) ------------------------------------------------------------------
class Limits(ApiModel):
    cpu: int | float
    ram_gi: int | float
    disk_gi: int
    pods: Literal[1]


class SiteCreated(ApiModel):
    """POST /sites"""

    domain: str
    slug: str
    namespace: str
    limits: Limits


class SiteSummary(ApiModel):
    """One item of GET /sites."""

    slug: str
    namespace: str
    ready: bool
    domain: str
    image: str | None
    container_port: int | None
    tls_enabled: bool
    tls_issuer: str | None
    db_enabled: bool
    mail_enabled: bool
    backup_enabled: bool


class LimitsChanged(ApiModel):
    """PATCH /sites/:slug/limits"""

    slug: str
    namespace: str
    limits: Limits


class Deployed(ApiModel):
    """POST /sites/:slug/deploy"""

    slug: str
    namespace: str
    image: str
    container_port: int


class TlsChanged(ApiModel):
    """PATCH /sites/:slug/tls"""

    ok: Literal[True]
    slug: str
    tls_enabled: bool
    issuer: str | None


class SiteDeleted(ApiModel):
    """DELETE /sites/:slug"""

    ok: Literal[True]
    slug: str


class SitePurged(ApiModel):
    """POST /sites/:slug/purge"""

    ok: Literal[True]
    slug: str
    purged: Literal[True]
