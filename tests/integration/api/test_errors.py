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
    assert response.headers["Allow"] == "GET"
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
    assert sorted(item["field"] for item in body["details"]) == ["confirm", "force"]
    assert all(set(item) == {"field", "message"} for item in body["details"])


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
