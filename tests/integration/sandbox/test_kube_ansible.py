"""Ansible's kubernetes.core (k8s, k8s_info) against the emulator, through real ansible-playbook runs.

Every write scenario runs twice: the first run reports changed, the second must report nothing
changed (kubernetes.core derives `changed` from the resourceVersion and content the server
returns, so this checks the emulator's no-op rules). Results are checked through a second
channel (kubectl or the kubernetes client), never only through the module's report.
"""

from __future__ import annotations

import json

import pytest

NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "t1", "labels": {"tenant": "a"}}}
QUOTA = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "quota", "namespace": "t1"},
         "spec": {"hard": {"requests.cpu": "1", "limits.memory": "2Gi", "pods": "4"}}}
DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "t1", "labels": {"app": "web"}},
    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                                                   "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                                                                 "limits": {"cpu": "200m", "memory": "128Mi"}}}]}}},
}
CERTIFICATE = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
               "metadata": {"name": "web-tls", "namespace": "t1"},
               "spec": {"secretName": "web-tls", "dnsNames": ["app.example.com"],
                        "issuerRef": {"name": "le", "kind": "ClusterIssuer"}}}
CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "t1",
                                                                   "labels": {"a": "1", "b": "2"}},
             "data": {"k": "v"}}


def _k8s(task: str, **args) -> dict:
    return {"name": task, "kubernetes.core.k8s": args}


def _get(kubectl, *args: str) -> dict | None:
    proc = kubectl("get", *args, "-o", "json", "--show-managed-fields", check=False)
    return json.loads(proc.stdout) if proc.returncode == 0 else None


def _assert_ok(run) -> None:
    assert run.rc == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_k8s_creates_a_list_of_documents_then_reports_unchanged(run_playbook, kubectl):
    tasks = [_k8s("Namespace", definition=NAMESPACE),
             _k8s("Site objects", definition=[QUOTA, DEPLOYMENT, CERTIFICATE])]
    first = run_playbook(tasks)
    _assert_ok(first)
    assert first.changed == ["Namespace", "Site objects"]
    second = run_playbook(tasks)
    _assert_ok(second)
    assert second.changed == []
    assert _get(kubectl, "deployment", "web", "-n", "t1")["spec"]["replicas"] == 2
    assert _get(kubectl, "certificate", "web-tls", "-n", "t1")["spec"]["dnsNames"] == ["app.example.com"]
    assert _get(kubectl, "resourcequota", "quota", "-n", "t1")["spec"]["hard"]["pods"] == "4"


def test_k8s_server_side_apply_is_idempotent_and_owned_by_its_manager(run_playbook, kubectl):
    ssa = {"apply": True, "server_side_apply": {"field_manager": "tenant-provisioner", "force_conflicts": True}}
    tasks = [_k8s("Namespace", definition=NAMESPACE, **ssa),
             _k8s("Apply", definition=[QUOTA, DEPLOYMENT, CERTIFICATE, CONFIGMAP], **ssa)]
    first = run_playbook(tasks)
    _assert_ok(first)
    assert first.changed == ["Namespace", "Apply"]
    second = run_playbook(tasks)
    _assert_ok(second)
    assert second.changed == []
    cm = _get(kubectl, "configmap", "cfg", "-n", "t1")
    assert [(m["manager"], m["operation"]) for m in cm["metadata"]["managedFields"]] == [
        ("tenant-provisioner", "Apply")]
    # A field dropped from the applied configuration is removed.
    smaller = {**CONFIGMAP, "metadata": {**CONFIGMAP["metadata"], "labels": {"a": "1"}}}
    third = run_playbook([_k8s("Apply", definition=smaller, **ssa)])
    _assert_ok(third)
    assert third.changed == ["Apply"]
    assert _get(kubectl, "configmap", "cfg", "-n", "t1")["metadata"]["labels"] == {"a": "1"}


def test_k8s_server_side_apply_conflicts_with_another_manager_unless_forced(run_playbook, kubectl):
    first = run_playbook([_k8s("Namespace", definition=NAMESPACE), _k8s("Create", definition=CONFIGMAP)])
    _assert_ok(first)
    changed = {**CONFIGMAP, "data": {"k": "mine"}}
    refused = run_playbook([_k8s("Apply", definition=changed, apply=True,
                                 server_side_apply={"field_manager": "other", "force_conflicts": False})])
    assert refused.rc != 0
    assert "conflict with" in json.dumps(refused.result("Apply"))
    forced = run_playbook([_k8s("Apply", definition=changed, apply=True,
                                server_side_apply={"field_manager": "other", "force_conflicts": True})])
    _assert_ok(forced)
    assert _get(kubectl, "configmap", "cfg", "-n", "t1")["data"] == {"k": "mine"}


def test_k8s_client_side_apply_removes_dropped_label(run_playbook, kubectl):
    tasks = [_k8s("Namespace", definition=NAMESPACE), _k8s("Apply", definition=CONFIGMAP, apply=True)]
    _assert_ok(run_playbook(tasks))
    again = run_playbook(tasks)
    _assert_ok(again)
    assert again.changed == []
    smaller = {**CONFIGMAP, "metadata": {**CONFIGMAP["metadata"], "labels": {"a": "1"}}}
    third = run_playbook([_k8s("Apply", definition=smaller, apply=True)])
    _assert_ok(third)
    assert third.changed == ["Apply"]
    assert _get(kubectl, "configmap", "cfg", "-n", "t1")["metadata"]["labels"] == {"a": "1"}


def test_k8s_check_mode_reports_changes_and_writes_nothing(run_playbook, kubectl):
    checked = run_playbook([_k8s("Namespace", definition=NAMESPACE)], "--check")
    _assert_ok(checked)
    assert checked.changed == ["Namespace"]
    assert _get(kubectl, "namespace", "t1") is None
    # As on a real cluster, a dry-run create inside a namespace that does not exist yet fails (404).
    _assert_ok(run_playbook([_k8s("Namespace", definition=NAMESPACE)]))
    tasks = [_k8s("Objects", definition=[QUOTA, CONFIGMAP])]
    checked = run_playbook(tasks, "--check")
    _assert_ok(checked)
    assert checked.changed == ["Objects"]
    assert _get(kubectl, "configmap", "cfg", "-n", "t1") is None
    _assert_ok(run_playbook(tasks))
    before = _get(kubectl, "configmap", "cfg", "-n", "t1")
    edited = {**CONFIGMAP, "data": {"k": "changed"}}
    checked = run_playbook([_k8s("Objects", definition=edited),
                            _k8s("Gone", definition=QUOTA, state="absent")], "--check")
    _assert_ok(checked)
    assert checked.changed == ["Objects", "Gone"]
    after = _get(kubectl, "configmap", "cfg", "-n", "t1")
    assert after["data"] == {"k": "v"}
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert _get(kubectl, "resourcequota", "quota", "-n", "t1") is not None


def test_k8s_state_absent_with_wait_removes_namespace_and_content(run_playbook, kubectl):
    _assert_ok(run_playbook([_k8s("Namespace", definition=NAMESPACE),
                             _k8s("Objects", definition=[CONFIGMAP, DEPLOYMENT])]))
    tasks = [_k8s("Remove", api_version="v1", kind="Namespace", name="t1", state="absent", wait=True,
                  wait_sleep=1, wait_timeout=30)]
    first = run_playbook(tasks)
    _assert_ok(first)
    assert first.changed == ["Remove"]
    assert _get(kubectl, "namespace", "t1") is None
    assert _get(kubectl, "configmap", "cfg", "-n", "t1") is None
    second = run_playbook(tasks)
    _assert_ok(second)
    assert second.changed == []


def test_k8s_wait_for_deployment_to_be_available(run_playbook, kubectl):
    tasks = [_k8s("Namespace", definition=NAMESPACE),
             _k8s("Deployment", definition=DEPLOYMENT, wait=True, wait_sleep=1, wait_timeout=30)]
    first = run_playbook(tasks)
    _assert_ok(first)
    status = _get(kubectl, "deployment", "web", "-n", "t1")["status"]
    assert status["availableReplicas"] == 2
    second = run_playbook(tasks)
    _assert_ok(second)
    assert second.changed == []


def test_k8s_info_with_label_selectors(run_playbook):
    other = {**NAMESPACE, "metadata": {"name": "t2", "labels": {"tenant": "b"}}}
    _assert_ok(run_playbook([_k8s("Namespaces", definition=[NAMESPACE, other])]))
    tasks = [{"name": "Info", "kubernetes.core.k8s_info": {
        "kind": "Namespace", "label_selectors": ["tenant", "kubernetes.io/metadata.name in (t1,t2,t3)",
                                                 "tenant!=b"]}}]
    for _ in range(2):
        info = run_playbook(tasks)
        _assert_ok(info)
        assert info.changed == []
        assert [r["metadata"]["name"] for r in info.result("Info")["resources"]] == ["t1"]
    by_field = run_playbook([{"name": "Info", "kubernetes.core.k8s_info": {
        "kind": "ConfigMap", "namespace": "t2", "field_selectors": ["metadata.name=kube-root-ca.crt"]}}])
    _assert_ok(by_field)
    assert [r["metadata"]["name"] for r in by_field.result("Info")["resources"]] == ["kube-root-ca.crt"]


def test_k8s_unknown_field_becomes_a_warning_and_is_pruned(run_playbook, kubectl):
    bad = {**CONFIGMAP, "datta": {"x": "y"}}
    run = run_playbook([_k8s("Namespace", definition=NAMESPACE), _k8s("Create", definition=bad)])
    _assert_ok(run)
    assert any('unknown field \\"datta\\"' in w or 'unknown field "datta"' in w
               for w in run.result("Create").get("warnings", []))
    assert "datta" not in _get(kubectl, "configmap", "cfg", "-n", "t1")


@pytest.mark.parametrize(
    "definition, code, message",
    [
        ({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "Bad_Name"}}, 422,
         'Namespace "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 label '
         "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric "
         "character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"),
        ({**DEPLOYMENT, "spec": {k: v for k, v in DEPLOYMENT["spec"].items() if k != "selector"}}, 422,
         'Deployment.apps "web" is invalid: '),
    ],
    ids=["bad-namespace-name", "deployment-without-selector"],
)
def test_k8s_invalid_objects_fail_with_the_real_status(run_playbook, kubectl, definition, code, message):
    run = run_playbook([_k8s("Namespace", definition=NAMESPACE), _k8s("Invalid", definition=definition)])
    assert run.rc != 0
    result = run.result("Invalid")
    assert result.get("failed") is True
    assert result["msg"].startswith("Failed to create object: ")
    status = json.loads(result["msg"][len("Failed to create object: "):])
    assert (status["kind"], status["code"], status["reason"]) == ("Status", code, "Invalid")
    assert status["message"].startswith(message)


def test_k8s_scale_and_json_patch(run_playbook, kubectl):
    _assert_ok(run_playbook([_k8s("Namespace", definition=NAMESPACE), _k8s("Objects", definition=[DEPLOYMENT,
                                                                                                    CONFIGMAP])]))
    tasks = [
        {"name": "Scale", "kubernetes.core.k8s_scale": {"api_version": "apps/v1", "kind": "Deployment",
                                                         "name": "web", "namespace": "t1", "replicas": 3,
                                                         "wait": True, "wait_timeout": 30}},
        {"name": "Patch", "kubernetes.core.k8s_json_patch": {"kind": "ConfigMap", "namespace": "t1", "name": "cfg",
                                                              "patch": [{"op": "add", "path": "/data/j",
                                                                         "value": "w"}]}},
    ]
    run = run_playbook(tasks)
    _assert_ok(run)
    assert run.changed == ["Scale", "Patch"]
    deploy = _get(kubectl, "deployment", "web", "-n", "t1")
    assert deploy["spec"]["replicas"] == 3 and deploy["status"]["availableReplicas"] == 3
    assert _get(kubectl, "configmap", "cfg", "-n", "t1")["data"] == {"k": "v", "j": "w"}
    again = run_playbook(tasks[:1])
    _assert_ok(again)
    assert again.changed == []
