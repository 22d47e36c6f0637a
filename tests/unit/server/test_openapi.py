"""server/openapi.py: @operation enforces what it documents; the document lists every route."""

import pytest
from pydantic import Field
from sanic import Blueprint
from sanic.response import json

from server.app import create_app
from server.config import Settings
from contract.errors import ERROR_CODES, AlreadyExists, SiteNotFound
from contract.models.common import SLUG_PATTERN, ApiModel, Confirm
from server.openapi import build_document, declared_operation, operation

KEY = "unit-test-key"


class ThingCreate(ApiModel):
    """A thing to create."""

    ram_gi: int = Field(gt=0)
    name: str


class Thing(ApiModel):
    """A created thing."""

    slug: str
    ram_gi: int


def _blueprint() -> Blueprint:
    bp = Blueprint("things")

    @bp.post("/things/<slug>")
    @operation(body=ThingCreate, response=Thing, errors=(SiteNotFound, AlreadyExists))
    async def thing_create(request, slug: str, body: ThingCreate):
        """POST /things/:slug: create a thing."""
        return {"slug": slug, "ramGi": body.ram_gi}

    @bp.get("/things")
    @operation(response=list[Thing], summary="List the things")
    async def thing_list(request):
        return [{"slug": "a", "ramGi": 1}, {"slug": "b", "ramGi": 2}]

    @bp.post("/things/<slug>/purge")
    @operation(body=Confirm)
    async def thing_purge(request, slug: str, body: Confirm):
        """POST /things/:slug/purge."""
        return {"ok": True, "slug": slug}

    @bp.get("/broken")
    @operation(response=Thing)
    async def thing_broken(request):
        """GET /broken: breaks the contract."""
        return {"slug": 1}

    @bp.get("/plain")
    async def plain(request):
        """GET /plain: no declared models."""
        return json({"plain": True})

    return bp


@pytest.fixture
def app(tmp_path):
    return create_app(Settings(api_keys=[KEY], state_dir=tmp_path), blueprints=[_blueprint()], name="openapi-test")


@pytest.fixture
def document(app):
    return build_document(app)


def _post(app, path, body: bytes):
    _, response = app.test_client.post(path, content=body, headers={"X-API-Key": KEY})
    return response


def test_declared_body_is_validated_and_passed_to_the_handler(app):
    response = _post(app, "/things/site-a", b'{"ramGi": 3, "name": "x"}')
    assert response.status == 200
    assert response.json == {"slug": "site-a", "ramGi": 3}


def test_unknown_fields_answer_400_with_details(app):
    response = _post(app, "/things/site-a", b'{"ramGi": 3, "name": "x", "ramGB": 4}')
    assert response.status == 400
    assert response.json["error"] == "invalid_input"
    assert response.json["details"] == [{"field": "ramGB", "message": "Extra inputs are not permitted"}]


def test_non_json_body_answers_400_invalid_json(app):
    response = _post(app, "/things/site-a", b"ramGi=3")
    assert (response.status, response.json["error"]) == (400, "invalid_json")


def test_an_impossible_slug_answers_400_before_the_handler_runs(app):
    response = _post(app, "/things/Not_A_Slug", b'{"ramGi": 3, "name": "x"}')
    assert response.status == 400
    assert response.json["details"][0]["field"] == "slug"


def test_confirm_must_be_exact(app):
    assert _post(app, "/things/site-a/purge", b'{"confirm": "DELETE"}').status == 200
    response = _post(app, "/things/site-a/purge", b'{"confirm": "yes"}')
    assert (response.status, response.json["details"][0]["field"]) == (400, "confirm")


def test_a_response_that_breaks_its_model_is_a_500(app):
    _, response = app.test_client.get("/broken", headers={"X-API-Key": KEY})
    assert response.status == 500
    assert response.json["error"] == "internal_error"
    assert "contract" in response.json["message"]


def test_list_responses_are_validated_and_sent(app):
    _, response = app.test_client.get("/things", headers={"X-API-Key": KEY})
    assert response.json == [{"slug": "a", "ramGi": 1}, {"slug": "b", "ramGi": 2}]


def test_the_document_is_served_with_a_key_only(app):
    _, response = app.test_client.get("/openapi.json")
    assert response.status == 401
    _, response = app.test_client.get("/openapi.json", headers={"X-API-Key": KEY})
    assert response.status == 200
    assert response.json["openapi"].startswith("3.")
    assert "/things/{slug}" in response.json["paths"]


def test_every_route_is_documented(document):
    assert set(document["paths"]) >= {"/health", "/openapi.json", "/things", "/things/{slug}", "/things/{slug}/purge", "/plain"}
    assert document["paths"]["/plain"]["get"]["responses"]["200"] == {"description": "Success."}


def test_request_and_response_models_are_components(document):
    create = document["paths"]["/things/{slug}"]["post"]
    body_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][body_ref.rsplit("/", 1)[-1]]
    assert set(schema["properties"]) == {"ramGi", "name"}
    assert schema["additionalProperties"] is False
    ok = create["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/Thing")
    listed = document["paths"]["/things"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed["type"] == "array" and listed["items"]["$ref"].endswith("/Thing")


def test_error_responses_list_their_codes(document):
    responses = document["paths"]["/things/{slug}"]["post"]["responses"]
    assert set(responses) == {"200", "400", "401", "404", "409", "500"}
    assert "site_not_found" in responses["404"]["description"]
    assert "already_exists" in responses["409"]["description"]
    assert "invalid_json" in responses["400"]["description"]
    error_schema = document["components"]["schemas"]["ErrorBody"]
    assert error_schema["properties"]["error"]["enum"] == sorted(ERROR_CODES)


def test_path_parameters_summaries_and_ids(document):
    create = document["paths"]["/things/{slug}"]["post"]
    assert create["parameters"] == [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string", "pattern": SLUG_PATTERN}}]
    assert create["operationId"] == "thing_create"
    assert create["summary"] == "POST /things/:slug: create a thing."
    assert document["paths"]["/things"]["get"]["summary"] == "List the things"
    operation_ids = [op["operationId"] for path in document["paths"].values() for op in path.values()]
    assert len(operation_ids) == len(set(operation_ids))


def test_health_is_public_and_everything_else_needs_the_key(document):
    assert document["components"]["securitySchemes"]["ApiKey"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert document["security"] == [{"ApiKey": []}]
    assert document["paths"]["/health"]["get"]["security"] == []
    assert "401" not in document["paths"]["/health"]["get"]["responses"]
    assert "security" not in document["paths"]["/things"]["get"]
    assert "401" in document["paths"]["/things"]["get"]["responses"]


def test_operation_metadata_is_kept_on_the_handler():
    @operation(body=Confirm, errors=(SiteNotFound,))
    async def handler(request):
        """Doc."""

    declared = declared_operation(handler)
    assert declared.body is Confirm and declared.errors == (SiteNotFound,)
    assert handler.__doc__ == "Doc." and handler.__name__ == "handler"
