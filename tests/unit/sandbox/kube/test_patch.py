"""Merge patch, strategic merge patch and JSON patch (models/patch.py)."""

from __future__ import annotations

import copy

import pytest

from sandbox.kube import errors
from sandbox.kube.models import patch, schema


@pytest.fixture(scope="module")
def deployment_schema():
    return schema.builtin_schema("apps", "v1", "Deployment")


def _live():
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}, "finalizers": ["a.example.com/x"]},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "30%"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1",
                            "args": ["--a", "--b"],
                            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                            "ports": [{"containerPort": 80, "name": "http"}],
                            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                        },
                        {"name": "sidecar", "image": "busybox"},
                    ],
                    "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "site-data"}},
                                {"name": "tmp", "emptyDir": {}}],
                    "tolerations": [{"key": "a", "operator": "Exists"}],
                },
            },
        },
    }


def _containers(obj):
    return obj["spec"]["template"]["spec"]["containers"]


# --------------------------------------------------------------------------------------------
# RFC 7386 (the RFC's own examples, appendix A)

@pytest.mark.parametrize(
    ("target", "merge", "result"),
    [
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        (["a", "b"], ["c", "d"], ["c", "d"]),
        ({"a": "b"}, ["c"], ["c"]),
        ({"a": "foo"}, None, None),
        ({"a": "foo"}, "bar", "bar"),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_merge_patch_follows_rfc7386(target, merge, result):
    before = copy.deepcopy(target)
    assert patch.merge_patch(target, merge) == result
    assert target == before


# --------------------------------------------------------------------------------------------
# Strategic merge patch

def test_smp_merges_containers_by_name(deployment_schema):
    body = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}}}}
    out = patch.strategic_merge_patch(_live(), body, deployment_schema)
    web, sidecar = _containers(out)
    assert web["image"] == "nginx:2"
    assert web["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert sidecar == {"name": "sidecar", "image": "busybox"}


def test_merge_patch_replaces_the_container_list(deployment_schema):
    body = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}}}}
    out = patch.merge_patch(_live(), body)
    assert _containers(out) == [{"name": "web", "image": "nginx:2"}]


def test_smp_merges_env_by_name_and_appends_new_entries(deployment_schema):
    body = {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "env": [{"name": "B", "value": "two"}, {"name": "C", "value": "3"}]}]}}}}
    out = patch.strategic_merge_patch(_live(), body, deployment_schema)
    assert _containers(out)[0]["env"] == [
        {"name": "A", "value": "1"}, {"name": "B", "value": "two"}, {"name": "C", "value": "3"}]


def test_smp_patch_delete_removes_one_list_element(deployment_schema):
    body = {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "env": [{"name": "A", "$patch": "delete"}]}, {"name": "sidecar", "$patch": "delete"}]}}}}
    out = patch.strategic_merge_patch(_live(), body, deployment_schema)
    assert [c["name"] for c in _containers(out)] == ["web"]
    assert _containers(out)[0]["env"] == [{"name": "B", "value": "2"}]


def test_smp_patch_replace_element_replaces_the_whole_list(deployment_schema):
    body = {"spec": {"template": {"spec": {"containers": [
        {"$patch": "replace"}, {"name": "only", "image": "alpine"}]}}}}
    out = patch.strategic_merge_patch(_live(), body, deployment_schema)
    assert _containers(out) == [{"name": "only", "image": "alpine"}]


def test_smp_merges_volumes_and_ports_by_their_keys(deployment_schema):
    body = {"spec": {"template": {"spec": {
        "volumes": [{"name": "tmp", "emptyDir": {"medium": "Memory"}}, {"name": "cfg", "configMap": {"name": "c"}}],
        "containers": [{"name": "web", "ports": [{"containerPort": 80, "protocol": "TCP"},
                                                 {"containerPort": 443}]}],
    }}}}
    out = patch.strategic_merge_patch(_live(), body, deployment_schema)
    spec = out["spec"]["template"]["spec"]
    assert [v["name"] for v in spec["volumes"]] == ["data", "tmp", "cfg"]
    assert spec["volumes"][1] == {"name": "tmp", "emptyDir": {"medium": "Memory"}}
    assert spec["containers"][0]["ports"] == [
        {"containerPort": 80, "name": "http", "protocol": "TCP"}, {"containerPort": 443}]


def test_smp_replaces_lists_without_a_merge_strategy(deployment_schema):
    body = {"spec": {"template": {"spec": {
        "tolerations": [{"key": "b", "operator": "Exists"}],
        "containers": [{"name": "web", "args": ["--c"]}],
    }}}}
    out = patch.strategic_merge_patch(_live(), body, deployment_schema)
    assert out["spec"]["template"]["spec"]["tolerations"] == [{"key": "b", "operator": "Exists"}]
    assert _containers(out)[0]["args"] == ["--c"]


def test_smp_merges_maps_and_null_deletes(deployment_schema):
    body = {"metadata": {"labels": {"tier": None, "team": "x"}}, "spec": {"replicas": 3}}
    out = patch.strategic_merge_patch(_live(), body, deployment_schema)
    assert out["metadata"]["labels"] == {"app": "web", "team": "x"}
    assert out["spec"]["replicas"] == 3


def test_smp_without_retain_keys_keeps_rolling_update(deployment_schema):
    body = {"spec": {"strategy": {"type": "Recreate"}}}
    out = patch.strategic_merge_patch(_live(), body, deployment_schema)
    assert out["spec"]["strategy"] == {"type": "Recreate", "rollingUpdate": {"maxSurge": "30%"}}


def test_smp_retain_keys_clears_other_fields(deployment_schema):
    """The kubernetes.io 'update a Deployment using the retainKeys strategy' walkthrough."""
    body = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    out = patch.strategic_merge_patch(_live(), body, deployment_schema)
    assert out["spec"]["strategy"] == {"type": "Recreate"}


def test_smp_patch_replace_on_a_map(deployment_schema):
    body = {"metadata": {"labels": {"$patch": "replace", "only": "this"}}}
    out = patch.strategic_merge_patch(_live(), body, deployment_schema)
    assert out["metadata"]["labels"] == {"only": "this"}


def test_smp_primitive_merge_lists_union_and_delete_from_primitive_list(deployment_schema):
    out = patch.strategic_merge_patch(_live(), {"metadata": {"finalizers": ["b.example.com/y"]}}, deployment_schema)
    assert out["metadata"]["finalizers"] == ["a.example.com/x", "b.example.com/y"]
    body = {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a.example.com/x"]}}
    out = patch.strategic_merge_patch(out, body, deployment_schema)
    assert out["metadata"]["finalizers"] == ["b.example.com/y"]


def test_smp_set_element_order(deployment_schema):
    body = {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "web"}],
        "containers": [{"name": "web", "image": "nginx:3"}],
    }}}}
    out = patch.strategic_merge_patch(_live(), body, deployment_schema)
    assert [c["name"] for c in _containers(out)] == ["sidecar", "web"]
    assert _containers(out)[1]["image"] == "nginx:3"


def test_smp_new_subtrees_lose_directives_and_nulls(deployment_schema):
    body = {"spec": {"template": {"spec": {"containers": [
        {"name": "new", "image": "x", "env": [{"name": "A", "value": None}]}]}}}}
    out = patch.strategic_merge_patch(_live(), body, deployment_schema)
    assert _containers(out)[2] == {"name": "new", "image": "x", "env": [{"name": "A"}]}


def test_smp_element_without_merge_key_is_an_internal_error(deployment_schema):
    body = {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}
    with pytest.raises(errors.InternalError) as exc:
        patch.strategic_merge_patch(_live(), body, deployment_schema)
    assert exc.value.message == "map: map[image:x] does not contain declared merge key: name"


def test_smp_unknown_patch_directive_in_a_map_is_an_internal_error(deployment_schema):
    with pytest.raises(errors.InternalError) as exc:
        patch.strategic_merge_patch(_live(), {"metadata": {"labels": {"$patch": "explode"}}}, deployment_schema)
    assert exc.value.message == "unknown patch type: explode in map: map[$patch:explode]"
    assert exc.value.to_status()["reason"] == "Unknown" and exc.value.to_status()["code"] == 500


def test_smp_patch_delete_on_a_map_leaves_it_empty(deployment_schema):
    out = patch.strategic_merge_patch(_live(), {"spec": {"strategy": {"$patch": "delete"}}}, deployment_schema)
    assert out["spec"]["strategy"] == {}


def test_smp_retain_keys_must_list_every_patched_field(deployment_schema):
    body = {"spec": {"strategy": {"$retainKeys": ["rollingUpdate"], "type": "Recreate"}}}
    with pytest.raises(errors.BadRequest) as exc:
        patch.strategic_merge_patch(_live(), body, deployment_schema)
    assert exc.value.message == "invalid patch format of retainKeys"


def test_smp_without_schema_behaves_like_merge_patch():
    live = {"spec": {"items": [1, 2], "keep": True}}
    out = patch.strategic_merge_patch(live, {"spec": {"items": [3], "keep": None}}, None)
    assert out == {"spec": {"items": [3]}}
    assert live == {"spec": {"items": [1, 2], "keep": True}}


def test_smp_does_not_modify_its_inputs(deployment_schema):
    live = _live()
    body = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}}}}
    before_live, before_body = copy.deepcopy(live), copy.deepcopy(body)
    patch.strategic_merge_patch(live, body, deployment_schema)
    assert live == before_live and body == before_body


# --------------------------------------------------------------------------------------------
# RFC 6902

@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        ([{"op": "add", "path": "/metadata/labels/x", "value": "1"}],
         {"metadata": {"labels": {"a": "b", "x": "1"}}, "spec": {"list": [1, 2, 3]}}),
        ([{"op": "add", "path": "/spec/list/1", "value": 9}],
         {"metadata": {"labels": {"a": "b"}}, "spec": {"list": [1, 9, 2, 3]}}),
        ([{"op": "add", "path": "/spec/list/-", "value": 4}],
         {"metadata": {"labels": {"a": "b"}}, "spec": {"list": [1, 2, 3, 4]}}),
        ([{"op": "remove", "path": "/spec/list/0"}],
         {"metadata": {"labels": {"a": "b"}}, "spec": {"list": [2, 3]}}),
        ([{"op": "replace", "path": "/metadata/labels/a", "value": "c"}],
         {"metadata": {"labels": {"a": "c"}}, "spec": {"list": [1, 2, 3]}}),
        ([{"op": "move", "from": "/metadata/labels/a", "path": "/metadata/labels/z"}],
         {"metadata": {"labels": {"z": "b"}}, "spec": {"list": [1, 2, 3]}}),
        ([{"op": "copy", "from": "/spec/list", "path": "/spec/copy"}],
         {"metadata": {"labels": {"a": "b"}}, "spec": {"list": [1, 2, 3], "copy": [1, 2, 3]}}),
        ([{"op": "test", "path": "/metadata/labels/a", "value": "b"},
          {"op": "replace", "path": "/metadata/labels/a", "value": "t"}],
         {"metadata": {"labels": {"a": "t"}}, "spec": {"list": [1, 2, 3]}}),
        ([{"op": "add", "path": "/metadata/labels/a~1b", "value": "slash"}],
         {"metadata": {"labels": {"a": "b", "a/b": "slash"}}, "spec": {"list": [1, 2, 3]}}),
    ],
)
def test_json_patch_operations(ops, expected):
    live = {"metadata": {"labels": {"a": "b"}}, "spec": {"list": [1, 2, 3]}}
    assert patch.json_patch(live, ops) == expected
    assert live == {"metadata": {"labels": {"a": "b"}}, "spec": {"list": [1, 2, 3]}}


@pytest.mark.parametrize(
    ("ops", "library_message"),
    [
        ([{"op": "test", "path": "/spec/replicas", "value": 2}], "testing value /spec/replicas failed: test failed"),
        ([{"op": "remove", "path": "/metadata/labels/zz"}],
         "error in remove for path: '/metadata/labels/zz': Unable to remove nonexistent key: zz: missing value"),
        ([{"op": "add", "path": "/missing/child/x", "value": 1}],
         'add operation does not apply: doc is missing path: "/missing/child/x": missing value'),
        ([{"op": "add", "path": "/spec/list/9", "value": 1}],
         "error in add for path: '/spec/list/9': Unable to access invalid index: 9: invalid index referenced"),
        ([{"op": "frobnicate", "path": "/a"}], "Unexpected kind: frobnicate"),
    ],
)
def test_json_patch_failures_are_422_with_the_real_generic_text(ops, library_message):
    live = {"metadata": {"labels": {"a": "b"}}, "spec": {"replicas": 1, "list": [1, 2, 3]}}
    with pytest.raises(errors.Invalid) as exc:
        patch.json_patch(live, ops)
    status = exc.value.to_status()
    assert status["code"] == 422 and status["reason"] == "Invalid"
    assert status["message"] == "the server rejected our request due to an error in our request"
    assert exc.value.library_message == library_message


def test_json_patch_body_that_is_not_a_list_is_a_bad_request():
    with pytest.raises(errors.BadRequest) as exc:
        patch.json_patch({}, {"op": "add", "path": "/a", "value": 1})
    assert exc.value.message == "json: cannot unmarshal object into Go value of type jsonpatch.Patch"


def test_json_patch_test_of_null_against_missing_value_passes():
    assert patch.json_patch({"a": {}}, [{"op": "test", "path": "/a/b", "value": None}]) == {"a": {}}
