"""Turn a finished run (its status and job events) into the response body or an ApiError.

`roles/api_result` publishes the outcome with `set_stats` under the key `api_result`:
`{"body": <response body>}` or `{"error": {"status", "code", "message", "details"?}}`.
ansible-runner records the stats in the `playbook_on_stats` event (`event_data.artifact_data`).

Precedence: a published error wins (the play fails on purpose after publishing it); then a
timeout or cancellation; then any task failure (500 naming the task); then the published body.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from contract.errors import (
    ApiError,
    InternalError,
    PlaybookFailed,
    RunCancelled,
    RunTimeout,
    playbook_error_class,
)
from server.runner.redact import Redactor

STATS_KEY = "api_result"

_FAILED_EVENTS = ("runner_on_failed", "runner_on_unreachable", "runner_on_async_failed")
_NO_LOG_MARKERS = ("censored", "_ansible_no_log")
_MAX_TASK_MESSAGE = 300


@dataclass(frozen=True)
class FailedTask:
    """The task that made a run fail."""

    name: str
    role: str | None
    action: str | None
    message: str | None  # None when the task is no_log or gave no message

    def describe(self) -> str:
        where = f"task '{self.name}'" + (f" (role {self.role})" if self.role else "")
        return f"{where}: {self.message}" if self.message else where


@dataclass(frozen=True)
class RunRecord:
    """What a finished run left behind: ansible-runner's status and rc, and its job events."""

    playbook: str
    status: str  # successful, failed, timeout, canceled
    rc: int | None
    events: list[dict[str, Any]]
    timeout: float | None = None


def published(events: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """What api_result published (`{"body": ...}` or `{"error": ...}`), if anything."""
    for event in events:
        if event.get("event") == "playbook_on_stats":
            artifact_data = (event.get("event_data") or {}).get("artifact_data") or {}
            result = artifact_data.get(STATS_KEY)
            return result if isinstance(result, Mapping) else None
    return None


def failed_task(events: Iterable[Mapping[str, Any]]) -> FailedTask | None:
    """The last task failure that was neither ignored nor rescued, if any."""
    last = None
    for event in events:
        data = event.get("event_data") or {}
        if event.get("event") in _FAILED_EVENTS and not data.get("ignore_errors"):
            last = data
    if last is None:
        return None
    return FailedTask(
        name=str(last.get("task") or last.get("task_action") or "unnamed task"),
        role=last.get("role") or None,
        action=last.get("task_action") or None,
        message=_task_message(last.get("res")),
    )


def _task_message(res: Any) -> str | None:
    """The module's `msg`, unless the task is no_log (then nothing of its result is used)."""
    if not isinstance(res, Mapping) or any(res.get(marker) for marker in _NO_LOG_MARKERS):
        return None
    message = res.get("msg")
    if not isinstance(message, str) or not message.strip():
        return None
    message = " ".join(message.split())
    return message if len(message) <= _MAX_TASK_MESSAGE else message[: _MAX_TASK_MESSAGE - 1] + "…"


def _output_tail(events: Iterable[Mapping[str, Any]], redactor: Redactor, lines: int = 8) -> str:
    """The last lines ansible-playbook printed (for the log: syntax errors and the like)."""
    text = "\n".join(str(event.get("stdout") or "") for event in events)
    tail = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return redactor.text(" | ".join(tail))


def _rescued_or_clean(events: list[Mapping[str, Any]]) -> bool:
    """Whether the stats say no host failed (rescued failures do not count)."""
    for event in events:
        if event.get("event") == "playbook_on_stats":
            data = event.get("event_data") or {}
            return not data.get("failures") and not data.get("dark")
    return False


def interpret(record: RunRecord, redactor: Redactor) -> Any:
    """The response body of a run, or raise the ApiError it ends in. Everything is redacted."""
    context: dict[str, Any] = {"playbook": record.playbook, "status": record.status, "rc": record.rc}
    result = published(record.events)

    if result is not None and "error" in result:
        raise _published_error(record, result["error"], redactor, context)

    if record.status == "timeout":
        raise RunTimeout(
            f"Playbook {record.playbook} did not finish within {record.timeout:g} seconds and was stopped.",
            log_context=context,
        )
    if record.status == "canceled":
        raise RunCancelled(log_context=context)

    task = failed_task(record.events)
    succeeded = record.status == "successful" and record.rc == 0 and _rescued_or_clean(record.events)
    if not succeeded:
        if task is not None:
            description = redactor.text(task.describe())
            context["failed_task"] = redactor.text(task.name)
            raise PlaybookFailed(f"Playbook {record.playbook} failed at {description}", log_context=context)
        context["output"] = _output_tail(record.events, redactor)
        raise PlaybookFailed(
            f"Playbook {record.playbook} failed before running any task (rc={record.rc}).",
            log_context=context,
        )

    if result is None or "body" not in result:
        raise InternalError(
            f"Playbook {record.playbook} finished without publishing a result (roles/api_result was not called).",
            log_context=context,
        )
    return redactor.data(result["body"])


def _published_error(
    record: RunRecord, error: Any, redactor: Redactor, context: dict[str, Any]
) -> ApiError:
    """The ApiError a role published with api_result_error (500 when it is malformed)."""
    if not isinstance(error, Mapping):
        return InternalError(f"Playbook {record.playbook} published a malformed error.", log_context=context)
    code = str(error.get("code"))
    try:
        cls = playbook_error_class(code)
    except KeyError:
        return InternalError(f"Playbook {record.playbook} published the unknown error code {code!r}.", log_context=context)
    status = error.get("status", cls.status_code)
    if status != cls.status_code:
        return InternalError(
            f"Playbook {record.playbook} published error {code!r} with status {status}, expected {cls.status_code}.",
            log_context=context,
        )
    details = [
        {"field": redactor.text(str(item.get("field", ""))), "message": redactor.text(str(item.get("message", "")))}
        for item in error.get("details") or []
        if isinstance(item, Mapping)
    ]
    message = error.get("message")
    return cls(redactor.text(str(message)) if message else None, details=details, log_context=context)
