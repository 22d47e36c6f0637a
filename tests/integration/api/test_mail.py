"""Mail through the API: HTTP -> runner -> playbooks/mail_*.yml -> roles/tenant_mail -> the
sandbox Mailcow (and the sandbox Kubernetes API for the site record).

Every result is checked through other channels too: Mailcow's API with a client of its own
(`requests`, the fixture's key), the emulator's `/_sandbox/*` control plane (stored rows, the
password check, the request journal) and kubectl for the site record.
"""

from __future__ import annotations

import itertools
import json

import pytest

from tests.fixtures.service import PRODUCTION_MODULE, start_service

MIB = 1024 * 1024
OWNER_TAG = "tenant-provisioner:{slug}"
_sites = itertools.count(1)


@pytest.fixture(scope="module")
def service(tmp_path_factory, kube, mailcow, postgres):
    started = start_service(
        PRODUCTION_MODULE,
        tmp_path_factory.mktemp("mail-service"),
        kubeconfig=str(kube.kubeconfig),
        mailcow_url=mailcow.url,
        mailcow_api_key=mailcow.key,
        pg_admin_host=postgres.host,
        pg_admin_port=str(postgres.port),
        pg_admin_user=postgres.admin_user,
        pg_admin_password=postgres.admin_password,
        run_timeout="120",
    )
    yield started
    started.stop()


@pytest.fixture
def site(service, kube_env, mailcow_clean) -> str:
    """A new site (app<n>.example.com) and a Mailcow without domains."""
    response = service.request(
        "POST", "/sites", json={"domain": f"app{next(_sites)}.example.com", "cpu": 0.5, "ramGi": 1, "diskGi": 1}
    )
    assert response.status_code == 200, response.text
    return response.json()["slug"]


# --- helpers -----------------------------------------------------------------------------------
def _call(service, method, slug, path, body=None):
    kwargs = {} if body is None else {"json": body}
    return service.request(method, f"/sites/{slug}/mail{path}", **kwargs)


def _enable(service, slug, domain="example.com"):
    return _call(service, "POST", slug, "/enable", {"domain": domain})


def _ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False and body["error"] == code, body
    return body


def _mailbox(service, slug, local_part, password="Mailbox-Pass-1", quota=512):
    return _call(service, "POST", slug, "/mailboxes", {"localPart": local_part, "password": password, "quotaMb": quota})


def _alias(service, slug, source, destination="dest@example.net", **extra):
    return _call(service, "POST", slug, "/aliases", {"sourceLocalPart": source, "destination": destination, **extra})


def _domain_in_mailcow(mailcow, domain="example.com") -> dict:
    return mailcow.get(f"get/domain/{domain}").json()


def _mailboxes_in_mailcow(mailcow) -> dict[str, dict]:
    return {row["username"]: row for row in mailcow.state()["mailboxes"]}


def _aliases_in_mailcow(mailcow, domain="example.com") -> dict[str, dict]:
    answer = mailcow.get(f"get/alias/all/{domain}").json()
    return {row["address"]: row for row in (answer if isinstance(answer, list) else [])}


def _record(kubectl, slug) -> dict:
    """The mail annotations of the site record (the tenant Namespace)."""
    namespace = json.loads(kubectl("get", "namespace", f"tenant-{slug}", "-o", "json").stdout)
    annotations = namespace["metadata"].get("annotations") or {}
    return {key.rsplit("/", 1)[1]: value for key, value in annotations.items() if "/mail-" in key}


def _writes(mailcow) -> list[str]:
    return [entry["path"] for entry in mailcow.journal() if entry["method"] == "POST"]


# --- enable --------------------------------------------------------------------------------------
def test_enable_creates_the_mail_domain_active_and_tagged(service, site, mailcow_clean, kubectl):
    body = _ok(_enable(service, site))
    assert body == {"ok": True, "slug": site, "domain": "example.com", "mailEnabled": True, "provider": "mailcow"}

    domain = _domain_in_mailcow(mailcow_clean)
    assert domain["domain_name"] == "example.com" and domain["active"] == 1
    assert domain["tags"] == [OWNER_TAG.format(slug=site)]
    assert _record(kubectl, site) == {"mail-enabled": "true", "mail-domain": "example.com"}


def test_enable_the_same_domain_again_writes_nothing(service, site, mailcow_clean, kubectl):
    first = _ok(_enable(service, site))
    version = kubectl("get", "namespace", f"tenant-{site}", "-o", "jsonpath={.metadata.resourceVersion}").stdout
    before = len(_writes(mailcow_clean))

    assert _ok(_enable(service, site)) == first
    assert len(_writes(mailcow_clean)) == before
    assert kubectl("get", "namespace", f"tenant-{site}", "-o", "jsonpath={.metadata.resourceVersion}").stdout == version


def test_enable_stores_an_idn_mail_domain_as_punycode(service, site, mailcow_clean):
    body = _ok(_enable(service, site, "Bücher.Example"))
    assert body["domain"] == "xn--bcher-kva.example"
    assert _domain_in_mailcow(mailcow_clean, "xn--bcher-kva.example")["active"] == 1


def test_enable_another_domain_while_one_is_configured_answers_409(service, site, mailcow_clean):
    _ok(_enable(service, site))
    body = _error(_enable(service, site, "other.example"), 409, "conflict")
    assert "example.com" in body["message"] and "purge" in body["message"]

    _ok(_call(service, "POST", site, "/disable"))  # configured but off: still that domain
    _error(_enable(service, site, "other.example"), 409, "conflict")
    assert mailcow_clean.get("get/domain/other.example").json() == {}


def test_enable_a_domain_mailcow_has_for_someone_else_answers_409(service, site, mailcow_clean, kubectl):
    mailcow_clean.add_domain("example.com")
    body = _error(_enable(service, site), 409, "already_exists")
    assert "example.com already exists in Mailcow" in body["message"]
    assert _record(kubectl, site) == {}


def test_a_second_site_cannot_take_a_mail_domain(service, site, mailcow_clean):
    _ok(_enable(service, site))
    other = _ok(service.request("POST", "/sites", json={"domain": "second.example.org", "cpu": 1, "ramGi": 1, "diskGi": 1}))
    _error(_enable(service, other["slug"]), 409, "already_exists")
    assert _domain_in_mailcow(mailcow_clean)["tags"] == [OWNER_TAG.format(slug=site)]


def test_enable_finishes_what_an_interrupted_enable_left(service, site, mailcow_clean, kubectl):
    # The domain was created (with the site's tag) but the record never written.
    mailcow_clean.add_domain("example.com", tags=[OWNER_TAG.format(slug=site)], active=0)
    _ok(_enable(service, site))
    assert _domain_in_mailcow(mailcow_clean)["active"] == 1
    assert _record(kubectl, site)["mail-domain"] == "example.com"


@pytest.mark.parametrize("body", [{"domain": "not a domain"}, {"domain": "localhost"}, {"domain": 5}, {}, {"domain": "x.org", "y": 1}])
def test_enable_with_bad_input_answers_400_before_mailcow(service, site, mailcow_clean, body):
    _error(_call(service, "POST", site, "/enable", body), 400, "invalid_input")
    assert mailcow_clean.journal() == []


# --- disable, status --------------------------------------------------------------------------------
def test_disable_makes_the_domain_inactive_and_keeps_everything(service, site, mailcow_clean, kubectl):
    _ok(_enable(service, site))
    _ok(_mailbox(service, site, "hello"))
    _ok(_alias(service, site, "info"))

    body = _ok(_call(service, "POST", site, "/disable"))
    assert body == {"ok": True, "slug": site, "mailEnabled": False, "domain": "example.com", "provider": "mailcow"}
    assert _domain_in_mailcow(mailcow_clean)["active"] == 0
    assert set(_mailboxes_in_mailcow(mailcow_clean)) == {"hello@example.com"}
    assert set(_aliases_in_mailcow(mailcow_clean)) == {"info@example.com"}
    assert _record(kubectl, site) == {"mail-enabled": "false", "mail-domain": "example.com"}

    status = _ok(_call(service, "GET", site, "/status"))
    assert status == {"ok": True, "slug": site, "domain": "example.com", "mailEnabled": False, "activeInMailcow": False}
    assert _ok(_call(service, "POST", site, "/disable")) == body  # again: nothing to do


def test_enable_after_disable_keeps_the_mailboxes_and_aliases(service, site, mailcow_clean):
    _ok(_enable(service, site))
    _ok(_mailbox(service, site, "hello", password="Kept-Password-7"))
    _ok(_alias(service, site, "info"))
    _ok(_call(service, "POST", site, "/disable"))

    _ok(_enable(service, site))
    assert _domain_in_mailcow(mailcow_clean)["active"] == 1
    assert _ok(_call(service, "GET", site, "/mailboxes"))["mailboxes"] == ["hello@example.com"]
    assert _ok(_call(service, "GET", site, "/aliases"))["aliases"] == ["info@example.com"]
    assert mailcow_clean.check_password("hello@example.com", "Kept-Password-7")


def test_disable_without_mail_answers_200_with_no_domain(service, site, mailcow_clean):
    body = _ok(_call(service, "POST", site, "/disable"))
    assert body == {"ok": True, "slug": site, "mailEnabled": False, "domain": None, "provider": "mailcow"}
    assert _writes(mailcow_clean) == []


def test_status_reads_the_active_flag_from_mailcow(service, site, mailcow_clean):
    assert _ok(_call(service, "GET", site, "/status")) == {
        "ok": True, "slug": site, "domain": None, "mailEnabled": False, "activeInMailcow": False}
    _ok(_enable(service, site))
    assert _ok(_call(service, "GET", site, "/status"))["activeInMailcow"] is True

    # Someone switches the domain off in Mailcow itself: the record still says enabled.
    mailcow_clean.post("edit/domain", {"items": ["example.com"], "attr": {"active": 0}})
    status = _ok(_call(service, "GET", site, "/status"))
    assert (status["mailEnabled"], status["activeInMailcow"]) == (True, False)


# --- purge -------------------------------------------------------------------------------------
def test_purge_removes_mailboxes_aliases_and_the_domain(service, site, mailcow_clean, kubectl):
    _ok(_enable(service, site))
    _ok(_mailbox(service, site, "hello"))
    _ok(_mailbox(service, site, "team"))
    _ok(_alias(service, site, "info", destination="team@example.com"))
    _ok(_alias(service, site, "sales"))

    body = _ok(_call(service, "POST", site, "/purge", {"confirm": "DELETE"}))
    assert body == {"ok": True, "slug": site, "mailEnabled": False, "domain": "example.com", "purged": True,
                    "provider": "mailcow"}
    state = mailcow_clean.state()
    assert state["domains"] == [] and state["mailboxes"] == [] and state["aliases"] == []
    assert _record(kubectl, site) == {"mail-enabled": "false"}
    deletes = [path for path in _writes(mailcow_clean) if path.startswith("/api/v1/delete/")]
    assert deletes == ["/api/v1/delete/mailbox", "/api/v1/delete/alias", "/api/v1/delete/domain"]

    # Purged: another domain may be enabled now, and a second purge has nothing to do.
    assert _ok(_enable(service, site, "other.example"))["domain"] == "other.example"
    _ok(_call(service, "POST", site, "/purge", {"confirm": "DELETE"}))
    assert mailcow_clean.state()["domains"] == []


def test_purge_without_mail_answers_200(service, site, mailcow_clean):
    body = _ok(_call(service, "POST", site, "/purge", {"confirm": "DELETE"}))
    assert (body["domain"], body["purged"]) == (None, True)
    assert _writes(mailcow_clean) == []


def test_purge_leaves_domains_of_others_alone(service, site, mailcow_clean):
    mailcow_clean.add_domain("someone-else.example", tags=[OWNER_TAG.format(slug=site) + "-2"])
    mailcow_clean.add_mailbox("keep", "someone-else.example")
    _ok(_enable(service, site))
    _ok(_call(service, "POST", site, "/purge", {"confirm": "DELETE"}))
    assert [row["domain"] for row in mailcow_clean.state()["domains"]] == ["someone-else.example"]
    assert set(_mailboxes_in_mailcow(mailcow_clean)) == {"keep@someone-else.example"}


@pytest.mark.parametrize("body", [{"confirm": "delete"}, {"confirm": "yes"}, {}, {"confirm": True}])
def test_purge_needs_confirm_delete(service, site, mailcow_clean, body):
    _ok(_enable(service, site))
    _error(_call(service, "POST", site, "/purge", body), 400, "invalid_input")
    assert _domain_in_mailcow(mailcow_clean)["active"] == 1


def test_site_purge_removes_the_mail_domain_with_everything_in_it(service, site, mailcow_clean):
    _ok(_enable(service, site))
    _ok(_mailbox(service, site, "hello"))
    _ok(_alias(service, site, "info"))
    _ok(service.request("POST", f"/sites/{site}/purge", json={"confirm": "DELETE"}))
    state = mailcow_clean.state()
    assert state["domains"] == [] and state["mailboxes"] == [] and state["aliases"] == []
    _error(_call(service, "GET", site, "/status"), 404, "site_not_found")


def test_site_purge_also_removes_a_domain_an_interrupted_enable_left(service, site, mailcow_clean):
    # Mailcow made the domain (with the site's tag), the record was never written.
    mailcow_clean.add_domain("example.com", tags=[OWNER_TAG.format(slug=site)])
    mailcow_clean.add_domain("example.org", tags=[OWNER_TAG.format(slug=site) + "-2"])
    _ok(service.request("POST", f"/sites/{site}/purge", json={"confirm": "DELETE"}))
    assert [row["domain"] for row in mailcow_clean.state()["domains"]] == ["example.org"]


# --- mailboxes ---------------------------------------------------------------------------------
def test_mailbox_create_adds_it_with_quota_and_password(service, site, mailcow_clean):
    _ok(_enable(service, site))
    body = _ok(_mailbox(service, site, "Hello", password="Exact-Password-42", quota=512))
    assert body == {"ok": True, "slug": site, "address": "hello@example.com"}

    mailbox = mailcow_clean.get("get/mailbox/hello@example.com").json()
    assert mailbox["quota"] == 512 * MIB and mailbox["active"] == 1 and mailbox["domain"] == "example.com"
    assert mailcow_clean.check_password("hello@example.com", "Exact-Password-42")
    assert not mailcow_clean.check_password("hello@example.com", "exact-password-42")

    _ok(_mailbox(service, site, "abba", quota=1))
    listed = _ok(_call(service, "GET", site, "/mailboxes"))
    assert listed == {"ok": True, "slug": site, "domain": "example.com",
                      "mailboxes": ["abba@example.com", "hello@example.com"]}


def test_mailbox_create_of_an_existing_mailbox_answers_409(service, site, mailcow_clean):
    _ok(_enable(service, site))
    _ok(_mailbox(service, site, "hello", password="First-Password-1"))
    body = _error(_mailbox(service, site, "hello", password="Second-Password-2"), 409, "already_exists")
    assert "hello@example.com" in body["message"]
    assert mailcow_clean.check_password("hello@example.com", "First-Password-1")


def test_mailbox_create_with_an_aliases_address_answers_409(service, site, mailcow_clean):
    _ok(_enable(service, site))
    _ok(_alias(service, site, "info"))
    body = _error(_mailbox(service, site, "info"), 409, "already_exists")
    assert "info@example.com is already an alias" in body["message"]


def test_mailbox_create_beyond_the_domain_quota_answers_409(service, site, mailcow_clean):
    _ok(_enable(service, site))  # the domain gets 10240 MiB in all
    _ok(_mailbox(service, site, "big", quota=8000))
    body = _error(_mailbox(service, site, "bigger", quota=4000), 409, "conflict")
    assert "2240 MiB of quota left" in body["message"]


def test_mailbox_create_refused_by_mailcows_password_policy_answers_400(service, site, mailcow_clean):
    _ok(_enable(service, site))
    mailcow_clean.post("edit/passwordpolicy", {"attr": {"length": 20}})
    body = _error(_mailbox(service, site, "hello", password="Twelve-chars"), 400, "invalid_input")
    assert "password policy" in body["message"]
    assert "Twelve-chars" not in json.dumps(body)


@pytest.mark.parametrize(
    ("field", "value"),
    [("localPart", "a+b"), ("localPart", ""), ("localPart", "with space"), ("localPart", "ä"), ("quotaMb", 0),
     ("quotaMb", 10241), ("quotaMb", "512"), ("password", ""), ("password", "short"), ("password", "{SSHA256}abcdef12"),
     ("password", "line\nbreak-123")],
)
def test_mailbox_create_with_bad_input_answers_400_before_mailcow(service, site, mailcow_clean, field, value):
    _ok(_enable(service, site))
    before = len(mailcow_clean.journal())
    body = {"localPart": "hello", "password": "Mailbox-Pass-1", "quotaMb": 512, field: value}
    error = _error(_call(service, "POST", site, "/mailboxes", body), 400, "invalid_input")
    assert [item["field"] for item in error["details"]] == [field]
    assert len(mailcow_clean.journal()) == before


def test_mailbox_delete_removes_it(service, site, mailcow_clean):
    _ok(_enable(service, site))
    _ok(_mailbox(service, site, "hello"))
    _ok(_mailbox(service, site, "team"))
    body = _ok(_call(service, "DELETE", site, "/mailboxes/Hello@Example.com"))
    assert body == {"ok": True, "slug": site, "address": "hello@example.com"}
    assert set(_mailboxes_in_mailcow(mailcow_clean)) == {"team@example.com"}

    # A client that percent-encodes the @ is understood too.
    _ok(_call(service, "DELETE", site, "/mailboxes/team%40example.com"))
    assert _mailboxes_in_mailcow(mailcow_clean) == {}


def test_mailbox_delete_of_an_unknown_mailbox_answers_404(service, site, mailcow_clean):
    _ok(_enable(service, site))
    body = _error(_call(service, "DELETE", site, "/mailboxes/nobody@example.com"), 404, "mailbox_not_found")
    assert "nobody@example.com" in body["message"]


def test_mailbox_delete_outside_the_mail_domain_answers_400(service, site, mailcow_clean):
    _ok(_enable(service, site))
    mailcow_clean.add_domain("other.example")
    mailcow_clean.add_mailbox("victim", "other.example")
    error = _error(_call(service, "DELETE", site, "/mailboxes/victim@other.example"), 400, "invalid_input")
    assert error["details"][0]["field"] == "address"
    assert "victim@other.example" in _mailboxes_in_mailcow(mailcow_clean)


@pytest.mark.parametrize("address", ["hello", "hello@", "a+b@example.com", "hello@localhost", "%40example.com"])
def test_mailbox_delete_of_a_malformed_address_answers_400_before_mailcow(service, site, mailcow_clean, address):
    _ok(_enable(service, site))
    before = len(mailcow_clean.journal())
    error = _error(_call(service, "DELETE", site, f"/mailboxes/{address}"), 400, "invalid_input")
    assert error["details"][0]["field"] == "address"
    assert len(mailcow_clean.journal()) == before


# --- aliases -----------------------------------------------------------------------------------
def test_alias_create_adds_it_with_its_destination(service, site, mailcow_clean):
    _ok(_enable(service, site))
    body = _ok(_alias(service, site, "Info", destination="Dest.Person+tag@Example.NET"))
    assert body == {"ok": True, "slug": site, "source": "info@example.com"}
    alias = _aliases_in_mailcow(mailcow_clean)["info@example.com"]
    assert alias["goto"] == "Dest.Person+tag@example.net"
    assert (alias["active"], alias["sender_allowed"], alias["sogo_visible"]) == (1, 1, 1)

    _ok(_alias(service, site, "paused", active=False))
    assert _aliases_in_mailcow(mailcow_clean)["paused@example.com"]["active"] == 0
    listed = _ok(_call(service, "GET", site, "/aliases"))
    assert listed == {"ok": True, "slug": site, "domain": "example.com", "aliases": ["info@example.com", "paused@example.com"]}


def test_alias_create_of_a_taken_address_answers_409(service, site, mailcow_clean):
    _ok(_enable(service, site))
    _ok(_alias(service, site, "info"))
    _error(_alias(service, site, "info", destination="other@example.net"), 409, "already_exists")
    assert _aliases_in_mailcow(mailcow_clean)["info@example.com"]["goto"] == "dest@example.net"

    _ok(_mailbox(service, site, "hello"))
    body = _error(_alias(service, site, "hello"), 409, "already_exists")
    assert "hello@example.com is already an alias or a mailbox" in body["message"]


def test_alias_create_to_itself_answers_400(service, site, mailcow_clean):
    _ok(_enable(service, site))
    error = _error(_alias(service, site, "loop", destination="loop@example.com"), 400, "invalid_input")
    assert error["details"][0]["field"] == "destination"


@pytest.mark.parametrize(
    ("field", "value"),
    [("destination", "not-an-address"), ("destination", "a@b@example.net"), ("destination", "a,b@example.net"),
     ("destination", "x@example.net,y@example.net"), ("destination", ""), ("sourceLocalPart", "in fo"),
     ("active", "yes")],
)
def test_alias_create_with_bad_input_answers_400_before_mailcow(service, site, mailcow_clean, field, value):
    _ok(_enable(service, site))
    before = len(mailcow_clean.journal())
    body = {"sourceLocalPart": "info", "destination": "dest@example.net", field: value}
    error = _error(_call(service, "POST", site, "/aliases", body), 400, "invalid_input")
    assert [item["field"] for item in error["details"]] == [field]
    assert len(mailcow_clean.journal()) == before


def test_alias_delete_finds_the_alias_by_its_address(service, site, mailcow_clean):
    _ok(_enable(service, site))
    _ok(_alias(service, site, "info"))
    _ok(_alias(service, site, "sales"))
    body = _ok(_call(service, "DELETE", site, "/aliases/info@example.com"))
    assert body == {"ok": True, "slug": site, "source": "info@example.com"}
    assert set(_aliases_in_mailcow(mailcow_clean)) == {"sales@example.com"}
    deleted = [entry for entry in mailcow_clean.journal() if entry["path"] == "/api/v1/delete/alias"]
    assert len(deleted) == 1 and all(isinstance(item, int) for item in deleted[0]["body"])


def test_alias_delete_of_an_unknown_alias_answers_404(service, site, mailcow_clean):
    _ok(_enable(service, site))
    _error(_call(service, "DELETE", site, "/aliases/nobody@example.com"), 404, "alias_not_found")


def test_alias_delete_outside_the_mail_domain_answers_400(service, site, mailcow_clean):
    _ok(_enable(service, site))
    mailcow_clean.add_domain("other.example")
    mailcow_clean.add_alias("info@other.example", "dest@example.net")
    error = _error(_call(service, "DELETE", site, "/aliases/info@other.example"), 400, "invalid_input")
    assert error["details"][0]["field"] == "source"
    assert set(_aliases_in_mailcow(mailcow_clean, "other.example")) == {"info@other.example"}


# --- mail off, unknown sites -----------------------------------------------------------------------
_FEATURE_CALLS = [
    ("GET", "/mailboxes", None),
    ("POST", "/mailboxes", {"localPart": "hello", "password": "Mailbox-Pass-1", "quotaMb": 512}),
    ("DELETE", "/mailboxes/hello@example.com", None),
    ("GET", "/aliases", None),
    ("POST", "/aliases", {"sourceLocalPart": "info", "destination": "dest@example.net"}),
    ("DELETE", "/aliases/info@example.com", None),
]


@pytest.mark.parametrize(("method", "path", "body"), _FEATURE_CALLS)
def test_mailbox_and_alias_operations_answer_409_while_mail_is_off(service, site, mailcow_clean, method, path, body):
    _error(_call(service, method, site, path, body), 409, "feature_disabled")  # never enabled
    _ok(_enable(service, site))
    _ok(_call(service, "POST", site, "/disable"))
    before = len(mailcow_clean.journal())
    _error(_call(service, method, site, path, body), 409, "feature_disabled")  # disabled
    assert len(mailcow_clean.journal()) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/enable", {"domain": "example.com"}), ("POST", "/disable", None),
     ("POST", "/purge", {"confirm": "DELETE"}), ("GET", "/status", None), *_FEATURE_CALLS],
)
def test_every_mail_endpoint_answers_404_for_an_unknown_site(service, mailcow_clean, method, path, body):
    _error(_call(service, method, "no-such-site-example-com", path, body), 404, "site_not_found")
    assert mailcow_clean.journal() == []


def test_mail_of_a_soft_deleted_site_answers_404(service, site, mailcow_clean):
    _ok(_enable(service, site))
    _ok(service.request("DELETE", f"/sites/{site}"))
    _error(_call(service, "GET", site, "/status"), 404, "site_not_found")
    _error(_mailbox(service, site, "hello"), 404, "site_not_found")
    assert _domain_in_mailcow(mailcow_clean)["active"] == 1  # kept for recovery


def test_the_openapi_document_lists_the_mail_endpoints(service):
    paths = _ok(service.request("GET", "/openapi.json"))["paths"]
    mail = {path: sorted(ops) for path, ops in paths.items() if "/mail" in path}
    assert mail == {
        "/sites/{slug}/mail/enable": ["post"],
        "/sites/{slug}/mail/disable": ["post"],
        "/sites/{slug}/mail/purge": ["post"],
        "/sites/{slug}/mail/status": ["get"],
        "/sites/{slug}/mail/mailboxes": ["get", "post"],
        "/sites/{slug}/mail/mailboxes/{address}": ["delete"],
        "/sites/{slug}/mail/aliases": ["get", "post"],
        "/sites/{slug}/mail/aliases/{source}": ["delete"],
    }
