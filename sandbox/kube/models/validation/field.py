"""Cause constructors of k8s.io/apimachinery/pkg/util/validation/field, and shared small checks.

`required`, `invalid`, `forbidden`, `not_supported`, `duplicate`, `not_found`, `too_long` build
the `errors.Cause` of the matching `field.Error` type with its `ErrorBody()` text (values printed
by `goformat.go_value`). `key_path("spec.hard", "cpu")` is `spec.hard[cpu]`; `nonnegative` is the
`must be greater than or equal to 0` check of integer fields; `norm` is the equality the
validators use for "field is immutable" (empty maps and lists equal absent ones). The message of
the 422 itself is `errors.Invalid.of` (`errors.aggregate_message`).
"""

from __future__ import annotations

from typing import Any, Iterable

from ... import errors
from ..goformat import go_quote, go_value

Cause = errors.Cause


def required(field: str, detail: str = "") -> Cause:
    return Cause("FieldValueRequired", "Required value" + (f": {detail}" if detail else ""), field)


def invalid(field: str, value: Any, detail: str = "") -> Cause:
    return Cause("FieldValueInvalid", f"Invalid value: {go_value(value)}" + (f": {detail}" if detail else ""), field)


def forbidden(field: str, detail: str = "") -> Cause:
    return Cause("FieldValueForbidden", "Forbidden" + (f": {detail}" if detail else ""), field)


def not_supported(field: str, value: Any, valid: Iterable[str]) -> Cause:
    detail = "supported values: " + ", ".join(go_quote(v) for v in valid)
    return Cause("FieldValueNotSupported", f"Unsupported value: {go_value(value)}: {detail}", field)


def duplicate(field: str, value: Any) -> Cause:
    return Cause("FieldValueDuplicate", f"Duplicate value: {go_value(value)}", field)


def not_found(field: str, value: Any) -> Cause:
    return Cause("FieldValueNotFound", f"Not found: {go_value(value)}", field)


def too_long(field: str, max_bytes: int) -> Cause:
    return Cause("FieldValueTooLong", f"Too long: may not be more than {max_bytes} bytes", field)


def key_path(path: str, key: str) -> str:
    return f"{path}[{key}]"


IMMUTABLE = "field is immutable"
NEGATIVE = "must be greater than or equal to 0"


def nonnegative(spec: dict, fields: Iterable[str], path: str) -> list[Cause]:
    causes = []
    for f in fields:
        v = spec.get(f)
        if isinstance(v, int) and not isinstance(v, bool) and v < 0:
            causes.append(invalid(f"{path}.{f}", v, NEGATIVE))
    return causes


def norm(value: Any) -> Any:
    """Semantic equality helper: empty maps/lists equal absent ones, as in Go's DeepEqual after decode."""
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [norm(v) for v in value]
    return value

