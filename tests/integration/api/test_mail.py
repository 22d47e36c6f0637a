"""Mail through the API: HTTP -> runner -> playbooks/mail_*.yml -> roles/tenant_mail -> the
sandbox Mailcow (and the sandbox Kubernetes API for the site record).

Every result is checked through other channels too: Mailcow's API with a client of its own
(`requests`, the fixture's key), the emulator's `/_sandbox/*` control plane (stored rows, the
password check, the request journal), kubectl for the site record and the service's log (one
`run playbook=` line per playbook run).

Each playbook run costs seconds, so the checks are grouped into scenarios that walk a life
cycle, and sites are never recreated for checks that do not need a new one:

* The cluster is reset once for this module; no test here resets it again, so every site lives
  until the module ends. Each scenario makes its own site (own domain) and starts from a clean
  Mailcow (`mailcow_clean`).
* Answers given before any playbook runs (400s of input validation) share one site with mail on
  and assert that no playbook ran and Mailcow saw no request.
* The 409s while mail is off share a site whose mail was never enabled and one whose mail is
  disabled: those answers come from the site record, and the tests assert Mailcow saw nothing.
"""

from __future__ import annotations

import itertools
import json
import subprocess
from collections.abc import Callable

import pytest

from tests.fixtures.kube import client_env, kubectl_runner
from tests.fixtures.stack import start_stack

MIB = 1024 * 1024
OWNER_TAG = "tenant-provisioner:{slug}"
CHECKS_MAIL_DOMAIN = "checks.example"  # the mail domain of the site the 400 checks share
_sites = itertools.count(1)


@pytest.fixture(scope="module")
def service(tmp_path_factory, kube, mailcow, postgres):
    kube.reset()  # once: sites of earlier modules are gone; no test of this module resets the cluster
    started = start_stack(tmp_path_factory.mktemp("mail-service"), kube, postgres, mailcow, run_timeout="120")
    yield started
    started.stop()


@pytest.fixture(scope="module")
def kubectl(kube, tmp_path_factory) -> Callable[..., subprocess.CompletedProcess]:
    """`kubectl(*args)` against the sandbox, WITHOUT the cluster reset of the shared `kubectl`
    fixture (that one goes through `kube_env`): the sites of this module live for the whole module."""
    return kubectl_runner(client_env(kube, tmp_path_factory.mktemp("mail-kubectl")))


def _new_site(service) -> str:
    """POST /sites for a new site app<n>.example.com (one playbook run); its slug."""
    response = service.request(
        "POST", "/sites", json={"domain": f"app{next(_sites)}.example.com", "cpu": 0.5, "ramGi": 1, "diskGi": 1}
    )
    assert response.status_code == 200, response.text
    return response.json()["slug"]


@pytest.fixture
def site(service, mailcow_clean) -> str:
    """A new site of this test alone, and a Mailcow without domains."""
    return _new_site(service)


@pytest.fixture(scope="module")
def checks_site(service) -> str:
    """The site the 400 checks share (made once)."""
    return _new_site(service)


@pytest.fixture
def site_with_mail_on(service, checks_site, mailcow) -> str:
    """`checks_site` with mail on for CHECKS_MAIL_DOMAIN, its domain active in Mailcow.

    Enabled on first use, and again (one run) when a Mailcow reset of an earlier test removed the
    domain; Mailcow is not reset here, so the checks compare its journal before and after.
    """
    domain = _domain_in_mailcow(mailcow, CHECKS_MAIL_DOMAIN)
    if domain.get("active") != 1 or domain.get("tags") != [OWNER_TAG.format(slug=checks_site)]:
        _ok(_enable(service, checks_site, CHECKS_MAIL_DOMAIN))
        assert _domain_in_mailcow(mailcow, CHECKS_MAIL_DOMAIN)["active"] == 1
    return checks_site


@pytest.fixture(scope="module")
def site_mail_never_enabled(service) -> str:
    """A site whose mail was never enabled (made once; the tests using it only get 409s)."""
    return _new_site(service)


@pytest.fixture(scope="module")
def site_mail_disabled(service, mailcow) -> str:
    """A site whose mail was enabled (disabled.example) and then disabled (made once).

    Its 409s come from the site record: they hold even when a later Mailcow reset removed the domain.
    """
    slug = _new_site(service)
    _ok(_enable(service, slug, "disabled.example"))
    assert _ok(_call(service, "POST", slug, "/disable"))["mailEnabled"] is False
    return slug


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


def _seen(service, mailcow) -> tuple[int, int]:
    """(playbook runs, Mailcow requests) so far: unchanged when an answer came before any run."""
    return service.playbook_runs(), len(mailcow.journal())


# --- enable, disable, status: life cycles ------------------------------------------------------------
def test_enable_disable_enable_keep_the_domain_mailboxes_and_aliases_until_a_soft_delete(
    service, site, mailcow_clean, kubectl
):
    mailcow = mailcow_clean
    # Enable creates the mail domain, active and tagged with the site; the record notes it.
    first = _ok(_enable(service, site))
    assert first == {"ok": True, "slug": site, "domain": "example.com", "mailEnabled": True, "provider": "mailcow"}
    domain = _domain_in_mailcow(mailcow)
    assert domain["domain_name"] == "example.com" and domain["active"] == 1
    assert domain["tags"] == [OWNER_TAG.format(slug=site)]
    assert _record(kubectl, site) == {"mail-enabled": "true", "mail-domain": "example.com"}

    # The same domain again writes nothing, neither in Mailcow nor in the record.
    version = kubectl("get", "namespace", f"tenant-{site}", "-o", "jsonpath={.metadata.resourceVersion}").stdout
    before = len(_writes(mailcow))
    assert _ok(_enable(service, site)) == first
    assert len(_writes(mailcow)) == before
    assert kubectl("get", "namespace", f"tenant-{site}", "-o", "jsonpath={.metadata.resourceVersion}").stdout == version

    # Another domain while one is configured: 409, purge first.
    body = _error(_enable(service, site, "other.example"), 409, "conflict")
    assert "example.com" in body["message"] and "purge" in body["message"]

    # Disable makes the domain inactive and keeps everything in it.
    _ok(_mailbox(service, site, "hello", password="Kept-Password-7"))
    _ok(_alias(service, site, "info"))
    body = _ok(_call(service, "POST", site, "/disable"))
    assert body == {"ok": True, "slug": site, "mailEnabled": False, "domain": "example.com", "provider": "mailcow"}
    assert _domain_in_mailcow(mailcow)["active"] == 0
    assert set(_mailboxes_in_mailcow(mailcow)) == {"hello@example.com"}
    assert set(_aliases_in_mailcow(mailcow)) == {"info@example.com"}
    assert _record(kubectl, site) == {"mail-enabled": "false", "mail-domain": "example.com"}
    status = _ok(_call(service, "GET", site, "/status"))
    assert status == {"ok": True, "slug": site, "domain": "example.com", "mailEnabled": False, "activeInMailcow": False}
    assert _ok(_call(service, "POST", site, "/disable")) == body  # again: nothing to do

    # Configured but off: still that domain, another one is refused.
    _error(_enable(service, site, "other.example"), 409, "conflict")
    assert mailcow.get("get/domain/other.example").json() == {}

    # Enable after disable: the domain is active again with its mailboxes (password kept) and aliases.
    _ok(_enable(service, site))
    assert _domain_in_mailcow(mailcow)["active"] == 1
    assert _ok(_call(service, "GET", site, "/mailboxes"))["mailboxes"] == ["hello@example.com"]
    assert _ok(_call(service, "GET", site, "/aliases"))["aliases"] == ["info@example.com"]
    assert mailcow.check_password("hello@example.com", "Kept-Password-7")

    # A soft-deleted site: its mail answers 404, the domain is kept (for recovery).
    _ok(service.request("DELETE", f"/sites/{site}"))
    _error(_call(service, "GET", site, "/status"), 404, "site_not_found")
    _error(_mailbox(service, site, "hello2"), 404, "site_not_found")
    assert _domain_in_mailcow(mailcow)["active"] == 1


def test_enable_takes_a_free_domain_or_one_tagged_for_the_site_and_refuses_others(service, site, mailcow_clean, kubectl):
    mailcow = mailcow_clean
    # An interrupted enable left the domain (with the site's tag) but never wrote the record:
    # enable finishes it.
    mailcow.add_domain("example.com", tags=[OWNER_TAG.format(slug=site)], active=0)
    _ok(_enable(service, site))
    assert _domain_in_mailcow(mailcow)["active"] == 1
    assert _record(kubectl, site)["mail-domain"] == "example.com"

    # A second site cannot take that mail domain.
    other = _new_site(service)
    _error(_enable(service, other), 409, "already_exists")
    assert _domain_in_mailcow(mailcow)["tags"] == [OWNER_TAG.format(slug=site)]

    # Nor a domain Mailcow has for someone else (no tag of the site); its record stays without mail.
    mailcow.add_domain("foreign.example")
    body = _error(_enable(service, other, "foreign.example"), 409, "already_exists")
    assert "foreign.example already exists in Mailcow" in body["message"]
    assert _record(kubectl, other) == {}

    # A free domain is taken; an IDN mail domain is stored as punycode.
    body = _ok(_enable(service, other, "Bücher.Example"))
    assert body["domain"] == "xn--bcher-kva.example"
    assert _domain_in_mailcow(mailcow, "xn--bcher-kva.example")["active"] == 1


def test_without_mail_status_disable_and_purge_answer_200_and_status_reads_the_active_flag_from_mailcow(
    service, site, mailcow_clean
):
    mailcow = mailcow_clean
    assert _ok(_call(service, "GET", site, "/status")) == {
        "ok": True, "slug": site, "domain": None, "mailEnabled": False, "activeInMailcow": False}
    body = _ok(_call(service, "POST", site, "/disable"))
    assert body == {"ok": True, "slug": site, "mailEnabled": False, "domain": None, "provider": "mailcow"}
    body = _ok(_call(service, "POST", site, "/purge", {"confirm": "DELETE"}))
    assert (body["domain"], body["purged"]) == (None, True)
    assert _writes(mailcow) == []

    _ok(_enable(service, site))
    assert _ok(_call(service, "GET", site, "/status"))["activeInMailcow"] is True

    # Someone switches the domain off in Mailcow itself: the record still says enabled.
    mailcow.post("edit/domain", {"items": ["example.com"], "attr": {"active": 0}})
    status = _ok(_call(service, "GET", site, "/status"))
    assert (status["mailEnabled"], status["activeInMailcow"]) == (True, False)


# --- purge -------------------------------------------------------------------------------------
def test_purge_removes_mailboxes_aliases_and_the_domain_and_leaves_domains_of_others_alone(
    service, site, mailcow_clean, kubectl
):
    mailcow = mailcow_clean
    # Someone else's domain, tagged with a tag that merely starts like the site's.
    mailcow.add_domain("someone-else.example", tags=[OWNER_TAG.format(slug=site) + "-2"])
    mailcow.add_mailbox("keep", "someone-else.example")
    _ok(_enable(service, site))
    _ok(_mailbox(service, site, "hello"))
    _ok(_mailbox(service, site, "team"))
    _ok(_alias(service, site, "info", destination="team@example.com"))
    _ok(_alias(service, site, "sales"))

    body = _ok(_call(service, "POST", site, "/purge", {"confirm": "DELETE"}))
    assert body == {"ok": True, "slug": site, "mailEnabled": False, "domain": "example.com", "purged": True,
                    "provider": "mailcow"}
    state = mailcow.state()
    assert [row["domain"] for row in state["domains"]] == ["someone-else.example"]
    assert set(_mailboxes_in_mailcow(mailcow)) == {"keep@someone-else.example"}
    # Mailcow keeps an alias row for each mailbox (address = goto): only the kept mailbox's is left.
    assert [row["address"] for row in state["aliases"]] == ["keep@someone-else.example"]
    assert _record(kubectl, site) == {"mail-enabled": "false"}
    deletes = [path for path in _writes(mailcow) if path.startswith("/api/v1/delete/")]
    assert deletes == ["/api/v1/delete/mailbox", "/api/v1/delete/alias", "/api/v1/delete/domain"]

    # Purged: another domain may be enabled now, and a second purge has nothing to do.
    assert _ok(_enable(service, site, "other.example"))["domain"] == "other.example"
    _ok(_call(service, "POST", site, "/purge", {"confirm": "DELETE"}))
    assert [row["domain"] for row in mailcow.state()["domains"]] == ["someone-else.example"]


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
def test_mailboxes_are_created_listed_and_deleted_in_the_mail_domain_with_quota_password_and_conflicts(
    service, site, mailcow_clean
):
    mailcow = mailcow_clean
    _ok(_enable(service, site))  # the domain gets 10240 MiB in all

    # Beyond the domain's quota: 409 naming what is left.
    _ok(_mailbox(service, site, "big", quota=8000))
    body = _error(_mailbox(service, site, "bigger", quota=4000), 409, "conflict")
    assert "2240 MiB of quota left" in body["message"]

    # Create: lowercase address, the quota, exactly that password; the list is sorted.
    body = _ok(_mailbox(service, site, "Hello", password="Exact-Password-42", quota=512))
    assert body == {"ok": True, "slug": site, "address": "hello@example.com"}
    mailbox = mailcow.get("get/mailbox/hello@example.com").json()
    assert mailbox["quota"] == 512 * MIB and mailbox["active"] == 1 and mailbox["domain"] == "example.com"
    assert mailcow.check_password("hello@example.com", "Exact-Password-42")
    assert not mailcow.check_password("hello@example.com", "exact-password-42")
    _ok(_mailbox(service, site, "abba", quota=1))
    listed = _ok(_call(service, "GET", site, "/mailboxes"))
    assert listed == {"ok": True, "slug": site, "domain": "example.com",
                      "mailboxes": ["abba@example.com", "big@example.com", "hello@example.com"]}

    # An existing mailbox: 409, its password unchanged.
    body = _error(_mailbox(service, site, "hello", password="Second-Password-2"), 409, "already_exists")
    assert "hello@example.com" in body["message"]
    assert mailcow.check_password("hello@example.com", "Exact-Password-42")

    # An alias's address: 409.
    _ok(_alias(service, site, "info"))
    body = _error(_mailbox(service, site, "info"), 409, "already_exists")
    assert "info@example.com is already an alias" in body["message"]

    # Delete by address (any case), also with a percent-encoded @.
    body = _ok(_call(service, "DELETE", site, "/mailboxes/Hello@Example.com"))
    assert body == {"ok": True, "slug": site, "address": "hello@example.com"}
    assert set(_mailboxes_in_mailcow(mailcow)) == {"abba@example.com", "big@example.com"}
    _ok(_call(service, "DELETE", site, "/mailboxes/abba%40example.com"))
    assert set(_mailboxes_in_mailcow(mailcow)) == {"big@example.com"}

    # Delete an unknown mailbox: 404.
    body = _error(_call(service, "DELETE", site, "/mailboxes/nobody@example.com"), 404, "mailbox_not_found")
    assert "nobody@example.com" in body["message"]

    # Delete outside the mail domain: 400, the other domain's mailbox stays.
    mailcow.add_domain("other.example")
    mailcow.add_mailbox("victim", "other.example")
    error = _error(_call(service, "DELETE", site, "/mailboxes/victim@other.example"), 400, "invalid_input")
    assert error["details"][0]["field"] == "address"
    assert "victim@other.example" in _mailboxes_in_mailcow(mailcow)

    # Refused by Mailcow's password policy: 400, and the password is in no answer.
    mailcow.post("edit/passwordpolicy", {"attr": {"length": 20}})
    body = _error(_mailbox(service, site, "policy", password="Twelve-chars"), 400, "invalid_input")
    assert "password policy" in body["message"]
    assert "Twelve-chars" not in json.dumps(body)


# --- aliases -----------------------------------------------------------------------------------
def test_aliases_are_created_listed_and_deleted_in_the_mail_domain_with_their_conflicts(service, site, mailcow_clean):
    mailcow = mailcow_clean
    _ok(_enable(service, site))

    # Create: lowercase source, the destination's domain lowercased, active, sender allowed, visible.
    body = _ok(_alias(service, site, "Info", destination="Dest.Person+tag@Example.NET"))
    assert body == {"ok": True, "slug": site, "source": "info@example.com"}
    alias = _aliases_in_mailcow(mailcow)["info@example.com"]
    assert alias["goto"] == "Dest.Person+tag@example.net"
    assert (alias["active"], alias["sender_allowed"], alias["sogo_visible"]) == (1, 1, 1)
    _ok(_alias(service, site, "paused", active=False))
    assert _aliases_in_mailcow(mailcow)["paused@example.com"]["active"] == 0
    listed = _ok(_call(service, "GET", site, "/aliases"))
    assert listed == {"ok": True, "slug": site, "domain": "example.com", "aliases": ["info@example.com", "paused@example.com"]}

    # A taken address (an alias or a mailbox): 409, the alias unchanged.
    _error(_alias(service, site, "info", destination="other@example.net"), 409, "already_exists")
    assert _aliases_in_mailcow(mailcow)["info@example.com"]["goto"] == "Dest.Person+tag@example.net"
    _ok(_mailbox(service, site, "hello"))
    body = _error(_alias(service, site, "hello"), 409, "already_exists")
    assert "hello@example.com is already an alias or a mailbox" in body["message"]

    # To itself: 400.
    error = _error(_alias(service, site, "loop", destination="loop@example.com"), 400, "invalid_input")
    assert error["details"][0]["field"] == "destination"

    # Delete finds the alias by its address (Mailcow deletes by id).
    body = _ok(_call(service, "DELETE", site, "/aliases/info@example.com"))
    assert body == {"ok": True, "slug": site, "source": "info@example.com"}
    assert set(_aliases_in_mailcow(mailcow)) == {"paused@example.com"}
    deleted = [entry for entry in mailcow.journal() if entry["path"] == "/api/v1/delete/alias"]
    assert len(deleted) == 1 and all(isinstance(item, int) for item in deleted[0]["body"])

    # Delete an unknown alias: 404.
    _error(_call(service, "DELETE", site, "/aliases/nobody@example.com"), 404, "alias_not_found")

    # Delete outside the mail domain: 400, the other domain's alias stays.
    mailcow.add_domain("other.example")
    mailcow.add_alias("info@other.example", "dest@example.net")
    error = _error(_call(service, "DELETE", site, "/aliases/info@other.example"), 400, "invalid_input")
    assert error["details"][0]["field"] == "source"
    assert set(_aliases_in_mailcow(mailcow, "other.example")) == {"info@other.example"}


# --- 400 before any playbook run (one shared site with mail on) ---------------------------------------
@pytest.mark.parametrize("body", [{"domain": "not a domain"}, {"domain": "localhost"}, {"domain": 5}, {}, {"domain": "x.org", "y": 1}])
def test_enable_with_bad_input_answers_400_before_mailcow(service, site_with_mail_on, mailcow, body):
    before = _seen(service, mailcow)
    _error(_call(service, "POST", site_with_mail_on, "/enable", body), 400, "invalid_input")
    assert _seen(service, mailcow) == before


@pytest.mark.parametrize("body", [{"confirm": "delete"}, {"confirm": "yes"}, {}, {"confirm": True}])
def test_purge_needs_confirm_delete(service, site_with_mail_on, mailcow, body):
    before = _seen(service, mailcow)
    _error(_call(service, "POST", site_with_mail_on, "/purge", body), 400, "invalid_input")
    assert _seen(service, mailcow) == before
    assert _domain_in_mailcow(mailcow, CHECKS_MAIL_DOMAIN)["active"] == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("localPart", "a+b"), ("localPart", ""), ("localPart", "with space"), ("localPart", "ä"), ("quotaMb", 0),
     ("quotaMb", 10241), ("quotaMb", "512"), ("password", ""), ("password", "short"), ("password", "{SSHA256}abcdef12"),
     ("password", "line\nbreak-123")],
)
def test_mailbox_create_with_bad_input_answers_400_before_mailcow(service, site_with_mail_on, mailcow, field, value):
    before = _seen(service, mailcow)
    body = {"localPart": "hello", "password": "Mailbox-Pass-1", "quotaMb": 512, field: value}
    error = _error(_call(service, "POST", site_with_mail_on, "/mailboxes", body), 400, "invalid_input")
    assert [item["field"] for item in error["details"]] == [field]
    assert _seen(service, mailcow) == before


@pytest.mark.parametrize("address", ["hello", "hello@", "a+b@example.com", "hello@localhost", "%40example.com"])
def test_mailbox_delete_of_a_malformed_address_answers_400_before_mailcow(service, site_with_mail_on, mailcow, address):
    before = _seen(service, mailcow)
    error = _error(_call(service, "DELETE", site_with_mail_on, f"/mailboxes/{address}"), 400, "invalid_input")
    assert error["details"][0]["field"] == "address"
    assert _seen(service, mailcow) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("destination", "not-an-address"), ("destination", "a@b@example.net"), ("destination", "a,b@example.net"),
     ("destination", "x@example.net,y@example.net"), ("destination", ""), ("sourceLocalPart", "in fo"),
     ("active", "yes")],
)
def test_alias_create_with_bad_input_answers_400_before_mailcow(service, site_with_mail_on, mailcow, field, value):
    before = _seen(service, mailcow)
    body = {"sourceLocalPart": "info", "destination": "dest@example.net", field: value}
    error = _error(_call(service, "POST", site_with_mail_on, "/aliases", body), 400, "invalid_input")
    assert [item["field"] for item in error["details"]] == [field]
    assert _seen(service, mailcow) == before


# --- mail off, unknown sites -----------------------------------------------------------------------
_FEATURE_CALLS = [
    ("GET", "/mailboxes", None),
    ("POST", "/mailboxes", {"localPart": "hello", "password": "Mailbox-Pass-1", "quotaMb": 512}),
    ("DELETE", "/mailboxes/hello@example.com", None),
    ("GET", "/aliases", None),
    ("POST", "/aliases", {"sourceLocalPart": "info", "destination": "dest@example.net"}),
    ("DELETE", "/aliases/info@example.com", None),
]


@pytest.mark.parametrize("site_fixture", ["site_mail_never_enabled", "site_mail_disabled"])
@pytest.mark.parametrize(("method", "path", "body"), _FEATURE_CALLS)
def test_mailbox_and_alias_operations_answer_409_while_mail_is_off(
    service, mailcow, request, site_fixture, method, path, body
):
    """Mail never enabled, and enabled then disabled: both are 'off' for mailboxes and aliases."""
    slug = request.getfixturevalue(site_fixture)
    before = len(mailcow.journal())
    _error(_call(service, method, slug, path, body), 409, "feature_disabled")
    assert len(mailcow.journal()) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/enable", {"domain": "example.com"}), ("POST", "/disable", None),
     ("POST", "/purge", {"confirm": "DELETE"}), ("GET", "/status", None), *_FEATURE_CALLS],
)
def test_every_mail_endpoint_answers_404_for_an_unknown_site(service, mailcow, method, path, body):
    before = len(mailcow.journal())
    _error(_call(service, method, "no-such-site-example-com", path, body), 404, "site_not_found")
    assert len(mailcow.journal()) == before


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
