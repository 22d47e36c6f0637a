"""Quantities (models/quantity.py): apimachinery's parser, canonical printing, and quota arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox.kube.models.quantity import BINARY_SI, Quantity, format_quantity, parse_quantity, pretty


@pytest.mark.parametrize(
    ("text", "value", "canonical"),
    [
        ("500m", Decimal("0.5"), "500m"),
        ("1", Decimal(1), "1"),
        ("1000m", Decimal(1), "1"),
        ("1.5", Decimal("1.5"), "1500m"),
        ("1Gi", Decimal(1073741824), "1Gi"),
        ("1.5Gi", Decimal(1610612736), "1536Mi"),
        ("1e3", Decimal(1000), "1e3"),
        ("2000", Decimal(2000), "2k"),
        ("100Mi", Decimal(104857600), "100Mi"),
        (2, Decimal(2), "2"),
        (0.25, Decimal("0.25"), "250m"),
        ("0", Decimal(0), "0"),
    ],
)
def test_parse_and_format_quantity(text, value, canonical):
    assert parse_quantity(text) == value
    assert format_quantity(text) == canonical


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "1Qi", "--1", "1 Gi"])
def test_bad_quantities_raise(text):
    with pytest.raises(ValueError):
        parse_quantity(text)


@pytest.mark.parametrize(
    ("text", "printed"),
    [("20Gi", "20Gi"), ("1024Mi", "1Gi"), ("1536Mi", "1536Mi"), ("500m", "500m"), ("0.5", "500m"),
     ("2000", "2k"), ("1", "1"), ("0", "0"), ("512", "512"), ("1.5Gi", "1536Mi")],
)
def test_quantities_print_canonically(text, printed):
    assert str(Quantity.parse(text)) == printed


def test_sums_keep_the_first_operands_format():
    assert str(Quantity.parse("10Gi") + Quantity.parse("10Gi")) == "20Gi"
    assert str(Quantity.parse("250m") + Quantity.parse("250m")) == "500m"
    assert str(Quantity.parse("0") + Quantity.parse("1Gi")) == "1Gi"
    assert str(Quantity.parse("1e3") + Quantity.parse("1k")) == "2e3"


def test_fractional_binary_values_fall_back_to_decimal():
    assert str(Quantity(Decimal("0.5"), BINARY_SI)) == "500m"
    assert Quantity.parse("0.5Ki").format == BINARY_SI and str(Quantity.parse("0.5Ki")) == "512"
    assert Quantity.parse("0.0001Ki").format == "DecimalSI"


def test_pretty_sorts_keys():
    assert pretty({"requests.storage": Quantity.parse("1Gi"), "persistentvolumeclaims": Quantity.parse("1")}) == \
        "persistentvolumeclaims=1,requests.storage=1Gi"
