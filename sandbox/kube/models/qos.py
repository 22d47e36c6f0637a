"""A Pod's QoS class (`status.qosClass`), as the kubelet's `qos.ComputePodQOS` computes it.

The API server sets it when a Pod is created (models/cluster.py) and the simulated kubelet
reports it (controllers/kubelet.py); both call `qos_class`. Rules of kube 1.32 (pod-level
resources, alpha and off, are not modelled):

* only `cpu` and `memory` count, and only quantities greater than zero;
* requests and limits are summed per resource over containers and init containers; a container's
  missing request is its limit (the API server's defaulting);
* no counted request or limit at all: `BestEffort`; every container has positive cpu and memory
  limits and the summed requests equal the summed limits (as quantities: `1` equals `1000m`):
  `Guaranteed`; otherwise `Burstable`.
"""

from __future__ import annotations

from .quantity import Quantity, add_lists, parse_list

_QOS_RESOURCES = ("cpu", "memory")


def _positive(resources: dict | None) -> dict[str, Quantity]:
    return {k: v for k, v in parse_list(resources).items() if k in _QOS_RESOURCES and v.value > 0}


def qos_class(pod_spec: dict) -> str:
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    guaranteed = True
    for container in list(pod_spec.get("containers") or ()) + list(pod_spec.get("initContainers") or ()):
        resources = (container or {}).get("resources") or {}
        raw_limits = resources.get("limits") or {}
        raw_requests = {**raw_limits, **(resources.get("requests") or {})}
        container_limits = _positive(raw_limits)
        requests = add_lists(requests, _positive(raw_requests))
        limits = add_lists(limits, container_limits)
        if set(container_limits) != set(_QOS_RESOURCES):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and set(requests) == set(limits) and all(requests[k].value == limits[k].value for k in requests):
        return "Guaranteed"
    return "Burstable"
