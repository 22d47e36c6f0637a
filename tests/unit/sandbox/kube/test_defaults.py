"""Server-side defaults (sandbox/kube/models/defaults.py)."""

from __future__ import annotations

from sandbox.kube.models.defaults import apply_defaults


def test_deployment_defaults_replicas_strategy_and_pod_template():
    obj = {"metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": [
        {"name": "a", "image": "nginx"}, {"name": "b", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]}}}}
    apply_defaults("apps", "Deployment", obj)
    spec = obj["spec"]
    assert spec["replicas"] == 1 and spec["strategy"]["type"] == "RollingUpdate"
    assert spec["strategy"]["rollingUpdate"] == {"maxUnavailable": "25%", "maxSurge": "25%"}
    a, b = spec["template"]["spec"]["containers"]
    assert a["imagePullPolicy"] == "Always" and b["imagePullPolicy"] == "IfNotPresent"
    assert b["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert spec["template"]["spec"]["restartPolicy"] == "Always"


def test_recreate_strategy_gets_no_rolling_update():
    obj = {"spec": {"strategy": {"type": "Recreate"}}}
    apply_defaults("apps", "Deployment", obj)
    assert obj["spec"]["strategy"] == {"type": "Recreate"}


def test_defaults_do_not_override_given_values():
    obj = {"spec": {"replicas": 0, "revisionHistoryLimit": 2}}
    apply_defaults("apps", "Deployment", obj)
    assert obj["spec"]["replicas"] == 0 and obj["spec"]["revisionHistoryLimit"] == 2


def test_job_selector_and_template_labels_come_from_uid():
    obj = {"metadata": {"name": "j", "uid": "u-1"},
           "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}}}
    apply_defaults("batch", "Job", obj)
    assert obj["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}}
    assert obj["spec"]["template"]["metadata"]["labels"]["job-name"] == "j"
    assert obj["spec"]["backoffLimit"] == 6 and obj["spec"]["completions"] == 1


def test_namespace_name_label_is_always_set():
    obj = {"metadata": {"name": "t1", "labels": {"kubernetes.io/metadata.name": "wrong", "a": "b"}}}
    apply_defaults("", "Namespace", obj)
    assert obj["metadata"]["labels"] == {"kubernetes.io/metadata.name": "t1", "a": "b"}


def test_service_cluster_ip_is_stable_and_headless_is_kept():
    one = {"metadata": {"name": "s", "namespace": "t1"}, "spec": {"ports": [{"port": 80}]}}
    two = {"metadata": {"name": "s", "namespace": "t1"}, "spec": {"ports": [{"port": 80}]}}
    apply_defaults("", "Service", one)
    apply_defaults("", "Service", two)
    assert one["spec"]["clusterIP"] == two["spec"]["clusterIP"]
    octets = [int(x) for x in one["spec"]["clusterIP"].split(".")]
    assert octets[0] == 10 and 96 <= octets[1] <= 111
    headless = {"metadata": {"name": "h"}, "spec": {"clusterIP": "None"}}
    apply_defaults("", "Service", headless)
    assert headless["spec"]["clusterIP"] == "None" and "clusterIPs" not in headless["spec"]
