"""The write rules of `Cluster` (sandbox/kube/models/cluster.py), in process, without controllers."""

from __future__ import annotations

import pytest

from sandbox.kube import errors
from sandbox.kube.models.cluster import Cluster, WriteOptions

OPTS = WriteOptions(manager="test")


@pytest.fixture
def cluster(tmp_path) -> Cluster:
    return Cluster(tmp_path, controllers=[], persist=False)


def _rt(cluster: Cluster, group: str, version: str, plural: str):
    return cluster.registry.lookup(group, version, plural)


@pytest.fixture
def ns(cluster) -> str:
    cluster.create(_rt(cluster, "", "v1", "namespaces"), None, {"metadata": {"name": "t1"}}, OPTS)
    return "t1"


def _cm(cluster, ns, name="c", data=None, **meta):
    rtype = _rt(cluster, "", "v1", "configmaps")
    return cluster.create(rtype, ns, {"metadata": {"name": name, **meta}, "data": data or {"k": "v"}}, OPTS).obj


def test_seeded_cluster_has_system_namespaces_and_cert_manager_kinds(cluster):
    names = [n["metadata"]["name"] for n in cluster.list("v1", "Namespace")]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]
    assert cluster.registry.by_kind("cert-manager.io/v1", "Certificate").custom
    assert cluster.get("storage.k8s.io/v1", "StorageClass", None, "standard")
    assert [c["metadata"]["name"] for c in cluster.list("v1", "ConfigMap", "default")] == ["kube-root-ca.crt"]


def test_create_sets_server_metadata_and_ignores_client_values(cluster, ns):
    obj = _cm(cluster, ns, uid="mine", creationTimestamp="2000-01-01T00:00:00Z")
    meta = obj["metadata"]
    assert meta["uid"] != "mine" and meta["creationTimestamp"] != "2000-01-01T00:00:00Z"
    assert int(meta["resourceVersion"]) == cluster.resource_version
    assert "generation" not in meta
    assert meta["managedFields"][0]["manager"] == "test"


def test_update_that_changes_nothing_keeps_resource_version(cluster, ns):
    rtype = _rt(cluster, "", "v1", "configmaps")
    created = _cm(cluster, ns)
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}
    result = cluster.replace(rtype, ns, "c", body, WriteOptions(manager="someone-else"))
    assert result.obj["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert result.obj["metadata"]["managedFields"] == created["metadata"]["managedFields"]
    changed = cluster.patch(rtype, ns, "c", "merge", {"data": {"k": "w"}}, OPTS)
    assert int(changed.obj["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])


def test_generation_tracks_spec_changes_of_workloads_only(cluster, ns):
    rtype = _rt(cluster, "apps", "v1", "deployments")
    body = {"metadata": {"name": "web"}, "spec": {"selector": {"matchLabels": {"a": "b"}},
                                                  "template": {"metadata": {"labels": {"a": "b"}},
                                                               "spec": {"containers": [{"name": "c", "image": "i"}]}}}}
    created = cluster.create(rtype, ns, body, OPTS).obj
    assert created["metadata"]["generation"] == 1 and created["spec"]["replicas"] == 1
    labelled = cluster.patch(rtype, ns, "web", "merge", {"metadata": {"labels": {"x": "y"}}}, OPTS).obj
    assert labelled["metadata"]["generation"] == 1
    scaled = cluster.patch(rtype, ns, "web", "merge", {"spec": {"replicas": 3}}, OPTS).obj
    assert scaled["metadata"]["generation"] == 2


def test_dry_run_returns_would_be_object_and_stores_nothing(cluster, ns):
    rtype = _rt(cluster, "", "v1", "configmaps")
    rv = cluster.resource_version
    dry = cluster.create(rtype, ns, {"metadata": {"name": "d"}}, WriteOptions(manager="m", dry_run=True))
    assert dry.created and dry.obj["metadata"]["uid"] and "resourceVersion" not in dry.obj["metadata"]
    assert cluster.get("v1", "ConfigMap", ns, "d") is None
    _cm(cluster, ns, "e")
    rv = cluster.resource_version
    cluster.delete(rtype, ns, "e", {}, WriteOptions(manager="m", dry_run=True))
    cluster.patch(rtype, ns, "e", "merge", {"data": {"k": "x"}}, WriteOptions(manager="m", dry_run=True))
    assert cluster.resource_version == rv
    assert cluster.get("v1", "ConfigMap", ns, "e")["data"] == {"k": "v"}


def test_namespace_delete_marks_terminating_and_second_delete_conflicts(cluster, ns):
    rtype = _rt(cluster, "", "v1", "namespaces")
    deleted = cluster.delete(rtype, None, ns, {}, OPTS).obj
    assert deleted["status"]["phase"] == "Terminating" and deleted["metadata"]["deletionTimestamp"]
    with pytest.raises(errors.Conflict) as err:
        cluster.delete(rtype, None, ns, {}, OPTS)
    assert err.value.message.endswith("will automatically be purged by the system.")
    with pytest.raises(errors.Forbidden) as err:
        _cm(cluster, ns, "late")
    assert err.value.details["causes"][0]["reason"] == "NamespaceTerminating"
    # The namespace controller finalizes it once the content is gone.
    cluster.delete_internal("v1", "Namespace", None, ns)
    assert cluster.get("v1", "Namespace", None, ns) is None


def test_finalizers_hold_an_object_until_removed(cluster, ns):
    rtype = _rt(cluster, "", "v1", "configmaps")
    _cm(cluster, ns, "held", finalizers=["example.com/x"])
    marked = cluster.delete(rtype, ns, "held", {}, OPTS).obj
    assert marked["metadata"]["deletionTimestamp"]
    assert cluster.get("v1", "ConfigMap", ns, "held") is not None
    cluster.patch(rtype, ns, "held", "json", [{"op": "remove", "path": "/metadata/finalizers"}], OPTS)
    assert cluster.get("v1", "ConfigMap", ns, "held") is None


def test_delete_preconditions(cluster, ns):
    rtype = _rt(cluster, "", "v1", "configmaps")
    _cm(cluster, ns)
    with pytest.raises(errors.Conflict) as err:
        cluster.delete(rtype, ns, "c", {"preconditions": {"uid": "other"}}, OPTS)
    assert "Precondition failed: UID in precondition: other" in err.value.message


def test_write_status_is_a_no_op_when_unchanged(cluster, ns):
    rtype = _rt(cluster, "", "v1", "services")
    cluster.create(rtype, ns, {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}, OPTS)
    first = cluster.write_status("v1", "Service", ns, "s", {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}})
    second = cluster.write_status("v1", "Service", ns, "s", {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}})
    assert first["metadata"]["resourceVersion"] == second["metadata"]["resourceVersion"]
    assert cluster.write_status("v1", "Service", ns, "missing", {}) is None


def test_service_defaults_and_status_ignored_on_create(cluster, ns):
    rtype = _rt(cluster, "", "v1", "services")
    svc = cluster.create(rtype, ns, {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]},
                                     "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}}}, OPTS).obj
    assert svc["spec"]["type"] == "ClusterIP" and svc["spec"]["clusterIP"].startswith("10.")
    assert svc["spec"]["ports"][0] == {"port": 80, "protocol": "TCP", "targetPort": 80}
    assert "status" not in svc


def test_secret_string_data_is_merged_into_data(cluster, ns):
    rtype = _rt(cluster, "", "v1", "secrets")
    secret = cluster.create(rtype, ns, {"metadata": {"name": "s"}, "stringData": {"pw": "hunter2"},
                                        "data": {"a": "Yg=="}}, OPTS).obj
    assert secret["data"] == {"a": "Yg==", "pw": "aHVudGVyMg=="}
    assert "stringData" not in secret and secret["type"] == "Opaque"


def test_crd_is_served_until_deleted_and_takes_its_objects_along(cluster, ns):
    crds = _rt(cluster, "apiextensions.k8s.io", "v1", "customresourcedefinitions")
    cluster.create(crds, None, {"metadata": {"name": "widgets.example.com"}, "spec": {
        "group": "example.com", "scope": "Namespaced", "names": {"kind": "Widget", "plural": "widgets"},
        "versions": [{"name": "v1", "served": True, "storage": True,
                      "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                          "spec": {"type": "object", "properties": {"n": {"type": "integer"}}}}}}}]}}, OPTS)
    widgets = _rt(cluster, "example.com", "v1", "widgets")
    assert widgets is not None and widgets.custom
    created = cluster.create(widgets, ns, {"apiVersion": "example.com/v1", "kind": "Widget",
                                           "metadata": {"name": "w"}, "spec": {"n": 1, "x": 2}}, OPTS)
    assert created.obj["spec"] == {"n": 1} and created.warnings == ['unknown field "spec.x"']
    with pytest.raises(errors.UnsupportedMediaType):
        cluster.patch(widgets, ns, "w", "strategic", {"spec": {"n": 2}}, OPTS)
    cluster.delete(crds, None, "widgets.example.com", {}, OPTS)
    assert _rt(cluster, "example.com", "v1", "widgets") is None
    assert cluster.store.list(widgets.storage_key) == []


def test_apply_creates_then_is_idempotent(cluster, ns):
    rtype = _rt(cluster, "", "v1", "configmaps")
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}}
    created = cluster.apply(rtype, ns, "a", dict(config), WriteOptions(manager="m"))
    assert created.created
    again = cluster.apply(rtype, ns, "a", dict(config), WriteOptions(manager="m"))
    assert not again.created
    assert again.obj["metadata"]["resourceVersion"] == created.obj["metadata"]["resourceVersion"]


def test_apply_requires_a_field_manager(cluster, ns):
    rtype = _rt(cluster, "", "v1", "configmaps")
    with pytest.raises(errors.Invalid) as err:
        cluster.apply(rtype, ns, "a", {"apiVersion": "v1", "kind": "ConfigMap"}, WriteOptions(manager=""))
    assert err.value.code == 422


def test_apply_with_wrong_version_or_name_answers_400(cluster, ns):
    rtype = _rt(cluster, "", "v1", "configmaps")
    with pytest.raises(errors.BadRequest) as err:
        cluster.apply(rtype, ns, "a", {"apiVersion": "v2", "kind": "ConfigMap"}, WriteOptions(manager="m"))
    assert err.value.message.startswith("Incorrect version specified in apply patch.")
    with pytest.raises(errors.BadRequest) as err:
        cluster.apply(rtype, ns, "a", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}},
                      WriteOptions(manager="m"))
    assert err.value.message == "the name of the object (b) does not match the name on the URL (a)"


def test_scale_of_a_deployment(cluster, ns):
    rtype = _rt(cluster, "apps", "v1", "deployments")
    cluster.create(rtype, ns, {"metadata": {"name": "web"}, "spec": {
        "replicas": 2, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}},
        OPTS)
    scale = cluster.read_scale(rtype, ns, "web")
    assert scale["spec"] == {"replicas": 2} and scale["status"]["selector"] == "app=web"
    result = cluster.patch(rtype, ns, "web", "strategic", {"kind": "Deployment", "spec": {"replicas": 5}}, OPTS,
                           subresource="scale")
    assert result.obj["kind"] == "Scale" and result.obj["spec"] == {"replicas": 5}
    with pytest.raises(errors.Invalid):
        cluster.patch(rtype, ns, "web", "merge", {"spec": {"replicas": -1}}, OPTS, subresource="scale")


def test_internal_list_accepts_text_and_object_selectors(cluster, ns):
    _cm(cluster, ns, "a", labels={"app": "web"})
    _cm(cluster, ns, "b", labels={"app": "db"})
    assert [o["metadata"]["name"] for o in cluster.list("v1", "ConfigMap", ns, "app=web")] == ["a"]
    assert [o["metadata"]["name"] for o in cluster.list("v1", "ConfigMap", ns, {"app": "db"})] == ["b"]
    assert [o["metadata"]["name"] for o in cluster.list("v1", "ConfigMap", ns,
                                                        {"matchExpressions": [{"key": "app", "operator": "Exists"}]})
            ] == ["a", "b"]


def test_reset_returns_to_seed_and_forgets_runtime_crds(cluster, ns):
    _cm(cluster, ns)
    rv = cluster.resource_version
    cluster.reset()
    assert cluster.get("v1", "Namespace", None, ns) is None
    assert cluster.resource_version > rv
    assert len(cluster.list("apiextensions.k8s.io/v1", "CustomResourceDefinition")) == 4


class _Recorder:
    kinds = (("", "ConfigMap"),)

    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    def admit(self, cluster, rtype, obj, old, dry_run):
        self.calls.append(("admit", obj["metadata"]["name"]))
        if obj["metadata"]["name"] == "refused":
            raise errors.Forbidden('configmaps "refused" is forbidden: test', {})
        obj.setdefault("metadata", {}).setdefault("annotations", {})["admitted"] = "yes"

    def settle(self, cluster, rtype, obj):
        self.calls.append(("settle", obj["metadata"]["name"]))

    def deleted(self, cluster, rtype, obj):
        self.calls.append(("deleted", obj["metadata"]["name"]))


def test_controller_hooks_run_in_order_and_may_refuse(tmp_path):
    recorder = _Recorder()
    cluster = Cluster(tmp_path, controllers=[recorder], persist=False)
    recorder.calls.clear()
    cluster.create_internal({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "t1"}})
    created = _cm(cluster, "t1", "a")
    assert created["metadata"]["annotations"] == {"admitted": "yes"}
    with pytest.raises(errors.Forbidden):
        _cm(cluster, "t1", "refused")
    cluster.delete_internal("v1", "ConfigMap", "t1", "a")
    assert [c for c in recorder.calls if c[1] != "kube-root-ca.crt"] == [
        ("admit", "a"), ("settle", "a"), ("admit", "refused"), ("deleted", "a")]
