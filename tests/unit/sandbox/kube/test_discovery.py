"""Discovery documents (sandbox/kube/discovery.py) and the registry they come from."""

from __future__ import annotations

import pytest

from sandbox.kube import errors
from sandbox.kube.discovery import Discovery, wants_aggregated
from sandbox.kube.models.registry import Registry

KUBECTL_ACCEPT = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                  "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")


@pytest.mark.parametrize(
    "accept, expected",
    [(KUBECTL_ACCEPT, True), ("application/json", False), (None, False),
     ("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json", False),
     ("application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", False)],
)
def test_wants_aggregated(accept, expected):
    assert wants_aggregated(accept) is expected


def _crd(kind: str = "Widget", versions=("v1",)) -> dict:
    return {"metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Cluster",
                     "names": {"kind": kind, "plural": "widgets", "shortNames": ["wd"]},
                     "versions": [{"name": v, "served": True, "storage": v == versions[0],
                                   "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.n",
                                                                            "statusReplicasPath": ".status.n"}}}
                                  for v in versions]}}


def test_group_list_has_preferred_version_first():
    reg = Registry()
    reg.serve_crd(_crd(versions=("v1beta1", "v1", "v2alpha1")))
    groups = {g["name"]: g for g in Discovery(reg).api_groups()["groups"]}
    assert [v["version"] for v in groups["example.com"]["versions"]] == ["v1", "v1beta1", "v2alpha1"]
    assert groups["example.com"]["preferredVersion"] == {"groupVersion": "example.com/v1", "version": "v1"}
    assert groups["autoscaling"]["preferredVersion"]["version"] == "v2"


def test_crd_kinds_appear_and_disappear_in_discovery():
    reg = Registry()
    disco = Discovery(reg)
    with pytest.raises(errors.NotFound):
        disco.resources("example.com", "v1")
    reg.serve_crd(_crd())
    rows = {r["name"]: r for r in disco.resources("example.com", "v1")["resources"]}
    assert rows["widgets"]["namespaced"] is False and rows["widgets"]["shortNames"] == ["wd"]
    assert rows["widgets/scale"]["group"] == "autoscaling"
    assert rows["widgets/status"]["kind"] == "Widget"
    reg.forget_crd("widgets.example.com")
    with pytest.raises(errors.NotFound):
        disco.resources("example.com", "v1")


def test_aggregated_core_document_has_subresources():
    doc = Discovery(Registry()).aggregated(core=True)
    assert doc["kind"] == "APIGroupDiscoveryList" and doc["apiVersion"] == "apidiscovery.k8s.io/v2"
    (core,) = doc["items"]
    pods = next(r for r in core["versions"][0]["resources"] if r["resource"] == "pods")
    assert {s["subresource"] for s in pods["subresources"]} == {"status", "log"}
    assert pods["scope"] == "Namespaced" and pods["categories"] == ["all"]


def test_unknown_core_version_is_404():
    with pytest.raises(errors.NotFound):
        Discovery(Registry()).resources("", "v2")
