"""The PHP value semantics Mailcow's API inherits, written down once.

Mailcow's `json_api.php` decodes request bodies with `json_decode($x, true)` and then applies
PHP's loose rules: `isset`, `empty`, `intval`, `(array)` casts, `==`, `filter_var(...,
FILTER_VALIDATE_EMAIL)`, `idn_to_ascii`, `htmlspecialchars`, `json_encode`. The emulator needs
the same answers for the same inputs, so every such rule lives here and nowhere else.

`PhpFatal` stands for an uncaught PHP error (TypeError, ValueError): the real server answers
HTTP 500 with an empty body, and whatever the request had already written stays written.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any


class PhpFatal(Exception):
    """An uncaught PHP error: the request ends with HTTP 500 and an empty body."""


# --- scalars -----------------------------------------------------------------------------

_NUMERIC = re.compile(r"^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$")
_LEADING_INT = re.compile(r"^[ \t\n\r\v\f]*([+-]?\d+)")


def is_set(data: Any, key: str) -> bool:
    """`isset($data[$key])`: present and not null."""
    return isinstance(data, dict) and data.get(key) is not None


def get(data: Any, key: str) -> Any:
    """`$data[$key]` on a decoded body: null when absent or when $data is not an array."""
    return data.get(key) if isinstance(data, dict) else None


def empty(value: Any) -> bool:
    """`empty($value)`: null, false, 0, 0.0, "", "0" and [] are empty."""
    if value is None or value is False:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value == 0
    if isinstance(value, str):
        return value in ("", "0")
    if isinstance(value, (list, dict)):
        return len(value) == 0
    return False


def is_numeric(value: Any) -> bool:
    """`is_numeric($value)`."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and bool(_NUMERIC.match(value))


def intval(value: Any) -> int:
    """`intval($value)` / `(int)$value`."""
    if value is None or value is False:
        return 0
    if value is True:
        return 1
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return 0
        return int(value)
    if isinstance(value, str):
        if _NUMERIC.match(value):
            number = float(value)
            if math.isinf(number):
                return 0
            return int(number)
        match = _LEADING_INT.match(value)
        return int(match.group(1)) if match else 0
    if isinstance(value, (list, dict)):
        return 1 if value else 0
    return 0


def to_number(value: Any) -> float:
    """The number PHP 8 compares a numeric string as (non-numeric strings do not get here)."""
    if isinstance(value, bool) or value is None:
        return float(bool(value))
    if isinstance(value, (int, float)):
        return float(value)
    return float(value)


def strval(value: Any) -> str:
    """`(string)$value` / `strval()`: arrays become "Array" (with a warning, not an error)."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, (list, dict)):
        return "Array"
    return str(value)


def str_arg(value: Any) -> str:
    """A string parameter of an internal function (trim, strtolower, preg_split, strlen...).

    null is accepted as "" (a deprecation notice only); an array is a TypeError.
    """
    if isinstance(value, (list, dict)):
        raise PhpFatal("TypeError: string expected, array given")
    return strval(value)


def loose_eq(left: Any, right: Any) -> bool:
    """PHP 8 `==` for scalars."""
    if isinstance(left, bool) or isinstance(right, bool):
        return (not empty(left)) == (not empty(right))
    if left is None and right is None:
        return True
    if left is None or right is None:
        other = right if left is None else left
        return other == "" if isinstance(other, str) else empty(other)
    if isinstance(left, str) and isinstance(right, str):
        if is_numeric(left) and is_numeric(right):
            return to_number(left) == to_number(right)
        return left == right
    if isinstance(left, str):
        left, right = right, left
    if isinstance(left, (int, float)) and isinstance(right, str):
        if is_numeric(right):
            return float(left) == to_number(right)
        return strval(left) == right
    return left == right


def in_array(needle: Any, haystack: list) -> bool:
    """`in_array($needle, $haystack)` (loose)."""
    return any(loose_eq(needle, item) for item in haystack)


# --- arrays ------------------------------------------------------------------------------


def as_array(value: Any) -> dict:
    """`(array)$value` as an associative array: lists get their integer keys as strings."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {str(index): item for index, item in enumerate(value)}
    return {"0": value}


def array_values(value: Any) -> list:
    """The values `foreach` visits after `(array)$value` / the `is_array` wrapping in mailbox()."""
    if value is None:
        return []
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return list(value.values())
    return [value]


def items_of(value: Any) -> list:
    """`if (!is_array($x)) $x = array($x);` then foreach: a scalar (even null) is one item."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return list(value.values())
    return [value]


def split_list(value: Any) -> list[str]:
    """`array_map('trim', preg_split("/( |,|;|\\n)/", $value))`."""
    return [part.strip(" \t\n\r\0\x0b") for part in re.split(r"[ ,;\n]", str_arg(value))]


def unique(values: list) -> list:
    """`array_unique` (string comparison, first occurrence kept)."""
    seen: set[str] = set()
    out = []
    for value in values:
        key = strval(value)
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def to_json_value(value: Any) -> Any:
    """What `json_encode` prints for a decoded request array: PHP has one array type, so an
    empty object or an object keyed "0".."n-1" comes back as a JSON list."""
    if isinstance(value, dict):
        if not value or list(value.keys()) == [str(i) for i in range(len(value))]:
            return [to_json_value(item) for item in value.values()]
        return {key: to_json_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_json_value(item) for item in value]
    return value


# --- strings -----------------------------------------------------------------------------


def htmlspecialchars(value: Any) -> str:
    """`htmlspecialchars()` with PHP 8.1 defaults (ENT_QUOTES | ENT_SUBSTITUTE)."""
    text = strval(value)
    return (
        text.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("'", "&#039;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def strstr_after(haystack: str, needle: str) -> str:
    """`substr(strstr($haystack, $needle), 1)`: the text after the first needle, "" if none."""
    index = haystack.find(needle)
    return "" if index < 0 else haystack[index + 1 :]


def strstr_before(haystack: str, needle: str) -> str | None:
    """`strstr($haystack, $needle, true)`: the text before the first needle, false (None) if none."""
    index = haystack.find(needle)
    return None if index < 0 else haystack[:index]


def byte_length(value: Any) -> int:
    """`strlen()`: bytes, not characters."""
    return len(str_arg(value).encode("utf-8"))


# --- domains and addresses ---------------------------------------------------------------

_LABEL = re.compile(r"^[a-z\d](-*[a-z\d])*$", re.IGNORECASE)


def idn_to_ascii(value: str) -> str | None:
    """`idn_to_ascii($value, 0, INTL_IDNA_VARIANT_UTS46)`; None stands for PHP's false.

    An empty string is a ValueError in PHP 8 (HTTP 500). ASCII input is lowercased; other
    labels go through IDNA (Python's codec is IDNA 2003, close to UTS46 for common names).
    """
    if value == "":
        raise PhpFatal("ValueError: idn_to_ascii(): Argument #1 ($domain) cannot be empty")
    labels = value.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels = labels[:-1]
        trailing = "."
    else:
        trailing = ""
    out = []
    for label in labels:
        if label == "":
            return None
        if label.isascii():
            ascii_label = label.lower()
        else:
            try:
                ascii_label = label.encode("idna").decode("ascii")
            except UnicodeError:
                return None
        if len(ascii_label) > 63 or ascii_label.startswith("-") or ascii_label.endswith("-"):
            return None
        out.append(ascii_label)
    result = ".".join(out) + trailing
    return result if len(result) <= 253 else None


def idn_to_utf8(value: str) -> str:
    """`idn_to_utf8()` for display names (`domain_h_name`)."""
    labels = []
    for label in value.split("."):
        if label.lower().startswith("xn--"):
            try:
                label = label.encode("ascii").decode("idna")
            except UnicodeError:
                pass
        labels.append(label)
    return ".".join(labels)


def is_valid_domain_name(value: Any) -> bool:
    """Mailcow's `is_valid_domain_name()` (functions.inc.php): labels of letters, digits and
    inner hyphens, 1..63 characters each, 253 at most in all."""
    if empty(value):
        return False
    ascii_name = idn_to_ascii(str_arg(value))
    if ascii_name is None:
        return False
    if not 1 <= len(ascii_name) <= 253:
        return False
    return all(_LABEL.match(label) and len(label) <= 63 for label in ascii_name.split("."))


_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+$")
_DOMAIN_LABEL = re.compile(r"^[a-z0-9]+(-+[a-z0-9]+)*$", re.IGNORECASE)
_TOP_LABEL = re.compile(r"^([a-z][a-z0-9]*|xn--[a-z0-9]+)(-+[a-z0-9]+)*$", re.IGNORECASE)


def is_email(value: Any) -> bool:
    """`filter_var($value, FILTER_VALIDATE_EMAIL)` (PHP 8, no unicode flag).

    Same rules as PHP's pattern for dot-atom local parts and host names: local part of
    atext characters in dot-separated atoms (at most 64), a host name with at least two
    labels whose last label starts with a letter (or is `xn--...`), labels under 64
    characters. Quoted local parts and address literals (`[1.2.3.4]`) are not accepted here.
    """
    if not isinstance(value, str) or value == "" or len(value) > 320:
        return False
    local, sep, host = value.rpartition("@")
    if not sep or local == "" or host == "":
        return False
    if len(local) > 64 or len(value) > 254:
        return False
    if not all(_ATOM.match(atom) for atom in local.split(".")):
        return False
    labels = host.split(".")
    if len(labels) < 2:
        return False
    if any(len(label) >= 64 for label in labels):
        return False
    return all(_DOMAIN_LABEL.match(label) for label in labels[:-1]) and bool(_TOP_LABEL.match(labels[-1]))


# --- JSON --------------------------------------------------------------------------------


class InvalidJson(ValueError):
    """`json_decode()` returned null for a body that is not the JSON literal null."""


def _reject_constant(name: str) -> Any:
    raise InvalidJson(name)


def json_decode(raw: bytes | str) -> Any:
    """`json_decode($raw, true)`; raises InvalidJson where PHP returns null for a syntax error."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvalidJson(str(exc)) from exc


def json_encode(value: Any, pretty: bool = False) -> str:
    """`json_encode($value)` (compact, \\u escapes, escaped slashes) or, for GET answers,
    `json_encode($value, JSON_UNESCAPED_UNICODE | JSON_PRETTY_PRINT)`."""
    if pretty:
        text = json.dumps(value, indent=4, ensure_ascii=False)
    else:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=True)
    return text.replace("/", "\\/")
