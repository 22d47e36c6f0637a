"""The watch event log and stream (sandbox/kube/watch.py)."""

from __future__ import annotations

import threading
import time

from sandbox.kube.watch import Event, EventLog, WatchRequest, stream


def _obj(name: str, rv: int, labels: dict | None = None) -> dict:
    return {"metadata": {"name": name, "resourceVersion": str(rv), "labels": labels or {}}}


def _run(log: EventLog, req: WatchRequest) -> list[tuple[str, str]]:
    out = []
    for ev in stream(log, req, lambda o: o, lambda rv: {"metadata": {"resourceVersion": str(rv)}},
                     lambda rv: {"code": 410, "rv": rv}):
        out.append((ev["type"], ev["object"].get("metadata", {}).get("name") or str(ev["object"].get("rv"))))
    return out


def test_events_after_the_requested_version_of_the_watched_kind_only():
    log = EventLog(start_rv=10)
    log.append(Event(11, "ADDED", "configmaps", _obj("a", 11)))
    log.append(Event(12, "ADDED", "secrets", _obj("s", 12)))
    log.append(Event(13, "MODIFIED", "configmaps", _obj("a", 13), _obj("a", 11)))
    log.append(Event(14, "DELETED", "configmaps", _obj("a", 14)))
    req = WatchRequest("configmaps", 11, [], lambda o: True, timeout=0.2)
    assert _run(log, req) == [("MODIFIED", "a"), ("DELETED", "a")]


def test_initial_objects_come_first_as_added():
    log = EventLog(start_rv=5)
    req = WatchRequest("configmaps", 5, [_obj("x", 3), _obj("y", 4)], lambda o: True, timeout=0.1)
    assert _run(log, req) == [("ADDED", "x"), ("ADDED", "y")]


def test_selector_transitions_become_added_and_deleted():
    log = EventLog(start_rv=0)
    web = {"app": "web"}
    log.append(Event(1, "ADDED", "pods", _obj("p", 1)))
    log.append(Event(2, "MODIFIED", "pods", _obj("p", 2, web), _obj("p", 1)))
    log.append(Event(3, "MODIFIED", "pods", _obj("p", 3, web), _obj("p", 2, web)))
    log.append(Event(4, "MODIFIED", "pods", _obj("p", 4), _obj("p", 3, web)))
    req = WatchRequest("pods", 0, [], lambda o: o["metadata"]["labels"].get("app") == "web", timeout=0.1)
    assert _run(log, req) == [("ADDED", "p"), ("MODIFIED", "p"), ("DELETED", "p")]


def test_version_older_than_the_log_gets_one_410_error_event():
    log = EventLog(start_rv=100)
    req = WatchRequest("pods", 42, [], lambda o: True, timeout=5)
    assert _run(log, req) == [("ERROR", "42")]


def test_trimmed_log_reports_too_old():
    log = EventLog(start_rv=0, capacity=2)
    for rv in range(1, 6):
        log.append(Event(rv, "ADDED", "pods", _obj(f"p{rv}", rv)))
    assert log.too_old(1)
    assert not log.too_old(log.known_from)


def test_waiting_stream_receives_later_events_and_ends_at_timeout():
    log = EventLog(start_rv=0)
    req = WatchRequest("pods", 0, [], lambda o: True, timeout=0.6)
    result: list = []
    thread = threading.Thread(target=lambda: result.extend(_run(log, req)))
    start = time.monotonic()
    thread.start()
    time.sleep(0.1)
    log.append(Event(1, "ADDED", "pods", _obj("late", 1)))
    thread.join(5)
    assert result == [("ADDED", "late")]
    assert 0.5 < time.monotonic() - start < 3


def test_close_ends_waiting_streams():
    log = EventLog(start_rv=0)
    req = WatchRequest("pods", 0, [], lambda o: True, timeout=60)
    thread = threading.Thread(target=lambda: _run(log, req))
    thread.start()
    time.sleep(0.1)
    log.close()
    thread.join(3)
    assert not thread.is_alive()
