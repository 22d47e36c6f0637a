"""Simulated controllers of the emulator: what a real control plane does after an API write.

`default_controllers(state_dir)` is the list the `Cluster` runs, in this order (admission plugins
first, as in kube-apiserver's chain):

| controller | module | simulates |
| --- | --- | --- |
| LimitRangeController | limitranges.py | the LimitRanger admission plugin (pod defaults, min/max) |
| QuotaController | quota.py | the ResourceQuota admission plugin and the quota controller |
| StageController | stages.py | status settled from `stages/*.yaml` (Deployments, issuers, namespace deletion ...) |
| VolumeController | volumes.py | dynamic provisioning and binding of PVCs (host directories) |
| CertificateController | certificates.py | cert-manager: Certificates, TLS Secrets, ingress-shim |
| Kubelet | kubelet.py | runs Pods as local processes with their volumes mounted |
| JobController | jobs.py | the Job controller |
| GarbageCollector | gc.py | deletion of dependents by ownerReferences |

The `Cluster` calls every controller's `start(cluster)` once after the store is loaded,
`reset()` before it empties the store (`/_sandbox/reset`), and `shutdown()` when the emulator
stops: the kubelet then kills every pod process and waits for it. `start_controllers` /
`shutdown_controllers` do the same for callers that hold only the list.
"""

from __future__ import annotations

from pathlib import Path

from .base import ANY_KIND, Controller
from .certificates import CertificateController
from .gc import GarbageCollector
from .jobs import JobController
from .kubelet import Kubelet, pod_log_path
from .limitranges import LimitRangeController
from .namespaces import finalize_namespace
from .quota import QuotaController
from .stages import StageController
from .volumes import VolumeController, claim_dir

__all__ = [
    "ANY_KIND",
    "Controller",
    "claim_dir",
    "default_controllers",
    "pod_log_path",
    "shutdown_controllers",
    "start_controllers",
]


def default_controllers(state_dir: Path) -> list[Controller]:
    state_dir = Path(state_dir)
    kubelet = Kubelet(state_dir)
    return [
        LimitRangeController(),
        QuotaController(),
        StageController(actions={"finalize-namespace": finalize_namespace}),
        VolumeController(state_dir),
        CertificateController(state_dir),
        kubelet,
        JobController(state_dir, kubelet),
        GarbageCollector(),
    ]


def start_controllers(controllers: list[Controller], cluster) -> None:
    """Resume work for stored objects (pending stages, Jobs, claims) after (re)start."""
    for controller in controllers:
        controller.start(cluster)


def shutdown_controllers(controllers: list[Controller]) -> None:
    """Stop timers and kill every pod process; returns when none is left."""
    for controller in reversed(controllers):
        controller.shutdown()
