"""Password policy through HTTP: get/passwordpolicy, edit/passwordpolicy and their effect on
mailbox passwords (MAILCOW_API_NOTES.md §5 rule 7, FI:161-322)."""

from __future__ import annotations


def _add_mailbox(mc, password):
    return mc.post(
        "add/mailbox",
        {"local_part": "u", "domain": "example.org", "password": password, "password2": password, "quota": 1},
    ).json()


def test_get_passwordpolicy_default_is_length_6_as_strings(mailcow_clean):
    response = mailcow_clean.get("get/passwordpolicy")
    assert response.status_code == 200
    assert response.json() == {"length": "6", "chars": "0", "special_chars": "0", "lowerupper": "0", "numbers": "0"}


def test_get_passwordpolicy_html_lists_active_rules(mailcow_clean):
    assert mailcow_clean.get("get/passwordpolicy/html").json() == '<p class="help-block small">- Minimum password length is 6</p>'


def test_edit_passwordpolicy_answers_password_policy_saved(mailcow_clean):
    body = mailcow_clean.post("edit/passwordpolicy", {"attr": {"length": 10, "numbers": 1}}).json()
    assert body == [
        {"type": "success", "log": ["password_complexity", "edit", {"length": 10, "numbers": 1}], "msg": "password_policy_saved"}
    ]
    assert mailcow_clean.get("get/passwordpolicy").json() == {
        "length": "10",
        "chars": "0",
        "special_chars": "0",
        "lowerupper": "0",
        "numbers": "1",
    }


def test_edit_passwordpolicy_length_below_3_keeps_length(mailcow_clean):
    mailcow_clean.post("edit/passwordpolicy", {"attr": {"length": 2}})
    assert mailcow_clean.get("get/passwordpolicy").json()["length"] == "6"


def test_edit_passwordpolicy_read_only_key_answers_403(mailcow_clean):
    response = mailcow_clean.post("edit/passwordpolicy", {"attr": {"length": 12}}, key=mailcow_clean.read_only_key)
    assert response.status_code == 403
    assert mailcow_clean.get("get/passwordpolicy").json()["length"] == "6"


def test_stricter_policy_rejects_then_accepts_mailbox_password(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    mailcow_clean.post("edit/passwordpolicy", {"attr": {"length": 8, "chars": 1, "numbers": 1}})
    assert [e["msg"] for e in _add_mailbox(mailcow_clean, "12345678")] == ["password_complexity"]
    assert [e["msg"] for e in _add_mailbox(mailcow_clean, "abcdefgh")] == ["password_complexity"]
    assert _add_mailbox(mailcow_clean, "abcd1234")[-1]["msg"] == ["mailbox_added", "u@example.org"]


def test_reset_restores_default_policy(mailcow_clean):
    mailcow_clean.post("edit/passwordpolicy", {"attr": {"length": 20}})
    mailcow_clean.reset()
    assert mailcow_clean.get("get/passwordpolicy").json()["length"] == "6"
