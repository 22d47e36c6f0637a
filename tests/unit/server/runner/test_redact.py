"""server/runner/redact.py: known secrets are masked in text and data."""

from server.runner.redact import MASK, Redactor


def test_every_occurrence_of_every_secret_is_masked():
    redactor = Redactor(["s3cret", "other-pass"])
    assert redactor.text("a s3cret and other-pass, s3cret again") == f"a {MASK} and {MASK}, {MASK} again"


def test_json_escaped_and_url_encoded_forms_are_masked():
    redactor = Redactor(['pa"ss/w rd'])
    assert redactor.text('{"password": "pa\\"ss/w rd"}') == f'{{"password": "{MASK}"}}'
    assert redactor.text("https://u:pa%22ss%2Fw%20rd@host/") == f"https://u:{MASK}@host/"


def test_a_secret_containing_another_is_masked_whole():
    redactor = Redactor(["abc", "xxabcxx"])
    assert redactor.text("-xxabcxx-") == f"-{MASK}-"


def test_data_is_masked_in_keys_values_and_lists():
    redactor = Redactor(["tok"])
    data = {"a": "tok", "tok-key": [1, "x tok", None, {"b": True}]}
    assert redactor.data(data) == {"a": MASK, f"{MASK}-key": [1, f"x {MASK}", None, {"b": True}]}


def test_empty_secrets_are_ignored():
    redactor = Redactor(["", ""])
    assert not redactor
    assert redactor.text("nothing to hide") == "nothing to hide"


def test_contains_secret():
    redactor = Redactor(["tok"])
    assert redactor.contains_secret("a tok b")
    assert not redactor.contains_secret("a to k b")
