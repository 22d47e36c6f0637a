"""kubectl 1.32 (the real binary, through the gcloud dispatcher) against the emulator."""

from __future__ import annotations

import json
import textwrap

NAMESPACE = """
apiVersion: v1
kind: Namespace
metadata:
  name: t2
"""

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kweb
  namespace: t2
  labels: {app: kweb}
spec:
  replicas: 1
  selector: {matchLabels: {app: kweb}}
  template:
    metadata: {labels: {app: kweb}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
"""

CONFIGMAP = """
apiVersion: v1
kind: ConfigMap
metadata: {name: kcfg, namespace: t2, labels: {a: "1", b: "2"}}
data: {k: v}
"""


def _docs(*docs: str) -> str:
    return "\n---\n".join(textwrap.dedent(d).strip() for d in docs) + "\n"


def _get(kubectl, *args: str) -> dict:
    return json.loads(kubectl("get", *args, "-o", "json").stdout)


def test_get_namespaces_lists_the_seeded_namespaces(kubectl):
    names = [i["metadata"]["name"] for i in _get(kubectl, "namespaces")["items"]]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]


def test_get_crd_lists_cert_manager_definitions(kubectl):
    names = {i["metadata"]["name"] for i in _get(kubectl, "crd")["items"]}
    assert {"certificates.cert-manager.io", "issuers.cert-manager.io", "clusterissuers.cert-manager.io"} <= names


def test_create_f_creates_and_refuses_existing(kubectl):
    out = kubectl("create", "-f", "-", input=_docs(NAMESPACE, CONFIGMAP)).stdout
    assert "namespace/t2 created" in out and "configmap/kcfg created" in out
    cm = _get(kubectl, "configmap", "kcfg", "-n", "t2", "--show-managed-fields")
    assert cm["data"] == {"k": "v"}
    assert cm["metadata"]["managedFields"][0]["manager"] == "kubectl-create"
    again = kubectl("create", "-f", "-", input=_docs(CONFIGMAP), check=False)
    assert again.returncode != 0
    assert 'configmaps "kcfg" already exists' in again.stderr


def test_apply_server_side_twice_changes_nothing_the_second_time(kubectl):
    first = kubectl("apply", "--server-side", "-f", "-", input=_docs(NAMESPACE, DEPLOYMENT, CONFIGMAP)).stdout
    assert "deployment.apps/kweb serverside-applied" in first
    before = _get(kubectl, "deployment", "kweb", "-n", "t2")
    kubectl("apply", "--server-side", "-f", "-", input=_docs(NAMESPACE, DEPLOYMENT, CONFIGMAP))
    after = _get(kubectl, "deployment", "kweb", "-n", "t2", "--show-managed-fields")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    applied = [m for m in after["metadata"]["managedFields"] if m["operation"] == "Apply"]
    assert [m["manager"] for m in applied] == ["kubectl"]


def test_apply_client_side_removes_a_dropped_label_and_reports_unchanged(kubectl):
    kubectl("apply", "-f", "-", input=_docs(NAMESPACE))
    assert "configmap/kcfg created" in kubectl("apply", "-f", "-", input=_docs(CONFIGMAP)).stdout
    assert "configmap/kcfg unchanged" in kubectl("apply", "-f", "-", input=_docs(CONFIGMAP)).stdout
    changed = CONFIGMAP.replace('b: "2"', 'c: "3"')
    assert "configmap/kcfg configured" in kubectl("apply", "-f", "-", input=_docs(changed)).stdout
    assert _get(kubectl, "configmap", "kcfg", "-n", "t2")["metadata"]["labels"] == {"a": "1", "c": "3"}


def test_apply_strict_refuses_unknown_field(kubectl):
    kubectl("apply", "-f", "-", input=_docs(NAMESPACE))
    bad = CONFIGMAP + "datta: {x: y}\n"
    proc = kubectl("apply", "-f", "-", input=_docs(bad), check=False)
    assert proc.returncode != 0
    assert ('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: '
            'unknown field "datta"') in proc.stderr


def test_label_and_scale(kubectl):
    kubectl("apply", "--server-side", "-f", "-", input=_docs(NAMESPACE, DEPLOYMENT))
    assert "namespace/t2 labeled" in kubectl("label", "namespace", "t2", "env=dev").stdout
    assert _get(kubectl, "namespace", "t2")["metadata"]["labels"]["env"] == "dev"
    kubectl("scale", "deployment", "kweb", "-n", "t2", "--replicas=3")
    deploy = _get(kubectl, "deployment", "kweb", "-n", "t2")
    assert deploy["spec"]["replicas"] == 3 and deploy["metadata"]["generation"] == 2


def test_get_with_label_selector(kubectl):
    kubectl("apply", "-f", "-", input=_docs(NAMESPACE, CONFIGMAP))
    assert [i["metadata"]["name"] for i in _get(kubectl, "cm", "-n", "t2", "-l", "a=1")["items"]] == ["kcfg"]
    assert _get(kubectl, "cm", "-n", "t2", "-l", "a notin (1)")["items"][0]["metadata"]["name"] == "kube-root-ca.crt"


def test_rollout_status_and_wait_for_available_deployment(kubectl):
    kubectl("apply", "--server-side", "-f", "-", input=_docs(NAMESPACE, DEPLOYMENT))
    out = kubectl("rollout", "status", "deployment/kweb", "-n", "t2", "--timeout=30s").stdout
    assert 'deployment "kweb" successfully rolled out' in out
    kubectl("scale", "deployment", "kweb", "-n", "t2", "--replicas=2")
    waited = kubectl("wait", "--for=condition=Available", "deployment/kweb", "-n", "t2", "--timeout=30s").stdout
    assert "condition met" in waited


def test_delete_namespace_waits_until_it_is_gone(kubectl):
    kubectl("apply", "-f", "-", input=_docs(NAMESPACE, CONFIGMAP))
    out = kubectl("delete", "namespace", "t2", "--timeout=60s").stdout
    assert 'namespace "t2" deleted' in out
    missing = kubectl("get", "namespace", "t2", check=False)
    assert missing.returncode != 0 and 'namespaces "t2" not found' in missing.stderr


def test_wait_for_delete_of_configmap(kubectl):
    kubectl("apply", "-f", "-", input=_docs(NAMESPACE, CONFIGMAP))
    kubectl("delete", "configmap", "kcfg", "-n", "t2", "--wait=true")
    assert kubectl("get", "configmap", "kcfg", "-n", "t2", check=False).returncode != 0


def test_typed_create_generator_is_refused_because_protobuf_is_unsupported(kubectl):
    proc = kubectl("create", "namespace", "t3", check=False)
    assert proc.returncode != 0
    assert "unknown format" in proc.stderr


def test_get_prints_the_server_side_columns(kubectl):
    kubectl("apply", "--server-side", "-f", "-", input=_docs(NAMESPACE, DEPLOYMENT, CONFIGMAP))
    kubectl("rollout", "status", "deployment/kweb", "-n", "t2", "--timeout=30s")
    lines = kubectl("get", "deployment,configmap", "-n", "t2").stdout.splitlines()
    assert lines[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert lines[1].split()[:4] == ["deployment.apps/kweb", "1/1", "1", "1"]
    assert ["NAME", "DATA", "AGE"] == lines[3].split()
    namespaces = kubectl("get", "namespaces", "--show-labels").stdout.splitlines()
    assert namespaces[0].split() == ["NAME", "STATUS", "AGE", "LABELS"]
    assert "kubernetes.io/metadata.name=t2" in next(line for line in namespaces if line.startswith("t2 "))


def test_get_custom_resources_uses_printer_columns(kubectl):
    cert = """
    apiVersion: cert-manager.io/v1
    kind: Certificate
    metadata: {name: c1, namespace: t2}
    spec: {secretName: c1-tls, dnsNames: [a.example.com], issuerRef: {name: ca, kind: ClusterIssuer}}
    """
    kubectl("apply", "-f", "-", input=_docs(NAMESPACE, cert))
    header = kubectl("get", "certificates", "-n", "t2").stdout.splitlines()[0].split()
    assert header == ["NAME", "READY", "SECRET", "AGE"]
    wide = kubectl("get", "certificates", "-n", "t2", "-o", "wide").stdout.splitlines()
    assert wide[0].split() == ["NAME", "READY", "SECRET", "ISSUER", "STATUS", "AGE"]
    name, _ready, secret, issuer = wide[1].split()[:4]
    assert (name, secret, issuer) == ("c1", "c1-tls", "ca")
