"""Mailbox password hashes, in the dovecot `{SCHEME}hash` form Mailcow stores.

Mailcow hashes with `hash_password()` (functions.inc.php): the configured scheme (default
BLF-CRYPT), or the value as-is when it already carries a known `{SCHEME}` prefix. The stdlib
has no bcrypt, so the emulator hashes with SSHA256, one of Mailcow's own configurable schemes
(`$default_pass_scheme = "SSHA256"`): base64(sha256(password . salt) . salt), salt = 16 hex
characters. Pre-hashed values are stored unchanged, as Mailcow does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

_PREHASHED = re.compile(
    r"^{(ARGON2I|ARGON2ID|BLF-CRYPT|CLEAR|CLEARTEXT|CRYPT|DES-CRYPT|LDAP-MD5|MD5|MD5-CRYPT|PBKDF2|"
    r"PLAIN|PLAIN-MD4|PLAIN-MD5|PLAIN-TRUNC|SHA|SHA1|SHA256|SHA256-CRYPT|SHA512|SHA512-CRYPT|"
    r"SMD5|SSHA|SSHA256|SSHA512)}",
    re.IGNORECASE,
)
_SALTED = {"SSHA": hashlib.sha1, "SSHA256": hashlib.sha256, "SSHA512": hashlib.sha512}


def hash_password(password: str) -> str:
    """The stored form of a mailbox password."""
    if _PREHASHED.match(password):
        return password
    salt = secrets.token_hex(8).encode("ascii")
    digest = hashlib.sha256(password.encode("utf-8") + salt).digest()
    return "{SSHA256}" + base64.b64encode(digest + salt).decode("ascii")


def scheme_of(stored: str) -> str | None:
    """The `{SCHEME}` of a stored hash, upper case."""
    match = re.match(r"^{(.+?)}", stored)
    return match.group(1).upper() if match else None


def verify_password(stored: str, password: str) -> bool:
    """True when `password` matches the stored hash (salted SHA schemes and plain text; the
    crypt(3) schemes of pre-hashed imports are checked when the platform's crypt knows them)."""
    match = re.match(r"^{(.+?)}(.+)$", stored, re.DOTALL)
    if not match:
        return False
    scheme, encoded = match.group(1).upper(), match.group(2)
    if scheme in _SALTED:
        algorithm = _SALTED[scheme]
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError:
            return False
        size = algorithm().digest_size
        digest, salt = raw[:size], raw[size:]
        return hmac.compare_digest(algorithm(password.encode("utf-8") + salt).digest(), digest)
    if scheme in ("PLAIN", "CLEAR", "CLEARTEXT"):
        return hmac.compare_digest(encoded.encode("utf-8"), password.encode("utf-8"))
    if scheme in ("BLF-CRYPT", "CRYPT", "DES-CRYPT", "MD5-CRYPT", "SHA256-CRYPT", "SHA512-CRYPT"):
        return _crypt_verify(encoded, password)
    return False


def _crypt_verify(encoded: str, password: str) -> bool:
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt  # stdlib until 3.13; libxcrypt knows $2y$/$5$/$6$
    except ImportError:
        return False
    try:
        result = crypt.crypt(password, encoded)
    except OSError:
        return False
    return result is not None and hmac.compare_digest(result, encoded)
