"""Lanes over real HTTP: runs of one site one after another, of different sites side by side,
at most max_parallel_runs at once; excess requests wait and succeed. The fixture playbook
selftest_sleep.yml reports when its run started and finished (timestamps taken by Ansible)."""

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
