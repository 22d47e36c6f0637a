"""What the request checks depend on: the operator's settings, passed as pydantic validation context.

`ValidationContext` declares these settings once, with their defaults. The service's `Settings`
take their defaults from here (server/config.py), `inventory/group_vars/all.yml` holds the same
values for operators (a unit test keeps them equal), and `roles/api_request` builds the context
from the playbook variables `tenant_max_cpu`, `tenant_max_ram_gi`, `tenant_max_disk_gi`,
`tenant_tls_issuers` and `tenant_namespace_prefix`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: Kubernetes namespace names are RFC 1123 labels: at most 63 characters.
NAMESPACE_MAX_LENGTH = 63


class ValidationContext(BaseModel):
    """The settings request models check against. Every field's default is the service's default."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    max_cpu: float = Field(8, gt=0, description="Largest cpu of a site (cores)")
    max_ram_gi: int = Field(32, ge=1, description="Largest ramGi of a site")
    max_disk_gi: int = Field(500, ge=1, description="Largest diskGi of a site")
    tls_issuers: list[str] = Field(
        default_factory=lambda: ["letsencrypt-prod", "letsencrypt-staging"],
        description="cert-manager issuers a site may name",
    )
    namespace_prefix: str = Field(
        "tenant-",
        pattern=r"^[a-z0-9]([-a-z0-9]*[-a-z0-9])?$",
        max_length=40,
        description="Tenant namespaces are <prefix><slug>",
    )

    @property
    def max_slug_length(self) -> int:
        """The longest slug whose namespace name (prefix + slug) is a valid name."""
        return NAMESPACE_MAX_LENGTH - len(self.namespace_prefix)


#: The defaults, for the places that need one value (Settings' field defaults).
DEFAULTS = ValidationContext()


def context_of(data: Any) -> ValidationContext:
    """The context from a pydantic `info.context` (a mapping, a ValidationContext or None)."""
    if isinstance(data, ValidationContext):
        return data
    return ValidationContext.model_validate(dict(data or {}))
