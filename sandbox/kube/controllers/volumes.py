"""PersistentVolumeClaims: admission, a dynamic provisioner and the PV binder, on host directories.

Admission on create (as kube-apiserver's DefaultStorageClass and StorageObjectInUseProtection
plugins): a claim without `storageClassName` gets the default StorageClass (annotation
`storageclass.kubernetes.io/is-default-class: "true"`), and every claim the finalizer
`kubernetes.io/pvc-protection`.

Every claim is bound at once (as with an `Immediate` StorageClass whatever its class says): the
claim gets a directory `claim_dir(state_dir, namespace, name)` (pods mount it), a
PersistentVolume `pvc-<claim uid>` (hostPath = that directory, reclaim policy Delete),
`spec.volumeName` and the binder's annotations, and `status: {phase: Bound, accessModes,
capacity}`. When the request grows, the capacity follows (online expansion); it never shrinks.

Deleting a claim marks it (deletionTimestamp) while a pod that is not finished uses it; once none
does, the protection finalizer is removed and the claim goes, with its volume and directory.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from . import base
from ..models.quantity import Quantity

PROVISIONER = "sandbox.kube/hostpath"
PROTECTION = "kubernetes.io/pvc-protection"
_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


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


def _storage_class(cluster, name: str | None) -> dict | None:
    classes = cluster.list("storage.k8s.io/v1", "StorageClass")
    if name is None:
        defaults = [c for c in classes if base.annotation(c, _DEFAULT_CLASS) == "true"]
        return defaults[-1] if defaults else None
    return next((c for c in classes if base.name_of(c) == name), None)


def _claims_in_use(pods: list[dict]) -> set[str]:
    used = set()
    for pod in pods:
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            continue
        for volume in (pod.get("spec") or {}).get("volumes") or ():
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim:
                used.add(claim)
    return used


class VolumeController(base.Controller):
    kinds = (("", "PersistentVolumeClaim"), ("", "Pod"))

    def __init__(self, state_dir: Path):
        self.state_dir = Path(state_dir)

    def admit(self, cluster, rtype, obj: dict, old: dict | None, dry_run: bool) -> None:
        if obj.get("kind") != "PersistentVolumeClaim" or old is not None:
            return
        spec = obj.setdefault("spec", {})
        if "storageClassName" not in spec:
            default = _storage_class(cluster, None)
            if default is not None:
                spec["storageClassName"] = base.name_of(default)
        finalizers = obj.setdefault("metadata", {}).setdefault("finalizers", [])
        if PROTECTION not in finalizers:
            finalizers.append(PROTECTION)

    def settle(self, cluster, rtype, obj: dict) -> None:
        if obj.get("kind") == "Pod":
            self._release_unused(cluster, base.namespace_of(obj))
            return
        pvc = obj
        namespace, name = base.namespace_of(pvc), base.name_of(pvc)
        if base.is_terminating(pvc):
            self._release_unused(cluster, namespace)
            return
        claim_dir(self.state_dir, namespace, name).mkdir(parents=True, exist_ok=True)
        status = claim_status(pvc)
        self._ensure_volume(cluster, pvc, status)
        if not (pvc.get("spec") or {}).get("volumeName"):
            self._bind(cluster, pvc, volume_name(pvc))
            pvc = cluster.get("v1", "PersistentVolumeClaim", namespace, name)
            if pvc is None:
                return
        if status != (pvc.get("status") or {}):
            cluster.write_status("v1", "PersistentVolumeClaim", namespace, name, status)

    def _release_unused(self, cluster, namespace: str | None) -> None:
        """Drop the protection finalizer of terminating claims no running pod uses."""
        claims = [c for c in cluster.list("v1", "PersistentVolumeClaim", namespace) if base.is_terminating(c)
                  and PROTECTION in (base.meta(c).get("finalizers") or ())]
        if not claims:
            return
        used = _claims_in_use(cluster.list("v1", "Pod", namespace))
        for claim in claims:
            if base.name_of(claim) in used:
                continue
            released = dict(claim)
            released["metadata"] = dict(base.meta(claim))
            released["metadata"]["finalizers"] = [f for f in released["metadata"]["finalizers"] if f != PROTECTION]
            base.update_object(cluster, released)

    def _bind(self, cluster, pvc: dict, name: str) -> None:
        provisioner = _provisioner(cluster, pvc)
        updated = dict(pvc)
        updated["spec"] = {**(pvc.get("spec") or {}), "volumeName": name}
        annotations = dict(base.meta(pvc).get("annotations") or {})
        annotations.update({
            "pv.kubernetes.io/bind-completed": "yes",
            "pv.kubernetes.io/bound-by-controller": "yes",
            "volume.beta.kubernetes.io/storage-provisioner": provisioner,
            "volume.kubernetes.io/storage-provisioner": provisioner,
        })
        updated["metadata"] = {**base.meta(pvc), "annotations": annotations}
        base.update_object(cluster, updated)

    def deleted(self, cluster, rtype, obj: dict) -> None:
        if obj.get("kind") == "Pod":
            self._release_unused(cluster, base.namespace_of(obj))
            return
        pvc = obj
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
            if base.is_terminating(pvc):
                with cluster.lock:
                    self._release_unused(cluster, base.namespace_of(pvc))
                continue
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
                "metadata": {"name": name, "annotations": {"pv.kubernetes.io/provisioned-by": _provisioner(cluster, pvc)}},
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


def _provisioner(cluster, pvc: dict) -> str:
    storage_class = _storage_class(cluster, (pvc.get("spec") or {}).get("storageClassName") or "")
    return (storage_class or {}).get("provisioner") or PROVISIONER
