"""X.509 material for the simulated cert-manager: real keys and certificates (`cryptography`).

Each issuer identity (`ClusterIssuer.cert-manager.io/letsencrypt`) gets its own sandbox CA, made
on first use and kept under `<state>/pki/`, so certificates from different issuers really have
different issuers. A CA issuer whose `spec.ca.secretName` Secret holds a key pair signs with that
key pair instead; a selfSigned issuer makes the certificate sign itself (ca.crt = tls.crt).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import ipaddress
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from ...files import write_private

_lock = threading.Lock()


@dataclass
class Issued:
    key_pem: bytes
    cert_pem: bytes
    ca_pem: bytes
    not_before: _dt.datetime
    not_after: _dt.datetime


def new_private_key(algorithm: str = "RSA", size: int | None = None):
    algorithm = (algorithm or "RSA").upper()
    if algorithm == "ECDSA":
        curve = {256: ec.SECP256R1(), 384: ec.SECP384R1(), 521: ec.SECP521R1()}.get(size or 256, ec.SECP256R1())
        return ec.generate_private_key(curve)
    if algorithm == "ED25519":
        return ed25519.Ed25519PrivateKey.generate()
    return rsa.generate_private_key(public_exponent=65537, key_size=size or 2048)


def key_algorithm(key) -> tuple[str, int | None]:
    """("RSA", 2048) / ("ECDSA", 256) / ("Ed25519", None) of a private key."""
    if isinstance(key, rsa.RSAPrivateKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "ECDSA", key.curve.key_size
    return "Ed25519", None


def _key_pem(key, encoding: str = "PKCS1") -> bytes:
    fmt = serialization.PrivateFormat.PKCS8
    if encoding.upper() == "PKCS1" and isinstance(key, rsa.RSAPrivateKey):
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
    elif encoding.upper() == "PKCS1" and isinstance(key, ec.EllipticCurvePrivateKey):
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


def _sign_hash(key):
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def _ca_for(state_dir: Path, identity: str):
    """(key, cert) of the sandbox CA for one issuer identity, created once and kept on disk."""
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    directory = Path(state_dir) / "pki"
    key_path, cert_path = directory / f"{digest}.key", directory / f"{digest}.crt"
    with _lock:
        if key_path.exists() and cert_path.exists():
            key = serialization.load_pem_private_key(key_path.read_bytes(), None)
            return key, x509.load_pem_x509_certificate(cert_path.read_bytes())
        directory.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tenant-provisioner sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"sandbox CA for {identity}"[:64]),
        ])
        start = _dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(minutes=5)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + _dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                    encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        write_private(key_path, _key_pem(key, "PKCS8"))
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return key, cert


def load_key_pair(key_pem: bytes, cert_pem: bytes):
    """(key, cert) from PEM, or None when they do not parse or do not belong together."""
    try:
        key = serialization.load_pem_private_key(key_pem, None)
        cert = x509.load_pem_x509_certificate(cert_pem)
    except (ValueError, TypeError):
        return None
    if key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        return None
    return key, cert


_USAGES = {
    "digital signature": "digital_signature",
    "content commitment": "content_commitment",
    "key encipherment": "key_encipherment",
    "data encipherment": "data_encipherment",
    "key agreement": "key_agreement",
    "cert sign": "key_cert_sign",
    "crl sign": "crl_sign",
    "encipher only": "encipher_only",
    "decipher only": "decipher_only",
}
_EXT_USAGES = {
    "server auth": x509.ExtendedKeyUsageOID.SERVER_AUTH,
    "client auth": x509.ExtendedKeyUsageOID.CLIENT_AUTH,
    "code signing": x509.ExtendedKeyUsageOID.CODE_SIGNING,
    "email protection": x509.ExtendedKeyUsageOID.EMAIL_PROTECTION,
}


def issue(
    spec: dict,
    *,
    state_dir: Path,
    issuer_identity: str,
    self_signed: bool = False,
    signer: tuple | None = None,
    reuse_key=None,
    duration: _dt.timedelta,
) -> Issued:
    """Key + certificate for a cert-manager Certificate `spec`."""
    private_key = spec.get("privateKey") or {}
    key = reuse_key or new_private_key(private_key.get("algorithm") or "RSA", private_key.get("size"))
    subject_attrs = []
    if spec.get("commonName"):
        subject_attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, spec["commonName"]))
    subject = x509.Name(subject_attrs)
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in spec.get("dnsNames") or ()]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in spec.get("ipAddresses") or ()]
    sans += [x509.UniformResourceIdentifier(u) for u in spec.get("uris") or ()]
    sans += [x509.RFC822Name(e) for e in spec.get("emailAddresses") or ()]
    usages = spec.get("usages") or ["digital signature", "key encipherment"]
    flags = {v: False for v in _USAGES.values()}
    for usage in usages:
        if usage in _USAGES:
            flags[_USAGES[usage]] = True
    if spec.get("isCA"):
        flags["key_cert_sign"] = True
    ext = [_EXT_USAGES[u] for u in usages if u in _EXT_USAGES]
    start = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    if self_signed:
        ca_key, ca_cert, issuer_name = key, None, subject
    else:
        ca_key, ca_cert = signer or _ca_for(state_dir, issuer_identity)
        issuer_name = ca_cert.subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + duration)
        .add_extension(x509.BasicConstraints(ca=bool(spec.get("isCA")), path_length=None), critical=True)
        .add_extension(x509.KeyUsage(**flags), critical=True)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=not subject_attrs)
    if ext:
        builder = builder.add_extension(x509.ExtendedKeyUsage(ext), critical=False)
    cert = builder.sign(ca_key, _sign_hash(ca_key))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    ca_pem = cert_pem if self_signed else ca_cert.public_bytes(serialization.Encoding.PEM)
    return Issued(
        key_pem=_key_pem(key, private_key.get("encoding") or "PKCS1"),
        cert_pem=cert_pem,
        ca_pem=ca_pem,
        not_before=start,
        not_after=start + duration,
    )


def describe(cert_pem: bytes) -> dict | None:
    """What the issued certificate says: names and issuer, for the re-issuance checks."""
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        return None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = sorted(san.get_values_for_type(x509.DNSName))
        ips = sorted(str(i) for i in san.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        dns, ips = [], []
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return {
        "dnsNames": dns,
        "ipAddresses": ips,
        "commonName": cns[0].value if cns else "",
        "notAfter": cert.not_valid_after_utc,
        "notBefore": cert.not_valid_before_utc,
    }
