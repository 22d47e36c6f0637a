"""Aliases through HTTP: MAILCOW_API_NOTES.md §6 (FM:700-908, 2550-2793, 4822-4894, 5847-5891)."""

from __future__ import annotations

import pytest

PASSWORD = "Sandbox-Pass-1"


def _msgs(body):
    return [entry["msg"] for entry in body]


def _kinds(body):
    return [(entry["type"], entry["msg"]) for entry in body]


@pytest.fixture
def mc(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    return mailcow_clean


# --- add ---------------------------------------------------------------------------------------


def test_add_alias_answers_alias_added_with_new_id_as_string(mc):
    body = {"address": "info@example.org", "goto": "dest@example.net", "active": 1}
    response = mc.post("add/alias", body)
    assert response.status_code == 200
    assert response.json() == [
        {
            "type": "success",
            "log": ["mailbox", "add", "alias", body, None],
            "msg": ["alias_added", "info@example.org", "1"],
        }
    ]


def test_add_alias_is_listed_with_all_fields(mc):
    mc.add_alias("info@example.org", "dest@example.net", public_comment="hi")
    alias = mc.get("get/alias/1").json()
    assert alias == {
        "in_primary_domain": "",
        "id": 1,
        "domain": "example.org",
        "public_comment": "hi",
        "private_comment": None,
        "goto": "dest@example.net",
        "address": "info@example.org",
        "is_catch_all": 0,
        "internal": 0,
        "active": 1,
        "active_int": 1,
        "sogo_visible": 0,
        "sogo_visible_int": 0,
        "sender_allowed": 0,
        "created": alias["created"],
        "modified": None,
    }


def test_add_alias_flags_default_to_zero_when_omitted(mc):
    mc.post("add/alias", {"address": "info@example.org", "goto": "dest@example.net"})
    alias = mc.get("get/alias/info@example.org").json()
    assert (alias["active"], alias["sogo_visible"], alias["sender_allowed"], alias["internal"]) == (0, 0, 0, 0)


def test_add_alias_flags_accept_true_and_strings(mc):
    mc.post("add/alias", {"address": "a@example.org", "goto": "d@example.net", "active": True, "sogo_visible": "1", "sender_allowed": "true"})
    alias = mc.get("get/alias/a@example.org").json()
    assert (alias["active"], alias["sogo_visible"], alias["sender_allowed"]) == (1, 1, 0)


def test_add_alias_several_addresses_answer_one_entry_each_with_ids(mc):
    body = mc.add_alias("a@example.org b@example.org;c@example.org", "dest@example.net")
    assert _msgs(body) == [
        ["alias_added", "a@example.org", "1"],
        ["alias_added", "b@example.org", "2"],
        ["alias_added", "c@example.org", "3"],
    ]


def test_add_alias_several_gotos_are_joined_with_commas(mc):
    mc.add_alias("team@example.org", "x@example.net; y@example.net,x@example.net")
    assert mc.get("get/alias/team@example.org").json()["goto"] == "x@example.net,y@example.net"


def test_add_alias_catch_all(mc):
    assert _msgs(mc.add_alias("@example.org", "dest@example.net")) == [["alias_added", "@example.org", "1"]]
    alias = mc.get("get/alias/1").json()
    assert (alias["address"], alias["is_catch_all"]) == ("@example.org", 1)


def test_add_alias_keeps_local_part_case_and_lowercases_domain(mc):
    assert _msgs(mc.add_alias("Info@EXAMPLE.org", "dest@example.net")) == [["alias_added", "Info@example.org", "1"]]


def test_add_alias_existing_alias_answers_is_alias_or_mailbox(mc):
    mc.add_alias("info@example.org", "dest@example.net")
    assert _kinds(mc.add_alias("INFO@example.org", "other@example.net")) == [
        ("danger", ["is_alias_or_mailbox", "INFO@example.org"])
    ]


def test_add_alias_mailbox_address_answers_is_alias_or_mailbox(mc):
    mc.add_mailbox("hello", "example.org", quota=1)
    assert _msgs(mc.add_alias("hello@example.org", "dest@example.net")) == [["is_alias_or_mailbox", "hello@example.org"]]


def test_add_alias_unknown_domain_answers_domain_not_found(mc):
    assert _msgs(mc.add_alias("info@nowhere.org", "dest@example.net")) == [["domain_not_found", "nowhere.org"]]


def test_add_alias_invalid_address_answers_alias_invalid(mc):
    assert _msgs(mc.add_alias("a..b@example.org", "dest@example.net")) == [["alias_invalid", "a..b@example.org"]]


def test_add_alias_empty_address_answers_alias_empty(mc):
    assert _msgs(mc.post("add/alias", {"goto": "dest@example.net"}).json()) == ["alias_empty"]


def test_add_alias_empty_goto_answers_goto_empty(mc):
    assert _msgs(mc.post("add/alias", {"address": "a@example.org", "goto": ""}).json()) == ["goto_empty"]


def test_add_alias_invalid_goto_answers_goto_invalid_and_adds_nothing(mc):
    body = mc.add_alias("a@example.org", "not-an-address@localhost")
    assert _kinds(body) == [("danger", ["goto_invalid", "not-an-address@localhost"])]
    assert mc.state()["aliases"] == []


def test_add_alias_invalid_gotos_are_dropped_valid_ones_kept(mc):
    body = mc.add_alias("a@example.org", "bad@x,good@example.net")
    assert _kinds(body) == [("danger", ["goto_invalid", "bad@x"]), ("success", ["alias_added", "a@example.org", "1"])]
    assert mc.get("get/alias/1").json()["goto"] == "good@example.net"


def test_add_alias_goto_without_at_sign_answers_500(mc):
    response = mc.post("add/alias", {"address": "a@example.org", "goto": "nobody", "active": 1})
    assert (response.status_code, response.content) == (500, b"")


def test_add_alias_goto_null_flag_sets_null_goto(mc):
    mc.post("add/alias", {"address": "void@example.org", "goto_null": 1, "active": 1})
    assert mc.get("get/alias/void@example.org").json()["goto"] == "null@localhost"


def test_add_alias_goto_spam_and_ham_flags(mc):
    mc.post("add/alias", {"address": "s@example.org", "goto_spam": 1, "active": 1})
    mc.post("add/alias", {"address": "h@example.org", "goto_ham": "1", "active": 1})
    assert mc.get("get/alias/s@example.org").json()["goto"] == "spam@localhost"
    assert mc.get("get/alias/h@example.org").json()["goto"] == "ham@localhost"


def test_add_alias_comment_longer_than_160_bytes_answers_comment_too_long(mc):
    assert _msgs(mc.add_alias("a@example.org", "d@example.net", private_comment="x" * 161)) == ["comment_too_long"]
    assert _msgs(mc.add_alias("a@example.org", "d@example.net", public_comment="é" * 81)) == ["comment_too_long"]
    assert _msgs(mc.add_alias("a@example.org", "d@example.net", public_comment="x" * 160))[0][0] == "alias_added"


def test_add_alias_full_domain_answers_max_alias_exceeded_and_stops(mailcow_clean):
    mailcow_clean.add_domain("small.org", aliases=1)
    mailcow_clean.add_alias("a@small.org", "d@example.net")
    body = mailcow_clean.add_alias("b@small.org c@small.org", "d@example.net")
    assert _kinds(body) == [("danger", "max_alias_exceeded")]


def test_add_alias_mixed_results_in_one_answer(mc):
    mc.add_alias("taken@example.org", "d@example.net")
    body = mc.add_alias("new@example.org,taken@example.org,x@nowhere.org", "d@example.net")
    assert _kinds(body) == [
        ("success", ["alias_added", "new@example.org", "2"]),
        ("danger", ["is_alias_or_mailbox", "taken@example.org"]),
        ("danger", ["domain_not_found", "nowhere.org"]),
    ]


def test_add_alias_address_equal_to_goto_is_skipped_silently(mc):
    assert mc.add_alias("a@example.org", "a@example.org") == {"type": "success", "msg": "Task completed"}
    assert mc.state()["aliases"] == []


# --- get ---------------------------------------------------------------------------------------


def test_get_alias_by_id_and_by_address(mc):
    mc.add_alias("info@example.org", "dest@example.net")
    assert mc.get("get/alias/1").json()["address"] == "info@example.org"
    assert mc.get("get/alias/info@example.org").json()["id"] == 1
    assert mc.get("get/alias/INFO@example.org").json()["id"] == 1


def test_get_alias_unknown_answers_empty_object(mc):
    assert mc.get("get/alias/99").text == "{}"
    assert mc.get("get/alias/nobody@example.org").text == "{}"


def test_get_alias_hides_mailbox_self_alias(mc):
    mc.add_mailbox("hello", "example.org", quota=1)
    assert mc.get("get/alias/hello@example.org").text == "{}"
    assert mc.get("get/alias/1").text == "{}"


def test_get_alias_all_without_aliases_answers_empty_object(mc):
    assert mc.get("get/alias/all").text == "{}"


def test_get_alias_all_lists_every_domain(mc):
    mc.add_domain("alpha.org")
    mc.add_alias("z@example.org", "d@example.net")
    mc.add_alias("a@alpha.org", "d@example.net")
    assert [a["address"] for a in mc.get("get/alias/all").json()] == ["a@alpha.org", "z@example.org"]


def test_get_alias_all_of_domain_lists_only_that_domain_by_id(mc):
    mc.add_domain("other.org")
    mc.add_alias("z@example.org", "d@example.net")
    mc.add_alias("o@other.org", "d@example.net")
    mc.add_alias("a@example.org", "d@example.net")
    assert [(a["id"], a["address"]) for a in mc.get("get/alias/all/example.org").json()] == [
        (1, "z@example.org"),
        (3, "a@example.org"),
    ]
    assert [a["address"] for a in mc.get("get/alias/all/other.org,example.org").json()] == [
        "o@other.org",
        "z@example.org",
        "a@example.org",
    ]


def test_get_alias_all_of_unknown_domain_answers_empty_object(mc):
    mc.add_alias("z@example.org", "d@example.net")
    assert mc.get("get/alias/all/nowhere.org").text == "{}"


# --- edit ----------------------------------------------------------------------------------------


def _edit(mc, items, attr):
    return mc.post("edit/alias", {"items": items, "attr": attr}).json()


def test_edit_alias_active_flag(mc):
    mc.add_alias("info@example.org", "dest@example.net")
    body = _edit(mc, [1], {"active": 0})
    assert body == [
        {
            "type": "success",
            "log": ["mailbox", "edit", "alias", {"id": [1], "active": 0}, None],
            "msg": ["alias_modified", "info@example.org"],
        }
    ]
    alias = mc.get("get/alias/1").json()
    assert (alias["active"], alias["goto"]) == (0, "dest@example.net")
    assert alias["modified"] is not None


def test_edit_alias_by_address(mc):
    mc.add_alias("info@example.org", "dest@example.net")
    assert _msgs(_edit(mc, ["info@example.org"], {"sogo_visible": 1})) == [["alias_modified", "info@example.org"]]
    assert mc.get("get/alias/1").json()["sogo_visible"] == 1


def test_edit_alias_goto(mc):
    mc.add_alias("info@example.org", "dest@example.net")
    _edit(mc, [1], {"goto": "a@example.net,b@example.net"})
    assert mc.get("get/alias/1").json()["goto"] == "a@example.net,b@example.net"


def test_edit_alias_unknown_id_answers_alias_invalid_null(mc):
    assert _kinds(_edit(mc, [42], {"active": 0})) == [("danger", ["alias_invalid", None])]


def test_edit_alias_unknown_id_after_known_reports_previous_address(mc):
    mc.add_alias("info@example.org", "dest@example.net")
    assert _msgs(_edit(mc, [1, 42], {"active": 0})) == [["alias_modified", "info@example.org"], ["alias_invalid", "info@example.org"]]


def test_edit_alias_goto_identical_to_address_answers_danger_and_keeps_goto(mc):
    mc.add_alias("info@example.org", "dest@example.net")
    assert _kinds(_edit(mc, [1], {"goto": "info@example.org"})) == [
        ("danger", "alias_goto_identical"),
        ("success", ["alias_modified", "info@example.org"]),
    ]
    assert mc.get("get/alias/1").json()["goto"] == "dest@example.net"


def test_edit_alias_null_goto_alias_without_flag_reports_goto_invalid(mc):
    mc.post("add/alias", {"address": "void@example.org", "goto_null": 1, "active": 1})
    assert _kinds(_edit(mc, [1], {"active": 0})) == [
        ("danger", ["goto_invalid", "null@localhost"]),
        ("success", ["alias_modified", "void@example.org"]),
    ]
    assert mc.get("get/alias/1").json()["active"] == 1  # nothing was written


def test_edit_alias_address_to_taken_address_answers_is_alias_or_mailbox(mc):
    mc.add_mailbox("hello", "example.org", quota=1)
    mc.add_alias("info@example.org", "dest@example.net")
    assert _msgs(_edit(mc, [2], {"address": "hello@example.org"})) == [["is_alias_or_mailbox", "hello@example.org"]]


def test_edit_alias_address_to_unknown_domain_answers_access_denied(mc):
    mc.add_alias("info@example.org", "dest@example.net")
    assert _msgs(_edit(mc, [1], {"address": "info@nowhere.org"})) == ["access_denied"]


def test_edit_alias_address_rename(mc):
    mc.add_domain("other.org")
    mc.add_alias("info@example.org", "dest@example.net")
    assert _msgs(_edit(mc, [1], {"address": "contact@other.org"})) == [["alias_modified", "contact@other.org"]]
    alias = mc.get("get/alias/1").json()
    assert (alias["address"], alias["domain"]) == ("contact@other.org", "other.org")


# --- delete ----------------------------------------------------------------------------------------


def test_delete_alias_by_id_answers_alias_removed(mc):
    mc.add_alias("info@example.org", "dest@example.net")
    body = mc.post("delete/alias", ["1"]).json()
    assert body == [
        {
            "type": "success",
            "log": ["mailbox", "delete", "alias", {"id": ["1"]}, None],
            "msg": ["alias_removed", "info@example.org"],
        }
    ]
    assert mc.get("get/alias/1").text == "{}"


def test_delete_alias_by_integer_id(mc):
    mc.add_alias("info@example.org", "dest@example.net")
    assert _msgs(mc.post("delete/alias", [1]).json()) == [["alias_removed", "info@example.org"]]


def test_delete_alias_by_address(mc):
    mc.add_alias("info@example.org", "dest@example.net")
    assert _msgs(mc.post("delete/alias", ["info@example.org"]).json()) == [["alias_removed", "info@example.org"]]


def test_delete_alias_unknown_answers_access_denied(mc):
    assert _kinds(mc.post("delete/alias", ["77"]).json()) == [("danger", "access_denied")]


def test_delete_alias_mailbox_address_answers_access_denied(mc):
    mc.add_mailbox("hello", "example.org", quota=1)
    assert _msgs(mc.post("delete/alias", ["hello@example.org"]).json()) == ["access_denied"]
    assert mc.get("get/mailbox/hello@example.org").json()["username"] == "hello@example.org"


def test_delete_alias_several_ids_answer_one_entry_each(mc):
    mc.add_alias("a@example.org b@example.org", "dest@example.net")
    assert _kinds(mc.post("delete/alias", [1, 5, 2]).json()) == [
        ("success", ["alias_removed", "a@example.org"]),
        ("danger", "access_denied"),
        ("success", ["alias_removed", "b@example.org"]),
    ]


def test_alias_ids_are_not_reused_after_delete(mc):
    mc.add_alias("a@example.org", "dest@example.net")
    mc.post("delete/alias", [1])
    assert _msgs(mc.add_alias("a@example.org", "dest@example.net")) == [["alias_added", "a@example.org", "2"]]
