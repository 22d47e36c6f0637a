"""Request parsing and rendering (sandbox/kube/responses.py), in process."""

from __future__ import annotations

import json

import pytest

from sandbox.kube.models.cluster import Cluster
from sandbox.kube.responses import Api, Request, go_json_error


class _BrokenCluster(Cluster):
    """A cluster whose reads fail unexpectedly (the catch-all must turn that into a 500 Status)."""

    def read(self, rtype, namespace, name):
        raise RuntimeError("disk on fire")


@pytest.fixture
def api(tmp_path) -> Api:
    return Api(Cluster(tmp_path, controllers=[], persist=False))


def _req(method: str, path: str, body: object = None, query: dict | None = None, **headers: str) -> Request:
    data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
    hdrs = {"content-type": "application/json", **{k.replace("_", "-"): v for k, v in headers.items()}}
    return Request(method, path, query or {}, hdrs, data)


def test_unexpected_exception_is_a_500_status_without_traceback(tmp_path, caplog):
    api = Api(_BrokenCluster(tmp_path, controllers=[], persist=False))
    resp = api.handle(_req("GET", "/api/v1/namespaces/default"))
    body = json.loads(resp.body)
    assert resp.status == 500 and resp.content_type == "application/json"
    assert body["reason"] == "InternalError" and "disk on fire" in body["message"]
    assert "Traceback" not in resp.body.decode()
    assert "Traceback" in caplog.text


def test_unknown_field_warning_header_is_quoted_like_the_real_server(api):
    resp = api.handle(_req("POST", "/api/v1/namespaces/default/configmaps",
                           {"metadata": {"name": "w"}, "datta": {"x": 1}}))
    assert resp.status == 201
    assert resp.headers == [("Warning", '299 - "unknown field \\"datta\\""')]


def test_field_validation_ignore_is_silent_and_invalid_directive_is_400(api):
    body = {"metadata": {"name": "w"}, "datta": 1}
    resp = api.handle(_req("POST", "/api/v1/namespaces/default/configmaps", body, {"fieldValidation": "Ignore"}))
    assert resp.status == 201 and resp.headers == []
    resp = api.handle(_req("POST", "/api/v1/namespaces/default/configmaps", body, {"fieldValidation": "Loud"}))
    assert resp.status == 400


def test_unsupported_patch_content_type_answers_415(api):
    resp = api.handle(_req("PATCH", "/api/v1/namespaces/default", {}, content_type="text/plain"))
    assert resp.status == 415
    assert json.loads(resp.body)["message"].startswith("the body of the request was in an unknown format")


def test_field_manager_defaults_to_user_agent_prefix(api):
    resp = api.handle(_req("POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "ua"}, "data": {"k": "v"}},
                           user_agent="kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd"))
    assert json.loads(resp.body)["metadata"]["managedFields"][0]["manager"] == "kubectl"


def test_yaml_bodies_are_accepted_for_create(api):
    body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  k: v\n"
    resp = api.handle(_req("POST", "/api/v1/namespaces/default/configmaps", body, content_type="application/yaml"))
    assert resp.status == 201 and json.loads(resp.body)["data"] == {"k": "v"}


def test_delete_body_and_query_options(api):
    api.handle(_req("POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "d"}}))
    bad = api.handle(_req("DELETE", "/api/v1/namespaces/default/configmaps/d", {"propagationPolicy": "Sideways"}))
    assert bad.status == 422
    dry = api.handle(_req("DELETE", "/api/v1/namespaces/default/configmaps/d",
                          {"apiVersion": "v1", "kind": "DeleteOptions", "dryRun": ["All"]}))
    assert dry.status == 200
    assert api.handle(_req("GET", "/api/v1/namespaces/default/configmaps/d")).status == 200
    gone = api.handle(_req("DELETE", "/api/v1/namespaces/default/configmaps/d", b"",
                           {"propagationPolicy": "Background"}))
    assert json.loads(gone.body)["status"] == "Success"


def test_pod_log_of_a_missing_pod_is_404_and_of_a_new_pod_empty(api):
    assert api.handle(_req("GET", "/api/v1/namespaces/default/pods/nope/log")).status == 404
    api.handle(_req("POST", "/api/v1/namespaces/default/pods",
                    {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}))
    resp = api.handle(_req("GET", "/api/v1/namespaces/default/pods/p/log"))
    assert (resp.status, resp.content_type, resp.body) == (200, "text/plain", b"")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("{bad", "invalid character 'b' looking for beginning of object key string"),
        ('{"a" 1}', "invalid character '1' after object key"),
        ('{"a": 1 "b": 2}', "invalid character '\"' after object key:value pair"),
        ("[1] x", "invalid character 'x' after top-level value"),
        ('{"a": }', "invalid character '}' looking for beginning of value"),
        ('{"a": 1', "unexpected end of JSON input"),
        ("", "unexpected end of JSON input"),
    ],
)
def test_json_errors_are_worded_like_go(text, expected):
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        assert go_json_error(exc, text) == expected
    else:  # pragma: no cover - every case is malformed
        raise AssertionError("parsed")
