"""playbooks/mail_*.yml run directly with ansible-playbook (as an operator or AWX would), against
the sandbox Mailcow and the sandbox Kubernetes API.

Every playbook: a --check run writes nothing (Mailcow's stored rows and the site record compared
before and after), the first run changes something, the second changes nothing (creates and
deletes answer 409 / 404 the second time, without a change). Also: ansible-runner's kept
artifacts searched for the secrets, and ansible-lint's production profile. (The role's molecule
scenarios run in tests/integration/molecule/test_scenarios.py.)
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import ansible_runner
import pytest

REPO = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
ANSIBLE_PLAYBOOK = str(BIN / "ansible-playbook")
ANSIBLE_LINT = str(BIN / "ansible-lint")
PASSWORD = "{{ lookup('pipe', 'id') }}-Secret1"
_sites = itertools.count(1)


@dataclass
class Outcome:
    rc: int
    changed: int
    result: dict  # what api_result published: {"body": ...} or {"error": ...}
    output: str

    @property
    def error(self) -> dict:
        return self.result.get("error") or {}


@pytest.fixture
def playbook(kube_env, mailcow_clean, tmp_path):
    """`playbook(name, api_input, *args, env=None, **extra_vars)` runs playbooks/<name>.yml -> Outcome."""

    def run(name: str, api_input: dict, *args: str, env: dict | None = None, **extra_vars) -> Outcome:
        environment = {
            **kube_env,
            "TENANT_MAIL_MAILCOW_API_KEY": mailcow_clean.key,
            "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
            "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
            **(env or {}),
        }
        variables = {"api_input": api_input, "tenant_mail_mailcow_url": mailcow_clean.url, **extra_vars}
        proc = subprocess.run(
            [ANSIBLE_PLAYBOOK, "-i", "inventory", f"playbooks/{name}.yml", "-e", json.dumps(variables), *args],
            cwd=REPO, env=environment, capture_output=True, text=True, timeout=300,
        )
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise AssertionError(f"{name}: no JSON output (rc {proc.returncode})\n{proc.stdout}\n{proc.stderr}") from None
        result = report.get("global_custom_stats", {}).get("api_result", {})
        return Outcome(proc.returncode, report["stats"]["localhost"]["changed"], result, proc.stdout)

    return run


@pytest.fixture
def site(playbook) -> str:
    outcome = playbook("site_create", {"domain": f"pb{next(_sites)}.example.com", "cpu": 1, "ramGi": 1, "diskGi": 1})
    assert outcome.rc == 0, outcome.output
    return outcome.result["body"]["slug"]


def _state(mailcow, kubectl, slug: str) -> dict:
    """What a run could write: every row Mailcow stores, and the site record's version."""
    namespace = kubectl("get", "namespace", f"tenant-{slug}", "-o", "jsonpath={.metadata.resourceVersion}").stdout
    return {"mailcow": mailcow.state(), "record": namespace}


def _three_runs(playbook, mailcow, kubectl, slug: str, name: str, api_input: dict, **kwargs) -> tuple[Outcome, Outcome]:
    """--check writes nothing; the first run changes something; the second nothing. Returns the
    first and the second run."""
    before = _state(mailcow, kubectl, slug)
    checked = playbook(name, api_input, "--check", **kwargs)
    assert checked.rc == 0, checked.output
    assert _state(mailcow, kubectl, slug) == before, f"{name} --check wrote something"
    first = playbook(name, api_input, **kwargs)
    assert first.rc == 0, first.output
    assert first.changed > 0, f"{name}: the first run changed nothing"
    assert checked.result == first.result, f"{name}: --check would answer differently"
    after = _state(mailcow, kubectl, slug)
    assert after != before
    second = playbook(name, api_input, **kwargs)
    assert second.rc == 0 and second.changed == 0, f"{name}: the second run changed something\n{second.output}"
    assert _state(mailcow, kubectl, slug) == after
    return first, second


def _once_only(playbook, mailcow, kubectl, slug: str, name: str, api_input: dict, code: str, **kwargs) -> Outcome:
    """Creates and deletes: --check writes nothing; the first run changes something; the second
    answers `code` (409 / 404) and changes nothing."""
    before = _state(mailcow, kubectl, slug)
    checked = playbook(name, api_input, "--check", **kwargs)
    assert checked.rc == 0, checked.output
    assert _state(mailcow, kubectl, slug) == before, f"{name} --check wrote something"
    first = playbook(name, api_input, **kwargs)
    assert first.rc == 0 and first.changed > 0, first.output
    assert checked.result == first.result
    after = _state(mailcow, kubectl, slug)
    second = playbook(name, api_input, **kwargs)
    assert second.rc != 0 and second.changed == 0, second.output
    assert second.error["code"] == code, second.output
    assert _state(mailcow, kubectl, slug) == after
    return first


def _read_only(playbook, mailcow, kubectl, slug: str, name: str) -> Outcome:
    before = _state(mailcow, kubectl, slug)
    first = playbook(name, {"slug": slug})
    checked = playbook(name, {"slug": slug}, "--check")
    assert first.rc == 0 and first.changed == 0, first.output
    assert checked.rc == 0 and checked.changed == 0 and checked.result == first.result
    assert _state(mailcow, kubectl, slug) == before
    return first


# --- three runs ----------------------------------------------------------------------------------
def test_enable_disable_enable_purge_change_once_and_check_mode_writes_nothing(playbook, site, mailcow_clean, kubectl):
    enabled, again = _three_runs(playbook, mailcow_clean, kubectl, site, "mail_enable", {"slug": site, "domain": "example.com"})
    assert again.result == enabled.result
    assert enabled.result["body"] == {"ok": True, "slug": site, "domain": "example.com", "mailEnabled": True,
                                      "provider": "mailcow"}
    status = _read_only(playbook, mailcow_clean, kubectl, site, "mail_status")
    assert status.result["body"]["activeInMailcow"] is True

    disabled, again = _three_runs(playbook, mailcow_clean, kubectl, site, "mail_disable", {"slug": site})
    assert disabled.result["body"]["mailEnabled"] is False and again.result == disabled.result
    assert mailcow_clean.get("get/domain/example.com").json()["active"] == 0

    _three_runs(playbook, mailcow_clean, kubectl, site, "mail_enable", {"slug": site, "domain": "example.com"})
    assert mailcow_clean.get("get/domain/example.com").json()["active"] == 1

    purged, again = _three_runs(playbook, mailcow_clean, kubectl, site, "mail_purge", {"slug": site, "confirm": "DELETE"})
    assert (purged.result["body"]["domain"], purged.result["body"]["purged"]) == ("example.com", True)
    assert mailcow_clean.state()["domains"] == []
    assert again.result["body"]["domain"] is None  # the record no longer names a domain


def test_mailbox_and_alias_playbooks_change_once_and_check_mode_writes_nothing(playbook, site, mailcow_clean, kubectl):
    assert playbook("mail_enable", {"slug": site, "domain": "example.com"}).rc == 0
    mailbox = {"slug": site, "localPart": "hello", "quotaMb": 300}
    created = _once_only(playbook, mailcow_clean, kubectl, site, "mail_mailbox_create", mailbox, "already_exists",
                         env={"TENANT_MAIL_MAILBOX_PASSWORD": PASSWORD})
    assert created.result["body"] == {"ok": True, "slug": site, "address": "hello@example.com"}
    assert mailcow_clean.check_password("hello@example.com", PASSWORD)
    assert mailcow_clean.get("get/mailbox/hello@example.com").json()["quota"] == 300 * 1024 * 1024
    listed = _read_only(playbook, mailcow_clean, kubectl, site, "mail_mailbox_list")
    assert listed.result["body"]["mailboxes"] == ["hello@example.com"]

    alias = {"slug": site, "sourceLocalPart": "info", "destination": "hello@example.com"}
    _once_only(playbook, mailcow_clean, kubectl, site, "mail_alias_create", alias, "already_exists")
    assert _read_only(playbook, mailcow_clean, kubectl, site, "mail_alias_list").result["body"]["aliases"] == [
        "info@example.com"]
    _once_only(playbook, mailcow_clean, kubectl, site, "mail_alias_delete",
               {"slug": site, "source": "info@example.com"}, "alias_not_found")
    _once_only(playbook, mailcow_clean, kubectl, site, "mail_mailbox_delete",
               {"slug": site, "address": "hello@example.com"}, "mailbox_not_found")
    assert mailcow_clean.state()["mailboxes"] == [] and mailcow_clean.state()["aliases"] == []


def test_an_operator_may_give_the_password_in_api_input(playbook, site, mailcow_clean):
    assert playbook("mail_enable", {"slug": site, "domain": "example.com"}).rc == 0
    outcome = playbook("mail_mailbox_create", {"slug": site, "localPart": "op", "quotaMb": 10, "password": "Operator-Pass-3"})
    assert outcome.rc == 0, outcome.output
    assert mailcow_clean.check_password("op@example.com", "Operator-Pass-3")
    assert "Operator-Pass-3" not in outcome.output


def test_playbooks_refuse_bad_input_with_the_services_400(playbook, site, mailcow_clean):
    assert playbook("mail_enable", {"slug": site, "domain": "example.com"}).rc == 0
    before = len(mailcow_clean.journal())
    outcome = playbook("mail_mailbox_create", {"slug": site, "localPart": "a+b", "quotaMb": 0},
                       env={"TENANT_MAIL_MAILBOX_PASSWORD": "short"})
    assert outcome.rc != 0
    assert outcome.error["status"] == 400 and outcome.error["code"] == "invalid_input"
    assert {item["field"] for item in outcome.error["details"]} == {"localPart", "quotaMb", "password"}
    assert len(mailcow_clean.journal()) == before


def test_a_check_run_answers_what_the_real_run_would(playbook, site, mailcow_clean):
    assert playbook("mail_enable", {"slug": site, "domain": "example.com"}).rc == 0
    taken = playbook("mail_enable", {"slug": site, "domain": "other.example"}, "--check")
    assert taken.rc != 0 and taken.error["code"] == "conflict"
    off = playbook("mail_mailbox_list", {"slug": "no-such-site-example-com"}, "--check")
    assert off.error["code"] == "site_not_found"


# --- artifacts, as AWX keeps them -------------------------------------------------------------------
def test_kept_run_artifacts_hold_neither_the_password_nor_the_api_key(kube_env, mailcow_clean, tmp_path):
    slug = f"pb{next(_sites)}-example-com"
    domain = slug.replace("-example-com", ".example.com")
    settings = {"tenant_mail_mailcow_url": mailcow_clean.url}
    env = {
        **kube_env,
        "PATH": os.pathsep.join([str(BIN), kube_env.get("PATH", os.defpath)]),
        "TENANT_MAIL_MAILCOW_API_KEY": mailcow_clean.key,
        "TENANT_MAIL_MAILBOX_PASSWORD": PASSWORD,
    }
    runs = [
        ("site_create", {"domain": domain, "cpu": 1, "ramGi": 1, "diskGi": 1}),
        ("mail_enable", {"slug": slug, "domain": "example.com"}),
        ("mail_mailbox_create", {"slug": slug, "localPart": "hello", "quotaMb": 64}),
        ("mail_mailbox_create", {"slug": slug, "localPart": "hello", "quotaMb": 64}),  # 409 after the check
    ]
    for index, (name, api_input) in enumerate(runs):
        private = tmp_path / f"run-{index}"
        private.mkdir()
        result = ansible_runner.run(
            private_data_dir=str(private),
            project_dir=str(REPO / "playbooks"),
            playbook=f"{name}.yml",
            inventory=str(REPO / "inventory" / "hosts.yml"),
            extravars={**settings, "api_input": api_input},
            envvars={**env, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")},
            suppress_env_files=True,
            quiet=True,
        )
        assert result.rc == (0 if index < 3 else 2), name
    assert mailcow_clean.check_password("hello@example.com", PASSWORD)

    # ansible-runner writes the run's whole environment (so the secrets given as environment
    # variables) to artifacts/<id>/command before the run starts; the service rewrites that file
    # (server/runner/run.py), tests/integration/api/test_mail_failures.py covers it. Everything
    # the playbooks themselves produced (events, stdout, status) must be clean.
    artifacts = [path for path in tmp_path.rglob("*")
                 if path.is_file() and "/artifacts/" in str(path) and path.name != "command"]
    assert any(path.name.endswith(".json") and "job_events" in str(path) for path in artifacts)
    for secret in (PASSWORD, mailcow_clean.key):
        holding = [str(path) for path in artifacts if secret.encode() in path.read_bytes()]
        assert holding == [], f"{secret[:6]}... found in {holding}"


# --- lint ----------------------------------------------------------------------------------------
def test_role_and_playbooks_pass_ansible_lint_production():
    files = ["roles/tenant_mail", *sorted(str(path.relative_to(REPO)) for path in (REPO / "playbooks").glob("mail_*.yml"))]
    proc = subprocess.run([ANSIBLE_LINT, "--profile", "production", "--offline", "--nocolor", *files],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
