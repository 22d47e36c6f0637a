"""Kubernetes quantities for quota arithmetic: parse, add, compare, and print canonically.

Parsing is `models.validation.parse_quantity` (the one parser of the emulator). Printing follows
apimachinery's `Quantity.String()`: binary-SI values (`Mi`, `Gi` ...) print with the largest
power of 1024 that keeps an integer mantissa (1536Mi, 20Gi) and fall back to decimal SI below
1024 or for fractions; decimal-SI values print an integer mantissa with the largest exponent that
is a multiple of 3 (500m, 1500m, 2k); zero prints `0`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from ..models.validation import parse_quantity

_BINARY = [("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)]
_DECIMAL = [("E", 18), ("P", 15), ("T", 12), ("G", 9), ("M", 6), ("k", 3), ("", 0), ("m", -3), ("u", -6), ("n", -9)]


@dataclass(frozen=True)
class Quantity:
    value: Decimal
    binary: bool = False  # BinarySI format (the first operand's format wins in sums)

    @classmethod
    def parse(cls, text) -> "Quantity":
        text = str(text).strip()
        return cls(Decimal(parse_quantity(text)), text.endswith("i"))

    def __add__(self, other: "Quantity") -> "Quantity":
        return Quantity(self.value + other.value, self.binary if self.value else other.binary)

    def __sub__(self, other: "Quantity") -> "Quantity":
        return Quantity(self.value - other.value, self.binary if self.value else other.binary)

    def __str__(self) -> str:
        return format_quantity(self.value, self.binary)


ZERO = Quantity(Decimal(0))


def format_quantity(value: Decimal, binary: bool = False) -> str:
    value = Decimal(value)
    if value == 0:
        return "0"
    # Quantities keep at most nano precision; the real type rounds up.
    value = (value * Decimal(10) ** 9).to_integral_value(rounding=ROUND_CEILING) / Decimal(10) ** 9
    sign = "-" if value < 0 else ""
    magnitude = -value if value < 0 else value
    if binary and magnitude >= 1024 and magnitude == magnitude.to_integral_value():
        whole = int(magnitude)
        for suffix, bits in _BINARY:
            if whole % (1 << bits) == 0:
                return f"{sign}{whole >> bits}{suffix}"
        return f"{sign}{whole}"
    for suffix, exponent in _DECIMAL:
        mantissa = magnitude / (Decimal(10) ** exponent)
        if mantissa == mantissa.to_integral_value():
            return f"{sign}{int(mantissa)}{suffix}"
    return f"{sign}{magnitude}"


def parse_list(resources: dict | None) -> dict[str, Quantity]:
    """A ResourceList (`{"cpu": "500m"}`) as quantities; values that do not parse are skipped."""
    out = {}
    for key, text in (resources or {}).items():
        try:
            out[key] = Quantity.parse(text)
        except (ValueError, ArithmeticError, TypeError):
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
