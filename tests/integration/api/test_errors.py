"""One JSON error shape for everything, over real HTTP: unknown routes, wrong methods, bad bodies."""

import pytest

from tests.fixtures.service import PRODUCTION_MODULE, TEST_MODULE, start_service


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    started = start_service(PRODUCTION_MODULE, tmp_path_factory.mktemp("errors"))
    yield started
    started.stop()


@pytest.fixture(scope="module")
def test_service(tmp_path_factory):
    started = start_service(TEST_MODULE, tmp_path_factory.mktemp("errors-test-app"))
    yield started
    started.stop()


def _assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"ok", "error", "message", "details"}
    assert (body["ok"], body["error"]) == (False, code)
    assert isinstance(body["message"], str) and body["message"]
    return body


@pytest.mark.parametrize("key", [None, "default"])
@pytest.mark.parametrize("path", ["/no-such-route", "/sites-typo", "/health/extra", "/openapi.json/x"])
def test_unknown_route_answers_404(service, path, key):
    _assert_error(service.request("GET", path, key=key), 404, "not_found")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_wrong_method_answers_405_with_allow(service, method):
    response = service.request(method, "/health", key=None)
    _assert_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET, HEAD"
    response = service.request(method, "/openapi.json", json={"a": 1})
    _assert_error(response, 405, "method_not_allowed")


@pytest.mark.parametrize(
    "body",
    [b"", b"{not json", b"[1, 2]", b'"DELETE"', b"null", b"\xff\xfe\x00"],
    ids=["empty", "malformed", "array", "string", "null", "not-utf8"],
)
def test_non_json_or_non_object_bodies_answer_400_invalid_json(test_service, body):
    response = test_service.request("POST", "/_selftest/confirm/site-a", data=body, headers={"Content-Type": "application/json"})
    _assert_error(response, 400, "invalid_json")


def test_field_errors_answer_400_with_details(test_service):
    response = test_service.request("POST", "/_selftest/confirm/site-a", json={"confirm": "delete", "force": True})
    body = _assert_error(response, 400, "invalid_input")
    assert sorted(item["field"] for item in body["details"]) == ["(unknown field 1)", "confirm"]
    assert all(set(item) == {"field", "message"} for item in body["details"])
    assert "force" not in response.text  # an unknown key is named by position, never echoed


def test_unknown_keys_are_never_echoed(test_service):
    keys = {"<script>alert(1)</script>": 1, "{{ lookup('pipe', 'id') }}": 2, "x" * 5000: 3}
    response = test_service.request("POST", "/_selftest/confirm/site-a", json={"confirm": "DELETE", **keys})
    body = _assert_error(response, 400, "invalid_input")
    assert [item["field"] for item in body["details"]] == [f"(unknown field {n})" for n in (1, 2, 3)]
    assert "the fields are: confirm" in body["details"][0]["message"]
    for key in keys:
        assert key[:20] not in response.text


@pytest.mark.parametrize(
    "body",
    [b"[" * 1000 + b"]" * 1000, b'{"confirm": ' + b"[" * 5000 + b"]" * 5000 + b"}", b"{" * 3000],
    ids=["deep-array", "deep-value", "unclosed"],
)
def test_deeply_nested_json_answers_400_invalid_json(test_service, body):
    response = test_service.request("POST", "/_selftest/confirm/site-a", data=body, headers={"Content-Type": "application/json"})
    _assert_error(response, 400, "invalid_json")
    assert "Traceback" not in test_service.log() and "RecursionError" not in test_service.log()


def test_a_long_uri_answers_414_and_long_headers_431(service):
    _assert_error(service.request("GET", "/" + "a" * 9000), 414, "uri_too_long")
    _assert_error(service.request("GET", "/health", headers={"X-Filler": "a" * 100_000}), 431, "header_fields_too_large")


def test_head_is_answered_on_get_routes_without_a_body(service):
    response = service.request("HEAD", "/health", key=None)
    assert (response.status_code, response.content) == (200, b"")
    assert service.request("HEAD", "/openapi.json").status_code == 200
    assert service.request("HEAD", "/openapi.json", key=None).status_code == 401
    assert service.request("HEAD", "/sites", key=None).status_code == 401


def test_a_get_with_a_body_is_no_error(service):
    response = service.request("GET", "/health", key=None, data=b'{"unexpected": "body"}')
    assert response.status_code == 200
    response = service.request("GET", "/openapi.json", data=b"x" * 1000)
    assert response.status_code == 200
    assert "ERROR" not in service.log()


def test_confirm_delete_exactly_is_accepted(test_service):
    response = test_service.request("POST", "/_selftest/confirm/site-a", json={"confirm": "DELETE"})
    assert response.status_code == 200
    assert response.json() == {"ok": True, "slug": "site-a", "confirm": "DELETE"}


@pytest.mark.parametrize("slug", ["Site-A", "site_a", "-site", "a" * 57, "%7B%7B%20x%20%7D%7D"])
def test_a_slug_that_cannot_exist_answers_400(test_service, slug):
    response = test_service.request("POST", f"/_selftest/confirm/{slug}", json={"confirm": "DELETE"})
    body = _assert_error(response, 400, "invalid_input")
    assert body["details"][0]["field"] == "slug"


def test_an_oversized_body_answers_413(test_service):
    response = test_service.request("POST", "/_selftest/confirm/site-a", data=b"{" + b" " * (1024 * 1024 + 1) + b"}")
    _assert_error(response, 413, "payload_too_large")


def test_client_errors_are_not_logged_as_errors(service):
    service.request("GET", "/no-such-route-quiet")
    assert "ERROR" not in service.log()
