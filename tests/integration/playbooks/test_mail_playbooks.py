"""playbooks/mail_*.yml run directly with ansible-playbook (as an operator or AWX would), against
the sandbox Mailcow and the sandbox Kubernetes API.

Every playbook: a --check run writes nothing (Mailcow's stored rows and the site record compared
before and after), the first run changes something, the second changes nothing (creates and
deletes answer 409 / 404 the second time, without a change). Also: ansible-runner's kept
artifacts searched for the secrets. (The role's molecule scenarios run in
tests/integration/molecule/test_scenarios.py; ansible-lint's production profile runs over
playbooks/ and roles/ in tests/integration/lint.)

Creating a site and enabling its mail is much of the cost, so one site goes through every
playbook in one scenario, and the runs that AWX would make (ansible-runner, its artifacts kept)
are runs of that scenario rather than a scenario of their own.
"""

from __future__ import annotations

import pytest
import requests

from tests.fixtures.ansible_run import Outcome, Playbooks

PASSWORD = "{{ lookup('pipe', 'id') }}-Secret1"
DOMAIN = "pb1.example.com"
SLUG = "pb1-example-com"


@pytest.fixture
def playbook(kube_env, mailcow_clean, tmp_path) -> Playbooks:
    """`playbook(name, api_input, *args, env=None, runner=False, **extra_vars)` runs
    playbooks/<name>.yml -> Outcome, with the sandbox Mailcow and its key. A run through
    ansible-runner (runner=True, as AWX runs it, artifacts kept in `playbook.runner_dirs`) also has
    PASSWORD as the mailbox password in its environment unless `env` says otherwise.
    """
    return Playbooks(kube_env, tmp_path, env={"TENANT_MAIL_MAILCOW_API_KEY": mailcow_clean.key},
                     variables={"tenant_mail_mailcow_url": mailcow_clean.url},
                     runner_env={"TENANT_MAIL_MAILBOX_PASSWORD": PASSWORD})


def _state(mailcow, kube, slug: str) -> dict:
    """What a run could write: every row Mailcow stores, and the site record's version."""
    namespace = requests.get(f"{kube.url}/api/v1/namespaces/tenant-{slug}", timeout=10)
    namespace.raise_for_status()
    return {"mailcow": mailcow.state(), "record": namespace.json()["metadata"]["resourceVersion"]}


def _three_runs(playbook, mailcow, kube, slug: str, name: str, api_input: dict, first_by_runner: bool = False,
                **kwargs) -> tuple[Outcome, Outcome]:
    """--check writes nothing; the first run changes something; the second nothing. Returns the
    first and the second run."""
    before = _state(mailcow, kube, slug)
    checked = playbook(name, api_input, "--check", **kwargs)
    assert checked.rc == 0, checked.output
    assert _state(mailcow, kube, slug) == before, f"{name} --check wrote something"
    first = playbook(name, api_input, runner=first_by_runner, **kwargs)
    assert first.rc == 0, first.output
    assert first.changed > 0, f"{name}: the first run changed nothing"
    assert checked.result == first.result, f"{name}: --check would answer differently"
    after = _state(mailcow, kube, slug)
    assert after != before
    second = playbook(name, api_input, **kwargs)
    assert second.rc == 0 and second.changed == 0, f"{name}: the second run changed something\n{second.output}"
    assert _state(mailcow, kube, slug) == after
    return first, second


def _once_only(playbook, mailcow, kube, slug: str, name: str, api_input: dict, code: str, by_runner: bool = False,
               **kwargs) -> Outcome:
    """Creates and deletes: --check writes nothing; the first run changes something; the second
    answers `code` (409 / 404) and changes nothing. by_runner: the first and second run through
    ansible-runner (its rc for a failed play is 2)."""
    before = _state(mailcow, kube, slug)
    checked = playbook(name, api_input, "--check", **kwargs)
    assert checked.rc == 0, checked.output
    assert _state(mailcow, kube, slug) == before, f"{name} --check wrote something"
    first = playbook(name, api_input, runner=by_runner, **kwargs)
    assert first.rc == 0 and first.changed > 0, first.output
    assert checked.result == first.result
    after = _state(mailcow, kube, slug)
    second = playbook(name, api_input, runner=by_runner, **kwargs)
    assert second.rc != 0 and second.changed == 0, second.output
    if by_runner:
        assert second.rc == 2, second.output
    assert second.error["code"] == code, second.output
    assert _state(mailcow, kube, slug) == after
    return first


def _read_only(playbook, mailcow, kube, slug: str, name: str) -> Outcome:
    before = _state(mailcow, kube, slug)
    first = playbook(name, {"slug": slug})
    checked = playbook(name, {"slug": slug}, "--check")
    assert first.rc == 0 and first.changed == 0, first.output
    assert checked.rc == 0 and checked.changed == 0 and checked.result == first.result
    assert _state(mailcow, kube, slug) == before
    return first


def test_every_mail_playbook_changes_once_check_mode_writes_nothing_and_artifacts_keep_no_secret(
        playbook, mailcow_clean, kube, tmp_path):
    # The site, made as AWX would make it (ansible-runner, artifacts kept).
    made = playbook("site_create", {"domain": DOMAIN, "cpu": 1, "ramGi": 1, "diskGi": 1}, runner=True)
    assert made.rc == 0, made.output
    site = made.result["body"]["slug"]
    assert site == SLUG

    # enable (its first run through ansible-runner), status.
    enabled, again = _three_runs(playbook, mailcow_clean, kube, site, "mail_enable", {"slug": site, "domain": "example.com"},
                                 first_by_runner=True)
    assert again.result == enabled.result
    assert enabled.result["body"] == {"ok": True, "slug": site, "domain": "example.com", "mailEnabled": True,
                                      "provider": "mailcow"}
    status = _read_only(playbook, mailcow_clean, kube, site, "mail_status")
    assert status.result["body"]["activeInMailcow"] is True

    # A check run answers what the real run would.
    taken = playbook("mail_enable", {"slug": site, "domain": "other.example"}, "--check")
    assert taken.rc != 0 and taken.error["code"] == "conflict"
    off = playbook("mail_mailbox_list", {"slug": "no-such-site-example-com"}, "--check")
    assert off.error["code"] == "site_not_found"

    # Bad input is refused with the service's 400, before Mailcow is asked anything.
    before = len(mailcow_clean.journal())
    outcome = playbook("mail_mailbox_create", {"slug": site, "localPart": "a+b", "quotaMb": 0},
                       env={"TENANT_MAIL_MAILBOX_PASSWORD": "short"})
    assert outcome.rc != 0
    assert outcome.error["status"] == 400 and outcome.error["code"] == "invalid_input"
    assert {item["field"] for item in outcome.error["details"]} == {"localPart", "quotaMb", "password"}
    assert len(mailcow_clean.journal()) == before

    # Mailboxes and aliases (the mailbox's first and second create through ansible-runner).
    mailbox = {"slug": site, "localPart": "hello", "quotaMb": 300}
    created, again = _three_runs(playbook, mailcow_clean, kube, site, "mail_mailbox_create", mailbox,
                                 first_by_runner=True, env={"TENANT_MAIL_MAILBOX_PASSWORD": PASSWORD})
    assert created.result["body"] == {"ok": True, "slug": site, "address": "hello@example.com"}
    # The same request again converges (its marker is on the mailbox); another request for the
    # address (another password) is refused, and changes nothing.
    assert again.result == created.result
    before = _state(mailcow_clean, kube, site)
    taken = playbook("mail_mailbox_create", mailbox, runner=True, env={"TENANT_MAIL_MAILBOX_PASSWORD": PASSWORD + "-other"})
    assert taken.rc == 2 and taken.error["code"] == "already_exists", taken.output
    assert _state(mailcow_clean, kube, site) == before
    assert mailcow_clean.check_password("hello@example.com", PASSWORD)
    assert mailcow_clean.get("get/mailbox/hello@example.com").json()["quota"] == 300 * 1024 * 1024
    listed = _read_only(playbook, mailcow_clean, kube, site, "mail_mailbox_list")
    assert listed.result["body"]["mailboxes"] == ["hello@example.com"]

    alias = {"slug": site, "sourceLocalPart": "info", "destination": "hello@example.com"}
    made, again = _three_runs(playbook, mailcow_clean, kube, site, "mail_alias_create", alias)
    assert again.result == made.result
    taken = playbook("mail_alias_create", {**alias, "destination": "other@example.com"})
    assert taken.rc != 0 and taken.error["code"] == "already_exists", taken.output
    assert _read_only(playbook, mailcow_clean, kube, site, "mail_alias_list").result["body"]["aliases"] == [
        "info@example.com"]
    _once_only(playbook, mailcow_clean, kube, site, "mail_alias_delete",
               {"slug": site, "source": "info@example.com"}, "alias_not_found")
    _once_only(playbook, mailcow_clean, kube, site, "mail_mailbox_delete",
               {"slug": site, "address": "hello@example.com"}, "mailbox_not_found")
    assert mailcow_clean.state()["mailboxes"] == [] and mailcow_clean.state()["aliases"] == []

    # An operator may give the password in api_input.
    outcome = playbook("mail_mailbox_create", {"slug": site, "localPart": "op", "quotaMb": 10, "password": "Operator-Pass-3"})
    assert outcome.rc == 0, outcome.output
    assert mailcow_clean.check_password("op@example.com", "Operator-Pass-3")
    assert "Operator-Pass-3" not in outcome.output

    # disable, enable again, purge (which takes the operator's mailbox with the domain).
    disabled, again = _three_runs(playbook, mailcow_clean, kube, site, "mail_disable", {"slug": site})
    assert disabled.result["body"]["mailEnabled"] is False and again.result == disabled.result
    assert mailcow_clean.get("get/domain/example.com").json()["active"] == 0

    _three_runs(playbook, mailcow_clean, kube, site, "mail_enable", {"slug": site, "domain": "example.com"})
    assert mailcow_clean.get("get/domain/example.com").json()["active"] == 1

    purged, again = _three_runs(playbook, mailcow_clean, kube, site, "mail_purge", {"slug": site, "confirm": "DELETE"})
    assert (purged.result["body"]["domain"], purged.result["body"]["purged"]) == ("example.com", True)
    assert mailcow_clean.state()["domains"] == []
    assert again.result["body"]["domain"] is None  # the record no longer names a domain

    # Artifacts, as AWX keeps them (site_create, mail_enable, and mail_mailbox_create made, and
    # refused with 409 for another password, all with the API key and a password in the environment).
    # ansible-runner writes the run's whole environment (so the secrets given as environment
    # variables) to artifacts/<id>/command before the run starts; the service rewrites that file
    # (server/runner/run.py), tests/integration/api/test_mail_failures.py covers it. Everything
    # the playbooks themselves produced (events, stdout, status) must be clean.
    assert len(playbook.runner_dirs) == 4
    artifacts = [path for private in playbook.runner_dirs for path in private.rglob("*")
                 if path.is_file() and "/artifacts/" in str(path) and path.name != "command"]
    assert any(path.name.endswith(".json") and "job_events" in str(path) for path in artifacts)
    for secret in (PASSWORD, mailcow_clean.key):
        holding = [str(path) for path in artifacts if secret.encode() in path.read_bytes()]
        assert holding == [], f"{secret[:6]}... found in {holding}"
