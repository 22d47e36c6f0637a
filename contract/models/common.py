"""Shared pydantic pieces: the strict base model, Confirm, slugs, body parsing, error bodies.

Request models derive from `ApiModel`: field names are snake_case in Python and camelCase on
the wire (`ram_gi` <-> `ramGi`, only the wire name is accepted), unknown fields are refused
(a typo such as `ramGB` is a 400, not silently ignored), and values are not coerced
(`"2"` is not an integer).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic.alias_generators import to_camel

from contract.errors import InvalidInput, InvalidJson

Model = TypeVar("Model", bound=BaseModel)

SLUG_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
_SLUG = re.compile(SLUG_PATTERN)

#: A site slug: an RFC 1123 label (its namespace name is `<namespace_prefix><slug>`).
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=63)]


class ApiModel(BaseModel):
    """Base of every request and response model of the API."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
    )

    def api_input(self) -> dict[str, Any]:
        """The model as JSON values with wire (camelCase) names: what a playbook gets."""
        return self.model_dump(mode="json", by_alias=True)


class Confirm(ApiModel):
    """Body of the irreversible purge endpoints: exactly `{"confirm": "DELETE"}`."""

    confirm: Literal["DELETE"] = Field(description='Must be exactly "DELETE".')


class FieldError(ApiModel):
    """One invalid field of a request."""

    field: str
    message: str


class ErrorBody(ApiModel):
    """The body of every error response."""

    ok: Literal[False]
    error: str = Field(description="Machine-readable error code (see server/errors.py).")
    message: str
    details: list[FieldError] = Field(default_factory=list)


def parse_body(raw: bytes | None, model: type[Model], context: dict[str, Any] | None = None) -> Model:
    """Validate a request body against `model` (`context`: the pydantic validation context).

    Not JSON, or JSON that is not an object -> 400 invalid_json; a field error -> 400
    invalid_input with one `{"field", "message"}` item per problem.
    """
    try:
        data = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError):
        raise InvalidJson("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidJson("The request body must be a JSON object.")
    try:
        return model.model_validate_json(raw or b"", context=context)
    except ValidationError as error:
        raise invalid_input(error) from None


def invalid_input(error: ValidationError) -> InvalidInput:
    """The 400 of a pydantic ValidationError (messages only: input values are never echoed)."""
    details = [
        {"field": ".".join(str(part) for part in item["loc"]) or "body", "message": item["msg"]}
        for item in error.errors(include_url=False, include_input=False)
    ]
    first = details[0]
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return InvalidInput(f"Invalid {first['field']}: {first['message']}{more}", details=details)


def validate_slug(value: str, max_length: int = 63) -> str:
    """A slug from a URL path, or 400 invalid_input naming the `slug` field."""
    if not _SLUG.match(value) or len(value) > max_length:
        raise InvalidInput(
            "Invalid slug: lowercase letters, digits and dashes, "
            f"starting and ending with a letter or digit, at most {max_length} characters.",
            details=[{"field": "slug", "message": f"must match {SLUG_PATTERN} and be at most {max_length} characters"}],
        )
    return value
