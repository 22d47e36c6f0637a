"""The real `kubernetes` Python client (typed and dynamic) against the emulator."""

from __future__ import annotations

import json
import threading
import time

import pytest
from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException

APPLY = "application/apply-patch+yaml"


@pytest.fixture
def core(kube_api) -> client.CoreV1Api:
    return client.CoreV1Api(kube_api)


@pytest.fixture
def apps(kube_api) -> client.AppsV1Api:
    return client.AppsV1Api(kube_api)


@pytest.fixture
def ns(core) -> str:
    core.create_namespace({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "t1"}})
    return "t1"


def _status(exc: ApiException) -> dict:
    return json.loads(exc.body)


def _deployment(name: str = "web", replicas: int = 1, image: str = "nginx:1.27") -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "web", "image": image,
                                                       "env": [{"name": "A", "value": "1"}]}]}}},
    }


def test_configmap_crud_round_trip(core, ns):
    created = core.create_namespaced_config_map(ns, {"metadata": {"name": "c", "labels": {"x": "1"}},
                                                     "data": {"k": "v"}})
    assert created.metadata.uid and created.metadata.creation_timestamp
    assert created.metadata.managed_fields[0].manager == "OpenAPI-Generator"
    assert core.read_namespaced_config_map("c", ns).data == {"k": "v"}
    body = core.read_namespaced_config_map("c", ns).to_dict()
    body["data"] = {"k": "v2"}
    replaced = core.replace_namespaced_config_map("c", ns, body)
    assert replaced.data == {"k": "v2"}
    assert int(replaced.metadata.resource_version) > int(created.metadata.resource_version)
    core.delete_namespaced_config_map("c", ns)
    with pytest.raises(ApiException) as err:
        core.read_namespaced_config_map("c", ns)
    assert err.value.status == 404
    assert _status(err.value)["details"] == {"name": "c", "kind": "configmaps"}


@pytest.mark.parametrize(
    "selector, expected",
    [
        ("tier=web", ["a", "b"]),
        ("tier==web", ["a", "b"]),
        ("tier!=web", ["c", "d", "kube-root-ca.crt"]),
        ("tier in (web,db)", ["a", "b", "c"]),
        ("tier notin (web)", ["c", "d", "kube-root-ca.crt"]),
        ("tier", ["a", "b", "c"]),
        ("!tier", ["d", "kube-root-ca.crt"]),
        ("tier=web,env=prod", ["b"]),
    ],
)
def test_list_with_label_selectors(core, ns, selector, expected):
    labels = {"a": {"tier": "web"}, "b": {"tier": "web", "env": "prod"}, "c": {"tier": "db"}, "d": {}}
    for name, lab in labels.items():
        core.create_namespaced_config_map(ns, {"metadata": {"name": name, "labels": lab}})
    items = core.list_namespaced_config_map(ns, label_selector=selector).items
    assert sorted(i.metadata.name for i in items) == expected


def test_field_selectors_by_name_and_unsupported_field(core, ns):
    core.create_namespaced_config_map(ns, {"metadata": {"name": "a"}})
    core.create_namespaced_config_map(ns, {"metadata": {"name": "b"}})
    names = [i.metadata.name for i in core.list_namespaced_config_map(ns, field_selector="metadata.name=b").items]
    assert names == ["b"]
    across = core.list_config_map_for_all_namespaces(field_selector=f"metadata.namespace={ns},metadata.name!=a")
    assert sorted(i.metadata.name for i in across.items) == ["b", "kube-root-ca.crt"]
    with pytest.raises(ApiException) as err:
        core.list_namespaced_config_map(ns, field_selector="data.k=v")
    assert err.value.status == 400
    assert _status(err.value)["message"] == "field label not supported: data.k"


def test_pod_field_selector_on_status_phase(core, ns):
    created = core.create_namespaced_pod(ns, {"metadata": {"name": "p"}, "spec": {
        "restartPolicy": "Never", "nodeName": "sandbox",
        "containers": [{"name": "c", "image": "busybox", "command": ["sh", "-c", "true"]}]}})
    assert created.status.phase == "Pending" and created.status.qos_class == "BestEffort"
    deadline = time.monotonic() + 30  # the simulated kubelet runs the pod as a local process
    while core.read_namespaced_pod("p", ns).status.phase != "Succeeded":
        assert time.monotonic() < deadline, core.read_namespaced_pod("p", ns).status
        time.sleep(0.1)
    selected = core.list_namespaced_pod(ns, field_selector="status.phase=Succeeded").items
    assert [p.metadata.name for p in selected] == ["p"]
    assert core.list_namespaced_pod(ns, field_selector="status.phase=Running").items == []
    on_node = core.list_namespaced_pod(ns, field_selector="spec.nodeName=sandbox").items
    assert [p.metadata.name for p in on_node] == ["p"]
    assert core.list_namespaced_pod(ns, field_selector="spec.nodeName=elsewhere").items == []


def test_strategic_merge_patch_merges_containers_and_env_by_name(apps, ns):
    apps.create_namespaced_deployment(ns, _deployment())
    patch = {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:1.28", "env": [{"name": "B", "value": "2"}]}]}}}}
    result = apps.patch_namespaced_deployment("web", ns, patch)
    container = result.spec.template.spec.containers[0]
    assert container.image == "nginx:1.28"
    assert sorted((e.name, e.value) for e in container.env) == [("A", "1"), ("B", "2")]
    assert result.metadata.generation == 2


def test_merge_patch_replaces_lists_and_null_deletes(core, ns):
    core.create_namespaced_config_map(ns, {"metadata": {"name": "c", "labels": {"a": "1", "b": "2"}},
                                           "data": {"k": "v"}})
    result = core.patch_namespaced_config_map("c", ns, {"metadata": {"labels": {"b": None}}, "data": {"j": "w"}},
                                              _content_type="application/merge-patch+json")
    assert result.metadata.labels == {"a": "1"}
    assert result.data == {"k": "v", "j": "w"}


def test_json_patch_applies_and_failed_test_answers_422(core, ns):
    core.create_namespaced_config_map(ns, {"metadata": {"name": "c"}, "data": {"k": "v"}})
    result = core.patch_namespaced_config_map("c", ns, [{"op": "add", "path": "/data/j", "value": "w"}],
                                              _content_type="application/json-patch+json")
    assert result.data == {"k": "v", "j": "w"}
    with pytest.raises(ApiException) as err:
        core.patch_namespaced_config_map("c", ns, [{"op": "test", "path": "/data/k", "value": "nope"}],
                                         _content_type="application/json-patch+json")
    assert err.value.status == 422


def test_noop_patch_keeps_resource_version_and_managed_fields_time(core, ns):
    created = core.create_namespaced_config_map(ns, {"metadata": {"name": "c", "labels": {"a": "1"}},
                                                     "data": {"k": "v"}})
    again = core.patch_namespaced_config_map("c", ns, {"metadata": {"labels": {"a": "1"}}, "data": {"k": "v"}})
    assert again.metadata.resource_version == created.metadata.resource_version
    assert again.metadata.managed_fields[0].time == created.metadata.managed_fields[0].time


def test_generation_bumps_only_on_spec_changes(apps, ns):
    created = apps.create_namespaced_deployment(ns, _deployment())
    assert created.metadata.generation == 1
    labelled = apps.patch_namespaced_deployment("web", ns, {"metadata": {"labels": {"extra": "x"}}})
    assert labelled.metadata.generation == 1
    scaled = apps.patch_namespaced_deployment("web", ns, {"spec": {"replicas": 3}})
    assert scaled.metadata.generation == 2


def test_server_side_apply_creates_then_conflicts_with_other_manager(core, ns):
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "s", "namespace": ns},
              "data": {"k": "v"}}
    created = core.patch_namespaced_config_map("s", ns, config, field_manager="mine", _content_type=APPLY)
    assert created.metadata.managed_fields[0].manager == "mine"
    assert created.metadata.managed_fields[0].operation == "Apply"
    same = core.patch_namespaced_config_map("s", ns, config, field_manager="mine", _content_type=APPLY)
    assert same.metadata.resource_version == created.metadata.resource_version
    other = {**config, "data": {"k": "theirs"}}
    with pytest.raises(ApiException) as err:
        core.patch_namespaced_config_map("s", ns, other, field_manager="other", force=False, _content_type=APPLY)
    assert err.value.status == 409
    status = _status(err.value)
    assert status["message"] == 'Apply failed with 1 conflict: conflict with "mine": .data.k'
    assert status["details"]["causes"][0]["reason"] == "FieldManagerConflict"
    forced = core.patch_namespaced_config_map("s", ns, other, field_manager="other", force=True,
                                              _content_type=APPLY)
    assert forced.data == {"k": "theirs"}


def test_server_side_apply_without_field_manager_answers_422(kube_api, ns):
    with pytest.raises(ApiException) as err:
        client.CoreV1Api(kube_api).patch_namespaced_config_map(
            "s", ns, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "s"}}, _content_type=APPLY)
    assert err.value.status == 422
    assert _status(err.value)["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch')


def test_server_side_apply_of_undeclared_field_answers_500(apps, ns):
    config = _deployment()
    config["spec"]["foo"] = 1
    with pytest.raises(ApiException) as err:
        apps.patch_namespaced_deployment("web", ns, config, field_manager="m", _content_type=APPLY)
    assert err.value.status == 500
    assert _status(err.value)["message"] == (
        "failed to create typed patch object (t1/web; apps/v1, Kind=Deployment): "
        ".spec.foo: field not declared in schema")


def test_dry_run_writes_nothing(core, ns):
    dry = core.create_namespaced_config_map(ns, {"metadata": {"name": "d"}, "data": {"k": "v"}}, dry_run="All")
    assert dry.metadata.name == "d" and dry.data == {"k": "v"}
    with pytest.raises(ApiException):
        core.read_namespaced_config_map("d", ns)
    core.create_namespaced_config_map(ns, {"metadata": {"name": "d"}, "data": {"k": "v"}})
    before = core.read_namespaced_config_map("d", ns)
    patched = core.patch_namespaced_config_map("d", ns, {"data": {"k": "dry"}}, dry_run="All")
    assert patched.data == {"k": "dry"}
    core.delete_namespaced_config_map("d", ns, dry_run="All")
    after = core.read_namespaced_config_map("d", ns)
    assert after.data == {"k": "v"}
    assert after.metadata.resource_version == before.metadata.resource_version


def test_stale_resource_version_on_replace_answers_409(core, ns):
    created = core.create_namespaced_config_map(ns, {"metadata": {"name": "c"}, "data": {"k": "v"}})
    core.patch_namespaced_config_map("c", ns, {"data": {"k": "v2"}})
    body = created.to_dict()
    body["data"] = {"k": "v3"}
    with pytest.raises(ApiException) as err:
        core.replace_namespaced_config_map("c", ns, body)
    assert err.value.status == 409
    assert _status(err.value)["message"] == (
        'Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your '
        "changes to the latest version and try again")


def test_scale_subresource_reads_and_writes_replicas(apps, ns):
    apps.create_namespaced_deployment(ns, _deployment(replicas=2))
    scale = apps.read_namespaced_deployment_scale("web", ns)
    assert scale.spec.replicas == 2 and scale.status.selector == "app=web"
    result = apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 4}},
                                                    _content_type="application/merge-patch+json")
    assert result.kind == "Scale" and result.spec.replicas == 4
    assert apps.read_namespaced_deployment("web", ns).spec.replicas == 4


def test_main_resource_writes_ignore_status_and_status_writes_keep_spec(core, ns):
    core.create_namespaced_service(ns, {"metadata": {"name": "svc"}, "spec": {"ports": [{"port": 80}]}})
    lb = {"loadBalancer": {"ingress": [{"ip": "192.0.2.10"}]}}
    core.patch_namespaced_service_status("svc", ns, {"status": lb})
    assert core.read_namespaced_service("svc", ns).status.load_balancer.ingress[0].ip == "192.0.2.10"
    core.patch_namespaced_service("svc", ns, {"status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.99"}]}},
                                              "spec": {"ports": [{"name": "http", "port": 80},
                                                                 {"name": "https", "port": 443}]}})
    current = core.read_namespaced_service("svc", ns)
    assert sorted(p.port for p in current.spec.ports) == [80, 443]
    assert current.status.load_balancer.ingress[0].ip == "192.0.2.10"
    core.patch_namespaced_service_status("svc", ns, {"spec": {"type": "NodePort"}, "status": lb})
    assert core.read_namespaced_service("svc", ns).spec.type == "ClusterIP"


def test_watch_stream_reports_changes(core, ns):
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    seen: list[tuple[str, str]] = []

    def consume():
        w = watch.Watch()
        for event in w.stream(core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=3):
            seen.append((event["type"], event["object"].metadata.name))
            if event["type"] == "DELETED":
                w.stop()

    thread = threading.Thread(target=consume)
    thread.start()
    core.create_namespaced_config_map(ns, {"metadata": {"name": "w"}})
    core.patch_namespaced_config_map("w", ns, {"data": {"a": "1"}})
    core.delete_namespaced_config_map("w", ns)
    thread.join(10)
    assert seen == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]


def test_custom_resources_refuse_strategic_merge_patch(kube_dynamic, ns):
    dyn = kube_dynamic()
    certs = dyn.resources.get(api_version="cert-manager.io/v1", kind="Certificate")
    certs.create(namespace=ns, body={"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
                                     "metadata": {"name": "c"},
                                     "spec": {"secretName": "c", "issuerRef": {"name": "x"}, "dnsNames": ["a.b"]}})
    with pytest.raises(Exception) as err:
        certs.patch(namespace=ns, name="c", body={"spec": {"dnsNames": ["c.d"]}},
                    content_type="application/strategic-merge-patch+json")
    assert getattr(err.value, "status", None) == 415
    merged = certs.patch(namespace=ns, name="c", body={"spec": {"dnsNames": ["c.d"]}},
                         content_type="application/merge-patch+json")
    assert merged.spec.dnsNames == ["c.d"]


def test_crd_created_at_run_time_is_served_at_once_and_removed_with_its_objects(kube_api, kube_dynamic, ns):
    dyn = kube_dynamic()
    crds = dyn.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
    crds.create(body={
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "subresources": {"status": {}},
                               "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                                   "spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}}}]},
    })
    crd = crds.get(name="widgets.example.com")
    assert {c.type: c.status for c in crd.status.conditions} == {"NamesAccepted": "True", "Established": "True"}
    widgets = dyn.resources.get(api_version="example.com/v1", kind="Widget")  # a cache miss refreshes discovery
    created = widgets.create(namespace=ns, body={"apiVersion": "example.com/v1", "kind": "Widget",
                                                 "metadata": {"name": "w"}, "spec": {"size": 3, "colour": "red"}})
    assert created.spec.size == 3
    assert "colour" not in created.spec.to_dict()  # pruned: not in the CRD schema
    assert created.metadata.generation == 1
    crds.delete(name="widgets.example.com")
    raw = kube_api.call_api("GET", kube_api.configuration.host + f"/apis/example.com/v1/namespaces/{ns}/widgets/w")
    raw.read()
    assert raw.status == 404


def test_create_in_missing_namespace_answers_404(core):
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map("nope", {"metadata": {"name": "c"}})
    assert err.value.status == 404
    assert _status(err.value)["message"] == 'namespaces "nope" not found'


def test_namespace_in_body_must_match_url(core, ns):
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map(ns, {"metadata": {"name": "c", "namespace": "other"}})
    assert err.value.status == 400
    assert _status(err.value)["message"] == (
        "the namespace of the provided object does not match the namespace sent on the request")


def test_resource_version_on_create_answers_400(core, ns):
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map(ns, {"metadata": {"name": "c", "resourceVersion": "5"}})
    assert err.value.status == 400
    assert _status(err.value)["message"] == "resourceVersion should not be set on objects to be created"


def test_kind_not_matching_url_answers_400(core, ns):
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map(ns, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "c"}})
    assert err.value.status == 400
    assert "cannot be handled as a ConfigMap" in _status(err.value)["message"]


def test_create_existing_answers_409_already_exists(core, ns):
    core.create_namespaced_config_map(ns, {"metadata": {"name": "c"}})
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map(ns, {"metadata": {"name": "c"}})
    assert err.value.status == 409
    status = _status(err.value)
    assert (status["reason"], status["message"]) == ("AlreadyExists", 'configmaps "c" already exists')


def test_generate_name_creates_unique_names(core, ns):
    a = core.create_namespaced_config_map(ns, {"metadata": {"generateName": "gen-"}})
    b = core.create_namespaced_config_map(ns, {"metadata": {"generateName": "gen-"}})
    assert a.metadata.name.startswith("gen-") and len(a.metadata.name) == 9
    assert a.metadata.name != b.metadata.name


def test_unknown_field_is_pruned_with_warning_by_default_and_refused_when_strict(kube_api, ns):
    url = kube_api.configuration.host + f"/api/v1/namespaces/{ns}/configmaps"
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "w1"}, "data": {"k": "v"},
            "datta": {"x": "y"}}
    resp = kube_api.call_api("POST", url, {"Content-Type": "application/json"}, body)
    resp.read()
    assert resp.status == 201
    assert resp.getheader("Warning") == '299 - "unknown field \\"datta\\""'
    assert "datta" not in json.loads(resp.data)
    strict = kube_api.call_api("POST", url + "?fieldValidation=Strict", {"Content-Type": "application/json"},
                               {**body, "metadata": {"name": "w2"}})
    strict.read()
    assert strict.status == 400
    assert json.loads(strict.data)["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "datta"')


def test_namespace_held_by_finalizer_is_terminating_and_refuses_new_content(core):
    core.create_namespace({"metadata": {"name": "held", "finalizers": ["example.com/hold"]}})
    deleted = core.delete_namespace("held")
    terminating = core.read_namespace("held")
    assert terminating.status.phase == "Terminating"
    assert terminating.metadata.deletion_timestamp is not None
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map("held", {"metadata": {"name": "c"}})
    assert err.value.status == 403
    status = _status(err.value)
    assert status["message"] == (
        'configmaps "c" is forbidden: unable to create new content in namespace held because it is being terminated')
    assert status["details"]["causes"][0]["reason"] == "NamespaceTerminating"
    core.patch_namespace("held", {"metadata": {"finalizers": None}},
                         _content_type="application/merge-patch+json")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            core.read_namespace("held")
        except ApiException as gone:
            assert gone.status == 404
            break
        time.sleep(0.1)
    else:
        raise AssertionError("namespace held still exists 10 s after its last finalizer was removed")
    assert deleted["status"]["phase"] == "Terminating"
