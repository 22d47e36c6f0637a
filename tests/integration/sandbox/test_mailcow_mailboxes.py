"""Mailboxes through HTTP: MAILCOW_API_NOTES.md §5, rule by rule (FM:1037-1407, 3106-3511,
5176-5346, 5956-6147), with stored passwords checked through the sandbox control plane."""

from __future__ import annotations

import pytest

MIB = 1048576
PASSWORD = "Sandbox-Pass-1"


def _msgs(body):
    return [entry["msg"] for entry in body]


@pytest.fixture
def mc(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    return mailcow_clean


def _add(mc, local_part="hello", domain="example.org", **attrs):
    body = {"local_part": local_part, "domain": domain, "password": PASSWORD, "password2": PASSWORD, "quota": 512}
    body.update(attrs)
    return mc.post("add/mailbox", body)


# --- add: success ---------------------------------------------------------------------------


def test_add_mailbox_answers_rl_saved_then_mailbox_added(mc):
    response = _add(mc)
    assert response.status_code == 200
    assert response.json() == [
        {
            "type": "success",
            "log": ["ratelimit", "edit", "mailbox", {"object": "hello@example.org", "rl_frame": "s", "rl_value": ""}],
            "msg": ["rl_saved", "hello@example.org"],
        },
        {
            "type": "success",
            "log": [
                "mailbox",
                "add",
                "mailbox",
                {
                    "local_part": "hello",
                    "domain": "example.org",
                    "password": "*",
                    "password2": "*",
                    "quota": 512,
                },
                None,
            ],
            "msg": ["mailbox_added", "hello@example.org"],
        },
    ]


def test_add_mailbox_lowercases_local_part_and_domain(mc):
    assert _msgs(_add(mc, local_part=" Hello ", domain="EXAMPLE.org").json())[-1] == ["mailbox_added", "hello@example.org"]
    mailbox = mc.get("get/mailbox/hello@example.org").json()
    assert (mailbox["username"], mailbox["local_part"], mailbox["domain"]) == ("hello@example.org", "hello", "example.org")


def test_add_mailbox_quota_mib_in_bytes_out(mc):
    _add(mc, quota=512)
    mailbox = mc.get("get/mailbox/hello@example.org").json()
    assert mailbox["quota"] == 512 * MIB
    assert mailbox["percent_in_use"] == 0
    assert mailbox["percent_class"] == "success"
    assert mailbox["max_new_quota"] == 10240 * MIB


def test_add_mailbox_without_quota_is_unlimited_and_not_counted(mc):
    body = {"local_part": "big", "domain": "example.org", "password": PASSWORD, "password2": PASSWORD}
    assert _msgs(mc.post("add/mailbox", body).json())[-1] == ["mailbox_added", "big@example.org"]
    mailbox = mc.get("get/mailbox/big@example.org").json()
    assert (mailbox["quota"], mailbox["percent_in_use"], mailbox["percent_class"]) == (0, "- ", "info")
    domain = mc.get("get/domain/example.org").json()
    assert domain["quota_used_in_domain"] == "0"


def test_add_mailbox_defaults_and_attributes(mc):
    _add(mc)
    mailbox = mc.get("get/mailbox/hello@example.org").json()
    assert (mailbox["active"], mailbox["active_int"], mailbox["name"], mailbox["authsource"]) == (1, 1, "", "mailcow")
    attributes = mailbox["attributes"]
    assert {k: attributes[k] for k in ("force_pw_update", "force_tfa", "tls_enforce_in", "tls_enforce_out")} == {
        "force_pw_update": "0",
        "force_tfa": "0",
        "tls_enforce_in": "0",
        "tls_enforce_out": "0",
    }
    for key in ("sogo_access", "imap_access", "pop3_access", "smtp_access", "sieve_access", "eas_access", "dav_access"):
        assert attributes[key] == "1", key
    assert (attributes["quarantine_notification"], attributes["quarantine_category"]) == ("hourly", "reject")
    assert attributes["mailbox_format"] == "maildir:"
    assert mailbox["rl"] is False and mailbox["rl_scope"] == "domain"
    assert mailbox["custom_attributes"] == []
    assert mailbox["modified"] == mailbox["created"]


def test_add_mailbox_name_strips_angle_brackets(mc):
    _add(mc, name="<Hello World>")
    assert mc.get("get/mailbox/hello@example.org").json()["name"] == "Hello World"


def test_add_mailbox_inactive(mc):
    _add(mc, active=0)
    assert mc.get("get/mailbox/hello@example.org").json()["active"] == 0


def test_add_mailbox_protocol_access_list_sets_each_protocol(mc):
    _add(mc, protocol_access=["imap", "smtp"])
    attributes = mc.get("get/mailbox/hello@example.org").json()["attributes"]
    assert [attributes[f"{p}_access"] for p in ("imap", "pop3", "smtp", "sieve", "eas", "dav")] == ["1", "0", "1", "0", "0", "0"]


def test_add_mailbox_password_is_stored_hashed_and_never_returned(mc):
    _add(mc)
    stored = mc.state()["mailboxes"][0]["password"]
    assert stored.startswith("{SSHA256}") and PASSWORD not in stored
    assert mc.check_password("hello@example.org", PASSWORD) is True
    assert mc.check_password("hello@example.org", "wrong-password") is False
    for path in ("get/mailbox/hello@example.org", "get/mailbox/all", "get/mailbox/reduced"):
        text = mc.get(path).text
        assert PASSWORD not in text and "SSHA256" not in text and '"password"' not in text


def test_add_mailbox_prehashed_password_is_stored_as_is(mc):
    _add(mc, password="{PLAIN}hashed-secret", password2="{PLAIN}hashed-secret")
    assert mc.state()["mailboxes"][0]["password"] == "{PLAIN}hashed-secret"
    assert mc.check_password("hello@example.org", "hashed-secret") is True


def test_add_mailbox_creates_hidden_self_alias_with_an_id(mc):
    _add(mc)
    aliases = mc.state()["aliases"]
    assert [(a["id"], a["address"], a["goto"]) for a in aliases] == [(1, "hello@example.org", "hello@example.org")]
    assert mc.get("get/alias/all").json() == {}
    body = mc.add_alias("info@example.org", "hello@example.org")
    assert body[0]["msg"] == ["alias_added", "info@example.org", "2"]


def test_add_mailbox_bad_rl_frame_answers_rl_timeframe_and_still_adds(mc):
    body = _add(mc, rl_frame="w", rl_value=5).json()
    assert [(e["type"], e["msg"]) for e in body] == [
        ("danger", "rl_timeframe"),
        ("success", ["mailbox_added", "hello@example.org"]),
    ]


def test_add_mailbox_rl_value_is_reported_in_mailbox_scope(mc):
    _add(mc, rl_frame="h", rl_value=20)
    mailbox = mc.get("get/mailbox/hello@example.org").json()
    assert (mailbox["rl"], mailbox["rl_scope"]) == ({"value": "20", "frame": "h"}, "mailbox")


# --- add: rules in order (§5 add 1-11) --------------------------------------------------------


def test_add_mailbox_rule1_invalid_local_part_answers_mailbox_invalid(mc):
    assert _msgs(_add(mc, local_part="a b").json()) == ["mailbox_invalid"]
    assert _msgs(_add(mc, local_part="").json()) == ["mailbox_invalid"]


def test_add_mailbox_rule1_local_part_zero_answers_mailbox_invalid(mc):
    # "0@example.org" is an address, but empty("0") is true in PHP.
    assert _msgs(_add(mc, local_part="0").json()) == ["mailbox_invalid"]


def test_add_mailbox_rule3_bad_quarantine_category_answers_danger(mc):
    assert _msgs(_add(mc, quarantine_category="everything").json()) == ["quarantine_category_invalid"]


def test_add_mailbox_rule4_invalid_domain_answers_mailbox_invalid_first(mc):
    # the address check (rule 1) rejects every name that domain_invalid (rule 4) would
    assert _msgs(_add(mc, domain="bad_domain.org").json()) == ["mailbox_invalid"]


def test_add_mailbox_rule5_unknown_domain_answers_access_denied(mc):
    body = _add(mc, domain="nowhere.org").json()
    assert [(e["type"], e["msg"]) for e in body] == [("danger", "access_denied")]


def test_add_mailbox_rule5_missing_domain_answers_500(mc):
    response = mc.post("add/mailbox", {"local_part": "a", "password": PASSWORD, "password2": PASSWORD})
    assert (response.status_code, response.content) == (500, b"")


def test_add_mailbox_rule6_existing_answers_object_exists(mc):
    _add(mc)
    body = _add(mc, local_part="HELLO").json()
    assert [(e["type"], e["msg"]) for e in body] == [("danger", ["object_exists", "hello@example.org"])]


def test_add_mailbox_rule6_alias_address_answers_is_alias(mc):
    mc.add_alias("info@example.org", "someone@example.net")
    assert _msgs(_add(mc, local_part="info").json()) == [["is_alias", "info@example.org"]]


def test_add_mailbox_rule7_empty_password_answers_password_complexity(mc):
    body = _add(mc, password="", password2="").json()
    assert body == [{"type": "danger", "log": ["password_check", None, None], "msg": "password_complexity"}]


def test_add_mailbox_rule7_missing_password2_answers_password_complexity(mc):
    body = mc.post("add/mailbox", {"local_part": "a", "domain": "example.org", "password": PASSWORD}).json()
    assert _msgs(body) == ["password_complexity"]


def test_add_mailbox_rule7_mismatch_answers_password_mismatch(mc):
    assert _msgs(_add(mc, password2=PASSWORD + "x").json()) == ["password_mismatch"]


def test_add_mailbox_rule7_short_password_answers_password_complexity(mc):
    assert _msgs(_add(mc, password="12345", password2="12345").json()) == ["password_complexity"]
    assert _msgs(_add(mc, password="123456", password2="123456").json())[-1] == ["mailbox_added", "hello@example.org"]


def test_add_mailbox_rule7_policy_rules_apply(mc):
    mc.post("edit/passwordpolicy", {"attr": {"length": 8, "numbers": 1, "lowerupper": 1, "special_chars": 1}})
    for weak in ("Ab1!", "nonumbers-Aa", "nocase1234!", "NoSpecial1234"):
        assert _msgs(_add(mc, password=weak, password2=weak).json()) == ["password_complexity"], weak
    assert _msgs(_add(mc, password="Str0ng-Pass", password2="Str0ng-Pass").json())[-1][0] == "mailbox_added"


def test_add_mailbox_rule8_full_domain_answers_max_mailbox_exceeded(mailcow_clean):
    mailcow_clean.add_domain("small.org", mailboxes=1)
    _add(mailcow_clean, local_part="one", domain="small.org")
    assert _msgs(_add(mailcow_clean, local_part="two", domain="small.org").json()) == [["max_mailbox_exceeded", 1, 1]]


def test_add_mailbox_rule9_quota_above_maxquota_answers_mailbox_quota_exceeded(mc):
    assert _msgs(_add(mc, quota=20480).json()) == [["mailbox_quota_exceeded", 10240]]


def test_add_mailbox_rule10_quota_above_left_answers_mailbox_quota_left_exceeded(mc):
    _add(mc, local_part="a", quota=10240)
    assert _msgs(_add(mc, local_part="b", quota=1).json()) == [["mailbox_quota_left_exceeded", 0]]


def test_add_mailbox_rule10_reports_mib_left(mailcow_clean):
    mailcow_clean.add_domain("example.org", quota=3000, maxquota=2000, defquota=100)
    _add(mailcow_clean, local_part="a", quota=2000)
    assert _msgs(_add(mailcow_clean, local_part="b", quota=1500).json()) == [["mailbox_quota_left_exceeded", 1000]]


def test_add_mailbox_check_order_exists_before_password(mc):
    _add(mc)
    assert _msgs(_add(mc, password="x", password2="y").json()) == [["object_exists", "hello@example.org"]]


def test_add_mailbox_check_order_password_before_mailbox_count(mailcow_clean):
    mailcow_clean.add_domain("small.org", mailboxes=0)
    assert _msgs(_add(mailcow_clean, domain="small.org", password="1").json()) == ["password_mismatch"]
    assert _msgs(_add(mailcow_clean, domain="small.org").json()) == [["max_mailbox_exceeded", 0, 0]]


def test_add_mailbox_check_order_count_before_quota(mailcow_clean):
    mailcow_clean.add_domain("small.org", mailboxes=0)
    assert _msgs(_add(mailcow_clean, domain="small.org", quota=999999).json()) == [["max_mailbox_exceeded", 0, 0]]


# --- edit ---------------------------------------------------------------------------------------


def _edit(mc, items, attr):
    return mc.post("edit/mailbox", {"items": items, "attr": attr}).json()


def test_edit_mailbox_answers_mailbox_modified(mc):
    _add(mc)
    body = _edit(mc, ["hello@example.org"], {"name": "Hello"})
    assert body == [
        {
            "type": "success",
            "log": ["mailbox", "edit", "mailbox", {"username": ["hello@example.org"], "name": "Hello"}, None],
            "msg": ["mailbox_modified", "hello@example.org"],
        }
    ]
    assert mc.get("get/mailbox/hello@example.org").json()["name"] == "Hello"


def test_edit_mailbox_unknown_answers_access_denied(mc):
    assert _msgs(_edit(mc, ["nobody@example.org"], {"active": 0})) == ["access_denied"]


def test_edit_mailbox_not_an_address_answers_username_invalid(mc):
    assert _msgs(_edit(mc, ["nobody"], {"active": 0})) == [["username_invalid", "nobody"]]


def test_edit_mailbox_active_toggles_mailbox_and_self_alias(mc):
    _add(mc)
    _edit(mc, ["hello@example.org"], {"active": 0})
    assert mc.get("get/mailbox/hello@example.org").json()["active"] == 0
    assert mc.state()["aliases"][0]["active"] == 0
    _edit(mc, ["hello@example.org"], {"active": 1})
    assert mc.state()["aliases"][0]["active"] == 1


def test_edit_mailbox_quota_mib_in_bytes_out(mc):
    _add(mc, quota=512)
    _edit(mc, ["hello@example.org"], {"quota": 2048})
    assert mc.get("get/mailbox/hello@example.org").json()["quota"] == 2048 * MIB


def test_edit_mailbox_omitted_or_empty_quota_keeps_quota(mc):
    _add(mc, quota=512)
    _edit(mc, ["hello@example.org"], {"name": "x"})
    _edit(mc, ["hello@example.org"], {"quota": ""})
    assert mc.get("get/mailbox/hello@example.org").json()["quota"] == 512 * MIB


def test_edit_mailbox_quota_zero_sets_unlimited(mc):
    _add(mc, quota=512)
    _edit(mc, ["hello@example.org"], {"quota": 0})
    assert mc.get("get/mailbox/hello@example.org").json()["quota"] == 0


def test_edit_mailbox_quota_above_left_answers_mailbox_quota_left_exceeded(mailcow_clean):
    mailcow_clean.add_domain("example.org", quota=3000, maxquota=2000, defquota=100)
    _add(mailcow_clean, local_part="a", quota=2000)
    _add(mailcow_clean, local_part="b", quota=500)
    assert _msgs(_edit(mailcow_clean, ["b@example.org"], {"quota": 1500})) == [["mailbox_quota_left_exceeded", 1000]]
    assert mailcow_clean.get("get/mailbox/b@example.org").json()["quota"] == 500 * MIB


def test_edit_mailbox_password_changes_stored_hash(mc):
    _add(mc)
    _edit(mc, ["hello@example.org"], {"password": "New-Pass-22", "password2": "New-Pass-22"})
    assert mc.check_password("hello@example.org", "New-Pass-22") is True
    assert mc.check_password("hello@example.org", PASSWORD) is False


def test_edit_mailbox_bad_password_skips_the_whole_item(mc):
    _add(mc)
    body = _edit(mc, ["hello@example.org"], {"password": "New-Pass-22", "password2": "other", "name": "Changed"})
    assert _msgs(body) == ["password_mismatch"]
    assert mc.get("get/mailbox/hello@example.org").json()["name"] == ""
    assert mc.check_password("hello@example.org", PASSWORD) is True


def test_edit_mailbox_empty_password_keeps_password(mc):
    _add(mc)
    assert _msgs(_edit(mc, ["hello@example.org"], {"password": "", "password2": ""})) == [
        ["mailbox_modified", "hello@example.org"]
    ]
    assert mc.check_password("hello@example.org", PASSWORD) is True


def test_edit_mailbox_several_items_each_get_an_entry(mc):
    _add(mc, local_part="a")
    body = _edit(mc, ["a@example.org", "b@example.org"], {"active": 0})
    assert [(e["type"], e["msg"]) for e in body] == [
        ("success", ["mailbox_modified", "a@example.org"]),
        ("danger", "access_denied"),
    ]


# --- delete -------------------------------------------------------------------------------------


def test_delete_mailbox_answers_mailbox_removed(mc):
    _add(mc)
    body = mc.post("delete/mailbox", ["hello@example.org"]).json()
    assert body == [
        {
            "type": "success",
            "log": ["mailbox", "delete", "mailbox", {"username": ["hello@example.org"]}, None],
            "msg": ["mailbox_removed", "hello@example.org"],
        }
    ]
    assert mc.get("get/mailbox/hello@example.org").json() == {}
    assert mc.state()["aliases"] == []


def test_delete_mailbox_unknown_answers_access_denied(mc):
    assert _msgs(mc.post("delete/mailbox", ["nobody@example.org"]).json()) == ["access_denied"]


def test_delete_mailbox_not_an_address_answers_access_denied(mc):
    assert _msgs(mc.post("delete/mailbox", ["nobody"]).json()) == ["access_denied"]


def test_delete_mailbox_removes_aliases_pointing_only_to_it(mc):
    _add(mc)
    mc.add_alias("info@example.org", "hello@example.org")
    mc.post("delete/mailbox", ["hello@example.org"])
    assert mc.get("get/alias/info@example.org").json() == {}
    assert mc.state()["aliases"] == []


def test_delete_mailbox_edits_aliases_pointing_to_it_among_others(mc):
    _add(mc, local_part="a")
    _add(mc, local_part="b")
    mc.add_alias("team@example.org", "a@example.org,b@example.org,x@example.net")
    mc.post("delete/mailbox", ["a@example.org"])
    alias = mc.get("get/alias/team@example.org").json()
    assert alias["goto"] == "b@example.org,x@example.net"
    assert alias["modified"] is not None


def test_delete_mailbox_allows_domain_deletion_afterwards(mc):
    _add(mc)
    assert _msgs(mc.post("delete/domain", ["example.org"]).json()) == [["domain_not_empty", "example.org"]]
    mc.post("delete/mailbox", ["hello@example.org"])
    assert _msgs(mc.post("delete/domain", ["example.org"]).json()) == [["domain_removed", "example.org"]]


# --- get ----------------------------------------------------------------------------------------


def test_get_mailbox_unknown_answers_empty_object(mc):
    response = mc.get("get/mailbox/nobody@example.org")
    assert (response.status_code, response.text) == (200, "{}")


def test_get_mailbox_all_of_empty_domain_answers_empty_object(mc):
    response = mc.get("get/mailbox/all/example.org")
    assert (response.status_code, response.text) == (200, "{}")


def test_get_mailbox_all_without_mailboxes_answers_empty_object(mc):
    assert mc.get("get/mailbox/all").text == "{}"


def test_get_mailbox_all_of_domain_lists_only_that_domain(mc):
    mc.add_domain("other.org")
    _add(mc, local_part="b")
    _add(mc, local_part="a")
    _add(mc, local_part="z", domain="other.org")
    body = mc.get("get/mailbox/all/example.org").json()
    assert [m["username"] for m in body] == ["a@example.org", "b@example.org"]


def test_get_mailbox_all_lists_every_domain(mc):
    mc.add_domain("other.org")
    _add(mc, local_part="z", domain="other.org")
    _add(mc, local_part="a")
    body = mc.get("get/mailbox/all").json()
    assert [m["username"] for m in body] == ["a@example.org", "z@other.org"]


def test_get_mailbox_all_of_several_domains(mc):
    mc.add_domain("other.org")
    _add(mc, local_part="z", domain="other.org")
    _add(mc, local_part="a")
    body = mc.get("get/mailbox/all/other.org,example.org").json()
    assert [m["username"] for m in body] == ["z@other.org", "a@example.org"]


def test_get_mailbox_all_of_unknown_domain_answers_every_mailbox(mc):
    mc.add_domain("other.org")
    _add(mc, local_part="a")
    _add(mc, local_part="z", domain="other.org")
    body = mc.get("get/mailbox/all/nowhere.org").json()
    assert [m["username"] for m in body] == ["a@example.org", "z@other.org"]


def test_get_mailbox_reduced_omits_quota_extras(mc):
    _add(mc)
    full = mc.get("get/mailbox/all/example.org").json()[0]
    reduced = mc.get("get/mailbox/reduced/example.org").json()[0]
    assert {"max_new_quota", "rl", "rl_scope", "is_relayed", "sender_acl"} <= set(full)
    assert not {"max_new_quota", "rl", "rl_scope", "is_relayed", "sender_acl"} & set(reduced)
    assert reduced["username"] == "hello@example.org"


def test_get_mailbox_is_case_insensitive(mc):
    _add(mc)
    assert mc.get("get/mailbox/HELLO@Example.org").json()["username"] == "hello@example.org"


def test_get_mailbox_with_tags_answers_a_list(mc):
    _add(mc, local_part="a", tags=["vip"])
    _add(mc, local_part="b")
    assert [m["username"] for m in mc.get("get/mailbox/all", params={"tags": "vip"}).json()] == ["a@example.org"]
    assert [m["username"] for m in mc.get("get/mailbox/a@example.org", params={"tags": "vip"}).json()] == ["a@example.org"]
    assert mc.get("get/mailbox/b@example.org", params={"tags": "vip"}).text == "[]"
