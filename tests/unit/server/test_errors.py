"""server/errors.py: the code taxonomy, its agreement with roles/api_result, the JSON rendering."""

import json
import re

import pytest
import yaml
from sanic.exceptions import MethodNotAllowed as SanicMethodNotAllowed
from sanic.exceptions import NotFound as SanicNotFound
from sanic.exceptions import PayloadTooLarge as SanicPayloadTooLarge

from server.config import REPO_ROOT
from server.errors import (
    ERROR_CODES,
    PLAYBOOK_ERROR_CODES,
    AlreadyExists,
    ApiError,
    InternalError,
    InvalidInput,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    SiteNotFound,
    as_api_error,
    error_class,
    playbook_error_class,
    render,
)

API_RESULT = REPO_ROOT / "roles" / "api_result"


def _error_spec() -> dict:
    specs = yaml.safe_load((API_RESULT / "meta" / "argument_specs.yml").read_text())
    return specs["argument_specs"]["main"]["options"]["api_result_error"]["options"]


def test_codes_are_snake_case():
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", code) for code in ERROR_CODES)


def test_contract_codes_have_their_statuses():
    assert ERROR_CODES["invalid_input"] == 400
    assert ERROR_CODES["unauthorized"] == 401
    assert ERROR_CODES["not_found"] == ERROR_CODES["site_not_found"] == 404
    assert ERROR_CODES["method_not_allowed"] == 405
    assert ERROR_CODES["conflict"] == ERROR_CODES["already_exists"] == ERROR_CODES["feature_disabled"] == 409
    assert ERROR_CODES["internal_error"] == 500


def test_a_code_defined_twice_is_refused():
    with pytest.raises(TypeError, match="defined twice"):
        type("Again", (ApiError,), {"status_code": 409, "code": "already_exists"})


def test_a_subclass_without_its_own_code_is_refused():
    with pytest.raises(TypeError, match="own `code`"):
        type("Nameless", (ApiError,), {"status_code": 409})


def test_client_errors_are_quiet_and_server_errors_are_not():
    assert NotFound.quiet is True and InvalidInput.quiet is True
    assert InternalError.quiet is False


def test_body_has_the_single_error_shape():
    error = InvalidInput("Invalid ramGi", details=[{"field": "ramGi", "message": "must be positive"}])
    assert error.body() == {
        "ok": False,
        "error": "invalid_input",
        "message": "Invalid ramGi",
        "details": [{"field": "ramGi", "message": "must be positive"}],
    }
    assert SiteNotFound().body() == {"ok": False, "error": "site_not_found", "message": "The site does not exist.", "details": []}


def test_render_sends_status_and_json():
    response = render(AlreadyExists("site exists"))
    assert response.status == 409
    assert response.content_type == "application/json"
    assert json.loads(response.body) == {"ok": False, "error": "already_exists", "message": "site exists", "details": []}


def test_unknown_route_becomes_not_found():
    assert isinstance(as_api_error(SanicNotFound("Requested URL /x not found")), NotFound)


def test_wrong_method_becomes_405_with_allow_header():
    error = as_api_error(SanicMethodNotAllowed("no", method="POST", allowed_methods=["GET", "DELETE"]))
    assert isinstance(error, MethodNotAllowed)
    assert render(error).headers["Allow"] == "DELETE, GET"


def test_oversized_body_becomes_413():
    assert isinstance(as_api_error(SanicPayloadTooLarge("too big")), PayloadTooLarge)


def test_unexpected_exception_becomes_a_generic_500():
    error = as_api_error(RuntimeError("password=hunter2 in a traceback"))
    assert isinstance(error, InternalError)
    assert "hunter2" not in json.dumps(error.body())


def test_error_class_finds_codes():
    assert error_class("site_not_found") is SiteNotFound
    assert playbook_error_class("already_exists") is AlreadyExists
    with pytest.raises(KeyError):
        playbook_error_class("unauthorized")  # the HTTP layer's code, not a playbook's


def test_api_result_accepts_exactly_the_playbook_codes():
    assert sorted(_error_spec()["code"]["choices"]) == sorted(PLAYBOOK_ERROR_CODES)


def test_api_result_statuses_equal_the_server_statuses():
    statuses = yaml.safe_load((API_RESULT / "vars" / "main.yml").read_text())["_api_result_statuses"]
    assert statuses == PLAYBOOK_ERROR_CODES


def test_api_result_status_choices_are_the_playbook_statuses():
    assert sorted(_error_spec()["status"]["choices"]) == sorted(set(PLAYBOOK_ERROR_CODES.values()))


def test_playbook_codes_are_a_subset_of_all_codes():
    assert PLAYBOOK_ERROR_CODES.items() <= ERROR_CODES.items()
    assert "unauthorized" not in PLAYBOOK_ERROR_CODES
    assert "invalid_input" in PLAYBOOK_ERROR_CODES
