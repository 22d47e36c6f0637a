"""contract/models/common.py: the strict base model, Confirm, body parsing, slugs."""

import pytest
from pydantic import Field

from contract.errors import InvalidInput, InvalidJson
from contract.models.common import ApiModel, Confirm, parse_body, validate_slug


class Limits(ApiModel):
    ram_gi: int = Field(gt=0)
    tls_enabled: bool = False
    password: str | None = None


def _details(raised) -> dict:
    return {item["field"]: item["message"] for item in raised.value.details}


def test_confirm_accepts_exactly_delete():
    assert parse_body(b'{"confirm": "DELETE"}', Confirm).confirm == "DELETE"


@pytest.mark.parametrize("body", [b'{"confirm": "delete"}', b'{"confirm": "DELETE "}', b'{"confirm": true}', b"{}"])
def test_confirm_refuses_anything_else(body):
    with pytest.raises(InvalidInput) as raised:
        parse_body(body, Confirm)
    assert "confirm" in _details(raised)


def test_wire_names_are_camel_case_and_python_names_are_refused():
    assert parse_body(b'{"ramGi": 2, "tlsEnabled": true}', Limits).ram_gi == 2
    with pytest.raises(InvalidInput) as raised:
        parse_body(b'{"ram_gi": 2}', Limits)
    assert set(_details(raised)) == {"ramGi", "ram_gi"}


def test_unknown_fields_are_refused():
    with pytest.raises(InvalidInput) as raised:
        parse_body(b'{"ramGi": 2, "ramGB": 4}', Limits)
    assert _details(raised) == {"ramGB": "Extra inputs are not permitted"}
    assert raised.value.message == "Invalid ramGB: Extra inputs are not permitted"


@pytest.mark.parametrize("body", [b'{"ramGi": "2"}', b'{"ramGi": 2.5}', b'{"ramGi": true}', b'{"ramGi": 0}'])
def test_values_are_not_coerced(body):
    with pytest.raises(InvalidInput) as raised:
        parse_body(body, Limits)
    assert "ramGi" in _details(raised)


def test_several_problems_are_all_reported():
    with pytest.raises(InvalidInput) as raised:
        parse_body(b'{"ramGi": -1, "tlsEnabled": "yes", "extra": 1}', Limits)
    assert set(_details(raised)) == {"ramGi", "tlsEnabled", "extra"}
    assert "(and 2 more)" in raised.value.message


def test_submitted_values_are_never_echoed():
    with pytest.raises(InvalidInput) as raised:
        parse_body(b'{"ramGi": 1, "password": ["hunter2-secret"]}', Limits)
    assert "hunter2-secret" not in str(raised.value.body())


@pytest.mark.parametrize("body", [b"", b"not json", b"{'single': 'quotes'}", b"\xff\xfe", b"[1, 2]", b'"text"', b"null", b"3"])
def test_non_json_or_non_object_bodies_are_invalid_json(body):
    with pytest.raises(InvalidJson) as raised:
        parse_body(body, Limits)
    assert raised.value.status_code == 400
    assert raised.value.code == "invalid_json"


def test_validation_context_reaches_the_model():
    from pydantic import ValidationInfo, field_validator

    class Bounded(ApiModel):
        cpu: float

        @field_validator("cpu")
        @classmethod
        def _max(cls, value, info: ValidationInfo):
            if value > info.context["max_cpu"]:
                raise ValueError(f"must be at most {info.context['max_cpu']}")
            return value

    assert parse_body(b'{"cpu": 2}', Bounded, {"max_cpu": 4}).cpu == 2
    with pytest.raises(InvalidInput, match="at most 4"):
        parse_body(b'{"cpu": 5}', Bounded, {"max_cpu": 4})


@pytest.mark.parametrize("slug", ["a", "app-example-com", "x1", "0-9"])
def test_valid_slugs(slug):
    assert validate_slug(slug) == slug


@pytest.mark.parametrize("slug", ["", "-a", "a-", "App", "a_b", "a.b", "..", "a/b", "é", "a" * 57])
def test_invalid_slugs_are_400_naming_the_slug(slug):
    with pytest.raises(InvalidInput) as raised:
        validate_slug(slug, max_length=56)
    assert _details(raised).keys() == {"slug"}


def test_models_are_frozen():
    limits = parse_body(b'{"ramGi": 2}', Limits)
    with pytest.raises(ValueError):
        limits.ram_gi = 3  # type: ignore[misc]
    assert limits.api_input() == {"ramGi": 2, "tlsEnabled": False, "password": None}
