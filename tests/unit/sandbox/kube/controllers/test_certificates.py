"""Simulated cert-manager: issuance, the trigger checks, TLS Secrets and ingress-shim."""

from __future__ import annotations

import base64

import pytest
from cryptography import x509

from sandbox.kube.controllers.certificates import CertificateController, desired_certificates, trigger
from sandbox.kube.controllers.gc import GarbageCollector
from sandbox.kube.controllers.stages import StageController


@pytest.fixture
def cluster(make_cluster, tmp_path):
    stages = StageController(actions={"finalize-namespace": lambda c, o: None})
    return make_cluster(stages, CertificateController(tmp_path / "state"), GarbageCollector())


def _issuer(name, kind="ClusterIssuer", **spec):
    meta = {"name": name}
    if kind == "Issuer":
        meta["namespace"] = "t1"
    return {"apiVersion": "cert-manager.io/v1", "kind": kind, "metadata": meta, "spec": spec or {"selfSigned": {}}}


def _certificate(issuer="letsencrypt", kind="ClusterIssuer", hosts=("www.example.com",)):
    return {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": "web-tls", "namespace": "t1"},
            "spec": {"secretName": "web-tls", "dnsNames": list(hosts),
                     "issuerRef": {"name": issuer, "kind": kind, "group": "cert-manager.io"}}}


def _cert_status(cluster):
    return cluster.get("cert-manager.io/v1", "Certificate", "t1", "web-tls").get("status") or {}


def _leaf(cluster) -> x509.Certificate:
    secret = cluster.get("v1", "Secret", "t1", "web-tls")
    return x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["tls.crt"]))


def test_certificate_becomes_ready_with_a_tls_secret(cluster):
    cluster.create_internal(_issuer("letsencrypt", acme={"server": "https://acme.example/dir", "solvers": []}))
    cluster.create_internal(_certificate())
    status = _cert_status(cluster)
    ready = status["conditions"][0]
    assert (ready["type"], ready["status"], ready["reason"], ready["message"]) == \
        ("Ready", "True", "Ready", "Certificate is up to date and has not expired")
    assert status["revision"] == 1 and status["notBefore"] < status["renewalTime"] < status["notAfter"]
    secret = cluster.get("v1", "Secret", "t1", "web-tls")
    assert secret["type"] == "kubernetes.io/tls" and set(secret["data"]) == {"tls.crt", "tls.key", "ca.crt"}
    assert secret["metadata"]["annotations"]["cert-manager.io/issuer-name"] == "letsencrypt"
    assert secret["metadata"]["annotations"]["cert-manager.io/alt-names"] == "www.example.com"
    leaf = _leaf(cluster)
    assert leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName) == ["www.example.com"]
    assert "ClusterIssuer.cert-manager.io/letsencrypt" in leaf.issuer.rfc4514_string()


def test_settling_again_changes_nothing(cluster):
    cluster.create_internal(_issuer("letsencrypt"))
    cluster.create_internal(_certificate())
    before = cluster.get("cert-manager.io/v1", "Certificate", "t1", "web-tls")
    cluster.update_internal(before)
    after = cluster.get("cert-manager.io/v1", "Certificate", "t1", "web-tls")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


def test_without_issuer_the_certificate_waits_then_issues(cluster):
    cluster.create_internal(_certificate())
    conditions = {c["type"]: c for c in _cert_status(cluster)["conditions"]}
    assert conditions["Ready"]["status"] == "False" and conditions["Ready"]["reason"] == "DoesNotExist"
    assert conditions["Issuing"]["status"] == "True"
    assert cluster.get("v1", "Secret", "t1", "web-tls") is None
    cluster.create_internal(_issuer("letsencrypt"))
    assert [c["type"] for c in _cert_status(cluster)["conditions"]] == ["Ready"]
    assert _cert_status(cluster)["revision"] == 1


def test_changing_the_issuer_reissues_like_cert_manager(cluster):
    cluster.create_internal(_issuer("staging"))
    cluster.create_internal(_issuer("production"))
    cluster.create_internal(_certificate("staging"))
    first = _leaf(cluster)
    cert = cluster.get("cert-manager.io/v1", "Certificate", "t1", "web-tls")
    assert trigger(cert, cluster.get("v1", "Secret", "t1", "web-tls")) is None
    cert["spec"]["issuerRef"]["name"] = "production"
    assert trigger(cert, cluster.get("v1", "Secret", "t1", "web-tls")) == (
        "IncorrectIssuer",
        'Issuing certificate as Secret was previously issued by "ClusterIssuer.cert-manager.io/staging"')
    cluster.update_internal(cert)
    assert _cert_status(cluster)["revision"] == 2
    assert _leaf(cluster).serial_number != first.serial_number
    secret = cluster.get("v1", "Secret", "t1", "web-tls")
    assert secret["metadata"]["annotations"]["cert-manager.io/issuer-name"] == "production"


def test_deleting_the_secret_reissues(cluster):
    cluster.create_internal(_issuer("letsencrypt"))
    cluster.create_internal(_certificate())
    cluster.delete_internal("v1", "Secret", "t1", "web-tls")
    assert cluster.get("v1", "Secret", "t1", "web-tls") is not None
    assert _cert_status(cluster)["revision"] == 2


def test_changed_names_trigger_reissue():
    cert = _certificate(hosts=("a.example.com",))
    assert trigger(cert, None) == ("DoesNotExist", "Issuing certificate as Secret does not exist")
    assert trigger(cert, {"data": {"tls.crt": "", "tls.key": ""}})[0] == "MissingData"


def _ingress(annotations, tls=({"hosts": ["www.example.com"], "secretName": "web-tls"},)):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "web", "namespace": "t1", "uid": "ing-uid", "annotations": annotations,
                         "labels": {"app": "web"}},
            "spec": {"ingressClassName": "nginx", "tls": list(tls), "rules": []}}


def test_ingress_shim_builds_the_certificate_like_cert_manager():
    [cert] = desired_certificates(_ingress({"cert-manager.io/cluster-issuer": "letsencrypt"}))
    assert cert["metadata"] == {"name": "web-tls", "namespace": "t1", "labels": {"app": "web"},
                                "ownerReferences": [{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                                                     "name": "web", "uid": "ing-uid", "controller": True,
                                                     "blockOwnerDeletion": True}]}
    assert cert["spec"] == {"dnsNames": ["www.example.com"], "secretName": "web-tls",
                            "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": "letsencrypt"},
                            "usages": ["digital signature", "key encipherment"]}
    assert desired_certificates(_ingress({})) is None
    assert desired_certificates(_ingress({"cert-manager.io/issuer": "a", "cert-manager.io/cluster-issuer": "b"})) is None


def test_ingress_annotation_change_updates_and_reissues(cluster):
    cluster.create_internal(_issuer("staging"))
    cluster.create_internal(_issuer("production"))
    cluster.create_internal(_ingress({"cert-manager.io/cluster-issuer": "staging"}))
    assert _cert_status(cluster)["revision"] == 1
    ingress = cluster.get("networking.k8s.io/v1", "Ingress", "t1", "web")
    ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] = "production"
    cluster.update_internal(ingress)
    cert = cluster.get("cert-manager.io/v1", "Certificate", "t1", "web-tls")
    assert cert["spec"]["issuerRef"]["name"] == "production"
    assert cert["status"]["revision"] == 2


def test_deleting_the_ingress_removes_its_certificate_but_keeps_the_secret(cluster):
    cluster.create_internal(_issuer("letsencrypt"))
    cluster.create_internal(_ingress({"cert-manager.io/cluster-issuer": "letsencrypt"}))
    cluster.delete_internal("networking.k8s.io/v1", "Ingress", "t1", "web")
    assert cluster.get("cert-manager.io/v1", "Certificate", "t1", "web-tls") is None
    assert cluster.get("v1", "Secret", "t1", "web-tls") is not None


def test_issuers_become_ready_from_their_stage(cluster):
    cluster.create_internal(_issuer("ca", kind="Issuer", ca={"secretName": "ca-pair"}))
    ready = cluster.get("cert-manager.io/v1", "Issuer", "t1", "ca")["status"]["conditions"][0]
    assert (ready["reason"], ready["message"]) == ("KeyPairVerified", "Signing CA verified")
