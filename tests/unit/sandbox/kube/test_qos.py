"""A Pod's QoS class (models/qos.py), by the rules of the kubelet's qos.ComputePodQOS."""

from __future__ import annotations

import pytest

from sandbox.kube.models.qos import qos_class


def _ctr(requests=None, limits=None):
    resources = {}
    if requests is not None:
        resources["requests"] = requests
    if limits is not None:
        resources["limits"] = limits
    return {"name": "c", "image": "busybox", "resources": resources}


BOTH = {"cpu": "500m", "memory": "128Mi"}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"containers": [_ctr()]}, "BestEffort"),
        ({"containers": [_ctr(requests={"ephemeral-storage": "1Gi"})]}, "BestEffort"),
        # zero quantities do not count
        ({"containers": [_ctr(requests={"cpu": "0"}, limits={"memory": "0"})]}, "BestEffort"),
        ({"containers": [_ctr(requests={"cpu": "100m"})]}, "Burstable"),
        ({"containers": [_ctr(requests=BOTH, limits=BOTH)]}, "Guaranteed"),
        # a missing request is its limit (defaulting)
        ({"containers": [_ctr(limits=BOTH)]}, "Guaranteed"),
        # equal as quantities, not as texts
        ({"containers": [_ctr(requests={"cpu": "1", "memory": "1Gi"}, limits={"cpu": "1000m", "memory": "1024Mi"})]},
         "Guaranteed"),
        ({"containers": [_ctr(requests={"cpu": 1, "memory": "1Gi"}, limits={"cpu": "1", "memory": "1Gi"})]},
         "Guaranteed"),
        ({"containers": [_ctr(requests={"cpu": "250m", "memory": "128Mi"}, limits=BOTH)]}, "Burstable"),
        # every container needs positive cpu and memory limits
        ({"containers": [_ctr(limits={"cpu": "1"})]}, "Burstable"),
        ({"containers": [_ctr(limits=BOTH), _ctr(requests={"cpu": "1m"})]}, "Burstable"),
        ({"containers": [_ctr(limits=BOTH)], "initContainers": [_ctr()]}, "Burstable"),
        ({"containers": [_ctr(limits=BOTH)], "initContainers": [_ctr(limits=BOTH)]}, "Guaranteed"),
        # requests and limits are compared summed over the containers
        ({"containers": [_ctr(requests={"cpu": "1", "memory": "1Gi"}, limits={"cpu": "2", "memory": "1Gi"}),
                         _ctr(requests={"cpu": "2", "memory": "1Gi"}, limits={"cpu": "1", "memory": "1Gi"})]},
         "Guaranteed"),
    ],
)
def test_qos_class(spec, expected):
    assert qos_class(spec) == expected
