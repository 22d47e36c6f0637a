"""Sandbox-only endpoints under `/_sandbox/`: not part of Mailcow, for tests and `make run`.

  POST   /_sandbox/reset           back to a fresh install (state, faults, request journal)
  GET    /_sandbox/state           everything stored, password hashes included
  POST   /_sandbox/password-check  {"username", "password"} -> {"exists", "valid", "scheme"}
  GET    /_sandbox/faults          faults waiting to fire
  POST   /_sandbox/faults          add one (see Fault)
  DELETE /_sandbox/faults          clear them
  GET    /_sandbox/requests        journal of /api/v1 requests (bodies with passwords masked)
  DELETE /_sandbox/requests        clear it

No key is needed here. Bodies and answers are plain JSON; errors are `{"error": "..."}`.
"""

from __future__ import annotations

import collections
import json
import re
import threading
from dataclasses import asdict, dataclass, fields
from typing import Any

from . import urls
from .models import MailcowBackend
from .responses import Reply, Request

FAULT_ACTIONS = ("status", "drop", "delay")


@dataclass
class Fault:
    """How the next matching `/api/v1` request(s) fail.

    action  "status": answer `status` with `body` (`contentType`) instead of Mailcow's answer;
            "drop": close the connection without answering; "delay": wait `seconds`, then answer.
    when    "before": the request is not processed (Mailcow unreachable / erroring);
            "after": it is processed (writes happen) and then the answer is replaced, lost or late.
    method, pathPrefix   which requests match (default: every /api/v1 request).
    times   how many requests it applies to; null: until cleared.
    """

    action: str
    status: int = 500
    body: str = ""
    contentType: str = "text/html"
    seconds: float = 0.0
    when: str = "before"
    method: str | None = None
    pathPrefix: str = "/api/v1/"
    times: int | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and path.startswith(self.pathPrefix)


class FaultPlan:
    """Faults added by tests, consumed by the HTTP layer."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def listed(self) -> list[dict]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, counted as used."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None


class RequestJournal:
    """The last requests to `/api/v1`, for tests that count calls or look for leaked secrets."""

    def __init__(self, size: int = 2000) -> None:
        self._entries: collections.deque = collections.deque(maxlen=size)
        self._lock = threading.Lock()

    def record(self, request: Request, status: int | None, processed: bool) -> None:
        """`status` is what the client got (None: connection dropped); `processed`: whether
        Mailcow's logic ran (false when a fault answered instead)."""
        entry = {
            "method": request.method,
            "path": request.path,
            "status": status,
            "processed": processed,
            "body": _masked_body(request.body),
        }
        with self._lock:
            self._entries.append(entry)

    def listed(self) -> list[dict]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _mask(value: Any) -> Any:
    """Like json_api.php's api_log(): any key containing "pass" is shown as "*"."""
    if isinstance(value, dict):
        return {k: "*" if re.search("pass", str(k), re.IGNORECASE) else _mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


def _masked_body(body: bytes) -> Any:
    if not body:
        return None
    try:
        return _mask(json.loads(body.decode("utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "<not json>"


class SandboxControl:
    """Handlers of `/_sandbox/*`."""

    def __init__(self, backend: MailcowBackend, faults: FaultPlan, journal: RequestJournal):
        self.backend = backend
        self.faults = faults
        self.journal = journal

    def dispatch(self, request: Request, name: str) -> Reply:
        handler = urls.control_routes.get((request.method, name.strip("/")))
        if handler is None:
            return _json(404, {"error": f"no sandbox route {request.method} /_sandbox/{name}"})
        try:
            body = json.loads(request.body.decode("utf-8")) if request.body else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _json(400, {"error": "body is not JSON"})
        return getattr(self, handler)(body)

    def reset(self, _body: Any) -> Reply:
        """POST /_sandbox/reset"""
        self.backend.reset()
        self.faults.clear()
        self.journal.clear()
        return _json(200, {"ok": True})

    def state(self, _body: Any) -> Reply:
        """GET /_sandbox/state"""
        return _json(200, self.backend.dump())

    def password_check(self, body: Any) -> Reply:
        """POST /_sandbox/password-check {"username": ..., "password": ...}"""
        if not isinstance(body, dict) or not isinstance(body.get("username"), str) or not isinstance(body.get("password"), str):
            return _json(400, {"error": "username and password (strings) are required"})
        return _json(200, self.backend.check_password(body["username"], body["password"]))

    def list_faults(self, _body: Any) -> Reply:
        """GET /_sandbox/faults"""
        return _json(200, self.faults.listed())

    def add_fault(self, body: Any) -> Reply:
        """POST /_sandbox/faults {"action": "status"|"drop"|"delay", ...}"""
        known = {f.name for f in fields(Fault)}
        if not isinstance(body, dict) or body.get("action") not in FAULT_ACTIONS:
            return _json(400, {"error": f"action must be one of {', '.join(FAULT_ACTIONS)}"})
        unknown = set(body) - known
        if unknown:
            return _json(400, {"error": f"unknown fault fields: {', '.join(sorted(unknown))}"})
        if body.get("when", "before") not in ("before", "after"):
            return _json(400, {"error": "when must be before or after"})
        fault = Fault(**body)
        self.faults.add(fault)
        return _json(200, asdict(fault))

    def clear_faults(self, _body: Any) -> Reply:
        """DELETE /_sandbox/faults"""
        self.faults.clear()
        return _json(200, {"ok": True})

    def list_requests(self, _body: Any) -> Reply:
        """GET /_sandbox/requests"""
        return _json(200, self.journal.listed())

    def clear_requests(self, _body: Any) -> Reply:
        """DELETE /_sandbox/requests"""
        self.journal.clear()
        return _json(200, {"ok": True})


def _json(status: int, data: Any) -> Reply:
    return Reply(status, json.dumps(data).encode("utf-8"))
