"""MailcowBackend rules without HTTP (sandbox/mailcow/models.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sandbox.mailcow.models import MIB, MailcowBackend, Session
from sandbox.mailcow.php import PhpFatal


class Clock:
    def __init__(self):
        self.now = datetime(2026, 1, 2, 3, 4, 5)

    def __call__(self):
        return self.now

    def tick(self, seconds=60):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def backend(clock):
    backend = MailcowBackend(clock=clock)
    assert backend.add_domain(Session(), {"domain": "example.org"}) is True
    return backend


def _mailbox(backend, local="u", quota=100, **extra):
    data = {"local_part": local, "domain": "example.org", "password": "secret1", "password2": "secret1", "quota": quota}
    data.update(extra)
    session = Session()
    backend.add_mailbox(session, data)
    return session.entries


def test_session_entries_keep_type_log_msg_order():
    session = Session()
    session.danger(["x"], "access_denied")
    assert list(session.entries[0]) == ["type", "log", "msg"]


def test_created_uses_clock_and_modified_starts_null_for_domains(backend):
    row = backend.domains["example.org"]
    assert (row.created, row.modified) == ("2026-01-02 03:04:05", None)


def test_mailbox_modified_equals_created_after_add(backend):
    _mailbox(backend)
    mailbox = backend.mailboxes["u@example.org"]
    assert mailbox.modified == mailbox.created == mailbox.attributes["passwd_update"]


def test_edit_that_changes_nothing_keeps_modified(backend, clock):
    clock.tick()
    backend.edit_domain(Session(), {"domain": ["example.org"], "gal": 1})
    assert backend.domains["example.org"].modified is None
    backend.edit_domain(Session(), {"domain": ["example.org"], "gal": 0})
    assert backend.domains["example.org"].modified == "2026-01-02 03:05:05"


def test_edit_mailbox_adds_recovery_email_attribute(backend):
    _mailbox(backend)
    backend.edit_mailbox(Session(), {"username": ["u@example.org"], "name": "U"})
    attributes = backend.mailboxes["u@example.org"].attributes
    assert list(attributes)[-1] == "recovery_email" and attributes["recovery_email"] is None


def test_password_change_updates_passwd_update(backend, clock):
    _mailbox(backend)
    clock.tick(3600)
    backend.edit_mailbox(Session(), {"username": ["u@example.org"], "password": "secret2", "password2": "secret2"})
    assert backend.mailboxes["u@example.org"].attributes["passwd_update"] == "2026-01-02 04:04:05"
    assert backend.check_password("u@example.org", "secret2")["valid"] is True


def test_dkim_key_survives_domain_deletion(backend):
    backend.delete_domain(Session(), {"domain": ["example.org"]})
    assert "example.org" in backend.dkim
    session = Session()
    backend.add_domain(session, {"domain": "example.org"})
    assert session.entries[0]["msg"] == "domain_add_dkim_available"


def test_alias_lookup_compares_ids_like_mariadb(backend):
    backend.add_alias(Session(), {"address": "a@example.org", "goto": "d@example.net", "active": 1})
    assert backend.alias_details(Session(), "1")["address"] == "a@example.org"
    assert backend.alias_details(Session(), "1abc")["address"] == "a@example.org"
    assert backend.alias_details(Session(), " 1")["address"] == "a@example.org"
    assert backend.alias_details(Session(), "0") is None
    assert backend.alias_details(Session(), None) is None


def test_unlimited_mailboxes_do_not_use_domain_quota(backend):
    _mailbox(backend, local="a", quota=0)
    details = backend.domain_details(Session(), "example.org")
    assert details["quota_used_in_domain"] == "0"
    assert details["max_new_mailbox_quota"] == 10240 * MIB


def test_mailbox_max_new_quota_excludes_itself(backend):
    _mailbox(backend, local="a", quota=4096)
    _mailbox(backend, local="b", quota=4096)
    assert backend.mailbox_details(Session(), "a@example.org")["max_new_quota"] == 6144 * MIB


def test_edit_domain_rounds_fractional_quota_like_mariadb(backend):
    backend.edit_domain(Session(), {"domain": ["example.org"], "quota": "20480.6", "maxquota": 1024, "defquota": 512})
    assert backend.domains["example.org"].quota == 20481


def test_edit_domain_refuses_non_numeric_quota_with_fatal(backend):
    with pytest.raises(PhpFatal):
        backend.edit_domain(Session(), {"domain": ["example.org"], "quota": "lots"})


def test_tag_limit_warns_after_26_tags(backend):
    session = Session()
    backend.add_domain(session, {"domain": "tags.org", "tags": [f"t{i}" for i in range(30)], "key_size": 0})
    assert [e["msg"] for e in session.entries] == [["tag_limit_exceeded", "limit 25"], ["domain_added", "tags.org"]]
    assert len(backend.domains["tags.org"].tags) == 26


def test_role_less_session_cannot_reach_domains(backend):
    assert backend.domain_details(Session(role=None), "example.org") is None
    session = Session(role=None)
    assert backend.delete_domain(session, {"domain": ["example.org"]}) is False
    assert [e["msg"] for e in session.entries] == ["access_denied"]


def test_state_round_trips_through_state_dir(tmp_path, clock):
    first = MailcowBackend(state_dir=tmp_path, clock=clock)
    first.add_domain(Session(), {"domain": "example.org"})
    _mailbox(first)
    first.add_alias(Session(), {"address": "a@example.org", "goto": "u@example.org", "active": 1})
    first.edit_password_policy(Session(), {"length": 9})
    first.save()
    second = MailcowBackend(state_dir=tmp_path, clock=clock)
    assert second.dump() == first.dump()
    assert second.next_alias_id == 3


def test_reset_clears_state_file(tmp_path):
    backend = MailcowBackend(state_dir=tmp_path)
    backend.add_domain(Session(), {"domain": "example.org"})
    backend.save()
    backend.reset()
    assert MailcowBackend(state_dir=tmp_path).domains == {}
