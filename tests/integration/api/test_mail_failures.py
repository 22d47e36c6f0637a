"""Mail when something is wrong, and the secrets of mail, through the API.

- Mailcow rejects the key (401), accepts it only for reading (403), is down, fails (HTTP 500) or
  drops the connection, or no key is configured: each is a 500 whose message says which.
- A mailbox password (`{{ lookup('pipe', 'id') }}-Secret1`) arrives in Mailcow verbatim and is in
  no response, no log line and no file the service writes while it runs (run artifacts included:
  the files are read while the run goes on), nor in any process command line; nor is the API key.

Creating and purging sites is most of the cost, so the tests share sites where the failure leaves
them as they were: every service of the module talks to the same sandbox cluster, so a site made
through one is there for all (the site record is its namespace, and nothing in this module resets
the cluster). `mail_off_site.use()` is a site without mail that a test leaves without mail;
`mail_off_site.take()` hands it (or a new one) to a test that will purge it.
"""

from __future__ import annotations

import itertools

import pytest

from sandbox.testing import free_port
from tests.fixtures.service import files_containing
from tests.fixtures.stack import start_stack
from tests.fixtures.watch import SecretWatcher

PASSWORD = "{{ lookup('pipe', 'id') }}-Secret1"
_sites = itertools.count(1)
NO_MAIL = {"domain": None, "mailEnabled": False, "activeInMailcow": False}


@pytest.fixture(scope="module")
def services(tmp_path_factory, kube, mailcow, postgres):
    """`services(name, **settings)`: a service per configuration, started once for the module."""
    started = {}

    def get(name: str, **settings: str):
        if name not in started:
            started[name] = start_stack(tmp_path_factory.mktemp(f"mail-{name}"), kube, postgres,
                                        run_timeout="120", **settings)
        return started[name]

    yield get
    for service in started.values():
        service.stop()


@pytest.fixture
def good(services, mailcow_clean):
    """The service with the sandbox Mailcow and its read-write key."""
    return services("good", mailcow_url=mailcow_clean.url, mailcow_api_key=mailcow_clean.key)


def _site(service) -> str:
    response = service.request(
        "POST", "/sites", json={"domain": f"fail{next(_sites)}.example.com", "cpu": 0.5, "ramGi": 1, "diskGi": 1}
    )
    assert response.status_code == 200, response.text
    return response.json()["slug"]


class _MailOffSite:
    """A site without mail, made (through the good service) on first use and shared."""

    def __init__(self, service):
        self.service = service
        self.slug: str | None = None

    def use(self) -> str:
        """The shared site, for a test that leaves it without mail (a refused enable writes nothing:
        test_mailcow_down_... reads the record after one)."""
        if self.slug is None:
            self.slug = _site(self.service)
        return self.slug

    def take(self) -> str:
        """The shared site (or a new one) for a test that purges it; the next caller gets a new one."""
        slug, self.slug = self.use(), None
        return slug


@pytest.fixture(scope="module")
def mail_off_site(services, mailcow) -> _MailOffSite:
    return _MailOffSite(services("good", mailcow_url=mailcow.url, mailcow_api_key=mailcow.key))


def _internal_error(response) -> str:
    assert response.status_code == 500, response.text
    body = response.json()
    assert body["ok"] is False and body["error"] == "internal_error", body
    return body["message"]


def _enable(service, slug: str):
    return service.request("POST", f"/sites/{slug}/mail/enable", json={"domain": "example.com"})


def _works_without_mailcow_and_purges(service, slug: str) -> None:
    """A site without mail needs no Mailcow: status, disable, mail purge and site purge answer 200,
    and mailbox operations say mail is off (409), not that Mailcow is missing."""
    status = service.request("GET", f"/sites/{slug}/mail/status")
    assert status.status_code == 200, status.text
    assert status.json() == {"ok": True, "slug": slug, **NO_MAIL}
    assert service.request("POST", f"/sites/{slug}/mail/disable").status_code == 200
    assert service.request("POST", f"/sites/{slug}/mail/purge", json={"confirm": "DELETE"}).status_code == 200
    assert service.request("GET", f"/sites/{slug}/mail/mailboxes").status_code == 409
    purged = service.request("POST", f"/sites/{slug}/purge", json={"confirm": "DELETE"})
    assert purged.status_code == 200, purged.text


# --- with Mailcow and a good key: secrets, failures and retries on one site ---------------------------
def test_secrets_are_shown_nowhere_and_each_mailcow_failure_is_a_500_naming_it_and_a_retry_finishes(
        good, mailcow_clean, mail_off_site):
    slug = mail_off_site.take()  # purged at the end

    # Mailcow answers 500: the message names the call; nothing was written, so a retry goes through.
    mailcow_clean.add_fault(action="status", status=500, pathPrefix="/api/v1/get/domain/", times=1)
    message = _internal_error(_enable(good, slug))
    assert message == f"Mailcow at {mailcow_clean.url} answered HTTP 500 to GET /api/v1/get/domain/example.com"
    assert _enable(good, slug).status_code == 200

    # The mailbox password arrives verbatim and is shown nowhere, not even by a refused create
    # (it runs the same tasks with the password).
    with SecretWatcher(good.state_dir) as watcher:
        created = good.request(
            "POST", f"/sites/{slug}/mail/mailboxes", json={"localPart": "hello", "password": PASSWORD, "quotaMb": 256}
        )
        mailcow_clean.add_fault(action="status", status=500, when="after", pathPrefix="/api/v1/add/mailbox", times=1)
        failed = good.request(
            "POST", f"/sites/{slug}/mail/mailboxes", json={"localPart": "second", "password": PASSWORD, "quotaMb": 256}
        )
    assert created.status_code == 200, created.text
    assert mailcow_clean.check_password("hello@example.com", PASSWORD)
    assert "answered HTTP 500 to POST /api/v1/add/mailbox" in _internal_error(failed)
    assert any("/artifacts/" in path for path in watcher.seen_files()), "the watcher saw no run artifacts"
    for secret in (PASSWORD, mailcow_clean.key):
        assert watcher.holding(secret, except_commands=(b"sandbox.mailcow",)) == []

    # A dropped connection: Mailcow adds the mailbox, then the answer is lost. The retry (the same
    # request) finds the mailbox its first attempt made, by the marker stored with it, and ends
    # 200; the same address asked for with another password is another request's: 409. The list
    # shows it (with the two above; "second" was added before its 500).
    mailcow_clean.add_fault(action="drop", when="after", pathPrefix="/api/v1/add/mailbox", times=1)
    body = {"localPart": "dropped", "password": "Mailbox-Pass-1", "quotaMb": 256}
    message = _internal_error(good.request("POST", f"/sites/{slug}/mail/mailboxes", json=body))
    assert f"Mailcow at {mailcow_clean.url} could not be reached" in message
    retried = good.request("POST", f"/sites/{slug}/mail/mailboxes", json=body)
    assert retried.status_code == 200, retried.text
    assert retried.json() == {"ok": True, "slug": slug, "address": "dropped@example.com"}
    assert mailcow_clean.check_password("dropped@example.com", "Mailbox-Pass-1")
    other = good.request("POST", f"/sites/{slug}/mail/mailboxes", json={**body, "password": "Other-Pass-22"})
    assert other.status_code == 409 and other.json()["error"] == "already_exists", other.text
    assert mailcow_clean.check_password("dropped@example.com", "Mailbox-Pass-1")
    listed = good.request("GET", f"/sites/{slug}/mail/mailboxes").json()
    assert listed["mailboxes"] == ["dropped@example.com", "hello@example.com", "second@example.com"]

    # The same for an alias: its retry ends 200, another destination for that address is 409.
    mailcow_clean.add_fault(action="drop", when="after", pathPrefix="/api/v1/add/alias", times=1)
    alias = {"sourceLocalPart": "sales", "destination": "dropped@example.com"}
    assert "could not be reached" in _internal_error(good.request("POST", f"/sites/{slug}/mail/aliases", json=alias))
    retried = good.request("POST", f"/sites/{slug}/mail/aliases", json=alias)
    assert retried.status_code == 200, retried.text
    assert retried.json() == {"ok": True, "slug": slug, "source": "sales@example.com"}
    other = good.request("POST", f"/sites/{slug}/mail/aliases", json={**alias, "destination": "else@example.net"})
    assert other.status_code == 409 and other.json()["error"] == "already_exists", other.text
    assert mailcow_clean.get("get/alias/sales@example.com").json()["goto"] == "dropped@example.com"

    # Site purge stops while Mailcow is away and finishes when it is back.
    mailcow_clean.add_fault(action="drop")
    message = _internal_error(good.request("POST", f"/sites/{slug}/purge", json={"confirm": "DELETE"}))
    assert "could not be reached" in message
    mailcow_clean.clear_faults()
    # The site (and so the record that finds its mail) is still there.
    assert good.request("GET", f"/sites/{slug}/mail/status").json()["mailEnabled"] is True
    purged = good.request("POST", f"/sites/{slug}/purge", json={"confirm": "DELETE"})
    assert purged.status_code == 200, purged.text
    assert mailcow_clean.state()["domains"] == []

    # Neither secret is in a response, the service's log or a file it left.
    for secret in (PASSWORD, mailcow_clean.key):
        for response in (created, failed):
            assert secret not in response.text
        assert secret not in good.log()
        assert files_containing(good.state_dir, secret) == []
    assert "uid=" not in created.text + failed.text + good.log()
    # Mailcow's own request log masks passwords as Mailcow does; the body reached it whole.
    added = [entry for entry in mailcow_clean.journal() if entry["path"] == "/api/v1/add/mailbox"]
    assert added and all(entry["body"]["password"] == "*" for entry in added)


# --- Mailcow refuses or is away, or no key is configured -------------------------------------------------
def test_a_rejected_api_key_is_a_500_that_says_so(services, mailcow_clean, mail_off_site):
    wrong_key = "WRONG-KEY-0123-4567"
    service = services("wrong-key", mailcow_url=mailcow_clean.url, mailcow_api_key=wrong_key)
    message = _internal_error(_enable(service, mail_off_site.use()))
    assert message.startswith(f"Mailcow at {mailcow_clean.url} rejected the API key (HTTP 401: authentication failed)")
    assert wrong_key not in message and wrong_key not in service.log()
    assert "rejected the API key" in service.log()  # 5xx are logged
    assert mailcow_clean.state()["domains"] == []


def test_a_read_only_api_key_is_a_500_asking_for_a_read_write_key(services, mailcow_clean, mail_off_site):
    service = services("read-only-key", mailcow_url=mailcow_clean.url, mailcow_api_key=mailcow_clean.read_only_key)
    message = _internal_error(_enable(service, mail_off_site.use()))
    assert "refused to let the API key write (HTTP 403: API read/write access denied)" in message
    assert "a read-write key is needed" in message


def test_mailcow_down_is_a_500_that_says_it_cannot_be_reached_and_a_site_without_mail_needs_it_not(
        services, mailcow_clean, mail_off_site):
    nowhere = f"http://127.0.0.1:{free_port()}"
    service = services("mailcow-down", mailcow_url=nowhere, mailcow_api_key=mailcow_clean.key)
    slug = mail_off_site.take()
    message = _internal_error(_enable(service, slug))
    assert message.startswith(f"Mailcow at {nowhere} could not be reached:")
    assert "Connection refused" in message
    # The record is untouched (nothing was enabled: the status below says mailEnabled False), and
    # the site, without mail, needs no Mailcow.
    _works_without_mailcow_and_purges(service, slug)


def test_no_api_key_configured_is_a_500_that_says_so_and_a_site_without_mail_needs_none(
        services, mailcow_clean, mail_off_site):
    service = services("no-key", mailcow_url=mailcow_clean.url)
    slug = mail_off_site.take()
    message = _internal_error(_enable(service, slug))
    assert "no Mailcow API key" in message and "PROVISIONER_MAILCOW_API_KEY" in message
    assert mailcow_clean.journal() == []
    _works_without_mailcow_and_purges(service, slug)
