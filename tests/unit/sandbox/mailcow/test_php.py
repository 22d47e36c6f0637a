"""PHP value semantics the emulator relies on (sandbox/mailcow/php.py)."""

from __future__ import annotations

import pytest

from sandbox.mailcow import php


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, 0), (True, 1), (False, 0), (7, 7), (7.9, 7), ("12", 12), (" 12", 12), ("12abc", 12), ("abc", 0),
     ("1.9", 1), ("1e3", 1000), ("", 0), ([], 0), ([0], 1), ("-5", -5)],
)
def test_intval_matches_php(value, expected):
    assert php.intval(value) == expected


@pytest.mark.parametrize("value", [None, False, 0, 0.0, "", "0", [], {}])
def test_empty_is_true_for_php_empty_values(value):
    assert php.empty(value) is True


@pytest.mark.parametrize("value", [True, 1, "a", "00", " ", [0], {"a": 1}, "0.0"])
def test_empty_is_false_for_other_values(value):
    assert php.empty(value) is False


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [("1", 1, True), ("abc", 0, False), (0, "", False), (None, "", True), ("1e3", "1000", True), ("a", "A", False), (None, 0, True)],
)
def test_loose_eq_follows_php8(left, right, expected):
    assert php.loose_eq(left, right) is expected


@pytest.mark.parametrize(
    "address", ["user@example.org", "first.last+tag@sub.example.co", "a@xn--bcher-kva.example", "x_y-z@a-b.org", "o'neil@example.org"]
)
def test_is_email_accepts_addresses_php_accepts(address):
    assert php.is_email(address) is True


@pytest.mark.parametrize(
    "address",
    ["", "user", "user@localhost", "@example.org", "user@", "a..b@example.org", ".a@example.org", "a b@example.org",
     "user@example.123", "user@-x.org", "user@x_y.org", "a@b@example.org", "ü@example.org", "x" * 65 + "@example.org", None, 5],
)
def test_is_email_rejects_addresses_php_rejects(address):
    assert php.is_email(address) is False


@pytest.mark.parametrize("name", ["example.org", "EXAMPLE.org", "localhost", "a-b.c", "xn--bcher-kva.example", "bücher.example", "1.2"])
def test_is_valid_domain_name_accepts(name):
    assert php.is_valid_domain_name(name) is True


@pytest.mark.parametrize("name", ["", None, "a_b.org", "-a.org", "a-.org", "a..org", "a.org.", " a.org", "a" * 64 + ".org"])
def test_is_valid_domain_name_rejects(name):
    assert php.is_valid_domain_name(name) is False


def test_idn_to_ascii_lowercases_and_punycodes():
    assert php.idn_to_ascii("Bücher.Example") == "xn--bcher-kva.example"
    assert php.idn_to_ascii("EXAMPLE.org") == "example.org"
    assert php.idn_to_ascii("a..b") is None


def test_idn_to_ascii_of_empty_string_is_fatal():
    with pytest.raises(php.PhpFatal):
        php.idn_to_ascii("")


def test_idn_to_utf8_decodes_punycode_labels():
    assert php.idn_to_utf8("xn--bcher-kva.example") == "bücher.example"


def test_str_arg_refuses_arrays_like_internal_functions():
    assert php.str_arg(None) == ""
    assert php.str_arg(12) == "12"
    with pytest.raises(php.PhpFatal):
        php.str_arg(["a"])


def test_strval_of_array_is_the_word_array():
    assert php.strval([1]) == "Array"
    assert php.strval(1.0) == "1"
    assert php.strval(True) == "1"


def test_split_list_splits_on_space_comma_semicolon_newline():
    assert php.split_list("a@x.org, b@x.org;c@x.org\nd@x.org") == ["a@x.org", "", "b@x.org", "c@x.org", "d@x.org"]
    assert php.split_list(None) == [""]


def test_as_array_and_items_of_follow_casts():
    assert php.as_array(None) == {}
    assert php.as_array(["a", "b"]) == {"0": "a", "1": "b"}
    assert php.as_array("x") == {"0": "x"}
    assert php.items_of({"0": "a", "1": "b"}) == ["a", "b"]
    assert php.items_of("x.org") == ["x.org"]
    assert php.items_of(None) == [None]


def test_to_json_value_turns_php_lists_back_into_json_lists():
    assert php.to_json_value({}) == []
    assert php.to_json_value({"0": "a", "1": "b"}) == ["a", "b"]
    assert php.to_json_value({"domain": {"0": "x.org"}}) == {"domain": ["x.org"]}
    assert php.to_json_value({"1": "a"}) == {"1": "a"}


def test_json_encode_compact_escapes_slashes_and_unicode():
    assert php.json_encode({"a": "x/y é"}) == '{"a":"x\\/y \\u00e9"}'


def test_json_encode_pretty_keeps_unicode_and_indents_four():
    assert php.json_encode({"a": ["é"]}, pretty=True) == '{\n    "a": [\n        "é"\n    ]\n}'


def test_json_decode_rejects_what_php_rejects():
    for raw in (b"", b"{", b"NaN", b"\xff", b"{'a': 1}"):
        with pytest.raises(php.InvalidJson):
            php.json_decode(raw)
    assert php.json_decode(b"null") is None
    assert php.json_decode(b'"x"') == "x"


def test_htmlspecialchars_escapes_quotes_and_brackets():
    assert php.htmlspecialchars("<a href='x'>&\"") == "&lt;a href=&#039;x&#039;&gt;&amp;&quot;"
