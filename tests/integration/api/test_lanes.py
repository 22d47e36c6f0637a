"""Lanes over real HTTP: runs of one site one after another, of different sites side by side,
at most max_parallel_runs at once; excess requests wait and succeed. The fixture playbook
selftest_sleep.yml reports when its run started and finished (timestamps taken by Ansible)."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.fixtures.service import TEST_MODULE, start_service

MAX_PARALLEL = 2
SLEEP = 1.5


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    started = start_service(
        TEST_MODULE, tmp_path_factory.mktemp("lanes"), max_parallel_runs=str(MAX_PARALLEL), run_timeout="60"
    )
    yield started
    started.stop()


def _run_all(service, requests: list[tuple[str | None, str]]) -> dict[str, tuple[float, float]]:
    """Send the (slug, label) requests at once; return label -> (started, finished)."""

    def one(slug_label):
        slug, label = slug_label
        body = {"seconds": SLEEP, "label": label}
        if slug is not None:
            body["slug"] = slug
        return service.request("POST", "/_selftest/sleep", json=body)

    with ThreadPoolExecutor(len(requests)) as pool:
        responses = list(pool.map(one, requests))
    assert [response.status_code for response in responses] == [200] * len(requests), [r.text for r in responses]
    return {r.json()["label"]: (r.json()["started"], r.json()["finished"]) for r in responses}


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return max(a[0], b[0]) < min(a[1], b[1])


def _peak(intervals) -> int:
    points = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    peak = current = 0
    for _, step in points:
        current += step
        peak = max(peak, current)
    return peak


def test_runs_of_one_site_are_serialized(service):
    runs = _run_all(service, [("site-a", "a1"), ("site-a", "a2"), ("site-a", "a3")])
    intervals = list(runs.values())
    assert not any(_overlap(x, y) for i, x in enumerate(intervals) for y in intervals[i + 1:])


def test_runs_of_different_sites_run_in_parallel(service):
    runs = _run_all(service, [("site-a", "a"), ("site-b", "b")])
    assert _overlap(runs["a"], runs["b"])


def test_one_site_waits_while_another_runs_beside_it(service):
    runs = _run_all(service, [("site-a", "a1"), ("site-a", "a2"), ("site-b", "b1")])
    assert not _overlap(runs["a1"], runs["a2"])
    assert _overlap(runs["b1"], runs["a1"]) or _overlap(runs["b1"], runs["a2"])


def test_excess_requests_queue_and_all_succeed(service):
    labels = [f"s{i}" for i in range(5)]
    runs = _run_all(service, [(f"site-{label}", label) for label in labels])
    assert set(runs) == set(labels)
    assert _peak(runs.values()) == MAX_PARALLEL
    waves = sorted(start for start, _ in runs.values())
    assert waves[-1] - waves[0] >= 2 * SLEEP * 0.9  # five runs, two at a time: three waves


def test_runs_without_a_site_count_against_the_global_limit(service):
    runs = _run_all(service, [(None, f"n{i}") for i in range(3)])
    assert _peak(runs.values()) == MAX_PARALLEL


def test_a_full_queue_answers_503_with_retry_after(tmp_path):
    """One run of site-a holds the lane, one waits; a third for site-a is refused at once, while
    another site still queues behind the global limit until the total bound is reached."""
    started = start_service(
        TEST_MODULE, tmp_path, max_parallel_runs="1", max_waiting_runs="2", max_waiting_runs_per_site="1", run_timeout="60"
    )
    try:
        def sleep(slug, label):
            return started.request("POST", "/_selftest/sleep", json={"seconds": 3, "label": label, "slug": slug})

        with ThreadPoolExecutor(3) as pool:
            # A request takes its place in the lanes as soon as it arrives (before its playbook
            # starts), and the first run sleeps 3 s after Ansible's start: 0.5 s apart is plenty.
            running = pool.submit(sleep, "site-a", "running")
            time.sleep(0.5)
            waiting = pool.submit(sleep, "site-a", "waiting")
            other = pool.submit(sleep, "site-b", "other")
            time.sleep(0.5)
            refused_site = sleep("site-a", "refused")
            refused_total = sleep("site-c", "refused-too")
            results = [future.result() for future in (running, waiting, other)]
        assert [response.status_code for response in results] == [200, 200, 200]
        for response, text in ((refused_site, "waiting for site site-a"), (refused_total, "waiting for a free run slot")):
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "5"
            assert response.json()["error"] == "queue_full"
            assert text in response.json()["message"]
        assert "ERROR" not in started.log()
    finally:
        started.stop()
