"""Password hashes (sandbox/mailcow/passwords.py)."""

from __future__ import annotations

import base64
import hashlib

from sandbox.mailcow import passwords


def test_hash_password_is_salted_ssha256():
    first, second = passwords.hash_password("secret"), passwords.hash_password("secret")
    assert first.startswith("{SSHA256}") and first != second
    raw = base64.b64decode(first[len("{SSHA256}") :])
    digest, salt = raw[:32], raw[32:]
    assert len(salt) == 16
    assert hashlib.sha256(b"secret" + salt).digest() == digest


def test_verify_password_accepts_only_the_right_password():
    stored = passwords.hash_password("Päss-wörd")
    assert passwords.verify_password(stored, "Päss-wörd") is True
    assert passwords.verify_password(stored, "Päss-word") is False


def test_prehashed_values_are_kept_and_verified():
    assert passwords.hash_password("{PLAIN}abc") == "{PLAIN}abc"
    assert passwords.hash_password("{ssha512}xyz") == "{ssha512}xyz"
    assert passwords.verify_password("{PLAIN}abc", "abc") is True
    salt = b"0123456789abcdef"
    ssha = "{SSHA}" + base64.b64encode(hashlib.sha1(b"pw" + salt).digest() + salt).decode()
    assert passwords.verify_password(ssha, "pw") is True


def test_verify_password_rejects_garbage():
    assert passwords.verify_password("no-scheme", "x") is False
    assert passwords.verify_password("{SSHA256}!!!", "x") is False
    assert passwords.verify_password("{ARGON2ID}whatever", "x") is False


def test_scheme_of_reads_prefix():
    assert passwords.scheme_of("{blf-crypt}$2y$...") == "BLF-CRYPT"
    assert passwords.scheme_of("plain") is None
