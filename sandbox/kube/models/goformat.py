"""How Go names and prints JSON values, for messages that quote them as the real server does.

* `json_type(value)`: the one helper that names a decoded value's JSON type (`null`, `boolean`,
  `integer`, `number`, `string`, `array`, `object`; a whole float counts as an integer, as in
  OpenAPI validation). `go_json_kind` is the word encoding/json uses in `cannot unmarshal <kind>
  into ...` and `go_type_name` the Go type of an unstructured value (`int64`,
  `map[string]interface {}`).
* `go_value(v)`: the value in a `field.Error` text (`Invalid value: <v>`): strings quoted with Go's
  escapes, numbers bare, `GoValue` texts as they are. The `go_*` builders render Go `%#v` forms:
  `map[string]string{"app":"web"}`, `[]string{...}`, `v1.LabelSelector{...}`,
  `intstr.IntOrString{...}`, `resource.Quantity{...}`; `go_sharp_v` renders unstructured values
  (`map[string]interface {}{...}`) for server-side apply's messages.
"""

from __future__ import annotations

import json
from typing import Any

from .quantity import BINARY_SI, Quantity

_GO_JSON_KIND = {"boolean": "bool", "integer": "number"}
_GO_TYPE_NAME = {"null": "<nil>", "boolean": "bool", "integer": "int64", "number": "float64",
                 "array": "[]interface {}", "object": "map[string]interface {}"}


def json_type(value: Any) -> str:
    """The JSON type of a decoded value (a whole float such as 1.0 is an integer)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def go_json_kind(value: Any) -> str:
    """encoding/json's word for a value's type: `json: cannot unmarshal <kind> into Go value of type ...`."""
    kind = json_type(value)
    return _GO_JSON_KIND.get(kind, kind)


def go_type_name(value: Any) -> str:
    """The Go type apimachinery's unstructured decoder gives a value (`int64` for whole numbers,
    `float64`, `[]interface {}` ...)."""
    kind = json_type(value)
    return _GO_TYPE_NAME.get(kind, kind)


def go_sharp_v(value: Any) -> str:
    """Go's %#v of an unstructured value (`map[string]interface {}{"a":1}`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(go_sharp_v(v) for v in value) + "}"
    return "map[string]interface {}{" + ", ".join(
        f"{json.dumps(k)}:{go_sharp_v(v)}" for k, v in sorted(value.items())) + "}"


def go_value(value: Any) -> str:
    """The value part of `Invalid value: <v>` for simple values."""
    if value is None:
        return "null"
    if isinstance(value, GoValue):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    return json.dumps(value)


class GoValue:
    """A value already rendered the way Go's %#v / String() prints it."""

    def __init__(self, text: str):
        self.text = text


def go_quote(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_map(m: dict | None, type_name: str = "map[string]string") -> GoValue:
    if m is None:
        return GoValue(f"{type_name}(nil)")
    items = ", ".join(f"{go_quote(str(k))}:{go_quote(str(v))}" for k, v in sorted(m.items()))
    return GoValue(f"{type_name}{{{items}}}")


def go_strings(values: list | None, type_name: str = "[]string") -> GoValue:
    if values is None:
        return GoValue(f"{type_name}(nil)")
    return GoValue(f"{type_name}{{" + ", ".join(go_quote(str(v)) for v in values) + "}")


def go_label_selector(sel: dict | None) -> GoValue:
    if sel is None:
        return GoValue("null")
    ml = sel.get("matchLabels")
    exprs = sel.get("matchExpressions")
    if exprs is None:
        e_text = "[]v1.LabelSelectorRequirement(nil)"
    else:
        parts = []
        for e in exprs:
            e = e or {}
            parts.append(
                "v1.LabelSelectorRequirement{Key:" + go_quote(str(e.get("key", ""))) + ", Operator:"
                + go_quote(str(e.get("operator", ""))) + ", Values:" + go_strings(e.get("values")).text + "}"
            )
        e_text = "[]v1.LabelSelectorRequirement{" + ", ".join(parts) + "}"
    return GoValue(f"v1.LabelSelector{{MatchLabels:{go_map(ml).text}, MatchExpressions:{e_text}}}")


def go_int_or_string(value: Any) -> GoValue:
    if isinstance(value, str):
        return GoValue(f'intstr.IntOrString{{Type:1, IntVal:0, StrVal:{go_quote(value)}}}')
    return GoValue(f"intstr.IntOrString{{Type:0, IntVal:{value}, StrVal:\"\"}}")


def go_quantity(text: Any) -> GoValue:
    """Go's %#v of a resource.Quantity value, as parsed from `text` (int64Amount form)."""
    try:
        quantity = Quantity.parse(text)
    except ValueError:
        return GoValue(go_quote(str(text)))
    raw = str(text).strip()
    value, fmt = quantity.value, quantity.format
    if fmt == BINARY_SI:
        mantissa, scale = int(value), 0
    else:
        sign, digits, exp = value.normalize().as_tuple() if value != 0 else (0, (0,), 0)
        mantissa = int("".join(map(str, digits))) * (-1 if sign else 1)
        scale = exp
        while scale % 3 != 0 and scale > -9:
            mantissa *= 10
            scale -= 1
    cached = raw if str(quantity) == raw else ""
    return GoValue(f"resource.Quantity{{i:resource.int64Amount{{value:{mantissa}, scale:{scale}}}, "
                   f"d:resource.infDecAmount{{Dec:(*inf.Dec)(nil)}}, s:{go_quote(cached)}, Format:{go_quote(fmt)}}}")
