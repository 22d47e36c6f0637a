"""The site endpoints over real HTTP: service -> runner -> playbooks -> sandbox cluster.

Every check of the result reads the cluster through its API (a channel the playbooks did not
use for the answer), not only the response body.
"""

from __future__ import annotations

import re
import threading

import pytest
import requests

SITE = {"domain": "app.example.com", "cpu": 1, "ramGi": 2, "diskGi": 10}
SLUG = "app-example-com"
NS = "tenant-app-example-com"


def kget(kube, path: str) -> dict | None:
    """GET from the cluster; None on 404."""
    response = requests.get(kube.url + path, timeout=10)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.json()


def create(api, **overrides) -> requests.Response:
    return api.request("POST", "/sites", json={**SITE, **overrides})


def created(api, **overrides) -> dict:
    response = create(api, **overrides)
    assert response.status_code == 200, response.text
    return response.json()


def deployed(api, slug=SLUG, image="ghcr.io/org/app:1.0", port=3000) -> dict:
    response = api.request("POST", f"/sites/{slug}/deploy", json={"image": image, "containerPort": port})
    assert response.status_code == 200, response.text
    return response.json()


def assert_error(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False and body["error"] == code and body["message"], body
    return body


# --- POST /sites --------------------------------------------------------------------------------
def test_create_site_answers_contract_body_and_builds_namespace(api, kube):
    body = created(api)
    assert body == {
        "domain": "app.example.com",
        "slug": SLUG,
        "namespace": NS,
        "limits": {"cpu": 1, "ramGi": 2, "diskGi": 10, "pods": 1},
    }
    ns = kget(kube, f"/api/v1/namespaces/{NS}")
    assert ns["metadata"]["labels"]["tenant-provisioner.io/state"] == "active"
    assert ns["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "tenant-provisioner"
    assert ns["metadata"]["annotations"]["tenant-provisioner.io/domain"] == "app.example.com"

    quotas = {q["metadata"]["name"]: q["spec"] for q in kget(kube, f"/api/v1/namespaces/{NS}/resourcequotas")["items"]}
    assert quotas["site-compute"]["scopes"] == ["NotTerminating"]
    assert quotas["site-compute"]["hard"] == {
        "pods": "1", "requests.cpu": "1", "limits.cpu": "1", "requests.memory": "2Gi", "limits.memory": "2Gi",
    }
    assert quotas["site-jobs"]["scopes"] == ["Terminating"]
    assert "scopes" not in quotas["site-storage"]
    assert quotas["site-storage"]["hard"] == {"requests.storage": "10Gi", "persistentvolumeclaims": "1"}

    limits = kget(kube, f"/api/v1/namespaces/{NS}/limitranges/site-defaults")["spec"]["limits"][0]
    assert limits["default"] == {"cpu": "1", "memory": "2Gi"}
    policy = kget(kube, f"/apis/networking.k8s.io/v1/namespaces/{NS}/networkpolicies/site-isolation")
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    pvc = kget(kube, f"/api/v1/namespaces/{NS}/persistentvolumeclaims/site-data")
    assert pvc["spec"]["resources"]["requests"]["storage"] == "10Gi"
    assert pvc["status"]["phase"] == "Bound"


    # The same slug again is refused.
    assert_error(create(api), 409, "already_exists")


def test_create_site_with_idn_domain_stores_punycode(api, kube):
    body = created(api, domain="Bücher.Example.COM")
    assert body["domain"] == "xn--bcher-kva.example.com"
    assert body["slug"] == "xn--bcher-kva-example-com"
    ns = kget(kube, "/api/v1/namespaces/tenant-xn--bcher-kva-example-com")
    assert ns["metadata"]["annotations"]["tenant-provisioner.io/domain"] == "xn--bcher-kva.example.com"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"domain": "a" * 64 + ".example.com"}, "domain"),
        ({"domain": "a" * 50 + ".example.com"}, "domain"),  # namespace name over 63 characters
        ({"domain": "not a hostname"}, "domain"),
        ({"domain": "localhost"}, "domain"),
        ({"domain": "10.0.0.1"}, "domain"),
        ({"domain": "under_score.example.com"}, "domain"),
        ({"cpu": 0}, "cpu"),
        ({"cpu": "1"}, "cpu"),
        ({"cpu": 1000}, "cpu"),
        ({"ramGi": -1}, "ramGi"),
        ({"ramGi": True}, "ramGi"),
        ({"diskGi": 2.5}, "diskGi"),
        ({"diskGi": 100000}, "diskGi"),
        ({"tlsIssuer": "nobody-knows-me"}, "tlsIssuer"),
        ({"tlsEnabled": "yes"}, "tlsEnabled"),
        ({"ramGB": 2}, "(unknown field 1)"),
    ],
)
def test_create_site_refuses_bad_input_before_any_playbook(api, kube, overrides, field):
    runs = api.playbook_runs()
    body = assert_error(create(api, **overrides), 400, "invalid_input")
    assert field in {d["field"] for d in body["details"]}
    assert api.playbook_runs() == runs  # no playbook ran
    namespaces = kget(kube, "/api/v1/namespaces?labelSelector=app.kubernetes.io/managed-by%3Dtenant-provisioner")
    assert namespaces["items"] == []


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"", b'"text"'])
def test_create_site_refuses_non_json_bodies(api, raw):
    response = api.request("POST", "/sites", data=raw, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "invalid_json")


def test_create_site_missing_fields_are_named(api):
    body = assert_error(api.request("POST", "/sites", json={"domain": "a.example.com"}), 400, "invalid_input")
    assert {d["field"] for d in body["details"]} == {"cpu", "ramGi", "diskGi"}


# --- GET /sites ---------------------------------------------------------------------------------
def test_list_sites_sorted_nulls_before_deploy_then_ready_unless_never_ready(api, kube):
    assert api.request("GET", "/sites").json() == []
    created(api, domain="b.example.com")
    created(api, domain="a.example.com", tlsEnabled=True, tlsIssuer="letsencrypt-staging")
    sites = api.request("GET", "/sites").json()
    assert [s["slug"] for s in sites] == ["a-example-com", "b-example-com"]
    assert sites[0] == {
        "slug": "a-example-com",
        "namespace": "tenant-a-example-com",
        "ready": False,
        "domain": "a.example.com",
        "image": None,
        "containerPort": None,
        "tlsEnabled": True,
        "tlsIssuer": "letsencrypt-staging",
        "dbEnabled": False,
        "mailEnabled": False,
        "backupEnabled": False,
    }

    deployed(api, "a-example-com")
    deployed(api, "b-example-com")
    # The sandbox-only annotation keeps a Deployment from ever becoming available.
    patch = {"metadata": {"annotations": {"sandbox.tenant-provisioner.local/never-ready": "true"}}}
    response = requests.patch(
        kube.url + "/apis/apps/v1/namespaces/tenant-b-example-com/deployments/site",
        json=patch, headers={"Content-Type": "application/merge-patch+json"}, timeout=10,
    )
    assert response.status_code == 200, response.text
    sites = {s["slug"]: s for s in api.request("GET", "/sites").json()}
    assert sites["a-example-com"]["ready"] is True
    assert sites["a-example-com"]["image"] == "ghcr.io/org/app:1.0"
    assert sites["a-example-com"]["containerPort"] == 3000
    assert sites["b-example-com"]["ready"] is False


# --- PATCH /sites/:slug/limits ------------------------------------------------------------------
def test_limits_update_changes_quota_limit_range_volume_and_app(api, kube):
    created(api)
    deployed(api)
    response = api.request("PATCH", f"/sites/{SLUG}/limits", json={"cpu": 0.5, "ramGi": 4, "diskGi": 20})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "slug": SLUG, "namespace": NS, "limits": {"cpu": 0.5, "ramGi": 4, "diskGi": 20, "pods": 1},
    }
    quota = kget(kube, f"/api/v1/namespaces/{NS}/resourcequotas/site-compute")["spec"]["hard"]
    assert quota["limits.cpu"] == "500m" and quota["limits.memory"] == "4Gi"
    storage = kget(kube, f"/api/v1/namespaces/{NS}/resourcequotas/site-storage")["spec"]["hard"]
    assert storage["requests.storage"] == "20Gi"
    assert kget(kube, f"/api/v1/namespaces/{NS}/limitranges/site-defaults")["spec"]["limits"][0]["default"] == {
        "cpu": "500m", "memory": "4Gi",
    }
    pvc = kget(kube, f"/api/v1/namespaces/{NS}/persistentvolumeclaims/site-data")
    assert pvc["spec"]["resources"]["requests"]["storage"] == "20Gi"
    container = kget(kube, f"/apis/apps/v1/namespaces/{NS}/deployments/site")["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"] == {"requests": {"cpu": "500m", "memory": "4Gi"}, "limits": {"cpu": "500m", "memory": "4Gi"}}

    # Fields not given keep their values.
    response = api.request("PATCH", f"/sites/{SLUG}/limits", json={"ramGi": 3})
    assert response.json()["limits"] == {"cpu": 0.5, "ramGi": 3, "diskGi": 20, "pods": 1}


def test_limits_update_refuses_to_shrink_disk_with_409(api, kube):
    created(api)
    assert_error(api.request("PATCH", f"/sites/{SLUG}/limits", json={"diskGi": 5}), 409, "conflict")
    pvc = kget(kube, f"/api/v1/namespaces/{NS}/persistentvolumeclaims/site-data")
    assert pvc["spec"]["resources"]["requests"]["storage"] == "10Gi"


@pytest.mark.parametrize("body", [{}, {"cpu": -1}, {"diskGi": "20"}, {"pods": 2}])
def test_limits_update_refuses_bad_input(api, body):
    assert_error(api.request("PATCH", f"/sites/{SLUG}/limits", json=body), 400, "invalid_input")


def test_limits_update_of_unknown_site_answers_404(api):
    assert_error(api.request("PATCH", "/sites/nope-example-com/limits", json={"cpu": 1}), 404, "site_not_found")


# --- POST /sites/:slug/deploy -------------------------------------------------------------------
def test_deploy_applies_recreate_deployment_service_and_ingress(api, kube):
    created(api)
    assert deployed(api) == {"slug": SLUG, "namespace": NS, "image": "ghcr.io/org/app:1.0", "containerPort": 3000}
    deployment = kget(kube, f"/apis/apps/v1/namespaces/{NS}/deployments/site")
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert deployment["spec"]["replicas"] == 1
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "ghcr.io/org/app:1.0"
    assert container["ports"][0]["containerPort"] == 3000
    assert container["volumeMounts"] == [{"name": "site-data", "mountPath": "/data"}]
    service = kget(kube, f"/api/v1/namespaces/{NS}/services/site")
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    ingress = kget(kube, f"/apis/networking.k8s.io/v1/namespaces/{NS}/ingresses/site")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["rules"][0]["host"] == "app.example.com"
    assert "tls" not in ingress["spec"]

    # Deploying again updates the same Deployment.
    deployed(api, image="ghcr.io/org/app:2.0", port=8080)
    deployment = kget(kube, f"/apis/apps/v1/namespaces/{NS}/deployments/site")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert (container["image"], container["ports"][0]["containerPort"]) == ("ghcr.io/org/app:2.0", 8080)


@pytest.mark.parametrize(
    "body",
    [{"image": "", "containerPort": 80}, {"image": "nginx", "containerPort": 0},
     {"image": "nginx", "containerPort": 65536}, {"image": "nginx"}, {"image": "Bad Image", "containerPort": 80},
     {"image": "{{ lookup('pipe', 'id') }}", "containerPort": 80}],
)
def test_deploy_refuses_bad_input(api, body):
    assert_error(api.request("POST", f"/sites/{SLUG}/deploy", json=body), 400, "invalid_input")


def test_deploy_to_unknown_site_answers_404(api):
    response = api.request("POST", "/sites/nope-example-com/deploy", json={"image": "nginx", "containerPort": 80})
    assert_error(response, 404, "site_not_found")


def test_deploy_to_invalid_slug_answers_400(api):
    response = api.request("POST", "/sites/Not_A_Slug/deploy", json={"image": "nginx", "containerPort": 80})
    assert_error(response, 400, "invalid_input")


# --- PATCH /sites/:slug/tls ---------------------------------------------------------------------
def _tls_secret_names(kube) -> set[str]:
    secrets = kget(kube, f"/api/v1/namespaces/{NS}/secrets")["items"]
    return {s["metadata"]["name"] for s in secrets if s.get("type") == "kubernetes.io/tls"}


def test_tls_enable_before_deploy_issuer_change_and_disable(api, kube):
    created(api)
    # TLS set before the first deploy is recorded and used by the deploy.
    response = api.request("PATCH", f"/sites/{SLUG}/tls", json={"enabled": True, "issuer": "letsencrypt-prod"})
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True, "slug": SLUG, "tlsEnabled": True, "issuer": "letsencrypt-prod"}
    assert kget(kube, f"/apis/networking.k8s.io/v1/namespaces/{NS}/ingresses/site") is None
    deployed(api)
    ingress = kget(kube, f"/apis/networking.k8s.io/v1/namespaces/{NS}/ingresses/site")
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"
    assert ingress["spec"]["tls"] == [{"hosts": ["app.example.com"], "secretName": "site-tls-letsencrypt-prod"}]
    certificate = kget(kube, f"/apis/cert-manager.io/v1/namespaces/{NS}/certificates/site-tls-letsencrypt-prod")
    assert certificate["spec"]["issuerRef"]["name"] == "letsencrypt-prod"
    assert _tls_secret_names(kube) == {"site-tls-letsencrypt-prod"}

    # Another issuer: a new secret name, so cert-manager really issues a new certificate.
    response = api.request("PATCH", f"/sites/{SLUG}/tls", json={"enabled": True, "issuer": "letsencrypt-staging"})
    assert response.json()["issuer"] == "letsencrypt-staging"
    ingress = kget(kube, f"/apis/networking.k8s.io/v1/namespaces/{NS}/ingresses/site")
    assert ingress["spec"]["tls"][0]["secretName"] == "site-tls-letsencrypt-staging"
    assert kget(kube, f"/apis/cert-manager.io/v1/namespaces/{NS}/certificates/site-tls-letsencrypt-prod") is None
    assert _tls_secret_names(kube) == {"site-tls-letsencrypt-staging"}

    response = api.request("PATCH", f"/sites/{SLUG}/tls", json={"enabled": False})
    assert response.json() == {"ok": True, "slug": SLUG, "tlsEnabled": False, "issuer": "letsencrypt-staging"}
    ingress = kget(kube, f"/apis/networking.k8s.io/v1/namespaces/{NS}/ingresses/site")
    assert "tls" not in ingress["spec"]
    assert "cert-manager.io/cluster-issuer" not in (ingress["metadata"].get("annotations") or {})
    assert kget(kube, f"/apis/cert-manager.io/v1/namespaces/{NS}/certificates")["items"] == []
    assert _tls_secret_names(kube) == set()


def test_tls_refuses_unknown_issuer_and_unknown_site(api):
    assert_error(api.request("PATCH", f"/sites/{SLUG}/tls", json={"enabled": True, "issuer": "evil"}), 400, "invalid_input")
    assert_error(api.request("PATCH", "/sites/nope-example-com/tls", json={"enabled": False}), 404, "site_not_found")


# --- DELETE /sites/:slug and POST /sites/:slug/purge --------------------------------------------
def test_soft_delete_takes_site_offline_and_keeps_data(api, kube):
    created(api)
    deployed(api)
    response = api.request("DELETE", f"/sites/{SLUG}")
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True, "slug": SLUG}
    assert kget(kube, f"/apis/apps/v1/namespaces/{NS}/deployments/site") is None
    assert kget(kube, f"/api/v1/namespaces/{NS}/services/site") is None
    assert kget(kube, f"/apis/networking.k8s.io/v1/namespaces/{NS}/ingresses/site") is None
    assert kget(kube, f"/api/v1/namespaces/{NS}/persistentvolumeclaims/site-data") is not None
    ns = kget(kube, f"/api/v1/namespaces/{NS}")
    assert ns["metadata"]["labels"]["tenant-provisioner.io/state"] == "deleted"
    assert api.request("GET", "/sites").json() == []
    assert_error(create(api), 409, "already_exists")
    assert_error(api.request("DELETE", f"/sites/{SLUG}"), 404, "site_not_found")
    assert_error(api.request("POST", f"/sites/{SLUG}/deploy", json={"image": "nginx", "containerPort": 80}),
                 404, "site_not_found")


def test_purge_needs_exact_confirmation(api, kube):
    created(api)
    for body in ({"confirm": "delete"}, {}, {"confirm": "DELETE", "extra": 1}, {"confirm": True}, {"confirm": "DELETE "}):
        assert_error(api.request("POST", f"/sites/{SLUG}/purge", json=body), 400, "invalid_input")
    assert kget(kube, f"/api/v1/namespaces/{NS}") is not None


def test_purge_of_active_and_soft_deleted_sites_leaves_nothing(api, kube):
    created(api)
    deployed(api)
    created(api, domain="old.example.com")
    api.request("DELETE", "/sites/old-example-com")

    response = api.request("POST", f"/sites/{SLUG}/purge", json={"confirm": "DELETE"})
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True, "slug": SLUG, "purged": True}
    response = api.request("POST", "/sites/old-example-com/purge", json={"confirm": "DELETE"})
    assert response.status_code == 200, response.text

    for namespace in (NS, "tenant-old-example-com"):
        assert kget(kube, f"/api/v1/namespaces/{namespace}") is None
        leftovers = kget(kube, "/api/v1/persistentvolumeclaims")["items"] + kget(kube, "/apis/apps/v1/deployments")["items"]
        assert [o for o in leftovers if o["metadata"]["namespace"] == namespace] == []
    assert_error(api.request("POST", f"/sites/{SLUG}/purge", json={"confirm": "DELETE"}), 404, "site_not_found")
    created(api)  # the domain is free again


# --- lanes with real playbooks ------------------------------------------------------------------
_RUN_LINE = re.compile(r"run playbook=site_deploy\.yml slug=(\S+) status=\S+ result=200 queued=([\d.]+)s duration=([\d.]+)s")


def _deploy_concurrently(api, slugs: list[str]) -> list[tuple[str, float, float]]:
    before = len(_RUN_LINE.findall(api.log()))
    results = []

    def deploy(slug):
        results.append(api.request("POST", f"/sites/{slug}/deploy", json={"image": "nginx:1", "containerPort": 80}))

    threads = [threading.Thread(target=deploy, args=(slug,)) for slug in slugs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [200] * len(slugs), [r.text for r in results]
    return [(slug, float(q), float(d)) for slug, q, d in _RUN_LINE.findall(api.log())[before:]]


def test_deploys_to_one_site_are_serialized_and_to_two_sites_parallel(api):
    created(api, domain="a.example.com")
    created(api, domain="b.example.com")
    runs = _deploy_concurrently(api, ["a-example-com", "a-example-com", "b-example-com"])
    assert len(runs) == 3, runs
    a_runs = sorted((run for run in runs if run[0] == "a-example-com"), key=lambda run: run[1])
    b_run = next(run for run in runs if run[0] == "b-example-com")
    # The second run of site a waited in its lane for (most of) the first one ...
    assert a_runs[1][1] >= 0.8 * a_runs[0][2], runs
    # ... while site b's run started at once, beside site a's first run.
    assert b_run[1] < 0.5, runs


def test_a_run_gets_only_the_service_secrets_its_operation_needs(api, kube, postgres, mailcow, tmp_path):
    """The stack has all three service secrets; a site run gets none of them, a mail run only
    Mailcow's key (read from the environment of every process of the runs). The plain runner's
    processes show their environment in /proc (the warm runner's forks keep their parent's there,
    and it hands the same secrets to the run in memory)."""
    from tests.fixtures.stack import start_stack_service
    from tests.fixtures.watch import SecretWatcher

    pg_password, mailcow_key, seed = postgres.admin_password, mailcow.key, "stack-restic-seed-0123456789abcdef"
    plain = start_stack_service(kube, postgres, mailcow, tmp_path / "plain", runner="plain")
    try:
        with SecretWatcher(runs_of=plain.state_dir) as site_runs:
            created(plain)
            deployed(plain)
        with SecretWatcher(runs_of=plain.state_dir) as mail_run:
            status = plain.request("GET", f"/sites/{SLUG}/mail/status")
        assert status.status_code == 200, status.text
    finally:
        plain.stop()
    assert site_runs.run_environs and mail_run.run_environs  # the watchers did see the runs
    for secret in (pg_password, mailcow_key, seed):
        assert site_runs.run_processes_holding(secret) == []
    assert mail_run.run_processes_holding(pg_password) == mail_run.run_processes_holding(seed) == []
    assert any("ansible-playbook" in cmd for cmd in mail_run.run_processes_holding(mailcow_key))
