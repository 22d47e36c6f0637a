"""server/auth.py: several keys, constant-time comparison against every key."""

import hmac

_compare_digest = hmac.compare_digest

import pytest

from server import auth
from server.auth import KeyChecker, is_public, public

KEYS = ["first-key-aaaaaaaa", "second-key-bbbbbbbb", "third-key-cccccccc"]


@pytest.mark.parametrize("key", KEYS)
def test_each_configured_key_is_accepted(key):
    assert KeyChecker(KEYS).accepts(key)


@pytest.mark.parametrize("presented", [None, "", "first-key", "first-key-aaaaaaab", KEYS[0] + " ", "FIRST-KEY-AAAAAAAA"])
def test_missing_or_wrong_keys_are_refused(presented):
    assert not KeyChecker(KEYS).accepts(presented)


def test_a_key_is_compared_with_every_configured_key_even_after_a_match(monkeypatch):
    calls = []

    def counting_compare(a, b):
        calls.append((a, b))
        return _compare_digest(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", counting_compare)
    checker = KeyChecker(KEYS)
    assert checker.accepts(KEYS[0])
    assert len(calls) == len(KEYS)
    calls.clear()
    assert not checker.accepts("wrong")
    assert len(calls) == len(KEYS)


def test_compared_values_have_the_same_length_whatever_the_key(monkeypatch):
    lengths = set()

    def recording_compare(a, b):
        lengths.update((len(a), len(b)))
        return _compare_digest(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", recording_compare)
    checker = KeyChecker(["k", "a-much-longer-key-" * 8])
    for presented in ("", "x", "k", "y" * 500):
        checker.accepts(presented)
    assert lengths == {32}


def test_a_checker_without_keys_is_refused():
    with pytest.raises(ValueError):
        KeyChecker(["", ""])


def test_empty_configured_keys_are_ignored():
    checker = KeyChecker(["", "real-key"])
    assert len(checker) == 1
    assert not checker.accepts("")


def test_public_marks_a_handler():
    async def handler(request):
        return None

    assert not is_public(handler)
    assert is_public(public(handler))
