"""The one JSON-type helper and its Go spellings (models/goformat.py)."""

from __future__ import annotations

import pytest

from sandbox.kube.models.goformat import go_json_kind, go_sharp_v, go_type_name, json_type


@pytest.mark.parametrize(
    ("value", "json", "go_kind", "go_type"),
    [
        (None, "null", "null", "<nil>"),
        (True, "boolean", "bool", "bool"),
        (3, "integer", "number", "int64"),
        (3.0, "integer", "number", "int64"),
        (2.5, "number", "number", "float64"),
        ("x", "string", "string", "string"),
        ([1], "array", "array", "[]interface {}"),
        ({"a": 1}, "object", "object", "map[string]interface {}"),
    ],
)
def test_one_json_type_with_its_go_spellings(value, json, go_kind, go_type):
    assert json_type(value) == json
    assert go_json_kind(value) == go_kind
    assert go_type_name(value) == go_type


def test_go_sharp_v_of_unstructured_values():
    assert go_sharp_v({"b": [1, "x"], "a": True}) == 'map[string]interface {}{"a":true, "b":[]interface {}{1, "x"}}'
