"""Mail request models: bad input is a field error before any playbook runs (and so before any
call to Mailcow); good input comes out normalised; messages never echo a password."""

import pytest

from contract.errors import InvalidInput
from contract.models.mail import (
    MAX_QUOTA_MB,
    MailboxList,
    MailDisabled,
    MailEnabled,
    MailStatus,
    check_address,
    check_destination,
    check_local_part,
    check_password,
)
from contract.operations import BY_NAME, check_input

SLUG = "app-example-com"
PASSWORD = "{{ lookup('pipe', 'id') }}-Secret1"
MAILBOX = {"slug": SLUG, "localPart": "hello", "password": "correct-Horse-9", "quotaMb": 512}
ALIAS = {"slug": SLUG, "sourceLocalPart": "info", "destination": "dest@example.net", "active": True}


def _fields(operation, data):
    with pytest.raises(InvalidInput) as caught:
        check_input(operation, data)
    return [item["field"] for item in caught.value.details]


def test_every_mail_operation_is_in_the_operation_table():
    assert {name for name in BY_NAME if name.startswith("mail_")} == {
        "mail_enable", "mail_disable", "mail_purge", "mail_status",
        "mail_mailbox_list", "mail_mailbox_create", "mail_mailbox_delete",
        "mail_alias_list", "mail_alias_create", "mail_alias_delete",
    }


# --- enable ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("domain", "stored"),
    [("example.com", "example.com"), ("Mail.Example.COM", "mail.example.com"), ("bücher.example", "xn--bcher-kva.example"),
     ("example.com.", "example.com")],
)
def test_enable_normalises_the_domain(domain, stored):
    assert check_input("mail_enable", {"slug": SLUG, "domain": domain}) == {"slug": SLUG, "domain": stored}


@pytest.mark.parametrize("domain", ["", "localhost", "-a.example.com", "a..example.com", "a_b.example.com", "1.2.3.4",
                                    "a@example.com", "a b.com", "x" * 64 + ".com", 5, None])
def test_enable_refuses_what_is_not_a_hostname(domain):
    assert _fields("mail_enable", {"slug": SLUG, "domain": domain}) == ["domain"]


def test_enable_needs_a_domain_and_nothing_else():
    assert _fields("mail_enable", {"slug": SLUG}) == ["domain"]
    assert _fields("mail_enable", {"slug": SLUG, "domain": "example.com", "provider": "x"}) == ["provider"]


@pytest.mark.parametrize("operation", ["mail_disable", "mail_status", "mail_mailbox_list", "mail_alias_list"])
def test_bodyless_operations_take_only_the_slug(operation):
    assert check_input(operation, {"slug": SLUG}) == {"slug": SLUG}
    assert _fields(operation, {"slug": SLUG, "force": True}) == ["force"]
    assert _fields(operation, {"slug": "Not A Slug"}) == ["slug"]


@pytest.mark.parametrize("confirm", ["delete", "DELETE ", "yes", True, None])
def test_purge_needs_exactly_delete(confirm):
    assert _fields("mail_purge", {"slug": SLUG, "confirm": confirm}) == ["confirm"]
    assert check_input("mail_purge", {"slug": SLUG, "confirm": "DELETE"}) == {"slug": SLUG, "confirm": "DELETE"}


# --- mailboxes -------------------------------------------------------------------------------
def test_mailbox_create_keeps_the_values():
    assert check_input("mail_mailbox_create", MAILBOX) == MAILBOX


def test_mailbox_create_lowercases_the_local_part():
    assert check_input("mail_mailbox_create", {**MAILBOX, "localPart": "Hello.World"})["localPart"] == "hello.world"


@pytest.mark.parametrize("local_part", ["a", "hello", "first.last", "x_y-z", "a1", "a" * 64])
def test_good_local_parts_pass(local_part):
    assert check_local_part(local_part) == local_part


@pytest.mark.parametrize(
    "local_part",
    ["", "a" * 65, ".a", "a.", "a..b", "a+b", "a b", "a@b", "ä", "a/b", "0", "{{x}}", "a,b", "\u212aate", "a\nb", "abc\n"],
)
def test_bad_local_parts_are_refused(local_part):
    assert _fields("mail_mailbox_create", {**MAILBOX, "localPart": local_part}) == ["localPart"]


@pytest.mark.parametrize("quota", [0, -1, MAX_QUOTA_MB + 1, 1.5, "512", True, None])
def test_quota_out_of_range_or_not_an_integer_is_refused(quota):
    assert _fields("mail_mailbox_create", {**MAILBOX, "quotaMb": quota}) == ["quotaMb"]


@pytest.mark.parametrize("quota", [1, MAX_QUOTA_MB])
def test_quota_bounds_are_inclusive(quota):
    assert check_input("mail_mailbox_create", {**MAILBOX, "quotaMb": quota})["quotaMb"] == quota


@pytest.mark.parametrize("missing", ["localPart", "password", "quotaMb"])
def test_mailbox_create_needs_every_field(missing):
    data = {key: value for key, value in MAILBOX.items() if key != missing}
    assert _fields("mail_mailbox_create", data) == [missing]


@pytest.mark.parametrize(
    "password",
    [PASSWORD, "12345678", "a" * 72, "ä" * 36, "pass word with spaces", "{not-a-scheme", "{{ x }}}", "p\u00e4ss-w\u00f6rd"],
)
def test_good_passwords_pass_verbatim(password):
    assert check_password(password) == password
    assert check_input("mail_mailbox_create", {**MAILBOX, "password": password})["password"] == password


@pytest.mark.parametrize(
    "password",
    ["", "short", "1234567", "a" * 73, "ä" * 37, "tab\there-123", "new\nline-123", "nul\x00char-123", " leading-123",
     "trailing-123 ", "        ", "{SSHA256}abcdefgh", "{BLF-CRYPT}$2y$05$abc", "{plain}secret-1", 12345678, None],
)
def test_bad_passwords_are_refused_without_being_echoed(password):
    with pytest.raises(InvalidInput) as caught:
        check_input("mail_mailbox_create", {**MAILBOX, "password": password})
    assert [item["field"] for item in caught.value.details] == ["password"]
    if isinstance(password, str) and len(password) > 3:
        assert password not in repr(caught.value.details) and password not in caught.value.message


def test_mailbox_delete_normalises_the_address():
    assert check_input("mail_mailbox_delete", {"slug": SLUG, "address": "Hello@Example.COM"}) == {
        "slug": SLUG, "address": "hello@example.com"}


@pytest.mark.parametrize(
    "address", ["", "hello", "@example.com", "hello@", "a+b@example.com", "hello@localhost", "he llo@example.com",
                "hello@exa_mple.com", "a@b@example.com", "x" * 250 + "@example.com"],
)
def test_mailbox_delete_refuses_what_is_not_an_address(address):
    assert _fields("mail_mailbox_delete", {"slug": SLUG, "address": address}) == ["address"]


# --- aliases ---------------------------------------------------------------------------------
def test_alias_create_keeps_the_values_and_defaults_to_active():
    assert check_input("mail_alias_create", ALIAS) == ALIAS
    data = {key: value for key, value in ALIAS.items() if key != "active"}
    assert check_input("mail_alias_create", data)["active"] is True


@pytest.mark.parametrize(
    ("destination", "stored"),
    [("dest@example.net", "dest@example.net"), ("Dest.Person+tag@Example.NET", "Dest.Person+tag@example.net"),
     ("o'brien@example.ie", "o'brien@example.ie"), ("x@bücher.example", "x@xn--bcher-kva.example"),
     ("{{x}}@example.net", "{{x}}@example.net")],
)
def test_destinations_keep_the_local_part_and_normalise_the_domain(destination, stored):
    assert check_destination(destination) == stored


@pytest.mark.parametrize(
    "destination",
    ["", "dest", "dest@", "@example.net", "a b@example.net", "a..b@example.net", ".a@example.net", "a,b@example.net",
     "dest@example.net,other@example.net", "dest@localhost", "dest@1.2.3.4", "ä@example.net", "a" * 65 + "@example.net",
     "{{ lookup('pipe', 'id') }}@example.net", "dest\n@example.net", 5],
)
def test_destinations_that_are_not_addresses_are_refused(destination):
    assert _fields("mail_alias_create", {**ALIAS, "destination": destination}) == ["destination"]


@pytest.mark.parametrize("active", ["yes", 1, None])
def test_alias_active_is_a_boolean(active):
    assert _fields("mail_alias_create", {**ALIAS, "active": active}) == ["active"]


def test_alias_source_follows_the_local_part_rule():
    assert _fields("mail_alias_create", {**ALIAS, "sourceLocalPart": "in fo"}) == ["sourceLocalPart"]
    assert check_input("mail_alias_create", {**ALIAS, "sourceLocalPart": "INFO"})["sourceLocalPart"] == "info"


def test_alias_delete_takes_an_address_of_ours():
    assert check_input("mail_alias_delete", {"slug": SLUG, "source": "Info@Example.com"})["source"] == "info@example.com"
    assert _fields("mail_alias_delete", {"slug": SLUG, "source": "info"}) == ["source"]


def test_addresses_of_ours_use_the_local_part_rule():
    assert check_address("a.b@example.com") == "a.b@example.com"
    with pytest.raises(ValueError):
        check_address("a+b@example.com")


# --- responses -------------------------------------------------------------------------------
def test_responses_follow_the_contract():
    enabled = {"ok": True, "slug": SLUG, "domain": "example.com", "mailEnabled": True, "provider": "mailcow"}
    assert MailEnabled.model_validate(enabled).model_dump() == enabled
    assert MailDisabled.model_validate({**enabled, "mailEnabled": False, "domain": None}).domain is None
    status = {"ok": True, "slug": SLUG, "domain": None, "mailEnabled": False, "activeInMailcow": False}
    assert MailStatus.model_validate(status).model_dump() == status
    listed = {"ok": True, "slug": SLUG, "domain": "example.com", "mailboxes": ["hello@example.com"]}
    assert MailboxList.model_validate(listed).model_dump() == listed
