"""server/runner/result.py, on artifact dirs recorded from real runs of tests/fixtures/playbooks.

artifacts/<case>/ holds what ansible-runner wrote (status, rc, job_events/) for:
body (selftest_echo), published_error (selftest_error), task_failed (selftest_fail, a failure
message holding the secrets below), no_log_failed, ignored_failure and no_result (selftest_silent).
"""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from contract.errors import (
    AlreadyExists,
    InternalError,
    PlaybookFailed,
    RunCancelled,
    RunTimeout,
    SiteNotFound,
)
from server.runner.redact import MASK, Redactor
from server.runner.result import RunRecord, failed_task, interpret, published

ARTIFACTS = Path(__file__).parent / "artifacts"


# --- artifact dirs as ansible-runner writes them (the service keeps events in memory) ---
def read_events(artifact_dir: Path) -> list[dict[str, Any]]:
    """The job events of a run's artifact dir (`job_events/*.json`), in emission order."""
    events_dir = Path(artifact_dir) / "job_events"
    events = []
    for path in events_dir.glob("*.json"):
        if path.name.endswith("-partial.json"):
            continue
        try:
            events.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return sorted(events, key=lambda event: event.get("counter", 0))


def read_record(artifact_dir: Path, playbook: str, timeout: float | None = None) -> RunRecord:
    """A RunRecord from an artifact dir as ansible-runner writes it (status, rc, job_events/)."""
    artifact_dir = Path(artifact_dir)
    status = _read_text(artifact_dir / "status") or "failed"
    rc_text = _read_text(artifact_dir / "rc")
    rc = int(rc_text) if rc_text and rc_text.lstrip("-").isdigit() else None
    return RunRecord(playbook, status, rc, read_events(artifact_dir), timeout)


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return None


SECRETS = ["pg-Admin-Secret-1", "user-Secret-2"]


def record(case: str, playbook: str = "selftest.yml") -> RunRecord:
    return read_record(ARTIFACTS / case, playbook, timeout=300)


def test_events_are_read_in_emission_order():
    events = read_events(ARTIFACTS / "body")
    counters = [event["counter"] for event in events]
    assert counters == sorted(counters) and len(counters) > 5
    assert events[-1]["event"] == "playbook_on_stats"


def test_partial_event_files_are_skipped(tmp_path):
    shutil.copytree(ARTIFACTS / "body", tmp_path / "run")
    (tmp_path / "run" / "job_events" / "0000-partial.json").write_text("{not json")
    assert len(read_events(tmp_path / "run")) == len(read_events(ARTIFACTS / "body"))


def test_published_body_is_the_response():
    body = interpret(record("body"), Redactor([]))
    assert body["input"] == {"text": "{{ lookup('pipe', 'id') }}"}
    assert body["settings"]["tenant_namespace_prefix"] == "tenant-"


def test_published_error_becomes_its_api_error():
    with pytest.raises(AlreadyExists) as raised:
        interpret(record("published_error"), Redactor([]))
    assert raised.value.status_code == 409
    assert raised.value.message == "site app-example-com exists"
    assert raised.value.details == [{"field": "domain", "message": "is taken"}]


def test_published_error_wins_over_the_failure_that_follows_it():
    rec = record("published_error")
    assert rec.status == "failed" and failed_task(rec.events) is not None
    with pytest.raises(AlreadyExists):
        interpret(rec, Redactor([]))


def test_task_failure_is_a_500_naming_the_task_without_the_secrets():
    rec = record("task_failed")
    raw = json.dumps(rec.events)
    assert all(secret in raw for secret in SECRETS)  # the recording really holds them
    with pytest.raises(PlaybookFailed) as raised:
        interpret(rec, Redactor(SECRETS))
    error = raised.value
    assert error.status_code == 500
    assert "'Ensure the selftest login is accepted'" in error.message
    assert MASK in error.message
    assert not any(secret in json.dumps(error.body()) for secret in SECRETS)
    assert not any(secret in str(error.log_context) for secret in SECRETS)
    assert error.log_context["failed_task"] == "Ensure the selftest login is accepted"


def test_no_log_task_failure_names_the_task_and_nothing_of_its_result():
    with pytest.raises(PlaybookFailed) as raised:
        interpret(record("no_log_failed"), Redactor([]))
    assert raised.value.message.endswith("failed at task 'Ensure the hidden selftest step succeeds'")


def test_ignored_failure_does_not_fail_the_run():
    rec = record("ignored_failure")
    assert failed_task(rec.events) is None
    assert interpret(rec, Redactor([])) == {"mode": "ignored"}


def test_success_without_a_published_result_is_a_500():
    with pytest.raises(InternalError, match="without publishing a result"):
        interpret(record("no_result"), Redactor([]))


def test_timeout_and_cancellation_are_500s_with_clear_messages():
    events = read_events(ARTIFACTS / "no_result")
    with pytest.raises(RunTimeout, match="did not finish within 300 seconds"):
        interpret(RunRecord("slow.yml", "timeout", 254, events, 300), Redactor([]))
    with pytest.raises(RunCancelled, match="shutting down"):
        interpret(RunRecord("slow.yml", "canceled", 254, events, 300), Redactor([]))


def test_failure_before_any_task_is_a_500():
    with pytest.raises(PlaybookFailed, match="before running any task"):
        interpret(RunRecord("broken.yml", "failed", 4, [], 300), Redactor([]))


def _stats(result) -> list[dict]:
    return [{"event": "playbook_on_stats", "counter": 1, "event_data": {"failures": {}, "dark": {}, "artifact_data": {"api_result": result}}}]


@pytest.mark.parametrize(
    "error",
    [
        {"code": "unauthorized", "message": "not a playbook code"},
        {"code": "no_such_code", "message": "x"},
        {"code": "already_exists", "status": 404, "message": "wrong status"},
        "not a mapping",
    ],
)
def test_malformed_published_errors_are_500s(error):
    with pytest.raises(InternalError):
        interpret(RunRecord("x.yml", "failed", 2, _stats({"error": error})), Redactor([]))


def test_published_error_messages_and_details_are_redacted():
    error = {"code": "site_not_found", "message": "no site for tok", "details": [{"field": "tok", "message": "tok"}]}
    with pytest.raises(SiteNotFound) as raised:
        interpret(RunRecord("x.yml", "failed", 2, _stats({"error": error})), Redactor(["tok"]))
    assert raised.value.message == f"no site for {MASK}"
    assert raised.value.details == [{"field": MASK, "message": MASK}]


def test_published_body_is_redacted():
    body = interpret(RunRecord("x.yml", "successful", 0, _stats({"body": {"a": "tok"}})), Redactor(["tok"]))
    assert body == {"a": MASK}


def test_published_reads_nothing_without_stats():
    assert published([]) is None
