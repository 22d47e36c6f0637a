"""PersistentVolumeClaims: a dynamic provisioner and the PV binder, backed by host directories.

Every claim is bound at once (as with an `Immediate` StorageClass whatever its class says): the
claim gets a directory `claim_dir(state_dir, namespace, name)` (Job pods mount it), a
PersistentVolume `pvc-<claim uid>` (hostPath = that directory, reclaim policy Delete) when the
kind is served, `spec.volumeName`, and `status: {phase: Bound, accessModes, capacity}`. When the
request grows, the capacity follows (online expansion); it never shrinks. Deleting the claim
deletes its volume and its directory.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from . import base
from .quantity import Quantity

PROVISIONER = "sandbox.tenant-provisioner.local/hostpath"


def namespace_volumes_dir(state_dir, namespace: str) -> Path:
    return Path(state_dir) / "volumes" / namespace


def claim_dir(state_dir, namespace: str, claim: str) -> Path:
    """The host directory holding the data of PVC `namespace/claim`."""
    return namespace_volumes_dir(state_dir, namespace) / claim


def volume_name(pvc: dict) -> str:
    return f"pvc-{base.uid_of(pvc)}"


def _capacity(pvc: dict) -> str | None:
    requested = (((pvc.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage")
    current = ((pvc.get("status") or {}).get("capacity") or {}).get("storage")
    if requested is None:
        return current
    if current is not None:
        try:
            if Quantity.parse(current).value >= Quantity.parse(requested).value:
                return current
        except (ValueError, ArithmeticError):
            pass
    return requested


def claim_status(pvc: dict) -> dict:
    status = {"phase": "Bound", "accessModes": list((pvc.get("spec") or {}).get("accessModes") or [])}
    capacity = _capacity(pvc)
    if capacity is not None:
        status["capacity"] = {"storage": capacity}
    return status


class VolumeController(base.Controller):
    kinds = (("", "PersistentVolumeClaim"),)

    def __init__(self, state_dir: Path):
        self.state_dir = Path(state_dir)

    def settle(self, cluster, rtype, pvc: dict) -> None:
        if base.is_terminating(pvc):
            return
        namespace, name = base.namespace_of(pvc), base.name_of(pvc)
        claim_dir(self.state_dir, namespace, name).mkdir(parents=True, exist_ok=True)
        status = claim_status(pvc)
        self._ensure_volume(cluster, pvc, status)
        if not (pvc.get("spec") or {}).get("volumeName"):
            _set_volume_name(cluster, pvc, volume_name(pvc))
            pvc = cluster.get("v1", "PersistentVolumeClaim", namespace, name)
            if pvc is None:
                return
        if status != (pvc.get("status") or {}):
            cluster.write_status("v1", "PersistentVolumeClaim", namespace, name, status)

    def deleted(self, cluster, rtype, pvc: dict) -> None:
        namespace, name = base.namespace_of(pvc), base.name_of(pvc)
        shutil.rmtree(claim_dir(self.state_dir, namespace, name), ignore_errors=True)
        if base.served_version(cluster, "", "PersistentVolume"):
            volume = cluster.get("v1", "PersistentVolume", None, volume_name(pvc))
            if volume is not None:
                base.safe_delete(cluster, "v1", "PersistentVolume", None, volume_name(pvc))

    def reset(self) -> None:
        """The store is being emptied (no `deleted` hooks): drop every claim's data."""
        shutil.rmtree(self.state_dir / "volumes", ignore_errors=True)

    def start(self, cluster) -> None:
        for pvc in cluster.list("v1", "PersistentVolumeClaim"):
            with cluster.lock:
                current = cluster.get("v1", "PersistentVolumeClaim", base.namespace_of(pvc), base.name_of(pvc))
                if current is not None:
                    self.settle(cluster, None, current)

    def _ensure_volume(self, cluster, pvc: dict, claim: dict) -> None:
        if not base.served_version(cluster, "", "PersistentVolume"):
            return
        name = volume_name(pvc)
        spec = pvc.get("spec") or {}
        volume_spec = {
            "accessModes": list(spec.get("accessModes") or []),
            "capacity": dict(claim.get("capacity") or {}),
            "claimRef": {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "name": base.name_of(pvc),
                "namespace": base.namespace_of(pvc),
                "uid": base.uid_of(pvc),
            },
            "hostPath": {"path": str(claim_dir(self.state_dir, base.namespace_of(pvc), base.name_of(pvc))), "type": ""},
            "persistentVolumeReclaimPolicy": "Delete",
            "volumeMode": spec.get("volumeMode") or "Filesystem",
        }
        if spec.get("storageClassName"):
            volume_spec["storageClassName"] = spec["storageClassName"]
        existing = cluster.get("v1", "PersistentVolume", None, name)
        if existing is None:
            cluster.create_internal({
                "apiVersion": "v1",
                "kind": "PersistentVolume",
                "metadata": {"name": name, "annotations": {"pv.kubernetes.io/provisioned-by": PROVISIONER}},
                "spec": volume_spec,
            })
            existing = cluster.get("v1", "PersistentVolume", None, name)
        elif existing.get("spec", {}).get("capacity") != volume_spec["capacity"]:
            updated = dict(existing)
            updated["spec"] = {**existing.get("spec", {}), "capacity": volume_spec["capacity"]}
            base.update_object(cluster, updated)
            existing = cluster.get("v1", "PersistentVolume", None, name)
        if existing is not None and (existing.get("status") or {}).get("phase") != "Bound":
            cluster.write_status("v1", "PersistentVolume", None, name, {"phase": "Bound"})


def _set_volume_name(cluster, pvc: dict, name: str) -> None:
    updated = dict(pvc)
    updated["spec"] = {**(pvc.get("spec") or {}), "volumeName": name}
    base.update_object(cluster, updated)
