"""Quantity arithmetic and canonical printing for quota messages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox.kube.controllers.quantity import Quantity, format_quantity, pretty


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


def test_fractional_binary_values_fall_back_to_decimal():
    assert format_quantity(Decimal("0.5"), binary=True) == "500m"


def test_pretty_sorts_keys():
    assert pretty({"requests.storage": Quantity.parse("1Gi"), "persistentvolumeclaims": Quantity.parse("1")}) == \
        "persistentvolumeclaims=1,requests.storage=1Gi"
