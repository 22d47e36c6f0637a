"""Request and response models. Shared pieces live in `common`; one module per area."""

from contract.models.common import (
    SLUG_PATTERN,
    ApiModel,
    Confirm,
    ErrorBody,
    FieldError,
    Slug,
    parse_body,
    validate_slug,
)

__all__ = [
    "SLUG_PATTERN",
    "ApiModel",
    "Confirm",
    "ErrorBody",
    "FieldError",
    "Slug",
    "parse_body",
    "validate_slug",
]
