"""The site playbooks run by an operator: `ansible-playbook -i inventory playbooks/<op>.yml -e ...`.

Each converging playbook reports changed on its first run and no change on the second, and a
`--check` run writes nothing to the cluster.
"""

from __future__ import annotations

import pytest
import requests

from tests.fixtures.ansible_run import Playbooks

SLUG = "ops-example-com"
NS = f"tenant-{SLUG}"


@pytest.fixture
def playbook(kube_env, tmp_path) -> Playbooks:
    """`playbook(name, api_input, *args)` runs playbooks/<name>.yml as an operator would -> Outcome."""
    return Playbooks(kube_env, tmp_path)


def namespace_state(kube) -> dict[str, str]:
    """name/kind -> resourceVersion of everything in the site's namespace (and the namespace)."""
    state = {}
    for path in (
        f"/api/v1/namespaces/{NS}/resourcequotas", f"/api/v1/namespaces/{NS}/limitranges",
        f"/api/v1/namespaces/{NS}/persistentvolumeclaims", f"/apis/apps/v1/namespaces/{NS}/deployments",
        f"/api/v1/namespaces/{NS}/services", f"/apis/networking.k8s.io/v1/namespaces/{NS}/ingresses",
        f"/apis/networking.k8s.io/v1/namespaces/{NS}/networkpolicies",
    ):
        for item in requests.get(kube.url + path, timeout=10).json()["items"]:
            state[f"{path}/{item['metadata']['name']}"] = item["metadata"]["resourceVersion"]
    ns = requests.get(kube.url + f"/api/v1/namespaces/{NS}", timeout=10)
    state["namespace"] = ns.json()["metadata"]["resourceVersion"] if ns.status_code == 200 else "absent"
    return state


def test_site_playbooks_change_once_then_report_no_change(playbook, kube):
    create = {"domain": "ops.example.com", "cpu": 1, "ramGi": 1, "diskGi": 5}
    first = playbook("site_create", create)
    assert first.rc == 0 and first.changed > 0 and first.result["body"]["slug"] == SLUG
    again = playbook("site_create", create)
    assert again.rc != 0 and again.changed == 0 and again.result["error"]["status"] == 409

    for name, api_input in (
        ("site_deploy", {"slug": SLUG, "image": "nginx:1.27", "containerPort": 80}),
        ("site_tls_update", {"slug": SLUG, "enabled": True, "issuer": "letsencrypt-prod"}),
        ("site_limits_update", {"slug": SLUG, "cpu": 2, "diskGi": 6}),
    ):
        first = playbook(name, api_input)
        assert first.rc == 0 and first.changed > 0, (name, first)
        second = playbook(name, api_input)
        assert second.rc == 0 and second.changed == 0, (name, second)

    listed = playbook("site_list", {})
    assert listed.changed == 0 and [s["slug"] for s in listed.result["body"]] == [SLUG]

    deleted = playbook("site_delete", {"slug": SLUG})
    assert deleted.rc == 0 and deleted.changed > 0
    again = playbook("site_delete", {"slug": SLUG})
    assert again.rc != 0 and again.changed == 0 and again.result["error"]["status"] == 404

    purged = playbook("site_purge", {"slug": SLUG, "confirm": "DELETE"})
    assert purged.rc == 0 and purged.changed > 0, purged
    assert namespace_state(kube)["namespace"] == "absent"
    again = playbook("site_purge", {"slug": SLUG, "confirm": "DELETE"})
    assert again.rc != 0 and again.changed == 0 and again.result["error"]["status"] == 404


def test_check_mode_writes_nothing(playbook, kube):
    created = playbook("site_create", {"domain": "ops.example.com", "cpu": 1, "ramGi": 1, "diskGi": 5}, "--check")
    assert created.rc == 0, created
    assert namespace_state(kube) == {"namespace": "absent"}

    playbook("site_create", {"domain": "ops.example.com", "cpu": 1, "ramGi": 1, "diskGi": 5})
    before = namespace_state(kube)
    for name, api_input in (
        ("site_deploy", {"slug": SLUG, "image": "nginx:1.27", "containerPort": 80}),
        ("site_tls_update", {"slug": SLUG, "enabled": True, "issuer": "letsencrypt-prod"}),
        ("site_limits_update", {"slug": SLUG, "cpu": 2, "diskGi": 6}),
        ("site_delete", {"slug": SLUG}),
        ("site_purge", {"slug": SLUG, "confirm": "DELETE"}),
    ):
        result = playbook(name, api_input, "--check")
        assert result.rc == 0 and result.changed > 0, (name, result)
        assert namespace_state(kube) == before, name


def test_operator_run_refuses_invalid_input_like_the_service(playbook, kube):
    result = playbook("site_create", {"domain": "bad_domain", "cpu": "1", "ramGi": 1, "diskGi": 5})
    assert result.rc != 0 and result.changed == 0
    error = result.result["error"]
    assert error["status"] == 400 and error["code"] == "invalid_input"
    assert {d["field"] for d in error["details"]} == {"domain", "cpu"}
