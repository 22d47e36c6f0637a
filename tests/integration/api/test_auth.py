"""X-API-Key over real HTTP against `python -m server`: several keys, 401 otherwise."""

import pytest

from tests.fixtures.service import PRODUCTION_MODULE, start_service

KEYS = ["first-api-key-1111", "second-api-key-2222"]
FILE_KEY = "file-api-key-3333"
UNAUTHORIZED = {
    "ok": False,
    "error": "unauthorized",
    "message": "A valid X-API-Key header is required.",
    "details": [],
}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    state = tmp_path_factory.mktemp("auth")
    key_file = state / "api-key"
    key_file.write_text(FILE_KEY + "\n")
    started = start_service(PRODUCTION_MODULE, state, api_key=",".join(KEYS), api_key_file=str(key_file))
    yield started
    started.stop()


def test_missing_key_answers_401(service):
    response = service.request("GET", "/openapi.json", key=None)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


@pytest.mark.parametrize("key", ["", "wrong", KEYS[0].upper(), KEYS[0][:-1], KEYS[0] + "1", f"{KEYS[0]},{KEYS[1]}"])
def test_wrong_key_answers_401(service, key):
    response = service.request("GET", "/openapi.json", key=key)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


@pytest.mark.parametrize("key", [*KEYS, FILE_KEY])
def test_every_configured_key_is_accepted(service, key):
    assert service.request("GET", "/openapi.json", key=key).status_code == 200


def test_the_key_is_read_from_the_header_only(service):
    response = service.request("GET", f"/openapi.json?X-API-Key={KEYS[0]}&api_key={KEYS[0]}", key=None)
    assert response.status_code == 401


def test_the_header_name_is_case_insensitive(service):
    response = service.request("GET", "/openapi.json", key=None, headers={"x-api-key": KEYS[1]})
    assert response.status_code == 200


def test_keys_never_reach_the_log(service):
    service.request("GET", "/openapi.json", key=KEYS[0])
    service.request("GET", "/openapi.json", key="a-wrong-key-4444")
    log = service.log()
    assert "GET" in log
    assert not any(key in log for key in [*KEYS, FILE_KEY, "a-wrong-key-4444"])
