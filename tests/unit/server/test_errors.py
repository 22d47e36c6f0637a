"""server/errors.py: Sanic's own exceptions become the contract's errors, rendered as JSON."""

import json

from sanic.exceptions import MethodNotAllowed as SanicMethodNotAllowed
from sanic.exceptions import NotFound as SanicNotFound
from sanic.exceptions import PayloadTooLarge as SanicPayloadTooLarge

from contract.errors import AlreadyExists, InternalError, MethodNotAllowed, NotFound, PayloadTooLarge
from server.errors import as_api_error, render


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
