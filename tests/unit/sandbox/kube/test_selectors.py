"""Label and field selector parsing and matching (sandbox/kube/models/selectors.py)."""

from __future__ import annotations

import pytest

from sandbox.kube import errors
from sandbox.kube.models.selectors import (
    field_value,
    label_selector_matches,
    parse_field_selector,
    parse_label_selector,
    selector_from_label_selector,
)

LABELS = {"app": "web", "tier": "front", "n": "5"}


@pytest.mark.parametrize(
    "text, matches",
    [
        ("", True),
        ("app=web", True),
        ("app==web", True),
        ("app=db", False),
        ("app!=db", True),
        ("missing!=x", True),
        ("app in (web,db)", True),
        ("app in (db)", False),
        ("app notin (db, cache)", True),
        ("missing notin (x)", True),
        ("app", True),
        ("missing", False),
        ("!missing", True),
        ("!app", False),
        ("app=web,tier=front", True),
        ("app=web,tier=back", False),
        ("n>4", True),
        ("n<4", False),
        ("kubernetes.io/metadata.name in (t1,t2)", False),
        ("app=", False),
    ],
)
def test_label_selector_operators(text, matches):
    assert parse_label_selector(text).matches(LABELS) is matches


def test_label_selector_with_empty_value_matches_empty_label():
    assert parse_label_selector("a=").matches({"a": ""})


@pytest.mark.parametrize("text", ["app in web", "app in (web", "=web", "app=web,,", "app web"])
def test_label_selector_syntax_errors_answer_400(text):
    with pytest.raises(errors.BadRequest) as err:
        parse_label_selector(text)
    assert err.value.code == 400
    assert err.value.message.startswith("unable to parse requirement: ")


def test_label_selector_object_to_string_and_matching():
    sel = {"matchLabels": {"b": "2", "a": "1"},
           "matchExpressions": [{"key": "c", "operator": "In", "values": ["y", "x"]},
                                {"key": "d", "operator": "DoesNotExist"}]}
    assert selector_from_label_selector(sel) == "a=1,b=2,c in (x,y),!d"
    assert label_selector_matches(sel, {"a": "1", "b": "2", "c": "x"})
    assert not label_selector_matches(sel, {"a": "1", "b": "2", "c": "x", "d": ""})
    assert label_selector_matches({}, {"anything": "goes"})


def test_field_selector_common_fields_match():
    obj = {"metadata": {"name": "web", "namespace": "t1"}}
    sel = parse_field_selector("metadata.name=web,metadata.namespace!=t2", "apps", "Deployment")
    assert sel.matches(obj)
    assert not parse_field_selector("metadata.name==db", "apps", "Deployment").matches(obj)
    assert sel.value_of("metadata.name") == "web"


def test_field_selector_pod_fields():
    pod = {"metadata": {"name": "p"}, "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}}
    assert parse_field_selector("status.phase=Running,spec.nodeName=n1", "", "Pod").matches(pod)
    assert not parse_field_selector("spec.nodeName=n2", "", "Pod").matches(pod)


def test_field_selector_unsupported_field_answers_400_with_real_text():
    with pytest.raises(errors.BadRequest) as err:
        parse_field_selector("spec.replicas=1", "apps", "Deployment")
    assert err.value.message == "field label not supported: spec.replicas"
    with pytest.raises(errors.BadRequest) as err:
        parse_field_selector("spec.foo=1", "cert-manager.io", "Certificate", custom=True)
    assert err.value.message == '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"'


def test_field_value_defaults_and_booleans():
    assert field_value({"metadata": {}}, "metadata.namespace") == ""
    assert field_value({"spec": {"hostNetwork": True}}, "spec.hostNetwork") == "true"
    assert field_value({"spec": {}}, "spec.hostNetwork") == "false"
