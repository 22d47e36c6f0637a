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

#: Where a rule depends on a setting, the model's JSON schema names the setting and the OpenAPI
#: document puts in the configured value: `{"x-setting": {"maximum": "max_cpu"}}` becomes
#: `{"maximum": 8.0}` (server/openapi.py). The names are those of contract/context.py.
SETTING = "x-setting"

#: A hostname as the models take it: RFC 1123 labels, IDN accepted (stored as punycode).
HOSTNAME_SCHEMA = {"format": "idn-hostname", "minLength": 1, "maxLength": 253}


SLUG_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
_SLUG = re.compile(SLUG_PATTERN)

#: A site slug: an RFC 1123 label (its namespace name is `<namespace_prefix><slug>`).
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=63)]
#: The schema of a slug path parameter: at most 63 - len(namespace prefix) characters.
SLUG_SCHEMA = {"type": "string", "pattern": SLUG_PATTERN, "minLength": 1, SETTING: {"maxLength": "max_slug_length"}}


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


#: Request bodies are flat objects; anything nested deeper than this is refused before parsing
#: (a few kilobytes of `[` would otherwise exhaust the parser's recursion).
MAX_JSON_DEPTH = 32


def json_depth_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text `raw` nests arrays and objects deeper than `limit` (strings skipped)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def parse_body(raw: bytes | None, model: type[Model], context: dict[str, Any] | None = None) -> Model:
    """Validate a request body against `model` (`context`: the pydantic validation context).

    Not JSON, JSON nested too deeply, or JSON that is not an object -> 400 invalid_json; a field
    error -> 400 invalid_input with one `{"field", "message"}` item per problem.
    """
    raw = raw or b""
    if json_depth_exceeds(raw):
        raise InvalidJson(f"The request body nests arrays or objects more than {MAX_JSON_DEPTH} levels deep.")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidJson("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidJson("The request body must be a JSON object.")
    try:
        return model.model_validate_json(raw, context=context)
    except ValidationError as error:
        raise invalid_input(error, model) from None


def unknown_field(number: int, model: type[BaseModel] | None) -> dict[str, str]:
    """The detail of the `number`th unknown field: named by position, never by the submitted key."""
    known = sorted(field.alias or name for name, field in model.model_fields.items()) if model is not None else []
    allowed = f"; the fields are: {', '.join(known)}" if known else "; this request takes no fields"
    return {"field": f"(unknown field {number})", "message": f"is not a field of this request{allowed}"}


def invalid_input(error: ValidationError, model: type[BaseModel] | None = None) -> InvalidInput:
    """The 400 of a pydantic ValidationError: field names and messages only.

    Input values are never echoed, and neither are unknown keys: they are named by position.
    """
    details = []
    unknown = 0
    for item in error.errors(include_url=False, include_input=False):
        if item["type"] == "extra_forbidden":
            unknown += 1
            details.append(unknown_field(unknown, model))
        else:
            details.append({"field": ".".join(str(part) for part in item["loc"]) or "body", "message": item["msg"]})
    return invalid_input_of(details)


def invalid_input_of(details: list[dict[str, str]]) -> InvalidInput:
    """The 400 naming the first problem of `details` and how many more there are."""
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
