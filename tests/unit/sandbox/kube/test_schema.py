"""Schema navigation, pruning of unknown fields and decoding errors (models/schema.py)."""

from __future__ import annotations

import time

import pytest

from sandbox.kube.models import schema


@pytest.fixture(scope="module")
def deployment():
    return schema.builtin_schema("apps", "v1", "Deployment")


def _deployment(**spec_extra):
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "t1", "labels": {"app": "web"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]}]},
            },
        },
    }
    obj["spec"].update(spec_extra)
    return obj


def test_builtin_schema_unknown_kind_is_none():
    assert schema.builtin_schema("example.com", "v1", "Widget") is None
    assert schema.builtin_schema("apps", "v1", "Nope") is None


def test_builtin_schema_is_cached_and_fast():
    start = time.perf_counter()
    first = schema.builtin_schema("", "v1", "ConfigMap")
    assert schema.builtin_schema("", "v1", "ConfigMap") is first
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize(
    ("path", "kind", "strategy", "merge_key", "list_type", "map_keys"),
    [
        (("spec", "template", "spec", "containers"), "array", "merge", "name", "map", ("name",)),
        (("spec", "template", "spec", "volumes"), "array", "merge,retainKeys", "name", "map", ("name",)),
        (("spec", "template", "spec", "tolerations"), "array", None, None, "atomic", ()),
        (("metadata", "finalizers"), "array", "merge", None, "set", ()),
        (("metadata", "labels"), "map", None, None, None, ()),
        (("spec", "strategy"), "object", "retainKeys", None, None, ()),
        (("spec", "replicas"), "scalar", None, None, None, ()),
    ],
)
def test_schema_navigation_exposes_patch_and_list_metadata(deployment, path, kind, strategy, merge_key,
                                                            list_type, map_keys):
    node = deployment
    for name in path:
        node = node.field(name)
    assert node.kind == kind
    assert node.patch_strategy == strategy
    assert node.patch_merge_key == merge_key
    assert node.list_type == list_type
    assert node.list_map_keys == map_keys


def test_container_ports_are_keyed_by_port_and_protocol(deployment):
    ports = deployment.field("spec").field("template").field("spec").field("containers").items.field("ports")
    assert ports.list_map_keys == ("containerPort", "protocol")
    assert ports.patch_merge_key == "containerPort"


def test_int_or_string_and_quantity_are_scalars(deployment):
    container = deployment.field("spec").field("template").field("spec").field("containers").items
    limits = container.field("resources").field("limits")
    assert limits.kind == "map" and limits.values.kind == "scalar" and limits.values.is_quantity
    surge = deployment.field("spec").field("strategy").field("rollingUpdate").field("maxSurge")
    assert surge.is_int_or_string


def test_label_selector_is_an_atomic_struct(deployment):
    assert deployment.field("spec").field("selector").map_type == "atomic"
    assert deployment.field("spec").field("selector").atomic


def test_untyped_objects_are_any():
    entry = schema.object_meta().field("managedFields").items
    assert entry.field("fieldsV1").kind == "any"
    assert entry.field("fieldsV1").field("f:whatever").kind == "any"


def test_prune_keeps_a_valid_object_unchanged(deployment):
    obj = _deployment()
    pruned, unknown = schema.prune(obj, deployment)
    assert unknown == []
    assert pruned == obj
    assert pruned is not obj


def test_prune_drops_unknown_fields_and_reports_both_path_spellings(deployment):
    obj = _deployment(foo={"x": 1})
    obj["metadata"]["bogus"] = True
    obj["spec"]["template"]["spec"]["containers"][0]["imagee"] = "typo"
    pruned, unknown = schema.prune(obj, deployment)
    # Document order, as Go's decoder meets them (spec.foo comes after spec.template here).
    assert list(unknown) == ["metadata.bogus", "spec.template.spec.containers[0].imagee", "spec.foo"]
    assert [u.apply_path for u in unknown] == [
        ".metadata.bogus", '.spec.template.spec.containers[name="web"].imagee', ".spec.foo"]
    assert "foo" not in pruned["spec"]
    assert "imagee" not in pruned["spec"]["template"]["spec"]["containers"][0]
    assert "bogus" not in pruned["metadata"]


def test_prune_allows_status_but_not_on_kinds_without_one(deployment):
    _, unknown = schema.prune({**_deployment(), "status": {"replicas": 1}}, deployment)
    assert unknown == []
    cm = schema.builtin_schema("", "v1", "ConfigMap")
    _, unknown = schema.prune({"apiVersion": "v1", "kind": "ConfigMap", "datta": {"a": "b"}, "status": {}}, cm)
    assert list(unknown) == ["datta", "status"]


def test_prune_drops_nulls_of_builtin_fields(deployment):
    obj = _deployment(paused=None)
    obj["metadata"]["labels"] = None
    pruned, unknown = schema.prune(obj, deployment)
    assert unknown == []
    assert "labels" not in pruned["metadata"] and "paused" not in pruned["spec"]


def test_unknown_field_messages_match_the_real_server():
    unknown = [schema.UnknownField("spec.foo", ".spec.foo"), schema.UnknownField("datta", ".datta")]
    assert schema.strict_decoding_error(unknown) == (
        'strict decoding error: unknown field "spec.foo", unknown field "datta"')
    assert schema.unknown_field_warnings(unknown) == ['unknown field "spec.foo"', 'unknown field "datta"']
    assert schema.apply_schema_error(unknown[:1]) == ".spec.foo: field not declared in schema"
    assert schema.apply_schema_error(unknown) == (
        "errors:\n  .spec.foo: field not declared in schema\n  .datta: field not declared in schema")


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda o: o["spec"].update(replicas="two"),
         "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"),
        (lambda o: o["spec"].update(replicas=1.5),
         "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32"),
        (lambda o: o["spec"]["template"]["spec"]["containers"][0].update(image=5),
         "json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.image of type string"),
        (lambda o: o.update(spec="x"),
         "json: cannot unmarshal string into Go struct field Deployment.spec of type v1.DeploymentSpec"),
        (lambda o: o["metadata"].update(labels={"a": 1}),
         "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"),
        (lambda o: o["spec"]["template"]["spec"].update(containers={"name": "x"}),
         "json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container"),
        (lambda o: o["spec"]["template"]["spec"]["containers"][0].update(resources={"limits": {"cpu": "lots"}}),
         schema.QUANTITY_REGEX_ERROR),
    ],
)
def test_check_types_words_errors_like_go(deployment, mutate, expected):
    obj = _deployment()
    mutate(obj)
    assert schema.check_types(obj, deployment)[0] == expected


def test_check_types_accepts_int_or_string_and_numeric_quantities(deployment):
    obj = _deployment(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}})
    obj["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": 1, "memory": "1Gi"}}
    assert schema.check_types(obj, deployment) == []


def test_check_types_refuses_bad_base64_in_secret_data():
    secret = schema.builtin_schema("", "v1", "Secret")
    assert schema.check_types({"data": {"k": "dmFsdWU="}}, secret) == []
    assert schema.check_types({"data": {"k": "not base64!"}}, secret) == [
        "illegal base64 data at input byte 3"]


CERTIFICATE = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["secretName"],
            "properties": {
                "secretName": {"type": "string"},
                "dnsNames": {"type": "array", "items": {"type": "string"}},
                "duration": {"type": "string"},
                "issuerRef": {"type": "object", "properties": {"name": {"type": "string"}, "kind": {"type": "string"}}},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "replicas": {"x-kubernetes-int-or-string": True},
            },
        },
        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    },
}


def test_crd_schema_prunes_and_preserves_unknown_fields():
    node = schema.crd_schema(CERTIFICATE)
    obj = {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "web", "namespace": "t1", "labels": {"a": "b"}},
        "spec": {"secretName": "web-tls", "dnsNames": ["a.example.com"], "foo": 1,
                 "extra": {"anything": {"goes": [1]}}, "replicas": "50%"},
        "status": {"conditions": [{"type": "Ready"}]},
    }
    pruned, unknown = schema.prune(obj, node)
    assert list(unknown) == ["spec.foo"]
    assert pruned["spec"]["extra"] == {"anything": {"goes": [1]}}
    assert pruned["status"] == obj["status"]
    assert node.field("metadata").field("labels").kind == "map"


def test_crd_type_errors_are_422_causes():
    node = schema.crd_schema(CERTIFICATE)
    causes = schema.crd_type_causes({"spec": {"secretName": 5, "dnsNames": "x"}}, node)
    assert [(c.reason, c.field, c.message) for c in causes] == [
        ("FieldValueTypeInvalid", "spec.secretName",
         'Invalid value: "integer": spec.secretName in body must be of type string: "integer"'),
        ("FieldValueTypeInvalid", "spec.dnsNames",
         'Invalid value: "string": spec.dnsNames in body must be of type array: "string"'),
    ]
    assert schema.check_types({"spec": {"secretName": 5}}, node) == []


def test_crd_required_and_enum_causes():
    raw = {"type": "object", "properties": {"spec": {
        "type": "object", "required": ["secretName"],
        "properties": {"secretName": {"type": "string"}, "kind": {"type": "string", "enum": ["Issuer", "ClusterIssuer"]}},
    }}}
    node = schema.crd_schema(raw)
    causes = schema.crd_type_causes({"spec": {"kind": "Nope"}}, node)
    assert [(c.reason, c.field, c.message) for c in causes] == [
        ("FieldValueRequired", "spec.secretName", "Required value"),
        ("FieldValueNotSupported", "spec.kind", 'Unsupported value: "Nope": supported values: "Issuer", "ClusterIssuer"'),
    ]
    assert schema.crd_type_causes({"spec": {"secretName": "s", "kind": "Issuer", "extra": None}}, node) == []
