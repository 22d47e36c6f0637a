"""server/lanes.py: one run per slug at a time, a global limit, excess requests wait in line."""

import asyncio

import pytest

from server.lanes import Lanes


class Recorder:
    """Runs fake jobs through the lanes and records what ran when."""

    def __init__(self, lanes: Lanes):
        self.lanes = lanes
        self.log: list[tuple[str, str]] = []
        self.active: set[str] = set()
        self.peak = 0
        self.overlaps: list[tuple[str, str]] = []

    async def job(self, slug: str | None, name: str, hold: asyncio.Event | float = 0.01) -> None:
        async with self.lanes.hold(slug):
            for other in self.active:
                self.overlaps.append((other, name))
            self.active.add(name)
            self.peak = max(self.peak, len(self.active))
            self.log.append(("start", name))
            if isinstance(hold, asyncio.Event):
                await hold.wait()
            else:
                await asyncio.sleep(hold)
            self.log.append(("end", name))
            self.active.discard(name)


def _state(lanes: Lanes) -> tuple[int, int, int]:
    """Runs holding a slot, requests waiting, and lanes kept: what must drain back to zero."""
    return lanes._running, lanes._waiting, len(lanes._lanes)


async def _settle():
    for _ in range(5):
        await asyncio.sleep(0)


def test_runs_of_one_slug_run_one_after_another_in_arrival_order():
    async def scenario():
        recorder = Recorder(Lanes(4))
        await asyncio.gather(*(recorder.job("site-a", f"a{i}") for i in range(4)))
        return recorder

    recorder = asyncio.run(scenario())
    assert recorder.overlaps == []
    assert recorder.log == [(event, f"a{i}") for i in range(4) for event in ("start", "end")]


def test_runs_of_different_slugs_run_side_by_side():
    async def scenario():
        recorder = Recorder(Lanes(4))
        await asyncio.gather(*(recorder.job(f"site-{i}", f"s{i}", 0.05) for i in range(3)))
        return recorder

    recorder = asyncio.run(scenario())
    assert recorder.peak == 3


def test_the_global_limit_caps_runs_and_the_rest_wait_without_failing():
    async def scenario():
        lanes = Lanes(2)
        recorder = Recorder(lanes)
        release = asyncio.Event()
        jobs = [asyncio.create_task(recorder.job(f"site-{i}", f"s{i}", release)) for i in range(5)]
        await _settle()
        snapshot = _state(lanes)[:2]
        release.set()
        await asyncio.gather(*jobs)
        return recorder, snapshot, lanes

    recorder, (running, waiting), lanes = asyncio.run(scenario())
    assert (running, waiting) == (2, 3)
    assert recorder.peak == 2
    assert len([event for event in recorder.log if event[0] == "end"]) == 5
    assert _state(lanes) == (0, 0, 0)


def test_waiting_for_its_own_lane_does_not_take_a_global_slot():
    async def scenario():
        lanes = Lanes(2)
        recorder = Recorder(lanes)
        first = asyncio.Event()
        a1 = asyncio.create_task(recorder.job("site-a", "a1", first))
        await _settle()
        a2 = asyncio.create_task(recorder.job("site-a", "a2"))  # waits for a1 (same site)
        await _settle()
        b1 = asyncio.create_task(recorder.job("site-b", "b1"))  # must get the second slot now
        await b1
        done_before_a1 = ("end", "b1") in recorder.log and ("start", "a2") not in recorder.log
        first.set()
        await asyncio.gather(a1, a2)
        return done_before_a1

    assert asyncio.run(scenario())


def test_runs_without_a_slug_only_count_against_the_global_limit():
    async def scenario():
        recorder = Recorder(Lanes(3))
        await asyncio.gather(*(recorder.job(None, f"n{i}", 0.05) for i in range(3)))
        return recorder

    assert asyncio.run(scenario()).peak == 3


def test_a_cancelled_waiter_leaves_the_line_and_the_others_go_on():
    async def scenario():
        lanes = Lanes(1)
        recorder = Recorder(lanes)
        release = asyncio.Event()
        a1 = asyncio.create_task(recorder.job("site-a", "a1", release))
        await _settle()
        a2 = asyncio.create_task(recorder.job("site-a", "a2"))
        b1 = asyncio.create_task(recorder.job("site-b", "b1"))
        await _settle()
        a2.cancel()
        await _settle()
        release.set()
        await asyncio.gather(a1, b1)
        with pytest.raises(asyncio.CancelledError):
            await a2
        return recorder, lanes

    recorder, lanes = asyncio.run(scenario())
    assert ("start", "a2") not in recorder.log
    assert ("end", "b1") in recorder.log
    assert _state(lanes) == (0, 0, 0)


def test_a_failing_run_releases_its_lane():
    async def scenario():
        lanes = Lanes(1)

        async def failing():
            async with lanes.hold("site-a"):
                raise RuntimeError("run failed")

        with pytest.raises(RuntimeError):
            await failing()
        async with lanes.hold("site-a"):
            pass
        return lanes

    lanes = asyncio.run(scenario())
    assert _state(lanes) == (0, 0, 0)


def test_at_least_one_parallel_run_is_required():
    with pytest.raises(ValueError):
        Lanes(0)


def test_waiting_requests_are_bounded_per_site_and_in_all():
    from contract.errors import QueueFull

    async def attempt(lanes, slug):
        """Refused at once, or queued (given up after 50 ms, which leaves the line)."""
        async def enter():
            async with lanes.hold(slug):
                pass

        try:
            await asyncio.wait_for(enter(), 0.05)
        except QueueFull as error:
            return ("refused", error.headers["Retry-After"], error.message)
        except asyncio.TimeoutError:
            return ("queued",)
        return ("entered",)

    async def scenario():
        lanes = Lanes(1, max_waiting=2, max_waiting_per_site=1)
        release = asyncio.Event()
        recorder = Recorder(lanes)
        holder = asyncio.ensure_future(recorder.job("site-a", "holder", release))
        await _settle()
        waiter = asyncio.ensure_future(recorder.job("site-a", "waiter"))
        await _settle()
        outcomes = [await attempt(lanes, "site-a"), await attempt(lanes, "site-b")]
        other = asyncio.ensure_future(recorder.job("site-b", "other"))
        await _settle()
        outcomes.append(await attempt(lanes, "site-c"))
        release.set()
        await asyncio.gather(holder, waiter, other)
        return outcomes, recorder, lanes

    outcomes, recorder, lanes = asyncio.run(scenario())
    # site-a has its one waiter; site-b still fits (1 waiting of 2) until "other" waits too.
    assert [outcome[:2] for outcome in outcomes] == [("refused", "5"), ("queued",), ("refused", "5")]
    assert "waiting for site site-a" in outcomes[0][2]
    assert "waiting for a free run slot" in outcomes[2][2]
    assert sorted(name for event, name in recorder.log if event == "start") == ["holder", "other", "waiter"]
    assert _state(lanes) == (0, 0, 0)
