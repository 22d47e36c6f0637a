"""json_api.php's front (sandbox/mailcow/responses.py) without HTTP: query decoding, keys,
envelopes."""

from __future__ import annotations

import json

from sandbox.mailcow.models import MailcowBackend
from sandbox.mailcow.responses import ApiKeys, MailcowResponse, Request, php_query


def test_php_query_decodes_path_once_more_like_php():
    assert php_query("/api/v1/get/alias/a+b@x.org") == ("get/alias/a b@x.org", {"query": "get/alias/a b@x.org"})
    assert php_query("/api/v1/get/mailbox/u%40x.org")[0] == "get/mailbox/u@x.org"
    assert php_query("/api/v1/get/alias/a%26tags%3Dx")[1] == {"query": "get/alias/a", "tags": "x"}
    assert php_query("/api/v1/get/domain/all?tags=a,b")[1]["tags"] == "a,b"
    assert php_query("/api/v1//get//domain")[0] == "get/domain"


def test_api_keys_access_and_ip_acl():
    keys = ApiKeys(["RW-1"], ["RO-1"], ["10.0.0.0/8", "192.168.1.5"])
    assert (keys.access_for("RW-1"), keys.access_for("RO-1"), keys.access_for("X")) == ("rw", "ro", None)
    assert keys.ip_allowed("10.1.2.3") and keys.ip_allowed("192.168.1.5")
    assert not keys.ip_allowed("127.0.0.1")
    assert ApiKeys(["RW-1"]).ip_allowed("203.0.113.9")


def _api(allow_from=None):
    return MailcowResponse(MailcowBackend(), ApiKeys(["RW-1"], ["RO-1"], allow_from))


def _call(api, method, path, body=None, key="RW-1", client_ip="127.0.0.1"):
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["X-API-Key"] = key
    raw = json.dumps(body).encode() if body is not None else b""
    return api.dispatch(Request(method, path, headers, raw, client_ip))


def test_key_outside_allow_list_answers_401_with_client_ip():
    reply = _call(_api(["10.0.0.0/8"]), "GET", "/api/v1/get/domain/all", client_ip="127.0.0.1")
    assert reply.status == 401
    assert json.loads(reply.body) == {"type": "error", "msg": "api access denied for ip 127.0.0.1"}


def test_key_inside_allow_list_is_accepted():
    reply = _call(_api(["127.0.0.0/8"]), "GET", "/api/v1/get/domain/all")
    assert (reply.status, reply.body) == (200, b"{}")


def test_key_zero_counts_as_no_key():
    reply = _call(_api(), "GET", "/api/v1/get/domain/all", key="0")
    assert (reply.status, reply.body) == (200, b"")


def test_write_reply_lists_entries_compactly():
    api = _api()
    reply = _call(api, "POST", "/api/v1/add/domain", {"domain": "x.org", "key_size": 0})
    assert reply.body == (
        b'[{"type":"success","log":["mailbox","add","domain",{"domain":"x.org","key_size":0},null],'
        b'"msg":["domain_added","x.org"]}]'
    )
