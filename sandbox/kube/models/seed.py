"""What a fresh (or reset) sandbox cluster holds, and what every new namespace gets.

Like a new kind/kubeadm cluster with cert-manager installed: the four system namespaces, the
`kubernetes` Service, one Ready node, a default StorageClass (expandable, so PVCs can grow), an
IngressClass `nginx`, and cert-manager's CRDs (`crds/cert-manager.yaml`). Every namespace gets a
`default` ServiceAccount and the `kube-root-ca.crt` ConfigMap, as the real controllers add them.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import yaml

_CRD_FILE = Path(__file__).with_name("crds") / "cert-manager.yaml"

# Not a usable certificate: the sandbox serves plain HTTP. Clients only copy it around.
ROOT_CA_PEM = (
    "-----BEGIN CERTIFICATE-----\n"
    + base64.b64encode(b"sandbox/kube root CA placeholder: the sandbox API is served over plain HTTP").decode()
    + "\n-----END CERTIFICATE-----\n"
)

_ROOT_CA_DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as "
    "the internal service IP or kubernetes.default.svc. No other usages are guaranteed across distributions "
    "of Kubernetes clusters."
)

NODE_NAME = "sandbox"


def cert_manager_crds() -> list[dict]:
    with open(_CRD_FILE, encoding="utf-8") as fh:
        items = yaml.safe_load(fh)["items"]
    return json.loads(json.dumps(items))  # YAML anchors share objects: make every CRD independent


def initial_objects() -> list[dict]:
    """Objects of a fresh cluster, in creation order (status, where given, is written after create)."""
    objs: list[dict] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        for name in ("default", "kube-system", "kube-public", "kube-node-lease")
    ]
    objs.append({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                                       "targetPort": 6443}]},
    })
    objs.append({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": NODE_NAME, "labels": {
            "kubernetes.io/hostname": NODE_NAME, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
            "node-role.kubernetes.io/control-plane": ""}},
        "spec": {"podCIDR": "10.244.0.0/24"},
        "status": {
            "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110", "ephemeral-storage": "100Gi"},
            "allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110", "ephemeral-storage": "100Gi"},
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                            "message": "kubelet is posting ready status"}],
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}, {"type": "Hostname", "address": NODE_NAME}],
            "nodeInfo": {"kubeletVersion": "v1.32.0", "kubeProxyVersion": "v1.32.0", "operatingSystem": "linux",
                         "architecture": "amd64", "containerRuntimeVersion": "sandbox://local-processes",
                         "osImage": "sandbox", "kernelVersion": "", "machineID": "", "systemUUID": "",
                         "bootID": ""},
        },
    })
    objs.append({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "sandbox.kube/hostpath", "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate",
        "allowVolumeExpansion": True,
    })
    objs.append({
        "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
        "metadata": {"name": "nginx", "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"},
                     "labels": {"app.kubernetes.io/component": "controller",
                                "app.kubernetes.io/name": "ingress-nginx"}},
        "spec": {"controller": "k8s.io/ingress-nginx"},
    })
    objs.extend(cert_manager_crds())
    return objs


def namespace_defaults(namespace: str) -> list[dict]:
    """What the ServiceAccount and root-CA publisher controllers put in each new namespace."""
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": namespace}},
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "kube-root-ca.crt", "namespace": namespace,
                      "annotations": {"kubernetes.io/description": _ROOT_CA_DESCRIPTION}},
         "data": {"ca.crt": ROOT_CA_PEM}},
    ]
