"""plugins/filter/mailcow.py: Mailcow's answers (as ansible.builtin.uri registers them) become
nothing (fine) or the operation's typed error. The answers are the shapes the API notes and the
emulator give; the registered-result shapes are uri's."""

import json

import pytest

from plugins.filter.api_request import api_error
from plugins.filter.mailcow import FilterModule, mailcow_active, mailcow_items, mailcow_object
from plugins.filter.mailcow import mailcow_error as _mailcow_error

URL = "http://mail.example.net:8081"
MISSING = {"code": "mailbox_not_found", "message": "mailbox hello@example.com not found"}


def mailcow_error(*args, **kwargs):
    """The error as roles/api_result publishes it: the filter's `{code, message}` with its status."""
    error = _mailcow_error(*args, **kwargs)
    return None if error is None else {key: value for key, value in api_error(error).items() if key != "details"}


def answer(body, status=200, path="add/mailbox", content_type="application/json"):
    """What ansible.builtin.uri registers (return_content: true, failed_when: false)."""
    content = body if isinstance(body, str) else json.dumps(body)
    result = {"status": status, "url": f"{URL}/api/v1/{path}", "content": content, "changed": False}
    if content_type == "application/json" and content.strip():
        result["json"] = json.loads(content)
    return result


def entry(kind, msg):
    return {"type": kind, "log": ["mailbox", "add", "mailbox", {"password": "*"}, None], "msg": msg}


def test_filters_are_exported():
    assert set(FilterModule().filters()) == {"mailcow_error", "mailcow_items", "mailcow_object", "mailcow_active"}


def test_success_with_the_expected_key_is_fine():
    body = [entry("success", ["rl_saved", "hello@example.com"]), entry("success", ["mailbox_added", "hello@example.com"])]
    assert mailcow_error(answer(body), "mailbox_added") is None


def test_one_of_several_expected_keys_is_fine():
    assert mailcow_error(answer([entry("success", "domain_removed")]), ["domain_removed", "x"]) is None


def test_success_without_the_expected_key_is_a_500():
    error = mailcow_error(answer({"type": "success", "msg": "Task completed"}), "alias_added")
    assert error["status"] == 500 and error["code"] == "internal_error"
    assert "did not confirm POST /api/v1/add/mailbox with alias_added" in error["message"]
    assert URL in error["message"]


def test_a_danger_entry_wins_over_success_entries():
    body = [entry("success", ["mailbox_removed", "a@example.com"]), entry("danger", "access_denied")]
    assert mailcow_error(answer(body), "mailbox_removed", MISSING) == {**MISSING, "status": 404}


@pytest.mark.parametrize(
    ("msg", "status", "code", "text"),
    [
        (["domain_exists", "example.com"], 409, "already_exists", "mail domain example.com already exists in Mailcow"),
        (["object_exists", "a@example.com"], 409, "already_exists", "mailbox a@example.com already exists"),
        (["is_alias", "a@example.com"], 409, "already_exists", "a@example.com is already an alias"),
        (["is_alias_or_mailbox", "a@example.com"], 409, "already_exists", "a@example.com is already an alias or a mailbox"),
        (["domain_not_empty", "example.com"], 409, "conflict", "mail domain example.com still has mailboxes"),
        (["max_mailbox_exceeded", 10, 10], 409, "conflict", "the mail domain has 10 of its 10 mailboxes already"),
        (["mailbox_quota_left_exceeded", 100], 409, "conflict", "the mail domain has only 100 MiB of quota left"),
        ("max_alias_exceeded", 409, "conflict", "the mail domain has no aliases left"),
        ("password_complexity", 400, "invalid_input", "does not meet Mailcow's password policy"),
        ("password_mismatch", 400, "invalid_input", "the two copies differ"),
        ("mailbox_invalid", 400, "invalid_input", "mailbox address as invalid"),
        ("domain_invalid", 400, "invalid_input", "domain as invalid"),
        (["goto_invalid", "x"], 400, "invalid_input", "alias destination x as invalid"),
        (["mailbox_quota_exceeded", 10240], 400, "invalid_input", "at most 10240 MiB per mailbox"),
        ("domain_cannot_match_hostname", 400, "invalid_input", "Mailcow's own hostname"),
    ],
)
def test_danger_keys_become_typed_errors(msg, status, code, text):
    error = mailcow_error(answer([entry("danger", msg)]), "whatever")
    assert (error["status"], error["code"]) == (status, code)
    assert text in error["message"]


def test_missing_arguments_do_not_break_the_message():
    error = mailcow_error(answer([entry("danger", "domain_exists")]), "domain_added")
    assert error["message"] == "mail domain ? already exists in Mailcow"


@pytest.mark.parametrize("key", ["access_denied", ["domain_not_found", "example.com"]])
def test_missing_object_keys_take_the_callers_meaning(key):
    assert mailcow_error(answer([entry("danger", key)]), "mailbox_removed", MISSING) == {**MISSING, "status": 404}


def test_access_denied_without_a_meaning_is_a_500():
    error = mailcow_error(answer([entry("danger", "access_denied")]), "domain_added")
    assert error == {"status": 500, "code": "internal_error", "message": "Mailcow refused the request: access_denied"}


def test_unknown_danger_keys_are_a_500_naming_them():
    error = mailcow_error(answer([entry("danger", ["quarantine_category_invalid", "x"])]), "mailbox_added")
    assert error["status"] == 500
    assert error["message"] == "Mailcow refused the request: quarantine_category_invalid x"


def test_an_error_object_is_a_500():
    error = mailcow_error(answer({"type": "error", "msg": "Cannot add item"}), "alias_added")
    assert error["status"] == 500 and "Cannot add item" in error["message"]


def test_a_call_that_did_not_run_is_fine():
    assert mailcow_error({"skipped": True, "changed": False}, "mailbox_added") is None


def test_reads_only_need_a_json_answer():
    assert mailcow_error(answer({}, path="get/domain/example.com")) is None
    assert mailcow_error(answer([], path="get/alias/all/example.com")) is None


def test_unreachable_mailcow_is_a_500_that_says_so():
    result = {
        "status": -1,
        "url": f"{URL}/api/v1/get/domain/example.com",
        "msg": "Status code was -1 and not [200]: Request failed: <urlopen error [Errno 111] Connection refused>",
    }
    error = mailcow_error(result)
    assert error["status"] == 500 and error["code"] == "internal_error"
    assert error["message"] == (
        f"Mailcow at {URL} could not be reached: Request failed: <urlopen error [Errno 111] Connection refused>"
    )


def test_a_rejected_key_is_a_500_that_says_so():
    error = mailcow_error(answer({"type": "error", "msg": "authentication failed"}, status=401, path="get/domain/x.org"))
    assert error["status"] == 500
    assert error["message"].startswith(f"Mailcow at {URL} rejected the API key (HTTP 401: authentication failed)")


def test_a_key_from_a_refused_ip_is_a_500_with_mailcows_reason():
    body = {"type": "error", "msg": "api access denied for ip 10.0.0.9"}
    assert "api access denied for ip 10.0.0.9" in mailcow_error(answer(body, status=401))["message"]


def test_a_read_only_key_is_a_500_asking_for_a_read_write_key():
    error = mailcow_error(answer({"type": "error", "msg": "API read/write access denied"}, status=403), "mailbox_added")
    assert error["status"] == 500 and "a read-write key is needed" in error["message"]


def test_an_empty_get_answer_means_no_key_was_sent():
    error = mailcow_error(answer("", path="get/domain/all", content_type="text/html"))
    assert error["status"] == 500
    assert "empty body" in error["message"] and "TENANT_MAIL_MAILCOW_API_KEY" in error["message"]
    assert "GET /api/v1/get/domain/all" in error["message"]


def test_a_server_error_is_a_500_naming_the_call():
    error = mailcow_error(answer("", status=500, content_type="text/html"), "mailbox_added")
    assert error["message"] == f"Mailcow at {URL} answered HTTP 500 to POST /api/v1/add/mailbox"


def test_a_route_mailcow_does_not_have_is_a_500_with_its_text():
    error = mailcow_error(answer({"type": "error", "msg": "route not found"}, status=404, path="get/nothing"))
    assert error["message"] == f"Mailcow at {URL} answered HTTP 404 to GET /api/v1/get/nothing: route not found"


def test_an_answer_that_is_not_json_is_a_500():
    error = mailcow_error(answer("<html>hello</html>", content_type="text/html"), "mailbox_added")
    assert "not JSON" in error["message"]


def test_json_in_content_is_read_when_uri_did_not_decode_it():
    result = answer([entry("success", ["alias_added", "a@x.org", "7"])], content_type="text/plain")
    assert "json" not in result
    assert mailcow_error(result, "alias_added") is None


def test_no_result_at_all_is_a_500():
    assert mailcow_error(None, "x")["status"] == 500


def test_mailcows_nothing_is_an_empty_list_and_an_empty_object():
    assert mailcow_items(answer({}, path="get/mailbox/all/x.org")) == []
    assert mailcow_object(answer({}, path="get/domain/x.org")) == {}


def test_one_object_and_a_list_are_lists_of_objects():
    one = {"username": "a@x.org"}
    assert mailcow_items(answer(one)) == [one]
    assert mailcow_items(answer([one, {}, "junk"])) == [one]
    assert mailcow_object(answer([one])) == one


def test_items_of_a_call_that_did_not_run_are_empty():
    assert mailcow_items({"skipped": True}) == []


@pytest.mark.parametrize(("value", "active"), [(1, True), ("1", True), (0, False), ("0", False), (None, False), ("x", False)])
def test_active_flags_are_read_whatever_their_json_type(value, active):
    assert mailcow_active(value) is active
