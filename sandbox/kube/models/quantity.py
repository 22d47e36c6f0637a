"""Kubernetes quantities (k8s.io/apimachinery/pkg/api/resource): the emulator's one parser and printer.

`Quantity.parse(text)` follows apimachinery's `ParseQuantity`: the value is rounded up (away from
zero) to nano precision, and the format is `DecimalSI` (`500m`, `2k`), `BinarySI` (`1Gi`; a
binary value below 1 becomes DecimalSI) or `DecimalExponent` (`1e3`); the bare text `0` is
DecimalSI. Errors are `QuantityError` (a ValueError) with apimachinery's messages.

`str(q)` is `Quantity.String()`: BinarySI values of at least 1024 that are whole print with the
largest power of 1024 that keeps an integer mantissa (`1536Mi`, `20Gi`); everything else prints
an integer mantissa with the largest exponent that is a multiple of 3, as a suffix (`500m`,
`1500m`, `2k`) or, for DecimalExponent, as `e<n>` (`1e3`); zero prints `0`.

Arithmetic is `Quantity.Add`/`Sub`: the first operand's format wins unless it is zero. The
ResourceList helpers (`parse_list`, `add_lists`, `max_lists`, `pretty`) serve quota and limit
range admission. Models (validation) and controllers (quota, limit ranges, volumes, the
kubelet's environment) all use this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

DECIMAL_SI = "DecimalSI"
BINARY_SI = "BinarySI"
DECIMAL_EXPONENT = "DecimalExponent"

QUANTITY_RE = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
REGEX_ERROR = f"quantities must match the regular expression '{QUANTITY_RE.pattern}'"

_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_BINARY_SUFFIX = {bits: suffix for suffix, bits in _BINARY.items()}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX = {exp: suffix for suffix, exp in _DECIMAL.items()}
_NANO = Decimal("1e-9")


class QuantityError(ValueError):
    """The apimachinery parse error (`quantities must match the regular expression ...`)."""


def _round_nano(value: Decimal) -> Decimal:
    """Round up (away from zero) to nano precision, like inf.RoundUp at Nano scale."""
    if value == 0:
        return value
    sign = -1 if value < 0 else 1
    return sign * abs(value).quantize(_NANO, rounding=ROUND_CEILING)


def _normal(value: Decimal) -> Decimal:
    return Decimal(int(value)) if value == value.to_integral_value() else value.normalize()


@dataclass(frozen=True)
class Quantity:
    value: Decimal
    format: str = DECIMAL_SI

    @classmethod
    def parse(cls, text: Any) -> "Quantity":
        if isinstance(text, bool) or text is None:
            raise QuantityError(REGEX_ERROR)
        if isinstance(text, (int, float)):
            text = repr(text) if isinstance(text, float) else str(text)
        text = str(text).strip()
        if text == "0":
            return cls(Decimal(0), DECIMAL_SI)
        m = QUANTITY_RE.match(text)
        if not text or not m:
            raise QuantityError(REGEX_ERROR)
        number, suffix = m.group(1), m.group(2)
        if number.count(".") > 1 or number.strip("+-") in (".", ""):
            raise QuantityError("unable to parse numeric part of quantity")
        try:
            value = Decimal(number)
        except InvalidOperation as exc:
            raise QuantityError("unable to parse numeric part of quantity") from exc
        if suffix in _BINARY:
            value, fmt = value * (Decimal(2) ** _BINARY[suffix]), BINARY_SI
        elif suffix in _DECIMAL:
            value, fmt = value.scaleb(_DECIMAL[suffix]), DECIMAL_SI
        elif re.fullmatch(r"[eE][-+]?[0-9]+", suffix):
            value, fmt = value.scaleb(int(suffix[1:])), DECIMAL_EXPONENT
        else:
            raise QuantityError("unable to parse quantity's suffix")
        value = _round_nano(value)
        if fmt == BINARY_SI and 0 < abs(value) < 1:
            fmt = DECIMAL_SI
        return cls(_normal(value), fmt)

    def __add__(self, other: "Quantity") -> "Quantity":
        return Quantity(self.value + other.value, self.format if self.value else other.format)

    def __sub__(self, other: "Quantity") -> "Quantity":
        return Quantity(self.value - other.value, self.format if self.value else other.format)

    def __str__(self) -> str:
        value = _round_nano(Decimal(self.value))
        if value == 0:
            return "0"
        sign = "-" if value < 0 else ""
        magnitude = abs(value)
        if self.format == BINARY_SI and magnitude >= 1024 and magnitude == magnitude.to_integral_value():
            number, bits = int(magnitude), 0
            while bits < 60 and number % 1024 == 0:
                number //= 1024
                bits += 10
            return f"{sign}{number}{_BINARY_SUFFIX.get(bits, '')}"
        # an integer mantissa with an exponent that is a multiple of 3
        exp, mantissa = 0, magnitude
        while mantissa != mantissa.to_integral_value():
            mantissa *= 1000
            exp -= 3
        number = int(mantissa)
        while number % 1000 == 0 and exp < 18:
            number //= 1000
            exp += 3
        if self.format == DECIMAL_EXPONENT:
            return f"{sign}{number}" + (f"e{exp}" if exp else "")
        return f"{sign}{number}{_DECIMAL_SUFFIX[exp]}"


ZERO = Quantity(Decimal(0))


def parse_quantity(text: Any) -> Decimal:
    """Numeric value of a quantity ("500m" -> 0.5, "1Gi" -> 1073741824, "1e3" -> 1000); raises QuantityError."""
    return Quantity.parse(text).value


def format_quantity(text: Any) -> str:
    """Canonical text of a quantity, as the real server prints it ("1000m" -> "1", "0.5" -> "500m")."""
    return str(Quantity.parse(text))


def parse_list(resources: dict | None) -> dict[str, Quantity]:
    """A ResourceList (`{"cpu": "500m"}`) as quantities; values that do not parse are skipped."""
    out = {}
    for key, text in (resources or {}).items():
        try:
            out[key] = Quantity.parse(text)
        except (ValueError, ArithmeticError):
            continue
    return out


def add_lists(a: dict[str, Quantity], b: dict[str, Quantity]) -> dict[str, Quantity]:
    out = dict(a)
    for key, value in b.items():
        out[key] = out[key] + value if key in out else value
    return out


def max_lists(a: dict[str, Quantity], b: dict[str, Quantity]) -> dict[str, Quantity]:
    out = dict(a)
    for key, value in b.items():
        if key not in out or value.value > out[key].value:
            out[key] = value
    return out


def pretty(resources: dict[str, Quantity]) -> str:
    """`requests.storage=20Gi,pods=1`: quota admission's prettyPrint, keys sorted."""
    return ",".join(f"{key}={resources[key]}" for key in sorted(resources))
