"""Domains through HTTP: add/edit/delete/get as MAILCOW_API_NOTES.md §4 and FM:491-699,
2794-3032, 5008-5138, 5691-5810 describe them."""

from __future__ import annotations

MIB = 1048576


def _msgs(body):
    return [entry["msg"] for entry in body]


# --- add ------------------------------------------------------------------------------------


def test_add_domain_answers_dkim_then_domain_added(mailcow_clean):
    response = mailcow_clean.post("add/domain", {"domain": "example.org"})
    assert response.status_code == 200
    assert response.json() == [
        {
            "type": "success",
            "log": ["dkim", "add", {"key_size": 2048, "dkim_selector": "dkim", "domains": "example.org"}],
            "msg": ["dkim_added", "example.org"],
        },
        {
            "type": "success",
            "log": ["mailbox", "add", "domain", {"domain": "example.org"}, None],
            "msg": ["domain_added", "example.org"],
        },
    ]


def test_add_domain_defaults_come_from_default_template(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    domain = mailcow_clean.get("get/domain/example.org").json()
    assert domain["description"] == "example.org"
    assert domain["max_num_aliases_for_domain"] == 400
    assert domain["max_num_mboxes_for_domain"] == 10
    assert domain["def_quota_for_mbox"] == 3072 * MIB
    assert domain["max_quota_for_mbox"] == 10240 * MIB
    assert domain["max_quota_for_domain"] == 10240 * MIB
    assert (domain["active"], domain["gal"], domain["backupmx"]) == (1, 1, 0)
    assert (domain["relay_all_recipients"], domain["relay_unknown_only"]) == (0, 0)
    assert domain["rl"] is False
    assert domain["domain_admins"] == "-"
    assert domain["modified"] is None
    assert "tags" not in domain


def test_add_domain_quotas_in_mib_come_back_in_bytes(mailcow_clean):
    mailcow_clean.add_domain("example.org", defquota=512, maxquota=1024, quota=4096, mailboxes=3, aliases=7)
    domain = mailcow_clean.get("get/domain/example.org").json()
    assert domain["def_quota_for_mbox"] == 512 * MIB
    assert domain["max_quota_for_mbox"] == 1024 * MIB
    assert domain["max_quota_for_domain"] == 4096 * MIB
    assert domain["max_new_mailbox_quota"] == 1024 * MIB
    assert domain["def_new_mailbox_quota"] == 512 * MIB
    assert domain["quota_used_in_domain"] == "0"
    assert (domain["mboxes_in_domain"], domain["mboxes_left"]) == (0, 3)
    assert (domain["aliases_in_domain"], domain["aliases_left"]) == (0, 7)


def test_add_domain_string_numbers_and_flags_are_cast(mailcow_clean):
    mailcow_clean.add_domain("example.org", quota="2048", maxquota="1024", defquota="100", active="0", gal=True)
    domain = mailcow_clean.get("get/domain/example.org").json()
    assert domain["max_quota_for_domain"] == 2048 * MIB
    assert (domain["active"], domain["gal"]) == (0, 1)


def test_add_domain_name_is_trimmed_lowercased_and_punycoded(mailcow_clean):
    body = mailcow_clean.add_domain("  Bücher.Example ")
    assert body[-1]["msg"] == ["domain_added", "xn--bcher-kva.example"]
    domain = mailcow_clean.get("get/domain/xn--bcher-kva.example").json()
    assert domain["domain_h_name"] == "bücher.example"


def test_add_domain_twice_answers_domain_exists(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    body = mailcow_clean.add_domain("EXAMPLE.org")
    assert body == [
        {
            "type": "danger",
            "log": ["mailbox", "add", "domain", {"domain": "EXAMPLE.org"}, None],
            "msg": ["domain_exists", "example.org"],
        }
    ]


def test_add_domain_defquota_above_maxquota_answers_danger(mailcow_clean):
    assert _msgs(mailcow_clean.add_domain("example.org", defquota=2048, maxquota=1024)) == [
        "mailbox_defquota_exceeds_mailbox_maxquota"
    ]


def test_add_domain_maxquota_above_quota_answers_danger(mailcow_clean):
    assert _msgs(mailcow_clean.add_domain("example.org", maxquota=20480, quota=10240)) == [
        "mailbox_quota_exceeds_domain_quota"
    ]


def test_add_domain_defquota_zero_answers_defquota_empty(mailcow_clean):
    assert _msgs(mailcow_clean.add_domain("example.org", defquota=0)) == ["defquota_empty"]


def test_add_domain_maxquota_zero_answers_danger(mailcow_clean):
    # defquota 0 < maxquota 0 is false, maxquota 0 <= quota: maxquota_empty needs defquota 0 too,
    # and defquota_empty comes first; with the template defquota (3072) the first check fires.
    assert _msgs(mailcow_clean.add_domain("example.org", maxquota=0)) == ["mailbox_defquota_exceeds_mailbox_maxquota"]
    assert _msgs(mailcow_clean.add_domain("example.org", maxquota=0, defquota=-1)) == ["maxquota_empty"]


def test_add_domain_invalid_name_answers_domain_invalid(mailcow_clean):
    for name in ("bad_name.org", "-x.org", "x..org", "x.org."):
        assert _msgs(mailcow_clean.add_domain(name)) == ["domain_invalid"], name
    assert mailcow_clean.state()["domains"] == []


def test_add_domain_quota_checks_come_before_name_check(mailcow_clean):
    assert _msgs(mailcow_clean.add_domain("bad_name.org", defquota=0)) == ["defquota_empty"]


def test_add_domain_hostname_answers_domain_cannot_match_hostname(mailcow_clean):
    assert _msgs(mailcow_clean.add_domain("mail.sandbox.invalid")) == ["domain_cannot_match_hostname"]


def test_add_domain_without_name_answers_500(mailcow_clean):
    response = mailcow_clean.post("add/domain", {"description": "nothing"})
    assert (response.status_code, response.content) == (500, b"")


def test_add_domain_with_rl_value_answers_rl_saved_first(mailcow_clean):
    body = mailcow_clean.add_domain("example.org", rl_value=10, rl_frame="m")
    assert _msgs(body) == [["rl_saved", "example.org"], ["dkim_added", "example.org"], ["domain_added", "example.org"]]
    assert body[0]["log"] == ["ratelimit", "edit", "domain", {"rl_value": 10, "rl_frame": "m", "object": "example.org"}]
    assert mailcow_clean.get("get/domain/example.org").json()["rl"] == {"value": "10", "frame": "m"}


def test_add_domain_after_delete_reports_existing_dkim_key(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    mailcow_clean.post("delete/domain", ["example.org"])
    body = mailcow_clean.add_domain("example.org")
    assert [entry["msg"] for entry in body] == ["domain_add_dkim_available", ["domain_added", "example.org"]]


def test_add_domain_invalid_dkim_selector_still_adds_domain(mailcow_clean):
    body = mailcow_clean.add_domain("example.org", dkim_selector="bad selector")
    assert [(e["type"], e["msg"]) for e in body] == [
        ("danger", ["dkim_domain_or_sel_invalid", "example.org"]),
        ("success", ["domain_added", "example.org"]),
    ]


def test_add_domain_key_size_zero_skips_dkim(mailcow_clean):
    assert _msgs(mailcow_clean.add_domain("example.org", key_size=0)) == [["domain_added", "example.org"]]


def test_add_domain_relay_all_recipients_sets_backupmx(mailcow_clean):
    mailcow_clean.add_domain("example.org", relay_unknown_only=1)
    domain = mailcow_clean.get("get/domain/example.org").json()
    assert (domain["backupmx"], domain["relay_all_recipients"], domain["relay_unknown_only"]) == (1, 1, 1)


def test_add_domain_tags_are_listed(mailcow_clean):
    mailcow_clean.add_domain("example.org", tags=["blue", "", "green"])
    assert mailcow_clean.get("get/domain/example.org").json()["tags"] == ["blue", "green"]


# --- get --------------------------------------------------------------------------------------


def test_get_domain_unknown_answers_empty_object(mailcow_clean):
    response = mailcow_clean.get("get/domain/nowhere.org")
    assert (response.status_code, response.text) == (200, "{}")


def test_get_domain_all_without_domains_answers_empty_object(mailcow_clean):
    response = mailcow_clean.get("get/domain/all")
    assert (response.status_code, response.text) == (200, "{}")


def test_get_domain_all_lists_every_domain_sorted(mailcow_clean):
    for name in ("zeta.org", "alpha.org", "mid.org"):
        mailcow_clean.add_domain(name)
    body = mailcow_clean.get("get/domain/all").json()
    assert [d["domain_name"] for d in body] == ["alpha.org", "mid.org", "zeta.org"]


def test_get_domain_all_filters_by_tag_substring(mailcow_clean):
    mailcow_clean.add_domain("a.org", tags=["customer-1"])
    mailcow_clean.add_domain("b.org", tags=["customer-2"])
    mailcow_clean.add_domain("c.org")
    body = mailcow_clean.get("get/domain/all", params={"tags": "customer-2"}).json()
    assert [d["domain_name"] for d in body] == ["b.org"]
    body = mailcow_clean.get("get/domain/all", params={"tags": "customer"}).json()
    assert [d["domain_name"] for d in body] == ["a.org", "b.org"]


def test_get_domain_is_case_insensitive(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    assert mailcow_clean.get("get/domain/EXAMPLE.ORG").json()["domain_name"] == "example.org"


def test_get_domain_counts_mailboxes_quota_and_aliases(mailcow_clean):
    mailcow_clean.add_domain("example.org", quota=4096, maxquota=2048, defquota=1024)
    mailcow_clean.add_mailbox("a", "example.org", quota=1024)
    mailcow_clean.add_mailbox("b", "example.org", quota=2048)
    mailcow_clean.add_alias("info@example.org", "a@example.org")
    domain = mailcow_clean.get("get/domain/example.org").json()
    assert domain["quota_used_in_domain"] == str(3072 * MIB)
    assert domain["max_new_mailbox_quota"] == 1024 * MIB
    assert (domain["mboxes_in_domain"], domain["mboxes_left"]) == (2, 8)
    assert (domain["aliases_in_domain"], domain["aliases_left"]) == (1, 399)


# --- edit -------------------------------------------------------------------------------------


def _edit(mc, items, attr):
    return mc.post("edit/domain", {"items": items, "attr": attr}).json()


def test_edit_domain_active_zero_disables_and_one_enables(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    body = _edit(mailcow_clean, ["example.org"], {"active": 0})
    assert body == [
        {
            "type": "success",
            "log": ["mailbox", "edit", "domain", {"domain": ["example.org"], "active": 0}, None],
            "msg": ["domain_modified", "example.org"],
        }
    ]
    assert mailcow_clean.get("get/domain/example.org").json()["active"] == 0
    assert _msgs(_edit(mailcow_clean, ["example.org"], {"active": "1"})) == [["domain_modified", "example.org"]]
    domain = mailcow_clean.get("get/domain/example.org").json()
    assert (domain["active"], domain["active_int"]) == (1, 1)


def test_edit_domain_items_may_be_a_scalar(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    assert _msgs(_edit(mailcow_clean, "example.org", {"active": 0})) == [["domain_modified", "example.org"]]


def test_edit_domain_unknown_answers_domain_invalid(mailcow_clean):
    assert _msgs(_edit(mailcow_clean, ["nowhere.org"], {"active": 0})) == ["domain_invalid"]


def test_edit_domain_keeps_unspecified_fields(mailcow_clean):
    mailcow_clean.add_domain("example.org", description="Shop", quota=4096, maxquota=2048, defquota=1024, aliases=5)
    _edit(mailcow_clean, ["example.org"], {"gal": 0})
    domain = mailcow_clean.get("get/domain/example.org").json()
    assert domain["description"] == "Shop"
    assert domain["max_quota_for_domain"] == 4096 * MIB
    assert domain["max_quota_for_mbox"] == 2048 * MIB
    assert domain["def_quota_for_mbox"] == 1024 * MIB
    assert domain["max_num_aliases_for_domain"] == 5
    assert domain["gal"] == 0


def test_edit_domain_zero_or_empty_means_unchanged_for_quota_aliases_description(mailcow_clean):
    mailcow_clean.add_domain("example.org", description="Shop", aliases=5)
    body = _edit(mailcow_clean, ["example.org"], {"quota": 0, "maxquota": "", "aliases": 0, "description": ""})
    assert _msgs(body) == [["domain_modified", "example.org"]]
    domain = mailcow_clean.get("get/domain/example.org").json()
    assert (domain["description"], domain["max_num_aliases_for_domain"]) == ("Shop", 5)
    assert domain["max_quota_for_domain"] == 10240 * MIB


def test_edit_domain_changes_quotas(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    _edit(mailcow_clean, ["example.org"], {"quota": 20480, "maxquota": 20480, "defquota": 100, "mailboxes": 50})
    domain = mailcow_clean.get("get/domain/example.org").json()
    assert domain["max_quota_for_domain"] == 20480 * MIB
    assert domain["max_quota_for_mbox"] == 20480 * MIB
    assert domain["def_quota_for_mbox"] == 100 * MIB
    assert domain["max_num_mboxes_for_domain"] == 50


def test_edit_domain_defquota_above_maxquota_answers_danger(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    assert _msgs(_edit(mailcow_clean, ["example.org"], {"defquota": 20000})) == ["mailbox_defquota_exceeds_mailbox_maxquota"]


def test_edit_domain_defquota_zero_answers_defquota_empty(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    assert _msgs(_edit(mailcow_clean, ["example.org"], {"defquota": 0})) == ["defquota_empty"]


def test_edit_domain_maxquota_above_quota_answers_danger(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    assert _msgs(_edit(mailcow_clean, ["example.org"], {"maxquota": 20480})) == ["mailbox_quota_exceeds_domain_quota"]


def test_edit_domain_maxquota_below_biggest_mailbox_answers_max_quota_in_use(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    mailcow_clean.add_mailbox("a", "example.org", quota=5120)
    body = _edit(mailcow_clean, ["example.org"], {"maxquota": 4096, "defquota": 1024})
    assert _msgs(body) == [["max_quota_in_use", "5120"]]


def test_edit_domain_quota_below_used_answers_domain_quota_m_in_use(mailcow_clean):
    mailcow_clean.add_domain("example.org", quota=10240, maxquota=5120)
    mailcow_clean.add_mailbox("a", "example.org", quota=5120)
    mailcow_clean.add_mailbox("b", "example.org", quota=4096)
    body = _edit(mailcow_clean, ["example.org"], {"quota": 8192})
    assert _msgs(body) == [["domain_quota_m_in_use", "9216"]]


def test_edit_domain_mailboxes_below_count_answers_mailboxes_in_use(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    mailcow_clean.add_mailbox("a", "example.org", quota=1)
    mailcow_clean.add_mailbox("b", "example.org", quota=1)
    assert _msgs(_edit(mailcow_clean, ["example.org"], {"mailboxes": 1})) == [["mailboxes_in_use", 2]]


def test_edit_domain_aliases_below_count_answers_aliases_in_use(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    mailcow_clean.add_mailbox("a", "example.org", quota=1)  # its self alias is not counted
    mailcow_clean.add_alias("x@example.org", "a@example.org")
    mailcow_clean.add_alias("y@example.org", "a@example.org")
    assert _msgs(_edit(mailcow_clean, ["example.org"], {"aliases": 1})) == [["aliases_in_use", 2]]


def test_edit_domain_continues_after_a_failing_item(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    body = _edit(mailcow_clean, ["nowhere.org", "example.org"], {"active": 0})
    assert [(e["type"], e["msg"]) for e in body] == [
        ("danger", "domain_invalid"),
        ("success", ["domain_modified", "example.org"]),
    ]


def test_edit_domain_sets_modified_only_when_something_changes(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    _edit(mailcow_clean, ["example.org"], {"active": 1})
    assert mailcow_clean.get("get/domain/example.org").json()["modified"] is None
    _edit(mailcow_clean, ["example.org"], {"active": 0})
    assert mailcow_clean.get("get/domain/example.org").json()["modified"] is not None


def test_edit_domain_non_numeric_quota_answers_500(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    response = mailcow_clean.post("edit/domain", {"items": ["example.org"], "attr": {"quota": "lots"}})
    assert response.status_code == 500


# --- delete -----------------------------------------------------------------------------------


def test_delete_domain_answers_domain_removed(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    body = mailcow_clean.post("delete/domain", ["example.org"]).json()
    assert body == [
        {
            "type": "success",
            "log": ["mailbox", "delete", "domain", {"domain": ["example.org"]}, None],
            "msg": ["domain_removed", "example.org"],
        }
    ]
    assert mailcow_clean.get("get/domain/example.org").json() == {}


def test_delete_domain_with_mailboxes_answers_domain_not_empty(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    mailcow_clean.add_mailbox("a", "example.org", quota=1)
    body = mailcow_clean.post("delete/domain", ["example.org"]).json()
    assert [(e["type"], e["msg"]) for e in body] == [("danger", ["domain_not_empty", "example.org"])]
    assert mailcow_clean.get("get/domain/example.org").json()["domain_name"] == "example.org"


def test_delete_domain_removes_its_aliases(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    mailcow_clean.add_alias("info@example.org", "someone@example.net")
    assert _msgs(mailcow_clean.post("delete/domain", ["example.org"]).json()) == [["domain_removed", "example.org"]]
    assert mailcow_clean.state()["aliases"] == []


def test_delete_domain_unknown_answers_domain_removed(mailcow_clean):
    assert _msgs(mailcow_clean.post("delete/domain", ["nowhere.org"]).json()) == [["domain_removed", "nowhere.org"]]


def test_delete_domain_invalid_name_answers_domain_invalid(mailcow_clean):
    assert _msgs(mailcow_clean.post("delete/domain", ["not a domain"]).json()) == ["domain_invalid"]


def test_delete_domain_answers_one_entry_per_item(mailcow_clean):
    mailcow_clean.add_domain("a.org")
    mailcow_clean.add_domain("b.org")
    mailcow_clean.add_mailbox("x", "b.org", quota=1)
    body = mailcow_clean.post("delete/domain", ["a.org", "b.org", "c.org"]).json()
    assert [(e["type"], e["msg"]) for e in body] == [
        ("success", ["domain_removed", "a.org"]),
        ("danger", ["domain_not_empty", "b.org"]),
        ("success", ["domain_removed", "c.org"]),
    ]


def test_delete_domain_items_object_instead_of_list_answers_500(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    response = mailcow_clean.post("delete/domain", {"items": ["example.org"]})
    assert response.status_code == 500
    assert len(mailcow_clean.state()["domains"]) == 1
