"""server/app.py: what create_app builds (requests go through Sanic's test client)."""

import pytest
from sanic import Blueprint
from sanic.response import json

from server.app import REQUEST_MAX_SIZE, RESPONSE_TIMEOUT, create_app
from server.config import ConfigError, Settings

KEY = "unit-test-key"


@pytest.fixture
def settings(tmp_path):
    return Settings(api_keys=[KEY, "second-key"], state_dir=tmp_path)


def test_an_app_without_api_keys_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="API key"):
        create_app(Settings(state_dir=tmp_path))


def test_sanic_reads_no_environment_of_its_own(settings, monkeypatch):
    monkeypatch.setenv("SANIC_REQUEST_MAX_SIZE", "5")
    monkeypatch.setenv("SANIC_RESPONSE_TIMEOUT", "1")
    app = create_app(settings)
    assert app.config.REQUEST_MAX_SIZE == REQUEST_MAX_SIZE
    assert app.config.RESPONSE_TIMEOUT == RESPONSE_TIMEOUT


def test_health_answers_without_a_key(settings):
    _, response = create_app(settings).test_client.get("/health")
    assert response.status == 200
    assert response.json == {"ok": True}


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": ""}, {"X-API-Key": "wrong"}, {"X-Api-Key": KEY + "x"}])
def test_other_routes_answer_401_without_a_valid_key(settings, headers):
    _, response = create_app(settings).test_client.get("/openapi.json", headers=headers)
    assert response.status == 401
    assert response.json == {
        "ok": False,
        "error": "unauthorized",
        "message": "A valid X-API-Key header is required.",
        "details": [],
    }


@pytest.mark.parametrize("key", [KEY, "second-key"])
def test_every_configured_key_opens_the_api(settings, key):
    _, response = create_app(settings).test_client.get("/openapi.json", headers={"x-api-key": key})
    assert response.status == 200


def test_unknown_routes_and_methods_answer_in_the_error_shape(settings):
    app = create_app(settings)
    _, response = app.test_client.get("/no/such/route", headers={"X-API-Key": KEY})
    assert (response.status, response.json["error"], response.json["ok"]) == (404, "not_found", False)
    _, response = app.test_client.post("/health")
    assert (response.status, response.json["error"]) == (405, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD"


def test_an_oversized_body_answers_413(settings):
    bp = Blueprint("upload")

    @bp.post("/upload")
    async def upload(request):
        return json({"size": len(request.body)})

    _, response = create_app(settings, blueprints=[bp]).test_client.post(
        "/upload", content=b"x" * (REQUEST_MAX_SIZE + 1), headers={"X-API-Key": KEY}
    )
    assert (response.status, response.json["error"]) == (413, "payload_too_large")


def test_an_unexpected_exception_answers_a_generic_500(settings):
    bp = Blueprint("boom")

    @bp.get("/boom")
    async def boom(request):
        raise RuntimeError("internal detail: password=hunter2")

    _, response = create_app(settings, blueprints=[bp]).test_client.get("/boom", headers={"X-API-Key": KEY})
    assert response.status == 500
    assert response.json == {"ok": False, "error": "internal_error", "message": "Internal error.", "details": []}


def test_extra_blueprints_are_registered_and_authenticated(settings):
    bp = Blueprint("extra")

    @bp.get("/extra")
    async def extra(request):
        return json({"runner": request.app.ctx.runner is not None})

    app = create_app(settings, blueprints=[bp])
    assert app.test_client.get("/extra")[1].status == 401
    _, response = app.test_client.get("/extra", headers={"X-API-Key": KEY})
    assert response.json == {"runner": True}
    assert app.ctx.runner is None  # closed when the server stopped
    assert settings.runs_dir.is_dir()
