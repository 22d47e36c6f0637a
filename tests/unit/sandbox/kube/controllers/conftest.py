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
