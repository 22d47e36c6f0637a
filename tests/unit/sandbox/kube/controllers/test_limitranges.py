"""LimitRanger admission: container defaults, the annotation it leaves, min/max."""

from __future__ import annotations

import pytest

from sandbox.kube import errors
from sandbox.kube.controllers.limitranges import apply_limit_ranges, container_item

LIMITS = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "limits", "namespace": "t1"},
          "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "512Mi"},
                               "defaultRequest": {"cpu": "250m"}, "max": {"cpu": "1"}}]}}


def _pod(resources=None):
    container = {"name": "app"}
    if resources is not None:
        container["resources"] = resources
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "t1"},
            "spec": {"containers": [container]}}


def test_item_defaulting_fills_default_request_from_default():
    assert container_item(LIMITS)["defaultRequest"] == {"cpu": "250m", "memory": "512Mi"}


def test_missing_resources_get_the_defaults_and_an_annotation():
    pod = _pod()
    apply_limit_ranges(pod, [LIMITS])
    assert pod["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "500m", "memory": "512Mi"}, "requests": {"cpu": "250m", "memory": "512Mi"}}
    assert pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app")


def test_a_limit_without_request_makes_the_request():
    pod = _pod({"limits": {"cpu": "800m"}})
    apply_limit_ranges(pod, [LIMITS])
    assert pod["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "800m"


def test_over_max_is_forbidden():
    with pytest.raises(errors.Forbidden) as caught:
        apply_limit_ranges(_pod({"limits": {"cpu": "2"}}), [LIMITS])
    assert caught.value.message == 'pods "p" is forbidden: maximum cpu usage per Container is 1, but limit is 2'


def test_no_limit_range_changes_nothing():
    pod = _pod()
    apply_limit_ranges(pod, [])
    assert "annotations" not in pod["metadata"]
