"""The warm runner (the default) and the plain one (PROVISIONER_RUNNER=plain) give the same
answers: the same requests through two services over the same cluster, compared response by
response. The rest of the suite runs with the warm runner; test_runner.py runs with both."""

from __future__ import annotations

import pytest

from tests.fixtures.stack import start_stack_service

SITE = {"domain": "modes.example.com", "cpu": 1, "ramGi": 2, "diskGi": 10}
SLUG = "modes-example-com"


@pytest.fixture(scope="module")
def plain(kube, postgres, mailcow, tmp_path_factory):
    service = start_stack_service(kube, postgres, mailcow, tmp_path_factory.mktemp("plain-service"), runner="plain")
    yield service
    service.stop()


def _both(warm, plain, method, path, body=None):
    answers = [service.request(method, path, json=body) for service in (warm, plain)]
    return [(answer.status_code, answer.json()) for answer in answers]


def test_both_runners_answer_a_site_life_cycle_alike(api, plain):
    assert api.request("POST", "/sites", json=SITE).status_code == 200
    steps = [
        ("GET", "/sites", None),
        ("POST", "/sites", SITE),  # 409: the slug is taken
        ("POST", "/sites", {**SITE, "cpu": 10_000}),  # 400 before any run
        ("GET", "/sites/no-such-site/db/status", None),  # 404 published by the playbook
        ("GET", f"/sites/{SLUG}/db/status", None),
        ("POST", f"/sites/{SLUG}/deploy", {"image": "ghcr.io/org/app:1.0", "containerPort": 3000}),
    ]
    statuses = []
    for method, path, body in steps:
        warm_answer, plain_answer = _both(api, plain, method, path, body)
        assert warm_answer == plain_answer, f"{method} {path}"
        statuses.append(warm_answer[0])
    assert statuses == [200, 409, 400, 404, 200, 200]
