"""Framework behaviour of the Mailcow emulator through HTTP: routing, keys, check order and
response envelopes (MAILCOW_API_NOTES.md §1-§3)."""

from __future__ import annotations

import requests

from tests.fixtures.mailcow import MailcowSandbox

AUTH_FAILED = {"type": "error", "msg": "authentication failed"}
RW_DENIED = {"type": "error", "msg": "API read/write access denied"}
ROUTE_NOT_FOUND = {"type": "error", "msg": "route not found"}
ONLY_POST = {"type": "error", "msg": "only POST method is allowed"}
ONLY_GET = {"type": "error", "msg": "only GET method is allowed"}
INVALID_JSON = {"type": "error", "msg": "Request body doesn't contain valid json!"}
NO_ATTRIBUTES = {"type": "error", "msg": "Cannot find attributes in post data"}


def _raw(mc: MailcowSandbox, method: str, path: str, key: str | None, data: bytes | str | None = None, content_type: str | None = "application/json", **headers):
    if key is not None:
        headers["X-API-Key"] = key
    if content_type is not None:
        headers["Content-Type"] = content_type
    return requests.request(method, f"{mc.api}/{path}", data=data, headers=headers, timeout=10)


# --- health, unknown paths ------------------------------------------------------------------


def test_healthz_answers_200(mailcow_clean):
    assert requests.get(f"{mailcow_clean.url}/healthz", timeout=5).status_code == 200


def test_path_outside_api_answers_nginx_404(mailcow_clean):
    response = requests.get(f"{mailcow_clean.url}/admin", timeout=5)
    assert response.status_code == 404
    assert "nginx" in response.text


def test_json_content_type_on_every_api_answer(mailcow_clean):
    assert mailcow_clean.get("get/domain/all").headers["Content-Type"] == "application/json"
    assert mailcow_clean.get("get/domain/all", key="WRONG").headers["Content-Type"] == "application/json"


# --- §2 authentication ------------------------------------------------------------------------


def test_get_with_unknown_key_answers_401(mailcow_clean):
    response = mailcow_clean.get("get/domain/all", key="NOT-THE-KEY")
    assert response.status_code == 401
    assert response.json() == AUTH_FAILED


def test_post_with_unknown_key_answers_401(mailcow_clean):
    response = mailcow_clean.post("add/domain", {"domain": "example.org"}, key="NOT-THE-KEY")
    assert response.status_code == 401
    assert response.json() == AUTH_FAILED
    assert mailcow_clean.state()["domains"] == []


def test_key_made_only_of_stripped_characters_answers_401(mailcow_clean):
    response = mailcow_clean.get("get/domain/all", key="!!!")
    assert response.status_code == 401
    assert response.json() == AUTH_FAILED


def test_key_with_extra_characters_is_accepted_after_stripping(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    response = mailcow_clean.get("get/domain/all", key=f"{mailcow_clean.key}!~")
    assert response.status_code == 200
    assert [d["domain_name"] for d in response.json()] == ["example.org"]


def test_get_without_key_answers_200_with_empty_body(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    response = mailcow_clean.get("get/domain/all", key=None)
    assert response.status_code == 200
    assert response.content == b""


def test_get_unknown_category_without_key_answers_200_with_empty_body(mailcow_clean):
    response = mailcow_clean.get("get/nonsense/all", key=None)
    assert response.status_code == 200
    assert response.content == b""


def test_edit_without_key_answers_403(mailcow_clean):
    response = mailcow_clean.post("edit/domain", {"items": ["example.org"], "attr": {"active": 0}}, key=None)
    assert response.status_code == 403
    assert response.json() == RW_DENIED


def test_delete_without_key_answers_403(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    response = mailcow_clean.post("delete/domain", ["example.org"], key=None)
    assert response.status_code == 403
    assert response.json() == RW_DENIED
    assert len(mailcow_clean.state()["domains"]) == 1


def test_add_domain_without_key_answers_200_access_denied(mailcow_clean):
    response = mailcow_clean.post("add/domain", {"domain": "example.org"}, key=None)
    assert response.status_code == 200
    assert response.json() == [
        {"type": "danger", "log": ["mailbox", "add", "domain", {"domain": "example.org"}, None], "msg": "access_denied"}
    ]
    assert mailcow_clean.state()["domains"] == []


def test_add_mailbox_without_key_answers_500_empty(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    body = {"local_part": "a", "domain": "example.org", "password": "secret123", "password2": "secret123"}
    response = mailcow_clean.post("add/mailbox", body, key=None)
    assert response.status_code == 500
    assert response.content == b""
    assert mailcow_clean.state()["mailboxes"] == []


def test_add_alias_without_key_answers_access_denied_per_address(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    response = mailcow_clean.post("add/alias", {"address": "a@example.org", "goto": "x@example.net", "active": 1}, key=None)
    assert response.status_code == 200
    assert [entry["msg"] for entry in response.json()] == ["access_denied"]


def test_read_only_key_can_read(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    response = mailcow_clean.get("get/domain/example.org", key=mailcow_clean.read_only_key)
    assert response.status_code == 200
    assert response.json()["domain_name"] == "example.org"


def test_read_only_key_on_add_answers_403(mailcow_clean):
    response = mailcow_clean.post("add/domain", {"domain": "example.org"}, key=mailcow_clean.read_only_key)
    assert response.status_code == 403
    assert response.json() == RW_DENIED
    assert mailcow_clean.state()["domains"] == []


def test_read_only_key_on_edit_answers_403(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    response = mailcow_clean.post(
        "edit/domain", {"items": ["example.org"], "attr": {"active": 0}}, key=mailcow_clean.read_only_key
    )
    assert response.status_code == 403
    assert response.json() == RW_DENIED
    assert mailcow_clean.state()["domains"][0]["active"] == 1


def test_read_only_key_on_delete_answers_403(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    response = mailcow_clean.post("delete/domain", ["example.org"], key=mailcow_clean.read_only_key)
    assert response.status_code == 403
    assert response.json() == RW_DENIED
    assert len(mailcow_clean.state()["domains"]) == 1


# --- §1 transport and routing -----------------------------------------------------------------


def test_unknown_action_answers_404(mailcow_clean):
    response = _raw(mailcow_clean, "POST", "create/domain", mailcow_clean.key, "{}")
    assert response.status_code == 404
    assert response.json() == ROUTE_NOT_FOUND


def test_unknown_category_on_get_answers_404(mailcow_clean):
    response = mailcow_clean.get("get/nonsense/all")
    assert response.status_code == 404
    assert response.json() == ROUTE_NOT_FOUND


def test_unknown_category_on_add_answers_404(mailcow_clean):
    response = mailcow_clean.post("add/nonsense", {"x": 1})
    assert response.status_code == 404
    assert response.json() == ROUTE_NOT_FOUND


def test_post_to_get_action_answers_405(mailcow_clean):
    response = mailcow_clean.post("get/domain/all", {})
    assert response.status_code == 405
    assert response.json() == ONLY_GET


def test_put_with_json_to_add_answers_405(mailcow_clean):
    response = _raw(mailcow_clean, "PUT", "add/domain", mailcow_clean.key, '{"domain": "example.org"}')
    assert response.status_code == 405
    assert response.json() == ONLY_POST
    assert mailcow_clean.state()["domains"] == []


def test_invalid_json_on_add_answers_400(mailcow_clean):
    response = _raw(mailcow_clean, "POST", "add/domain", mailcow_clean.key, '{"domain": ')
    assert response.status_code == 400
    assert response.json() == INVALID_JSON


def test_invalid_json_on_edit_answers_400(mailcow_clean):
    response = _raw(mailcow_clean, "POST", "edit/domain", mailcow_clean.key, "items=x")
    assert response.status_code == 400
    assert response.json() == INVALID_JSON


def test_empty_json_body_on_delete_answers_400(mailcow_clean):
    response = _raw(mailcow_clean, "POST", "delete/domain", mailcow_clean.key, "")
    assert response.status_code == 400
    assert response.json() == INVALID_JSON


def test_json_null_body_answers_400(mailcow_clean):
    response = _raw(mailcow_clean, "POST", "delete/domain", mailcow_clean.key, "null")
    assert response.status_code == 400
    assert response.json() == INVALID_JSON


def test_invalid_json_on_get_is_ignored(mailcow_clean):
    response = _raw(mailcow_clean, "GET", "get/domain/all", mailcow_clean.key, "{oops")
    assert response.status_code == 200
    assert response.json() == {}


def test_add_without_post_data_answers_200_cannot_find_attributes(mailcow_clean):
    response = _raw(mailcow_clean, "POST", "add/domain", mailcow_clean.key, None, content_type=None)
    assert response.status_code == 200
    assert response.json() == NO_ATTRIBUTES


def test_delete_without_items_answers_200_cannot_find_attributes(mailcow_clean):
    response = _raw(
        mailcow_clean, "POST", "delete/domain", mailcow_clean.key, "attr=%5B%5D", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert response.json() == NO_ATTRIBUTES


def test_form_encoded_attr_adds_domain(mailcow_clean):
    response = _raw(
        mailcow_clean,
        "POST",
        "add/domain",
        mailcow_clean.key,
        "attr=%7B%22domain%22%3A%22example.org%22%7D",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert response.json()[-1]["msg"] == ["domain_added", "example.org"]


def test_sec_fetch_dest_document_answers_403_empty(mailcow_clean):
    response = _raw(mailcow_clean, "GET", "get/domain/all", mailcow_clean.key, **{"Sec-Fetch-Dest": "document"})
    assert response.status_code == 403
    assert response.content == b""


def test_sec_fetch_dest_empty_is_allowed(mailcow_clean):
    response = _raw(mailcow_clean, "GET", "get/domain/all", mailcow_clean.key, **{"Sec-Fetch-Dest": "empty"})
    assert response.status_code == 200


def test_status_version_answers_version_object(mailcow_clean):
    response = mailcow_clean.get("get/status/version")
    assert response.status_code == 200
    assert set(response.json()) == {"version"}


def test_unimplemented_template_route_answers_404(mailcow_clean):
    response = mailcow_clean.get("get/domain/template/all")
    assert response.status_code == 404
    assert response.json() == ROUTE_NOT_FOUND


# --- §2 check order: auth -> JSON validity -> ro -> attr present -> method ---------------------


def test_check_order_auth_before_json_validity(mailcow_clean):
    response = _raw(mailcow_clean, "POST", "add/domain", "WRONG-KEY", "{broken")
    assert (response.status_code, response.json()) == (401, AUTH_FAILED)


def test_check_order_auth_before_route(mailcow_clean):
    response = _raw(mailcow_clean, "POST", "nonsense/x", "WRONG-KEY", "{}")
    assert (response.status_code, response.json()) == (401, AUTH_FAILED)


def test_check_order_json_validity_before_read_only(mailcow_clean):
    response = _raw(mailcow_clean, "POST", "add/domain", mailcow_clean.read_only_key, "{broken")
    assert (response.status_code, response.json()) == (400, INVALID_JSON)


def test_check_order_json_validity_before_route(mailcow_clean):
    response = _raw(mailcow_clean, "POST", "nonsense/x", mailcow_clean.key, "{broken")
    assert (response.status_code, response.json()) == (400, INVALID_JSON)


def test_check_order_read_only_before_attr_present(mailcow_clean):
    response = _raw(mailcow_clean, "POST", "add/domain", mailcow_clean.read_only_key, None, content_type=None)
    assert (response.status_code, response.json()) == (403, RW_DENIED)


def test_check_order_read_only_before_method(mailcow_clean):
    response = _raw(mailcow_clean, "PUT", "add/domain", mailcow_clean.read_only_key, '{"domain": "example.org"}')
    assert (response.status_code, response.json()) == (403, RW_DENIED)


def test_check_order_attr_present_before_method(mailcow_clean):
    response = _raw(mailcow_clean, "GET", "add/domain", mailcow_clean.key, None, content_type=None)
    assert (response.status_code, response.json()) == (200, NO_ATTRIBUTES)


def test_check_order_method_before_route(mailcow_clean):
    response = _raw(mailcow_clean, "PUT", "add/nonsense", mailcow_clean.key, "{}")
    assert (response.status_code, response.json()) == (405, ONLY_POST)


# --- §3 envelopes -------------------------------------------------------------------------------


def test_delete_empty_list_answers_task_completed_object(mailcow_clean):
    response = mailcow_clean.post("delete/alias", [])
    assert response.status_code == 200
    assert response.json() == {"type": "success", "msg": "Task completed"}


def test_edit_without_items_answers_task_completed_object(mailcow_clean):
    response = mailcow_clean.post("edit/domain", {"attr": {"active": 0}})
    assert response.json() == {"type": "success", "msg": "Task completed"}


def test_add_that_fails_without_entry_answers_cannot_add_item(mailcow_clean):
    # goto_null=2 passes the goto_empty check but is not "1": no goto is left, nothing is logged.
    response = mailcow_clean.post("add/alias", {"address": "a@example.org", "goto": "", "goto_null": 2})
    assert response.status_code == 200
    assert response.json() == {"type": "error", "msg": "Cannot add item"}


def test_write_answer_escapes_slashes_and_unicode(mailcow_clean):
    response = mailcow_clean.post("add/domain", {"domain": "example.org", "description": "a/b é"})
    assert '"description":"a\\/b \\u00e9"' in response.text


def test_get_answer_is_pretty_printed(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    text = mailcow_clean.get("get/domain/example.org").text
    assert text.startswith('{\n    "max_new_mailbox_quota": ')


def test_uncaught_php_error_answers_500_empty(mailcow_clean):
    response = mailcow_clean.post("add/domain", {})
    assert response.status_code == 500
    assert response.content == b""


def test_plus_in_path_reads_as_space(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    mailcow_clean.add_alias("a+b@example.org", "x@example.net")
    assert mailcow_clean.get("get/alias/a+b@example.org").json() == {}
    assert mailcow_clean.get("get/alias/a%2Bb@example.org").json() == {}


def test_other_status_objects_answer_200_empty(mailcow_clean):
    response = mailcow_clean.get("get/status/containers")
    assert (response.status_code, response.content) == (200, b"")


def test_delete_mailbox_items_object_instead_of_list_answers_access_denied(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    mailcow_clean.add_mailbox("u", "example.org", quota=1)
    body = mailcow_clean.post("delete/mailbox", {"items": ["u@example.org"]}).json()
    assert [entry["msg"] for entry in body] == ["access_denied"]
    assert len(mailcow_clean.state()["mailboxes"]) == 1


def test_csrf_token_is_dropped_from_attributes(mailcow_clean):
    body = mailcow_clean.post("add/domain", {"domain": "example.org", "csrf_token": "x", "key_size": 0}).json()
    assert body[0]["log"][3] == {"domain": "example.org", "key_size": 0}
