"""Lanes: runs of one site one after another, runs of different sites side by side.

Each site slug has a lane (an asyncio lock, FIFO); a global semaphore caps the number of runs
in progress at `max_parallel_runs`. A request first waits for its slug's lane, then for a global
slot, so a request queued behind a run of its own site never holds a slot others could use.
Excess requests wait in line, up to a bound: at most `max_waiting_per_site` requests wait for
one site and at most `max_waiting` in all; one more answers 503 `queue_full` with Retry-After
at once, so no client can pile up unbounded work (or responses that wait for hours).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from contract.errors import QueueFull

#: Seconds a refused client is asked to wait before it tries again (Retry-After).
RETRY_AFTER_SECONDS = 5


@dataclass
class _Lane:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # holders and waiters; the lane is dropped when it reaches 0


class Lanes:
    """Per-slug serialisation plus a global concurrency limit."""

    def __init__(self, max_parallel: int, max_waiting: int = 1000, max_waiting_per_site: int = 100) -> None:
        if max_parallel < 1 or max_waiting < 1 or max_waiting_per_site < 1:
            raise ValueError("max_parallel, max_waiting and max_waiting_per_site must be at least 1")
        self.max_waiting = max_waiting
        self.max_waiting_per_site = max_waiting_per_site
        self._slots = asyncio.Semaphore(max_parallel)
        self._lanes: dict[str, _Lane] = {}
        self._running = 0
        self._waiting = 0

    @asynccontextmanager
    async def hold(self, slug: str | None) -> AsyncIterator[None]:
        """Wait for the slug's lane (if any) and a global slot; hold both inside the block.

        Raises QueueFull (503) when the bound of waiting requests is reached.
        """
        self._refuse_when_full(slug)
        lane = self._lanes.setdefault(slug, _Lane()) if slug is not None else None
        if lane is not None:
            lane.users += 1
        self._waiting += 1
        waiting = True
        try:
            if lane is not None:
                await lane.lock.acquire()
            try:
                await self._slots.acquire()
                self._waiting -= 1
                waiting = False
                self._running += 1
                try:
                    yield
                finally:
                    self._running -= 1
                    self._slots.release()
            finally:
                if lane is not None:
                    lane.lock.release()
        finally:
            if waiting:
                self._waiting -= 1
            if lane is not None:
                lane.users -= 1
                if lane.users == 0:
                    del self._lanes[slug]  # type: ignore[arg-type]

    def _refuse_when_full(self, slug: str | None) -> None:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        lane = self._lanes.get(slug) if slug is not None else None
        # A lane's users are its one holder and its waiters.
        if lane is not None and lane.users - 1 >= self.max_waiting_per_site:
            raise QueueFull(
                f"{lane.users - 1} requests are already waiting for site {slug}, the most this service queues "
                f"for one site; retry in {RETRY_AFTER_SECONDS} seconds.",
                headers=headers,
            )
        if self._waiting >= self.max_waiting:
            raise QueueFull(
                f"{self._waiting} requests are waiting for a free run slot, the most this service queues; "
                f"retry in {RETRY_AFTER_SECONDS} seconds.",
                headers=headers,
            )
