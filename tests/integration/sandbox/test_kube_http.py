"""The emulator's HTTP surface seen byte by byte: discovery, content types, Status shapes, watch.

These go through plain HTTP (requests) because they check what clients rely on without showing
it: headers, exact JSON shapes and the chunked watch stream.
"""

from __future__ import annotations

import json
import threading
import time

import requests

JSON = "application/json"
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def _post(url: str, path: str, obj: dict, **params) -> requests.Response:
    return requests.post(url + path, json=obj, params=params, timeout=10)


def _ns(url: str, name: str) -> dict:
    resp = _post(url, "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_version_reports_all_nine_fields_as_strings_for_1_32(kube, kube_env):
    resp = requests.get(kube.url + "/version", timeout=5)
    assert resp.headers["Content-Type"] == JSON
    body = resp.json()
    fields = ["major", "minor", "gitVersion", "gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler",
              "platform"]
    assert sorted(body) == sorted(fields)
    assert all(isinstance(body[f], str) and body[f] for f in fields)
    assert body["minor"] == "32" and body["gitVersion"].startswith("v1.32.")


def test_health_endpoints_answer_ok(kube, kube_env):
    for path in ("/healthz", "/livez", "/readyz"):
        resp = requests.get(kube.url + path, timeout=5)
        assert (resp.status_code, resp.text) == (200, "ok")


def test_discovery_lists_groups_and_subresource_rows(kube, kube_env):
    groups = requests.get(kube.url + "/apis", timeout=5).json()
    names = {g["name"] for g in groups["groups"]}
    assert {"apps", "batch", "networking.k8s.io", "rbac.authorization.k8s.io", "storage.k8s.io",
            "apiextensions.k8s.io", "policy", "autoscaling", "cert-manager.io"} <= names
    apps = requests.get(kube.url + "/apis/apps/v1", timeout=5).json()
    rows = {r["name"]: r for r in apps["resources"]}
    assert rows["deployments"]["shortNames"] == ["deploy"]
    assert rows["deployments"]["verbs"] == ["create", "delete", "deletecollection", "get", "list", "patch",
                                            "update", "watch"]
    assert rows["deployments/scale"]["group"] == "autoscaling"
    assert rows["deployments/scale"]["kind"] == "Scale"
    assert "deployments/status" in rows
    core = {r["name"] for r in requests.get(kube.url + "/api/v1", timeout=5).json()["resources"]}
    assert {"namespaces", "configmaps", "secrets", "services", "serviceaccounts", "pods", "pods/log",
            "pods/status", "persistentvolumeclaims", "persistentvolumes", "resourcequotas", "limitranges",
            "events", "endpoints"} <= core


def test_unknown_group_version_answers_404_status(kube, kube_env):
    resp = requests.get(kube.url + "/apis/example.com/v1", timeout=5)
    assert resp.status_code == 404
    assert resp.headers["Content-Type"] == JSON
    body = resp.json()
    assert body["kind"] == "Status" and body["reason"] == "NotFound" and body["code"] == 404


def test_aggregated_discovery_is_served_with_its_content_type(kube, kube_env):
    accept = f"{AGGREGATED},application/json"
    resp = requests.get(kube.url + "/apis", headers={"Accept": accept}, timeout=5)
    assert resp.headers["Content-Type"] == AGGREGATED
    items = {i["metadata"]["name"]: i for i in resp.json()["items"]}
    deploy = next(r for r in items["apps"]["versions"][0]["resources"] if r["resource"] == "deployments")
    assert {s["subresource"] for s in deploy["subresources"]} == {"status", "scale"}
    plain = requests.get(kube.url + "/apis", timeout=5)
    assert plain.headers["Content-Type"] == JSON and plain.json()["kind"] == "APIGroupList"


def test_openapi_v3_documents_patch_parameters_per_kind(kube, kube_env):
    root = requests.get(kube.url + "/openapi/v3", timeout=5).json()
    url = root["paths"]["apis/apps/v1"]["serverRelativeURL"]
    doc = requests.get(kube.url + url, timeout=5).json()
    op = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert op["x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert {p["name"] for p in op["parameters"]} >= {"fieldValidation", "fieldManager", "dryRun", "force"}
    assert requests.get(kube.url + "/openapi/v2", timeout=5).status_code == 404


def test_list_carries_current_resource_version_and_items_without_kind(kube, kube_env):
    _ns(kube.url, "t1")
    body = requests.get(kube.url + "/api/v1/namespaces/t1/configmaps", timeout=5).json()
    assert body["kind"] == "ConfigMapList" and body["apiVersion"] == "v1"
    assert int(body["metadata"]["resourceVersion"]) > 0
    assert [i["metadata"]["name"] for i in body["items"]] == ["kube-root-ca.crt"]
    assert "kind" not in body["items"][0]


def test_new_namespace_gets_default_service_account_and_root_ca(kube, kube_env):
    ns = _ns(kube.url, "t1")
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "t1"}
    assert ns["spec"] == {"finalizers": ["kubernetes"]} and ns["status"] == {"phase": "Active"}
    sa = requests.get(kube.url + "/api/v1/namespaces/t1/serviceaccounts/default", timeout=5)
    cm = requests.get(kube.url + "/api/v1/namespaces/t1/configmaps/kube-root-ca.crt", timeout=5)
    assert sa.status_code == 200 and cm.status_code == 200
    assert "ca.crt" in cm.json()["data"]


def test_delete_answers_status_or_object_by_kind(kube, kube_env):
    _ns(kube.url, "t1")
    _post(kube.url, "/api/v1/namespaces/t1/configmaps", {"metadata": {"name": "c"}})
    deleted = requests.delete(kube.url + "/api/v1/namespaces/t1/configmaps/c", timeout=5).json()
    assert deleted["kind"] == "Status" and deleted["status"] == "Success"
    assert deleted["details"]["name"] == "c" and deleted["details"]["kind"] == "configmaps"
    assert deleted["details"]["uid"]
    sa = requests.delete(kube.url + "/api/v1/namespaces/t1/serviceaccounts/default", timeout=5).json()
    assert sa["kind"] == "ServiceAccount"
    again = requests.delete(kube.url + "/api/v1/namespaces/t1/configmaps/c", timeout=5)
    assert again.status_code == 404
    assert again.json()["message"] == 'configmaps "c" not found'


def test_delete_with_finalizer_sets_deletion_timestamp_until_finalizer_removed(kube, kube_env):
    _ns(kube.url, "t1")
    _post(kube.url, "/api/v1/namespaces/t1/configmaps",
          {"metadata": {"name": "held", "finalizers": ["example.com/hold"]}})
    resp = requests.delete(kube.url + "/api/v1/namespaces/t1/configmaps/held", timeout=5)
    assert resp.status_code == 200
    assert resp.json()["metadata"]["deletionTimestamp"]
    assert requests.get(kube.url + "/api/v1/namespaces/t1/configmaps/held", timeout=5).status_code == 200
    patched = requests.patch(kube.url + "/api/v1/namespaces/t1/configmaps/held",
                             data=json.dumps({"metadata": {"finalizers": None}}),
                             headers={"Content-Type": "application/merge-patch+json"}, timeout=5)
    assert patched.status_code == 200, patched.text
    assert requests.get(kube.url + "/api/v1/namespaces/t1/configmaps/held", timeout=5).status_code == 404


def test_protobuf_body_answers_415(kube, kube_env):
    resp = requests.post(kube.url + "/api/v1/namespaces", data=b"k8s\x00\n\x0f\n\x02v1\x12\tNamespace",
                         headers={"Content-Type": "application/vnd.kubernetes.protobuf"}, timeout=5)
    assert resp.status_code == 415
    assert resp.json()["reason"] == "UnsupportedMediaType"


def test_malformed_json_answers_400_with_decoder_text(kube, kube_env):
    resp = requests.post(kube.url + "/api/v1/namespaces/default/configmaps", data=b"{bad json",
                         headers={"Content-Type": "application/json"}, timeout=5)
    assert resp.status_code == 400
    assert resp.json()["message"] == (
        "the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; "
        "json parse error: invalid character 'b' looking for beginning of object key string ({bad json)")


def test_unknown_path_and_method_answer_status(kube, kube_env):
    resp = requests.get(kube.url + "/api/v1/widgets", timeout=5)
    assert resp.status_code == 404
    assert resp.json()["message"] == "the server could not find the requested resource"
    resp = requests.put(kube.url + "/api/v1/namespaces/default/configmaps", json={}, timeout=5)
    assert resp.status_code == 405 and resp.json()["reason"] == "MethodNotAllowed"


def test_get_is_served_in_a_few_milliseconds(kube, kube_env):
    session = requests.Session()
    url = kube.url + "/api/v1/namespaces/default"
    session.get(url, timeout=5)
    timings = []
    for _ in range(50):
        start = time.perf_counter()
        assert session.get(url, timeout=5).status_code == 200
        timings.append(time.perf_counter() - start)
    timings.sort()
    assert timings[len(timings) // 2] < 0.005, timings


def _watch_lines(url: str, params: dict, out: list, ready: threading.Event) -> None:
    with requests.get(url, params=params, stream=True, timeout=30) as resp:
        out.append(resp.headers.get("Transfer-Encoding"))
        ready.set()
        for line in resp.iter_lines():
            if line:
                out.append(json.loads(line))


def test_watch_streams_events_after_resource_version_and_ends_at_timeout(kube, kube_env):
    _ns(kube.url, "t1")
    listed = requests.get(kube.url + "/api/v1/namespaces/t1/configmaps", timeout=5).json()
    rv = listed["metadata"]["resourceVersion"]
    events: list = []
    ready = threading.Event()
    watcher = threading.Thread(target=_watch_lines, args=(
        kube.url + "/api/v1/namespaces/t1/configmaps",
        {"watch": "true", "resourceVersion": rv, "timeoutSeconds": "2", "allowWatchBookmarks": "true"},
        events, ready))
    start = time.monotonic()
    watcher.start()
    ready.wait(5)
    _post(kube.url, "/api/v1/namespaces/t1/configmaps", {"metadata": {"name": "w"}, "data": {"a": "1"}})
    requests.patch(kube.url + "/api/v1/namespaces/t1/configmaps/w", data=json.dumps({"data": {"a": "2"}}),
                   headers={"Content-Type": "application/merge-patch+json"}, timeout=5)
    requests.delete(kube.url + "/api/v1/namespaces/t1/configmaps/w", timeout=5)
    watcher.join(10)
    assert not watcher.is_alive()
    assert 1.5 < time.monotonic() - start < 6
    assert events[0] == "chunked"
    kinds = [(e["type"], e["object"]["metadata"]["name"]) for e in events[1:] if e["type"] != "BOOKMARK"]
    assert kinds == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events[1:]]
    assert rvs == sorted(rvs) and rvs[0] > int(rv)


def test_watch_without_resource_version_starts_with_current_objects(kube, kube_env):
    _ns(kube.url, "t1")
    events: list = []
    _watch_lines(kube.url + "/api/v1/namespaces/t1/configmaps", {"watch": "1", "timeoutSeconds": "1"},
                 events, threading.Event())
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events[1:]] == [("ADDED", "kube-root-ca.crt")]

