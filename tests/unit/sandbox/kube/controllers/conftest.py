"""Fixtures for the controllers' unit tests: a fake cluster with chosen controllers."""

from __future__ import annotations

import pytest

from .fakecluster import FakeCluster


@pytest.fixture
def make_cluster(tmp_path):
    """`make_cluster(*controllers)` -> FakeCluster with namespace `t1`; controllers shut down after."""
    made = []

    def make(*controllers, namespace: str | None = "t1") -> FakeCluster:
        cluster = FakeCluster(tmp_path / "state", controllers)
        if namespace:
            cluster.add_namespace(namespace)
        made.append(cluster)
        return cluster

    yield make
    for cluster in made:
        for controller in reversed(cluster.controllers):
            controller.shutdown()


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):
    """Poll until `predicate()` is truthy; return its value or fail with the last one."""
    import time

    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    assert value, f"condition not met within {timeout}s"
    return value


def process_alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False
