"""contract/errors.py: the code taxonomy, and how roles/api_result completes an error with it."""

import re

import pytest
from ansible.errors import AnsibleFilterError

from contract.errors import (
    ERROR_CODES,
    PLAYBOOK_ERROR_CODES,
    AlreadyExists,
    ApiError,
    InternalError,
    InvalidInput,
    NotFound,
    SiteNotFound,
    error_class,
    playbook_error_class,
)
from plugins.filter.api_request import api_error


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


def test_error_class_finds_codes():
    assert error_class("site_not_found") is SiteNotFound
    assert playbook_error_class("already_exists") is AlreadyExists
    with pytest.raises(KeyError):
        playbook_error_class("unauthorized")  # the HTTP layer's code, not a playbook's


def test_playbook_codes_are_a_subset_of_all_codes():
    assert PLAYBOOK_ERROR_CODES.items() <= ERROR_CODES.items()
    assert "unauthorized" not in PLAYBOOK_ERROR_CODES
    assert "invalid_input" in PLAYBOOK_ERROR_CODES


@pytest.mark.parametrize("code", sorted(PLAYBOOK_ERROR_CODES))
def test_api_result_publishes_every_playbook_code_with_its_status(code):
    published = api_error({"code": code, "message": "m", "details": [{"field": "f", "message": "x"}]})
    assert published == {"status": ERROR_CODES[code], "code": code, "message": "m", "details": [{"field": "f", "message": "x"}]}


@pytest.mark.parametrize("code", sorted(set(ERROR_CODES) - set(PLAYBOOK_ERROR_CODES)) + ["no_such_code"])
def test_api_result_refuses_codes_a_playbook_may_not_publish(code):
    with pytest.raises(AnsibleFilterError, match="not an error code a playbook may publish"):
        api_error({"code": code, "message": "m"})


def test_api_result_needs_a_code_and_a_message():
    with pytest.raises(AnsibleFilterError, match="needs a code and a message"):
        api_error({"code": "conflict"})
