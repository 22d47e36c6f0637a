"""Server-side apply and managedFields (models/apply.py)."""

from __future__ import annotations

import copy

import pytest

from sandbox.kube import errors
from sandbox.kube.models import apply as ssa
from sandbox.kube.models import schema

T0, T1, T2 = "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"


@pytest.fixture(scope="module")
def cm_schema():
    return schema.builtin_schema("", "v1", "ConfigMap")


@pytest.fixture(scope="module")
def deploy_schema():
    return schema.builtin_schema("apps", "v1", "Deployment")


def _cm(data, **meta):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "t1", **meta}, "data": data}


def _deployment(image="nginx:1", env=True, replicas=1):
    container = {"name": "web", "image": image, "ports": [{"containerPort": 80}]}
    if env:
        container["env"] = [{"name": "A", "value": "1"}]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "t1", "labels": {"app": "web"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "Recreate"},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}},
        },
    }


def _apply(live, config, node, manager="myapp", force=False, now=T0, **kw):
    return ssa.apply(live, config, manager=manager, force=force, node=node,
                     api_version=config["apiVersion"], now=now, **kw)


def _entries(obj):
    return [(e["manager"], e["operation"]) for e in obj["metadata"].get("managedFields", [])]


def _fields(obj, manager, operation="Apply"):
    for e in obj["metadata"]["managedFields"]:
        if e["manager"] == manager and e["operation"] == operation:
            return e["fieldsV1"]
    raise AssertionError(f"no entry for {manager}/{operation}")


def _updated(old, new, node, manager="OpenAPI-Generator", now=T0, **kw):
    out = copy.deepcopy(new)
    out["metadata"]["managedFields"] = ssa.record_update(old, new, manager=manager, node=node,
                                                         api_version=new["apiVersion"], now=now, **kw)
    return out


# --------------------------------------------------------------------------------------------
# fieldsV1 encoding


def test_apply_creates_object_with_one_apply_entry(cm_schema):
    obj = _apply(None, _cm({"k": "a"}, labels={"app": "x"}), cm_schema)
    assert obj["data"] == {"k": "a"}
    assert obj["metadata"]["managedFields"] == [{
        "manager": "myapp", "operation": "Apply", "apiVersion": "v1", "time": T0, "fieldsType": "FieldsV1",
        "fieldsV1": {"f:data": {"f:k": {}}, "f:metadata": {"f:labels": {"f:app": {}}}},
    }]


def test_fields_v1_of_a_deployment_with_containers(deploy_schema):
    obj = _apply(None, _deployment(), deploy_schema)
    assert _fields(obj, "myapp") == {
        "f:metadata": {"f:labels": {"f:app": {}}},
        "f:spec": {
            "f:replicas": {},
            "f:selector": {},  # LabelSelector is an atomic struct
            "f:strategy": {"f:type": {}},
            "f:template": {
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {"f:containers": {'k:{"name":"web"}': {
                    ".": {},
                    "f:env": {'k:{"name":"A"}': {".": {}, "f:name": {}, "f:value": {}}},
                    "f:image": {},
                    "f:name": {},
                    "f:ports": {'k:{"containerPort":80,"protocol":"TCP"}': {".": {}, "f:containerPort": {}}},
                }}},
            },
        },
    }


def test_fields_v1_round_trips_and_sets_use_value_keys():
    paths = {
        (("f", "metadata"), ("f", "finalizers"), ("v", "a.example.com/x")),
        (("f", "data"), ("f", "k")),
        (("f", "spec"), ("f", "ports"), ("k", (("port", 80), ("protocol", "TCP")))),
        (("f", "spec"), ("f", "ports"), ("k", (("port", 80), ("protocol", "TCP"))), ("f", "port")),
    }
    encoded = ssa.paths_to_fields_v1(paths)
    assert encoded == {
        "f:data": {"f:k": {}},
        "f:metadata": {"f:finalizers": {'v:"a.example.com/x"': {}}},
        "f:spec": {"f:ports": {'k:{"port":80,"protocol":"TCP"}': {".": {}, "f:port": {}}}},
    }
    assert ssa.fields_v1_to_paths(encoded) == paths


def test_path_strings_match_conflict_field_format():
    path = (("f", "spec"), ("f", "template"), ("f", "spec"), ("f", "containers"), ("k", (("name", "web"),)),
            ("f", "image"))
    assert ssa.path_string(path) == '.spec.template.spec.containers[name="web"].image'
    assert ssa.path_string((("f", "metadata"), ("f", "finalizers"), ("v", "x"))) == '.metadata.finalizers[="x"]'


# --------------------------------------------------------------------------------------------
# Apply semantics


def test_applying_the_same_config_twice_changes_nothing(deploy_schema):
    first = _apply(None, _deployment(), deploy_schema, now=T0)
    second = _apply(first, _deployment(), deploy_schema, now=T1)
    assert second == first


def test_changed_apply_moves_the_time_and_keeps_server_metadata(deploy_schema):
    first = _apply(None, _deployment(), deploy_schema, now=T0)
    first["metadata"].update(uid="u-1", resourceVersion="5", creationTimestamp=T0, generation=1)
    config = _deployment(image="nginx:2")
    config["metadata"]["uid"] = "forged"
    second = _apply(first, config, deploy_schema, now=T1)
    assert second["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2"
    assert second["metadata"]["managedFields"][0]["time"] == T1
    assert (second["metadata"]["uid"], second["metadata"]["resourceVersion"]) == ("u-1", "5")


def test_apply_removes_fields_the_manager_dropped(deploy_schema):
    first = _apply(None, _deployment(), deploy_schema, now=T0)
    config = _deployment(env=False)
    del config["metadata"]["labels"]
    second = _apply(first, config, deploy_schema, now=T1)
    container = second["spec"]["template"]["spec"]["containers"][0]
    assert "env" not in container
    assert "labels" not in second["metadata"]
    assert "f:env" not in _fields(second, "myapp")["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"web"}']


def test_apply_keeps_a_dropped_field_that_another_manager_also_owns(cm_schema):
    live = _apply(None, _cm({"k": "a", "j": "b"}), cm_schema, manager="first", now=T0)
    live = _apply(live, _cm({"j": "b"}), cm_schema, manager="second", now=T1)
    out = _apply(live, _cm({"k": "a"}), cm_schema, manager="first", now=T2)
    assert out["data"] == {"k": "a", "j": "b"}
    out = _apply(out, _cm({}), cm_schema, manager="first", now=T2)
    assert out["data"] == {"j": "b"}


def test_apply_keeps_fields_set_by_others(cm_schema):
    live = _apply(None, _cm({"k": "a"}), cm_schema, now=T0)
    edited = copy.deepcopy(live)
    edited["data"]["other"] = "x"
    edited = _updated(live, edited, cm_schema, manager="kubectl-edit", now=T1)
    out = _apply(edited, _cm({"k": "b"}), cm_schema, now=T2)
    assert out["data"] == {"k": "b", "other": "x"}
    assert _entries(out) == [("myapp", "Apply"), ("kubectl-edit", "Update")]


def test_apply_merges_associative_lists_per_key(deploy_schema):
    live = _apply(None, _deployment(), deploy_schema, now=T0)
    edited = copy.deepcopy(live)
    edited["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "busybox"})
    edited = _updated(live, edited, deploy_schema, manager="kubectl-edit", now=T1)
    out = _apply(edited, _deployment(image="nginx:2"), deploy_schema, now=T2)
    names = [(c["name"], c["image"]) for c in out["spec"]["template"]["spec"]["containers"]]
    assert names == [("web", "nginx:2"), ("sidecar", "busybox")]


def test_apply_ignores_status_for_kinds_with_a_status_subresource(deploy_schema):
    config = {**_deployment(), "status": {"replicas": 5}}
    obj = _apply(None, config, deploy_schema, ignore_status=True)
    assert "status" not in obj
    assert "f:status" not in _fields(obj, "myapp")


# --------------------------------------------------------------------------------------------
# Conflicts


def _created_by_python_client(cm_schema):
    return _updated(None, _cm({"k": "a"}), cm_schema, manager="OpenAPI-Generator", now=T0)


def test_conflict_with_an_update_manager_is_the_real_409(cm_schema):
    live = _created_by_python_client(cm_schema)
    with pytest.raises(errors.Conflict) as exc:
        _apply(live, _cm({"k": "b"}), cm_schema, now=T1)
    assert exc.value.to_status() == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'Apply failed with 1 conflict: conflict with "OpenAPI-Generator" using v1: .data.k',
        "reason": "Conflict",
        "details": {"causes": [{"reason": "FieldManagerConflict",
                                "message": 'conflict with "OpenAPI-Generator" using v1', "field": ".data.k"}]},
        "code": 409,
    }


def test_same_value_is_not_a_conflict_and_ownership_is_shared(cm_schema):
    live = _created_by_python_client(cm_schema)
    out = _apply(live, _cm({"k": "a"}), cm_schema, now=T1)
    assert _fields(out, "myapp") == {"f:data": {"f:k": {}}}
    assert _fields(out, "OpenAPI-Generator", "Update") == {"f:data": {".": {}, "f:k": {}}}
    assert out["data"] == {"k": "a"}


def test_force_moves_ownership(cm_schema):
    live = _created_by_python_client(cm_schema)
    out = _apply(live, _cm({"k": "b"}), cm_schema, force=True, now=T1)
    assert out["data"] == {"k": "b"}
    assert _fields(out, "myapp") == {"f:data": {"f:k": {}}}
    assert _fields(out, "OpenAPI-Generator", "Update") == {"f:data": {}}


def test_conflict_with_another_applier_names_it_without_version(cm_schema):
    live = _apply(None, _cm({"k": "a"}), cm_schema, manager="kubectl", now=T0)
    with pytest.raises(errors.Conflict) as exc:
        _apply(live, _cm({"k": "b"}), cm_schema, now=T1)
    assert exc.value.message == 'Apply failed with 1 conflict: conflict with "kubectl": .data.k'


def test_several_conflicts_are_grouped_per_manager(deploy_schema):
    live = _updated(None, _deployment(), deploy_schema, manager="kubectl-create", now=T0)
    with pytest.raises(errors.Conflict) as exc:
        _apply(live, _deployment(image="nginx:2", replicas=3), deploy_schema, now=T1)
    assert exc.value.message == (
        'Apply failed with 2 conflicts: conflicts with "kubectl-create" using apps/v1:\n'
        "- .spec.replicas\n"
        '- .spec.template.spec.containers[name="web"].image')
    assert [c["field"] for c in exc.value.details["causes"]] == [
        ".spec.replicas", '.spec.template.spec.containers[name="web"].image']


def test_updates_never_conflict_and_take_ownership(cm_schema):
    live = _apply(None, _cm({"k": "a"}), cm_schema, now=T0)
    edited = copy.deepcopy(live)
    edited["data"]["k"] = "z"
    out = _updated(live, edited, cm_schema, manager="kubectl-edit", now=T1)
    assert _entries(out) == [("kubectl-edit", "Update")]
    assert _fields(out, "kubectl-edit", "Update") == {"f:data": {"f:k": {}}}


# --------------------------------------------------------------------------------------------
# record_update


def test_record_update_on_create_marks_added_maps_and_items(deploy_schema):
    out = _updated(None, _deployment(), deploy_schema, manager="kubectl-create", now=T0)
    entry = out["metadata"]["managedFields"][0]
    assert (entry["manager"], entry["operation"], entry["apiVersion"], entry["time"]) == (
        "kubectl-create", "Update", "apps/v1", T0)
    fields = entry["fieldsV1"]
    assert fields["f:metadata"] == {"f:labels": {".": {}, "f:app": {}}}
    assert "." not in fields["f:spec"]  # spec exists in every Go object: not "added"
    container = fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"web"}']
    assert container["."] == {} and "f:image" in container


def test_record_update_without_change_keeps_the_time(cm_schema):
    live = _updated(None, _cm({"k": "a"}), cm_schema, manager="m", now=T0)
    again = _updated(live, copy.deepcopy(live), cm_schema, manager="m", now=T1)
    assert again["metadata"]["managedFields"] == live["metadata"]["managedFields"]


def test_record_update_removes_deleted_fields_from_every_manager(cm_schema):
    live = _apply(None, _cm({"k": "a", "j": "b"}), cm_schema, now=T0)
    edited = copy.deepcopy(live)
    del edited["data"]["k"]
    out = _updated(live, edited, cm_schema, manager="kubectl-edit", now=T1)
    assert _fields(out, "myapp") == {"f:data": {"f:j": {}}}
    assert _entries(out) == [("myapp", "Apply")]


def test_record_update_for_status_subresource(deploy_schema):
    live = _apply(None, _deployment(), deploy_schema, now=T0)
    new = copy.deepcopy(live)
    new["status"] = {"replicas": 1}
    fields = ssa.record_update(live, new, manager="deployment-controller", node=deploy_schema,
                               api_version="apps/v1", now=T1, subresource="status")
    status_entry = [e for e in fields if e["manager"] == "deployment-controller"][0]
    assert status_entry["subresource"] == "status"
    assert status_entry["fieldsV1"] == {"f:status": {".": {}, "f:replicas": {}}}


def test_managed_fields_are_sorted_apply_first_then_by_time(cm_schema):
    live = _updated(None, _cm({"a": "1"}), cm_schema, manager="zz-updater", now=T0)
    out = _apply(live, _cm({"b": "2"}), cm_schema, manager="applier", now=T1)
    assert _entries(out) == [("applier", "Apply"), ("zz-updater", "Update")]


# --------------------------------------------------------------------------------------------
# E11


def test_undeclared_apply_fields_give_the_typed_patch_error(deploy_schema):
    config = _deployment()
    config["spec"]["foo"] = 1
    message = ssa.typed_patch_error(config, deploy_schema, namespace="t1", name="web",
                                    api_version="apps/v1", kind="Deployment")
    assert message == ("failed to create typed patch object (t1/web; apps/v1, Kind=Deployment): "
                       ".spec.foo: field not declared in schema")
    assert ssa.typed_patch_error(_deployment(), deploy_schema, namespace="t1", name="web",
                                 api_version="apps/v1", kind="Deployment") is None


def test_duplicate_and_keyless_list_entries_in_an_apply_config_are_typed_patch_errors(deploy_schema):
    config = _deployment()
    containers = config["spec"]["template"]["spec"]["containers"]
    containers[0]["env"].append({"name": "A", "value": "again"})
    assert ssa.apply_config_errors(config, deploy_schema) == [
        '.spec.template.spec.containers[name="web"].env: duplicate entries for key [name="A"]']
    containers.append({"image": "busybox"})
    assert ssa.apply_config_errors(config, deploy_schema)[-1] == (
        '.spec.template.spec.containers: element 1: associative list with keys has an element that omits all '
        'key fields ["name"] (and doesn\'t have default values for any key fields)')


def test_typed_patch_errors_list_several_problems_like_the_real_walker(deploy_schema):
    config = _deployment()
    config["spec"]["replicas"] = "two"
    config["spec"]["bogus"] = True
    message = ssa.typed_patch_error(config, deploy_schema, namespace=None, name="web",
                                    api_version="apps/v1", kind="Deployment")
    assert message == ("failed to create typed patch object (web; apps/v1, Kind=Deployment): errors:\n"
                       "  .spec.replicas: expected numeric (int or float), got string\n"
                       "  .spec.bogus: field not declared in schema")
