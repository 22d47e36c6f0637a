"""Simulated controllers of the kube emulator, seen through kubectl, the kubernetes client and
kubernetes.core: Deployment readiness, cert-manager, quota admission, namespace deletion."""

from __future__ import annotations

import base64
import json

import pytest
import yaml
from cryptography import x509
from kubernetes import client
from kubernetes.client.exceptions import ApiException

NS = "tenant-a"
NEVER_READY = "sandbox.tenant-provisioner.local/never-ready"


def _namespace() -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}


def _deployment(name: str = "web", annotations: dict | None = None, replicas: int = 1) -> dict:
    meta = {"name": name, "namespace": NS}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
            "spec": {"replicas": replicas, "strategy": {"type": "Recreate"},
                     "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}


def _apply(kubectl, *objects: dict) -> None:
    kubectl("apply", "-f", "-", input=yaml.safe_dump_all(objects))


def _get(kubectl, *args: str) -> dict:
    return json.loads(kubectl("get", *args, "-o", "json").stdout)


@pytest.fixture
def core(kube_api) -> client.CoreV1Api:
    return client.CoreV1Api(kube_api)


# -- Deployments --------------------------------------------------------------------------------


def test_deployment_is_ready_for_kubernetes_core_wait_and_reapply_is_unchanged(kube, run_playbook):
    tasks = [
        {"name": "Ensure namespace", "kubernetes.core.k8s": {"definition": _namespace()}},
        {"name": "Ensure deployment", "kubernetes.core.k8s": {
            "definition": _deployment(), "apply": True, "server_side_apply": {"field_manager": "tp"},
            "wait": True, "wait_timeout": 20, "wait_sleep": 1}},
    ]
    first = run_playbook(tasks)
    assert first.rc == 0, first.stdout
    status = first.result("Ensure deployment")["result"]["status"]
    assert status["availableReplicas"] == 1 and status["observedGeneration"] == 1
    second = run_playbook(tasks)
    assert second.rc == 0, second.stdout
    assert second.changed == []


def test_never_ready_annotation_keeps_a_deployment_unavailable(kube, kubectl):
    _apply(kubectl, _namespace(), _deployment("web"), _deployment("broken", {NEVER_READY: "true"}))
    kubectl("rollout", "status", "-n", NS, "deployment/web", "--timeout=20s")
    stuck = kubectl("rollout", "status", "-n", NS, "deployment/broken", "--timeout=2s", check=False)
    assert stuck.returncode != 0
    broken = _get(kubectl, "-n", NS, "deployment", "broken")["status"]
    assert "availableReplicas" not in broken and "readyReplicas" not in broken
    available = {c["type"]: c for c in broken["conditions"]}["Available"]
    assert (available["status"], available["reason"]) == ("False", "MinimumReplicasUnavailable")


def test_scaled_to_zero_deployment_has_no_replica_counters(kube, kubectl):
    _apply(kubectl, _namespace(), _deployment())
    kubectl("scale", "-n", NS, "deployment/web", "--replicas=0")
    status = _get(kubectl, "-n", NS, "deployment", "web")["status"]
    assert status["observedGeneration"] == 2
    assert not {"replicas", "readyReplicas", "availableReplicas", "updatedReplicas"} & set(status)


# -- cert-manager -------------------------------------------------------------------------------


def _cluster_issuer(name: str) -> dict:
    return {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer", "metadata": {"name": name},
            "spec": {"acme": {"server": "https://acme-staging-v02.api.letsencrypt.org/directory",
                              "email": "ops@example.com", "privateKeySecretRef": {"name": name},
                              "solvers": [{"http01": {"ingress": {"ingressClassName": "nginx"}}}]}}}


def _ingress(issuer: str) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "web", "namespace": NS, "annotations": {"cert-manager.io/cluster-issuer": issuer}},
            "spec": {"ingressClassName": "nginx",
                     "tls": [{"hosts": ["www.example.com"], "secretName": "www-example-com-tls"}],
                     "rules": [{"host": "www.example.com", "http": {"paths": [{
                         "path": "/", "pathType": "Prefix",
                         "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}


def test_certificate_becomes_ready_and_writes_its_tls_secret(kube, kubectl, core):
    cert = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "web-tls", "namespace": NS},
            "spec": {"secretName": "web-tls", "dnsNames": ["www.example.com"],
                     "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"}}}
    _apply(kubectl, _namespace(), _cluster_issuer("letsencrypt"), cert)
    kubectl("wait", "-n", NS, "--for=condition=Ready", "certificate/web-tls", "--timeout=20s")
    status = _get(kubectl, "-n", NS, "certificate", "web-tls")["status"]
    ready = status["conditions"][0]
    assert (ready["type"], ready["status"], ready["reason"], ready["message"]) == (
        "Ready", "True", "Ready", "Certificate is up to date and has not expired")
    assert status["revision"] == 1 and status["notAfter"] > status["notBefore"]
    secret = core.read_namespaced_secret("web-tls", NS)
    assert secret.type == "kubernetes.io/tls" and set(secret.data) == {"tls.crt", "tls.key", "ca.crt"}
    leaf = x509.load_pem_x509_certificate(base64.b64decode(secret.data["tls.crt"]))
    assert leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName) == ["www.example.com"]


def test_ingress_shim_creates_and_reissues_on_issuer_change(kube, kubectl):
    _apply(kubectl, _namespace(), _cluster_issuer("staging"), _cluster_issuer("production"), _ingress("staging"))
    kubectl("wait", "-n", NS, "--for=condition=Ready", "certificate/www-example-com-tls", "--timeout=20s")
    cert = _get(kubectl, "-n", NS, "certificate", "www-example-com-tls")
    assert cert["spec"]["issuerRef"] == {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": "staging"}
    assert cert["metadata"]["ownerReferences"][0]["kind"] == "Ingress"
    assert cert["status"]["revision"] == 1
    _apply(kubectl, _ingress("production"))
    cert = _get(kubectl, "-n", NS, "certificate", "www-example-com-tls")
    assert cert["spec"]["issuerRef"]["name"] == "production"
    assert cert["status"]["revision"] == 2
    secret = _get(kubectl, "-n", NS, "secret", "www-example-com-tls")
    assert secret["metadata"]["annotations"]["cert-manager.io/issuer-name"] == "production"


# -- ResourceQuota ------------------------------------------------------------------------------


def _claim(name: str, size: str) -> dict:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": NS},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}}


def test_pvc_over_the_storage_quota_is_refused_with_403(kube, kubectl, core):
    quota = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "storage", "namespace": NS},
             "spec": {"hard": {"requests.storage": "20Gi", "persistentvolumeclaims": "2"}}}
    _apply(kubectl, _namespace(), quota, _claim("old-data", "10Gi"))
    used = _get(kubectl, "-n", NS, "resourcequota", "storage")["status"]
    assert used == {"hard": {"requests.storage": "20Gi", "persistentvolumeclaims": "2"},
                    "used": {"requests.storage": "10Gi", "persistentvolumeclaims": "1"}}
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_persistent_volume_claim(NS, _claim("site-data", "20Gi"))
    status = json.loads(refused.value.body)
    assert refused.value.status == 403 and status["reason"] == "Forbidden"
    assert status["message"] == (
        'persistentvolumeclaims "site-data" is forbidden: exceeded quota: storage, requested: '
        "requests.storage=20Gi, used: requests.storage=10Gi, limited: requests.storage=20Gi")
    failed = kubectl("apply", "-f", "-", input=yaml.safe_dump(_claim("site-data", "20Gi")), check=False)
    assert failed.returncode != 0 and "exceeded quota: storage" in failed.stderr


def test_job_pods_are_held_to_the_terminating_quota(kube, kubectl, core):
    quotas = [
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "site", "namespace": NS},
         "spec": {"hard": {"pods": "1"}, "scopes": ["NotTerminating"]}},
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "jobs", "namespace": NS},
         "spec": {"hard": {"pods": "1", "limits.cpu": "1"}, "scopes": ["Terminating"]}},
    ]
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "greedy", "namespace": NS},
           "spec": {"backoffLimit": 0, "template": {"spec": {
               "restartPolicy": "Never", "activeDeadlineSeconds": 60,
               "containers": [{"name": "main", "image": "busybox", "command": ["true"],
                               "resources": {"limits": {"cpu": "2"}}}]}}}}
    _apply(kubectl, _namespace(), *quotas, job)
    events = _get(kubectl, "-n", NS, "events", "--field-selector", "involvedObject.name=greedy")["items"]
    messages = [e["message"] for e in events if e["reason"] == "FailedCreate"]
    assert messages and "exceeded quota: jobs, requested: limits.cpu=2, used: limits.cpu=0, limited: limits.cpu=1" \
        in messages[0]
    assert core.list_namespaced_pod(NS).items == []


# -- Namespaces ---------------------------------------------------------------------------------


def test_namespace_deletion_with_kubernetes_core_wait(kube, kubectl, run_playbook):
    _apply(kubectl, _namespace(), _deployment(), _claim("site-data", "1Gi"))
    tasks = [{"name": "Remove namespace", "kubernetes.core.k8s": {
        "api_version": "v1", "kind": "Namespace", "name": NS, "state": "absent",
        "wait": True, "wait_timeout": 20, "wait_sleep": 1}}]
    run = run_playbook(tasks)
    assert run.rc == 0, run.stdout
    assert run.result("Remove namespace")["changed"] is True
    assert kubectl("get", "namespace", NS, check=False).returncode != 0
    assert kubectl("get", "pv", "-o", "name").stdout == ""
    again = run_playbook(tasks)
    assert again.rc == 0 and again.changed == []


def test_second_delete_of_a_terminating_namespace_conflicts(kube, kubectl, core):
    ns = _namespace()
    ns["metadata"]["annotations"] = {"namespace-finalize.stage.sandbox.tenant-provisioner.local/delay": "3s"}
    _apply(kubectl, ns)
    core.delete_namespace(NS)
    terminating = core.read_namespace(NS)
    assert terminating.status.phase == "Terminating" and terminating.metadata.deletion_timestamp
    with pytest.raises(ApiException) as conflict:
        core.delete_namespace(NS)
    assert conflict.value.status == 409
    kubectl("wait", "--for=delete", f"namespace/{NS}", "--timeout=20s")
