"""cert-manager: Certificate issuance and the ingress-shim (cert-manager.io/v1, as in v1.16+).

Certificates. On every write of a Certificate (or of its Secret or issuer) the trigger checks of
cert-manager run in their real order; the first that fails starts an issuance:

| check | reason | message |
| --- | --- | --- |
| Secret missing | DoesNotExist | Issuing certificate as Secret does not exist |
| no tls.key / tls.crt | MissingData | Issuing certificate as Secret does not contain a private key |
| key and certificate differ | InvalidKeyPair | Issuing certificate as Secret contains an invalid key-pair |
| key algorithm/size changed | SecretMismatch | Existing private key is not up to date for spec: [spec.privateKey.algorithm] |
| issuerRef changed | IncorrectIssuer | Issuing certificate as Secret was previously issued by "ClusterIssuer.cert-manager.io/a" |
| names changed | SecretMismatch | Existing issued Secret is not up to date for spec: [spec.dnsNames] |
| renewal time passed | Renewing | Renewing certificate as renewal was scheduled at ... |
| `Issuing` condition True (`cmctl renew`) | ManuallyTriggered | |

Real cert-manager re-issues when only `issuerRef` changes (the `SecretIssuerAnnotationsNotUpToDate`
trigger, compared against the Secret's `cert-manager.io/issuer-*` annotations), and so does this
one. An issuance needs the referenced Issuer/ClusterIssuer to exist and be Ready (issuers of other
groups are assumed ready); until then the Certificate shows Ready False + Issuing True with the
trigger's reason. Issuing writes the Secret `spec.secretName` (type kubernetes.io/tls, tls.crt,
tls.key, ca.crt, cert-manager's annotations, `spec.secretTemplate`), and the status: Ready True
(`Certificate is up to date and has not expired`), notBefore, notAfter, renewalTime and
`revision` + 1. Keys and certificates are real (see pki.py). No CertificateRequest objects are
kept. Deleting a Certificate leaves its Secret (cert-manager's default).

Ingress-shim. An Ingress annotated `cert-manager.io/cluster-issuer` or `cert-manager.io/issuer`
gets, for each `spec.tls` entry with a secretName and hosts, a Certificate named after the secret
(dnsNames = hosts, issuerRef from the annotation, usages digital signature + key encipherment,
the Ingress' labels, a controller ownerReference to the Ingress). It is updated when the
annotations or hosts change and deleted when its tls entry goes; a same-named Certificate not
owned by the Ingress is left alone. Supported extra annotations: common-name, duration,
renew-before, usages, private-key-algorithm, private-key-size, private-key-encoding,
private-key-rotation-policy, issuer-kind, issuer-group.
"""

from __future__ import annotations

import base64
import datetime as _dt
from pathlib import Path

from . import base, pki

GROUP = "cert-manager.io"
DEFAULT_DURATION = _dt.timedelta(days=90)
READY_MESSAGE = "Certificate is up to date and has not expired"
_ANNOTATION_PREFIX = "cert-manager.io/"
_DEFAULT_USAGES = ["digital signature", "key encipherment"]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str | None) -> bytes:
    try:
        return base64.b64decode(text or "")
    except (ValueError, TypeError):
        return b""


def _issuer_ref(cert: dict) -> tuple[str, str, str]:
    ref = (cert.get("spec") or {}).get("issuerRef") or {}
    return ref.get("name") or "", ref.get("kind") or "Issuer", ref.get("group") or GROUP


def format_issuer(name: str, kind: str, group: str) -> str:
    return f"{kind or 'Issuer'}.{group or GROUP}/{name}"


def _duration(spec: dict) -> _dt.timedelta:
    seconds = base.parse_duration(spec.get("duration"))
    return _dt.timedelta(seconds=seconds) if seconds else DEFAULT_DURATION


def _renewal_time(spec: dict, not_before: _dt.datetime, not_after: _dt.datetime) -> _dt.datetime:
    lifetime = not_after - not_before
    before = base.parse_duration(spec.get("renewBefore"))
    if spec.get("renewBeforePercentage"):
        renew_before = lifetime * int(spec["renewBeforePercentage"]) / 100
    elif before:
        renew_before = _dt.timedelta(seconds=before)
    else:
        renew_before = lifetime / 3
    if renew_before >= lifetime:
        renew_before = lifetime / 3
    return (not_after - renew_before).replace(microsecond=0)


def _ts(value: _dt.datetime) -> str:
    return value.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def trigger(cert: dict, secret: dict | None) -> tuple[str, str] | None:
    """cert-manager's trigger policy chain: (reason, message) of the first failed check."""
    spec = cert.get("spec") or {}
    if secret is None:
        return "DoesNotExist", "Issuing certificate as Secret does not exist"
    data = secret.get("data")
    if not data:
        return "MissingData", "Issuing certificate as Secret does not contain any data"
    key_pem, cert_pem = _unb64(data.get("tls.key")), _unb64(data.get("tls.crt"))
    if not key_pem:
        return "MissingData", "Issuing certificate as Secret does not contain a private key"
    if not cert_pem:
        return "MissingData", "Issuing certificate as Secret does not contain a certificate"
    pair = pki.load_key_pair(key_pem, cert_pem)
    if pair is None:
        return "InvalidKeyPair", "Issuing certificate as Secret contains an invalid key-pair: tls: private key does not match public key"
    algorithm, size = pki.key_algorithm(pair[0])
    wanted = spec.get("privateKey") or {}
    violations = []
    if (wanted.get("algorithm") or "RSA").upper() != algorithm.upper():
        violations.append("spec.privateKey.algorithm")
    elif wanted.get("size") and size and int(wanted["size"]) != size:
        violations.append("spec.privateKey.size")
    elif algorithm == "RSA" and not wanted.get("size") and size != 2048:
        violations.append("spec.privateKey.size")
    if violations:
        return "SecretMismatch", f"Existing private key is not up to date for spec: [{' '.join(violations)}]"
    annotations = base.meta(secret).get("annotations") or {}
    name, kind, group = _issuer_ref(cert)
    issued_name = annotations.get("cert-manager.io/issuer-name", "")
    issued_kind = annotations.get("cert-manager.io/issuer-kind") or "Issuer"
    issued_group = annotations.get("cert-manager.io/issuer-group") or GROUP
    if (issued_name, issued_kind, issued_group) != (name, kind, group):
        previous = format_issuer(issued_name, issued_kind, issued_group)
        return "IncorrectIssuer", f'Issuing certificate as Secret was previously issued by "{previous}"'
    described = pki.describe(cert_pem) or {}
    mismatched = []
    if sorted(spec.get("dnsNames") or []) != described.get("dnsNames", []):
        mismatched.append("spec.dnsNames")
    if (spec.get("commonName") or "") != described.get("commonName", ""):
        mismatched.append("spec.commonName")
    if sorted(spec.get("ipAddresses") or []) != described.get("ipAddresses", []):
        mismatched.append("spec.ipAddresses")
    if mismatched:
        return "SecretMismatch", f"Existing issued Secret is not up to date for spec: [{' '.join(mismatched)}]"
    not_before, not_after = described.get("notBefore"), described.get("notAfter")
    if not_before and not_after:
        renewal = _renewal_time(spec, not_before, not_after)
        if _dt.datetime.now(_dt.timezone.utc) >= renewal:
            return "Renewing", f"Renewing certificate as renewal was scheduled at {_ts(renewal)}"
    return None


class CertificateController(base.Controller):
    kinds = (
        (GROUP, "Certificate"),
        (GROUP, "Issuer"),
        (GROUP, "ClusterIssuer"),
        ("", "Secret"),
        ("networking.k8s.io", "Ingress"),
    )

    def __init__(self, state_dir: Path, cluster_resource_namespace: str = "cert-manager"):
        self.state_dir = Path(state_dir)
        self.cluster_resource_namespace = cluster_resource_namespace
        self._writing: set[tuple[str, str]] = set()

    # -- hooks --------------------------------------------------------------------------------

    def settle(self, cluster, rtype, obj: dict) -> None:
        kind = obj.get("kind")
        if kind == "Certificate":
            self.reconcile(cluster, obj)
        elif kind in ("Issuer", "ClusterIssuer") and base.group_of(obj) == GROUP:
            for cert in self._certificates_of_issuer(cluster, obj):
                self.reconcile(cluster, cert)
        elif kind == "Secret":
            self._secret_changed(cluster, obj)
        elif kind == "Ingress":
            sync_ingress(cluster, obj)

    def deleted(self, cluster, rtype, obj: dict) -> None:
        if obj.get("kind") == "Secret":
            self._secret_changed(cluster, obj)

    def start(self, cluster) -> None:
        version = base.served_version(cluster, GROUP, "Certificate")
        if version is None:
            return
        for cert in cluster.list(version, "Certificate"):
            with cluster.lock:
                current = cluster.get(version, "Certificate", base.namespace_of(cert), base.name_of(cert))
                if current is not None:
                    self.reconcile(cluster, current)

    # -- certificates -------------------------------------------------------------------------

    def _secret_changed(self, cluster, secret: dict) -> None:
        namespace, name = base.namespace_of(secret), base.name_of(secret)
        if (namespace, name) in self._writing:
            return
        version = base.served_version(cluster, GROUP, "Certificate")
        if version is None:
            return
        for cert in cluster.list(version, "Certificate", namespace):
            if (cert.get("spec") or {}).get("secretName") == name:
                self.reconcile(cluster, cert)

    def _certificates_of_issuer(self, cluster, issuer: dict) -> list[dict]:
        version = base.served_version(cluster, GROUP, "Certificate")
        if version is None:
            return []
        namespace = base.namespace_of(issuer) if issuer.get("kind") == "Issuer" else None
        out = []
        for cert in cluster.list(version, "Certificate", namespace):
            name, kind, group = _issuer_ref(cert)
            if (name, kind, group) == (base.name_of(issuer), issuer.get("kind"), GROUP):
                out.append(cert)
        return out

    def _issuer(self, cluster, cert: dict) -> tuple[dict | None, str | None]:
        """(issuer object, why it cannot issue) for the Certificate's issuerRef."""
        name, kind, group = _issuer_ref(cert)
        if group != GROUP:
            return None, None  # external issuers: assumed to sign
        version = base.served_version(cluster, GROUP, kind)
        namespace = base.namespace_of(cert) if kind == "Issuer" else None
        issuer = cluster.get(version, kind, namespace, name) if version else None
        if issuer is None:
            return None, f'Referenced "{kind}" not found: {kind.lower()}.{GROUP} "{name}" not found'
        if not base.condition_true(issuer, "Ready"):
            return issuer, f'Referenced issuer does not have a Ready status condition'
        return issuer, None

    def reconcile(self, cluster, cert: dict) -> None:
        if base.is_terminating(cert):
            return
        namespace = base.namespace_of(cert)
        spec = cert.get("spec") or {}
        secret_name = spec.get("secretName")
        if not secret_name:
            return
        secret = cluster.get("v1", "Secret", namespace, secret_name)
        status = dict(cert.get("status") or {})
        issuing = base.condition(cert, "Issuing")
        why = trigger(cert, secret)
        if why is None and not (issuing and issuing.get("status") == "True"):
            self._write_status(cluster, cert, self._ready_status(cert, secret, status))
            return
        if why is None:
            why = (issuing.get("reason") or "ManuallyTriggered", issuing.get("message") or "")
        issuer, problem = self._issuer(cluster, cert)
        if problem is not None:
            reason, message = why
            conditions = []
            ready = base.condition(cert, "Ready")
            if reason == "ManuallyTriggered" and ready is not None:
                conditions.append(ready)
            else:
                conditions.append(self._condition(cert, "Ready", "False", reason, message))
            conditions.append(self._condition(cert, "Issuing", "True", reason, message))
            status["conditions"] = base.merge_conditions((cert.get("status") or {}).get("conditions"), conditions)
            self._write_status(cluster, cert, status)
            return
        self._issue(cluster, cert, secret, issuer, status)

    def _condition(self, cert: dict, kind: str, status: str, reason: str, message: str) -> dict:
        out = {"type": kind, "status": status, "reason": reason}
        if message:
            out["message"] = message
        out["observedGeneration"] = base.meta(cert).get("generation", 1)
        out["lastTransitionTime"] = base.now()
        return out

    def _ready_status(self, cert: dict, secret: dict, status: dict) -> dict:
        spec = cert.get("spec") or {}
        described = pki.describe(_unb64((secret.get("data") or {}).get("tls.crt"))) or {}
        out = {k: v for k, v in status.items() if k not in ("conditions", "nextPrivateKeySecretName")}
        out["conditions"] = base.merge_conditions(
            status.get("conditions"),
            [self._condition(cert, "Ready", "True", "Ready", READY_MESSAGE)],
        )
        if described.get("notBefore") and described.get("notAfter"):
            out["notBefore"] = _ts(described["notBefore"])
            out["notAfter"] = _ts(described["notAfter"])
            out["renewalTime"] = _ts(_renewal_time(spec, described["notBefore"], described["notAfter"]))
        out.setdefault("revision", 1)
        return out

    def _write_status(self, cluster, cert: dict, status: dict) -> None:
        if status != (cert.get("status") or {}):
            cluster.write_status(
                cert["apiVersion"], "Certificate", base.namespace_of(cert), base.name_of(cert), status
            )

    def _signer(self, cluster, issuer: dict | None):
        """(key, cert) from a CA issuer's secret when it holds a key pair; None otherwise."""
        ca = (issuer or {}).get("spec", {}).get("ca") or {}
        if not ca.get("secretName"):
            return None
        namespace = base.namespace_of(issuer) if issuer.get("kind") == "Issuer" else self.cluster_resource_namespace
        secret = cluster.get("v1", "Secret", namespace, ca["secretName"])
        if secret is None:
            return None
        data = secret.get("data") or {}
        return pki.load_key_pair(_unb64(data.get("tls.key")), _unb64(data.get("tls.crt")))

    def _issue(self, cluster, cert: dict, secret: dict | None, issuer: dict | None, status: dict) -> None:
        namespace = base.namespace_of(cert)
        spec = cert.get("spec") or {}
        name, kind, group = _issuer_ref(cert)
        identity = format_issuer(name, kind, group)
        if kind == "Issuer":
            identity = f"{namespace}/{identity}"
        reuse = None
        if (spec.get("privateKey") or {}).get("rotationPolicy") == "Never" and secret is not None:
            data = secret.get("data") or {}
            pair = pki.load_key_pair(_unb64(data.get("tls.key")), _unb64(data.get("tls.crt")))
            reuse = pair[0] if pair else None
        self_signed = bool(issuer and "selfSigned" in (issuer.get("spec") or {}))
        issued = pki.issue(
            spec,
            state_dir=self.state_dir,
            issuer_identity=identity,
            self_signed=self_signed,
            signer=self._signer(cluster, issuer),
            reuse_key=reuse,
            duration=_duration(spec),
        )
        self._write_secret(cluster, cert, secret, issued, (name, kind, group))
        out = {k: v for k, v in status.items() if k not in ("conditions", "nextPrivateKeySecretName", "lastFailureTime")}
        out["conditions"] = base.merge_conditions(
            status.get("conditions"),
            [self._condition(cert, "Ready", "True", "Ready", READY_MESSAGE)],
        )
        out["notBefore"] = _ts(issued.not_before)
        out["notAfter"] = _ts(issued.not_after)
        out["renewalTime"] = _ts(_renewal_time(spec, issued.not_before, issued.not_after))
        out["revision"] = int(status.get("revision") or 0) + 1
        self._write_status(cluster, cert, out)

    def _write_secret(self, cluster, cert: dict, secret: dict | None, issued: pki.Issued, ref) -> None:
        namespace = base.namespace_of(cert)
        spec = cert.get("spec") or {}
        template = spec.get("secretTemplate") or {}
        name, kind, group = ref
        annotations = {
            "cert-manager.io/alt-names": ",".join(spec.get("dnsNames") or []),
            "cert-manager.io/certificate-name": base.name_of(cert),
            "cert-manager.io/common-name": spec.get("commonName") or "",
            "cert-manager.io/ip-sans": ",".join(spec.get("ipAddresses") or []),
            "cert-manager.io/issuer-group": (spec.get("issuerRef") or {}).get("group") or "",
            "cert-manager.io/issuer-kind": kind,
            "cert-manager.io/issuer-name": name,
            "cert-manager.io/uri-sans": ",".join(spec.get("uris") or []),
        }
        annotations.update(template.get("annotations") or {})
        labels = {"controller.cert-manager.io/fao": "true", **(template.get("labels") or {})}
        data = {"ca.crt": _b64(issued.ca_pem), "tls.crt": _b64(issued.cert_pem), "tls.key": _b64(issued.key_pem)}
        key = (namespace, spec["secretName"])
        self._writing.add(key)
        try:
            if secret is None:
                cluster.create_internal({
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {
                        "name": spec["secretName"],
                        "namespace": namespace,
                        "labels": labels,
                        "annotations": annotations,
                    },
                    "type": "kubernetes.io/tls",
                    "data": data,
                })
            else:
                updated = dict(secret)
                metadata = dict(base.meta(secret))
                metadata["labels"] = {**(metadata.get("labels") or {}), **labels}
                metadata["annotations"] = {**(metadata.get("annotations") or {}), **annotations}
                updated["metadata"] = metadata
                updated["data"] = {**(secret.get("data") or {}), **data}
                base.update_object(cluster, updated)
        finally:
            self._writing.discard(key)


# -- ingress-shim -------------------------------------------------------------------------------


def _shim_issuer(annotations: dict) -> tuple[str, str, str] | None:
    cluster_issuer = annotations.get("cert-manager.io/cluster-issuer")
    issuer = annotations.get("cert-manager.io/issuer")
    if cluster_issuer and issuer:
        return None  # cert-manager refuses: both annotations set
    if cluster_issuer:
        return cluster_issuer, "ClusterIssuer", GROUP
    if issuer:
        return (
            issuer,
            annotations.get("cert-manager.io/issuer-kind") or "Issuer",
            annotations.get("cert-manager.io/issuer-group") or GROUP,
        )
    return None


def desired_certificates(ingress: dict) -> list[dict] | None:
    """The Certificates ingress-shim wants for this Ingress; None when it is not annotated."""
    annotations = base.meta(ingress).get("annotations") or {}
    ref = _shim_issuer(annotations)
    if ref is None:
        return None
    name, kind, group = ref
    out = []
    for tls in (ingress.get("spec") or {}).get("tls") or ():
        secret_name, hosts = tls.get("secretName"), list(tls.get("hosts") or [])
        if not secret_name or not hosts:
            continue
        spec: dict = {
            "dnsNames": hosts,
            "issuerRef": {"group": group, "kind": kind, "name": name},
            "secretName": secret_name,
            "usages": list(_DEFAULT_USAGES),
        }
        if annotations.get("cert-manager.io/common-name"):
            spec["commonName"] = annotations["cert-manager.io/common-name"]
        if annotations.get("cert-manager.io/duration"):
            spec["duration"] = annotations["cert-manager.io/duration"]
        if annotations.get("cert-manager.io/renew-before"):
            spec["renewBefore"] = annotations["cert-manager.io/renew-before"]
        if annotations.get("cert-manager.io/usages"):
            spec["usages"] = [u.strip() for u in annotations["cert-manager.io/usages"].split(",") if u.strip()]
        private_key = {}
        for suffix, field in (
            ("private-key-algorithm", "algorithm"),
            ("private-key-encoding", "encoding"),
            ("private-key-rotation-policy", "rotationPolicy"),
        ):
            if annotations.get(_ANNOTATION_PREFIX + suffix):
                private_key[field] = annotations[_ANNOTATION_PREFIX + suffix]
        if annotations.get("cert-manager.io/private-key-size"):
            try:
                private_key["size"] = int(annotations["cert-manager.io/private-key-size"])
            except ValueError:
                pass
        if private_key:
            spec["privateKey"] = private_key
        metadata = {"name": secret_name, "namespace": base.namespace_of(ingress)}
        labels = base.meta(ingress).get("labels")
        if labels:
            metadata["labels"] = dict(labels)
        metadata["ownerReferences"] = [base.owner_reference(ingress)]
        out.append({"apiVersion": f"{GROUP}/v1", "kind": "Certificate", "metadata": metadata, "spec": spec})
    return out


_SHIM_FIELDS = ("dnsNames", "issuerRef", "secretName", "usages", "commonName", "duration", "renewBefore", "privateKey")


def sync_ingress(cluster, ingress: dict) -> None:
    if base.is_terminating(ingress):
        return
    version = base.served_version(cluster, GROUP, "Certificate")
    if version is None:
        return
    wanted = desired_certificates(ingress)
    if wanted is None:
        return
    namespace, uid = base.namespace_of(ingress), base.uid_of(ingress)
    wanted_names = {base.name_of(c) for c in wanted}
    for cert in wanted:
        cert["apiVersion"] = version
        existing = cluster.get(version, "Certificate", namespace, base.name_of(cert))
        if existing is None:
            cluster.create_internal(cert)
            continue
        if not base.owned_by(existing, uid):
            continue
        spec = dict(existing.get("spec") or {})
        for field in _SHIM_FIELDS:
            if field in cert["spec"]:
                spec[field] = cert["spec"][field]
            else:
                spec.pop(field, None)
        metadata = dict(base.meta(existing))
        if "labels" in cert["metadata"]:
            metadata["labels"] = cert["metadata"]["labels"]
        if spec != existing.get("spec") or metadata != base.meta(existing):
            updated = dict(existing)
            updated["spec"] = spec
            updated["metadata"] = metadata
            base.update_object(cluster, updated)
    for cert in cluster.list(version, "Certificate", namespace):
        if base.owned_by(cert, uid) and base.name_of(cert) not in wanted_names:
            base.safe_delete(cluster, version, "Certificate", namespace, base.name_of(cert))
