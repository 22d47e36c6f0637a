"""The event log behind `?watch=true`.

Every stored write appends one event (ADDED, MODIFIED, DELETED) carrying the object as stored
and its resourceVersion. A watch replays the events after the resourceVersion it asks for, then
waits for new ones, until its `timeoutSeconds` run out, the client goes away or the server stops.

The log keeps the last `capacity` events. A watch from a resourceVersion older than that (or older
than the server's start: the log is not persisted) gets the real server's answer, an ERROR event
with a 410 `Expired` Status ("too old resource version"); clients then list again and re-watch.

Selectors are applied per event the way the watch cache does: an object that stops matching is
sent as DELETED, one that starts matching as ADDED.
"""

from __future__ import annotations

import bisect
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterator

BOOKMARK_INTERVAL = 10.0  # seconds of silence before a BOOKMARK (when the client allows them)


@dataclass(frozen=True)
class Event:
    rv: int
    type: str  # ADDED | MODIFIED | DELETED
    key: str  # storage key of the kind (`deployments.apps`)
    obj: dict
    old: dict | None = None  # the object before a MODIFIED event


class EventLog:
    def __init__(self, start_rv: int = 0, capacity: int = 20000):
        self._cond = threading.Condition()
        self._events: list[Event] = []
        self._rvs: list[int] = []
        self._capacity = capacity
        self._known_from = start_rv  # events after this resourceVersion are all in the log
        self._closed = False

    def append(self, event: Event) -> None:
        with self._cond:
            self._events.append(event)
            self._rvs.append(event.rv)
            if len(self._events) > 2 * self._capacity:
                drop = len(self._events) - self._capacity
                self._known_from = self._rvs[drop - 1]
                del self._events[:drop]
                del self._rvs[:drop]
            self._cond.notify_all()

    def too_old(self, rv: int) -> bool:
        with self._cond:
            return rv < self._known_from

    @property
    def known_from(self) -> int:
        return self._known_from

    def close(self) -> None:
        """Wake every watcher and end their streams (server shutdown)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def reopen(self) -> None:
        with self._cond:
            self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def events_after(self, rv: int, wait: float) -> list[Event]:
        """Events newer than `rv`; waits up to `wait` seconds for one if there is none yet."""
        with self._cond:
            idx = bisect.bisect_right(self._rvs, rv)
            if idx >= len(self._events) and wait > 0 and not self._closed:
                self._cond.wait(wait)
                idx = bisect.bisect_right(self._rvs, rv)
            return self._events[idx:]


@dataclass
class WatchRequest:
    key: str
    start_rv: int
    initial: list[dict]  # objects to send as ADDED first (a watch without resourceVersion)
    matches: Callable[[dict], bool]
    timeout: float
    bookmarks: bool = False


def stream(log: EventLog, req: WatchRequest, render: Callable[[dict], dict], bookmark: Callable[[int], dict],
           too_old: Callable[[int], dict]) -> Iterator[dict]:
    """Yield watch events as JSON-ready dicts `{"type": ..., "object": ...}` until the timeout."""
    deadline = time.monotonic() + req.timeout
    if req.start_rv and log.too_old(req.start_rv):
        yield {"type": "ERROR", "object": too_old(req.start_rv)}
        return
    for obj in req.initial:
        yield {"type": "ADDED", "object": render(obj)}
    last = req.start_rv
    last_sent = time.monotonic()
    while not log.closed:
        now = time.monotonic()
        if now >= deadline:
            return
        wait = min(deadline - now, 1.0)
        events = log.events_after(last, wait)
        for ev in events:
            last = ev.rv
            if ev.key != req.key:
                continue
            out_type = _selected_type(ev, req.matches)
            if out_type:
                last_sent = time.monotonic()
                yield {"type": out_type, "object": render(ev.obj)}
        if req.bookmarks and time.monotonic() - last_sent >= BOOKMARK_INTERVAL:
            last_sent = time.monotonic()
            yield {"type": "BOOKMARK", "object": bookmark(last)}


def _selected_type(ev: Event, matches: Callable[[dict], bool]) -> str | None:
    now = matches(ev.obj)
    if ev.type != "MODIFIED" or ev.old is None:
        return ev.type if now else None
    before = matches(ev.old)
    if now and before:
        return "MODIFIED"
    if now:
        return "ADDED"
    if before:
        return "DELETED"
    return None
