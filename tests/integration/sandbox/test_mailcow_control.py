"""The sandbox control plane under /_sandbox/: reset, state, password check, faults, journal."""

from __future__ import annotations

import time

import pytest
import requests


def test_reset_removes_everything_and_restarts_alias_ids(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    mailcow_clean.add_alias("a@example.org", "d@example.net")
    mailcow_clean.reset()
    assert mailcow_clean.get("get/domain/all").text == "{}"
    state = mailcow_clean.state()
    assert (state["domains"], state["mailboxes"], state["aliases"], state["next_alias_id"]) == ([], [], [], 1)
    mailcow_clean.add_domain("example.org")
    assert mailcow_clean.add_alias("a@example.org", "d@example.net")[0]["msg"][2] == "1"


def test_state_shows_rows_with_password_hashes(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    mailcow_clean.add_mailbox("u", "example.org", password="Secret-123", quota=1)
    state = mailcow_clean.state()
    assert [d["domain"] for d in state["domains"]] == ["example.org"]
    assert state["mailboxes"][0]["username"] == "u@example.org"
    assert state["mailboxes"][0]["password"].startswith("{SSHA256}")
    assert "Secret-123" not in str(state)


def test_password_check_reports_valid_invalid_and_unknown(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    mailcow_clean.add_mailbox("u", "example.org", password="Secret-123", quota=1)
    url = f"{mailcow_clean.url}/_sandbox/password-check"
    assert requests.post(url, json={"username": "u@example.org", "password": "Secret-123"}, timeout=5).json() == {
        "username": "u@example.org",
        "exists": True,
        "valid": True,
        "scheme": "SSHA256",
    }
    assert mailcow_clean.check_password("u@example.org", "secret-123") is False
    assert requests.post(url, json={"username": "x@example.org", "password": "a"}, timeout=5).json()["exists"] is False


def test_password_check_without_fields_answers_400(mailcow_clean):
    assert requests.post(f"{mailcow_clean.url}/_sandbox/password-check", json={}, timeout=5).status_code == 400


def test_unknown_control_route_answers_404(mailcow_clean):
    assert requests.get(f"{mailcow_clean.url}/_sandbox/nothing", timeout=5).status_code == 404


def test_fault_status_answers_it_then_recovers(mailcow_clean):
    mailcow_clean.add_fault(action="status", status=502, body="<html>bad gateway</html>", times=1)
    response = mailcow_clean.get("get/domain/all")
    assert (response.status_code, response.text, response.headers["Content-Type"]) == (502, "<html>bad gateway</html>", "text/html")
    assert mailcow_clean.get("get/domain/all").status_code == 200
    assert [(r["status"], r["processed"]) for r in mailcow_clean.journal()] == [(502, False), (200, True)]


def test_fault_before_does_not_apply_the_write(mailcow_clean):
    mailcow_clean.add_fault(action="status", status=500, times=1)
    assert mailcow_clean.post("add/domain", {"domain": "example.org"}).status_code == 500
    assert mailcow_clean.state()["domains"] == []


def test_fault_after_applies_the_write_and_loses_the_answer(mailcow_clean):
    mailcow_clean.add_fault(action="drop", when="after", method="POST", times=1)
    with pytest.raises(requests.ConnectionError):
        mailcow_clean.post("add/domain", {"domain": "example.org"})
    assert [d["domain"] for d in mailcow_clean.state()["domains"]] == ["example.org"]
    assert [(r["status"], r["processed"]) for r in mailcow_clean.journal()] == [(None, True)]


def test_fault_status_after_applies_the_write_and_answers_the_fault(mailcow_clean):
    mailcow_clean.add_fault(action="status", status=504, when="after", times=1)
    assert mailcow_clean.post("add/domain", {"domain": "example.org"}).status_code == 504
    assert [d["domain"] for d in mailcow_clean.state()["domains"]] == ["example.org"]
    assert [(r["status"], r["processed"]) for r in mailcow_clean.journal()] == [(504, True)]


def test_fault_drop_closes_connection_without_answer(mailcow_clean):
    mailcow_clean.add_fault(action="drop")
    with pytest.raises(requests.ConnectionError):
        mailcow_clean.get("get/domain/all")
    with pytest.raises(requests.ConnectionError):
        mailcow_clean.get("get/domain/all")
    mailcow_clean.clear_faults()
    assert mailcow_clean.get("get/domain/all").status_code == 200


def test_fault_matches_method_and_path_prefix(mailcow_clean):
    mailcow_clean.add_fault(action="status", status=503, method="POST", pathPrefix="/api/v1/add/mailbox")
    assert mailcow_clean.post("add/domain", {"domain": "example.org"}).status_code == 200
    assert mailcow_clean.post("add/mailbox", {"local_part": "a", "domain": "example.org"}).status_code == 503
    assert mailcow_clean.get("get/domain/all").status_code == 200


def test_fault_delay_slows_the_answer(mailcow_clean):
    mailcow_clean.add_fault(action="delay", seconds=0.5, times=1)
    started = time.monotonic()
    assert mailcow_clean.get("get/domain/all").status_code == 200
    assert time.monotonic() - started >= 0.5
    with pytest.raises(requests.Timeout):
        mailcow_clean.add_fault(action="delay", seconds=2, times=1)
        requests.get(f"{mailcow_clean.api}/get/domain/all", headers={"X-API-Key": mailcow_clean.key}, timeout=0.5)


def test_fault_with_unknown_action_answers_400(mailcow_clean):
    response = requests.post(f"{mailcow_clean.url}/_sandbox/faults", json={"action": "explode"}, timeout=5)
    assert response.status_code == 400
    response = requests.post(f"{mailcow_clean.url}/_sandbox/faults", json={"action": "drop", "typo": 1}, timeout=5)
    assert response.status_code == 400


def test_faults_are_listed_and_cleared_by_reset(mailcow_clean):
    mailcow_clean.add_fault(action="status", status=500)
    assert [f["status"] for f in requests.get(f"{mailcow_clean.url}/_sandbox/faults", timeout=5).json()] == [500]
    mailcow_clean.reset()
    assert requests.get(f"{mailcow_clean.url}/_sandbox/faults", timeout=5).json() == []


def test_request_journal_records_calls_with_passwords_masked(mailcow_clean):
    mailcow_clean.add_domain("example.org")
    mailcow_clean.add_mailbox("u", "example.org", password="Journal-Secret-9", quota=1)
    journal = mailcow_clean.journal()
    assert [(r["method"], r["path"], r["status"]) for r in journal] == [
        ("POST", "/api/v1/add/domain", 200),
        ("POST", "/api/v1/add/mailbox", 200),
    ]
    assert journal[1]["body"]["password"] == "*"
    assert "Journal-Secret-9" not in str(journal)
    requests.delete(f"{mailcow_clean.url}/_sandbox/requests", timeout=5).raise_for_status()
    assert mailcow_clean.journal() == []
