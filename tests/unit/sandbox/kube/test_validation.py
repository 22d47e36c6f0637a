"""Semantic validation with the real apiserver's field paths and texts (models/validation/)."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pytest

from sandbox.kube import errors
from sandbox.kube.models import validation as v


@dataclass
class Kind:
    group: str
    version: str
    kind: str
    namespaced: bool = True


NAMESPACE = Kind("", "v1", "Namespace", namespaced=False)
SERVICE = Kind("", "v1", "Service")
CONFIGMAP = Kind("", "v1", "ConfigMap")
SECRET = Kind("", "v1", "Secret")
PVC = Kind("", "v1", "PersistentVolumeClaim")
QUOTA = Kind("", "v1", "ResourceQuota")
DEPLOYMENT = Kind("apps", "v1", "Deployment")
JOB = Kind("batch", "v1", "Job")
CRONJOB = Kind("batch", "v1", "CronJob")
INGRESS = Kind("networking.k8s.io", "v1", "Ingress")

LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
             "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
             "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                 "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                 "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
               "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
               "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")


def _texts(causes):
    return [f"{c.field}: {c.message}" if c.field else c.message for c in causes]


def _container(**extra):
    return {"name": "web", "image": "nginx", **extra}


def _deployment(**spec):
    base = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "t1"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "Recreate"},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [_container()]}},
        },
    }
    base["spec"].update(spec)
    return base


def _job(restart="Never"):
    return {
        "metadata": {"name": "backup", "namespace": "t1"},
        "spec": {"template": {"spec": {"restartPolicy": restart, "containers": [_container()]}}},
    }


def _cronjob(schedule="0 3 * * *", restart="OnFailure"):
    return {
        "metadata": {"name": "backup", "namespace": "t1"},
        "spec": {"schedule": schedule,
                 "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": restart,
                                                                  "containers": [_container()]}}}}},
    }


# --------------------------------------------------------------------------------------------
# Names, labels, annotations


def test_invalid_namespace_name_gives_the_e8_text():
    causes = v.validate(NAMESPACE, {"metadata": {"name": "Bad_Name"}}, None)
    assert [(c.reason, c.field) for c in causes] == [("FieldValueInvalid", "metadata.name")]
    assert causes[0].message == f'Invalid value: "Bad_Name": {LABEL_MSG}'
    err = errors.Invalid.of("Namespace", "", "Bad_Name", causes)
    assert err.message == f'Namespace "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": {LABEL_MSG}'


@pytest.mark.parametrize(
    ("rtype", "name", "expected"),
    [
        (NAMESPACE, "tenant-a.b", ['metadata.name: Invalid value: "tenant-a.b": must not contain dots']),
        (NAMESPACE, "a" * 64, [f'metadata.name: Invalid value: "{"a" * 64}": must be no more than 63 characters']),
        (SERVICE, "1web", [f'metadata.name: Invalid value: "1web": {DNS1035_MSG}']),
        (CONFIGMAP, "site.config", []),
        (CONFIGMAP, "Site", [f'metadata.name: Invalid value: "Site": {SUBDOMAIN_MSG}']),
        (DEPLOYMENT, "", ["metadata.name: Required value: name or generateName is required"]),
    ],
)
def test_name_rules_per_kind(rtype, name, expected):
    obj = _deployment() if rtype is DEPLOYMENT else {"metadata": {"name": name, "namespace": "t1"}}
    obj["metadata"]["name"] = name
    if rtype is NAMESPACE:
        obj["metadata"].pop("namespace")
    if rtype is SERVICE:
        obj["spec"] = {"ports": [{"port": 80}]}
    assert _texts(v.validate(rtype, obj, None)) == expected


def test_generate_name_is_checked_with_the_trailing_dash_masked():
    ok = {"metadata": {"generateName": "backup-", "name": "backup-x7k2p", "namespace": "t1"}}
    assert v.validate(CONFIGMAP, ok, None) == []
    bad = {"metadata": {"generateName": "Backup-", "name": "backup-1", "namespace": "t1"}}
    assert _texts(v.validate(CONFIGMAP, bad, None)) == [f'metadata.generateName: Invalid value: "Backup-": {SUBDOMAIN_MSG}']


def test_namespace_rules():
    assert _texts(v.validate(CONFIGMAP, {"metadata": {"name": "c"}}, None)) == ["metadata.namespace: Required value"]
    assert _texts(v.validate(NAMESPACE, {"metadata": {"name": "n", "namespace": "x"}}, None)) == [
        "metadata.namespace: Forbidden: not allowed on this type"]


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"app.kubernetes.io/name": "web", "empty": ""}, []),
        ({"bad key": "v"}, [
            'metadata.labels: Invalid value: "bad key": name part must consist of alphanumeric characters, '
            "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
            "'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"]),
        ({"Example.com/x": "v"}, [f'metadata.labels: Invalid value: "Example.com/x": prefix part {SUBDOMAIN_MSG}']),
        ({"k": "bad value!"}, [
            'metadata.labels: Invalid value: "bad value!": a valid label must be an empty string or consist of '
            "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
            "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]),
        ({"k": "v" * 64}, [f'metadata.labels: Invalid value: "{"v" * 64}": must be no more than 63 characters']),
        ({"a/b/c": "v"}, [
            'metadata.labels: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '
            "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
            "'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') "
            "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]),
    ],
)
def test_label_keys_and_values(labels, expected):
    obj = {"metadata": {"name": "c", "namespace": "t1", "labels": labels}}
    assert _texts(v.validate(CONFIGMAP, obj, None)) == expected


def test_annotations_total_size_limit():
    obj = {"metadata": {"name": "c", "namespace": "t1", "annotations": {"big": "x" * (256 * 1024)}}}
    causes = v.validate(CONFIGMAP, obj, None)
    assert [(c.reason, c.field, c.message) for c in causes] == [
        ("FieldValueTooLong", "metadata.annotations", "Too long: may not be more than 262144 bytes")]


# --------------------------------------------------------------------------------------------
# Deployment and pod templates


def test_valid_deployment_has_no_causes():
    assert v.validate(DEPLOYMENT, _deployment(), None) == []


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["spec"].pop("selector"), ["spec.selector: Required value"]),
        (lambda d: d["spec"]["template"]["metadata"].update(labels={"app": "other"}),
         ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: '
          "`selector` does not match template `labels`"]),
        (lambda d: d["spec"].update(strategy={"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}),
         ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]),
        (lambda d: d["spec"].update(replicas=-1), ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]),
        (lambda d: d["spec"]["template"]["spec"].update(restartPolicy="Never"),
         ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']),
        (lambda d: d["spec"]["template"]["spec"]["containers"][0].pop("image"),
         ["spec.template.spec.containers[0].image: Required value"]),
        (lambda d: d["spec"]["template"]["spec"]["containers"].append(_container()),
         ['spec.template.spec.containers[1].name: Duplicate value: "web"']),
        (lambda d: d["spec"]["template"]["spec"]["containers"][0].update(ports=[{"containerPort": 70000}]),
         ["spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: "
          "must be between 1 and 65535, inclusive"]),
        (lambda d: d["spec"]["template"]["spec"]["containers"][0].update(
            resources={"requests": {"cpu": "2"}, "limits": {"cpu": "1000m"}}),
         ['spec.template.spec.containers[0].resources.requests: Invalid value: "2": '
          "must be less than or equal to cpu limit of 1"]),
        (lambda d: d["spec"]["template"]["spec"]["containers"][0].update(
            volumeMounts=[{"name": "data", "mountPath": "/data"}]),
         ['spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"']),
        (lambda d: d["spec"]["template"]["spec"].update(volumes=[{"name": "data"}]),
         ["spec.template.spec.volumes[0]: Required value: must specify a volume type"]),
    ],
)
def test_deployment_rules(mutate, expected):
    obj = _deployment()
    mutate(obj)
    assert _texts(v.validate(DEPLOYMENT, obj, None)) == expected


def test_deployment_selector_is_immutable():
    old = _deployment()
    new = copy.deepcopy(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "web", "v": "2"}}
    new["spec"]["template"]["metadata"]["labels"]["v"] = "2"
    assert _texts(v.validate(DEPLOYMENT, new, old)) == [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, '
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"]


def test_container_resource_names():
    obj = _deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"storage": "1Gi", "pids": "10"}}
    path = "spec.template.spec.containers[0].resources.limits"
    assert _texts(v.validate(DEPLOYMENT, obj, None)) == [
        f"{path}[storage]: Invalid value: storage: must be a standard resource for containers",
        f"{path}[pids]: Invalid value: pids: must be a standard resource type or fully qualified",
        f"{path}[pids]: Invalid value: pids: must be a standard resource for containers"]


def test_requests_within_limits_and_volume_mounts_are_fine():
    obj = _deployment()
    spec = obj["spec"]["template"]["spec"]
    spec["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": "site-data"}}]
    spec["containers"][0].update(
        resources={"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1024Mi"}},
        volumeMounts=[{"name": "data", "mountPath": "/var/www"}],
        env=[{"name": "A", "value": "1"}], envFrom=[{"secretRef": {"name": "db"}}])
    assert v.validate(DEPLOYMENT, obj, None) == []


# --------------------------------------------------------------------------------------------
# Job and CronJob


def test_job_restart_policy():
    assert v.validate(JOB, _job("Never"), None) == []
    assert _texts(v.validate(JOB, _job("Always"), None)) == [
        'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']
    # The pod spec check and the Job check both fire, as on the real server.
    assert _texts(v.validate(JOB, _job("Sometimes"), None)) == [
        'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"']


def test_job_template_is_immutable():
    old = _job()
    new = copy.deepcopy(old)
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "other"
    assert _texts(v.validate(JOB, new, old)) == [
        "spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable"]


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("*/5 * * * *", []),
        ("@hourly", []),
        ("0 3 * * sun", []),
        ("0 0 3 * * *", ['spec.schedule: Invalid value: "0 0 3 * * *": expected exactly 5 fields, found 6: [0 0 3 * * *]']),
        ("61 * * * *", ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']),
        ("* 5-2 * * *", ['spec.schedule: Invalid value: "* 5-2 * * *": beginning of range (5) beyond end of range (2): 5-2']),
        ("* * 0 * *", ['spec.schedule: Invalid value: "* * 0 * *": beginning of range (0) below minimum (1): 0']),
        ("@often", ['spec.schedule: Invalid value: "@often": unrecognized descriptor: @often']),
        ("TZ=UTC 0 3 * * *", ['spec.schedule: Invalid value: "TZ=UTC 0 3 * * *": cannot use TZ or CRON_TZ in schedule, '
                              "use timeZone field instead"]),
    ],
)
def test_cronjob_schedule(schedule, expected):
    assert _texts(v.validate(CRONJOB, _cronjob(schedule), None)) == expected


def test_cronjob_restart_policy_and_name_length():
    assert _texts(v.validate(CRONJOB, _cronjob(restart="Always"), None)) == [
        'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']
    long = _cronjob()
    long["metadata"]["name"] = "b" * 53
    assert _texts(v.validate(CRONJOB, long, None)) == [
        f'metadata.name: Invalid value: "{"b" * 53}": must be no more than 52 characters']


# --------------------------------------------------------------------------------------------
# PVC, Secret, ConfigMap


def _pvc(size="10Gi", phase=None, capacity=None):
    obj = {"metadata": {"name": "site-data", "namespace": "t1"},
           "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}}
    if phase:
        obj["status"] = {"phase": phase, "capacity": {"storage": capacity or size}}
    return obj


def test_pvc_can_grow_but_not_shrink_once_bound():
    old = _pvc("10Gi", "Bound")
    assert v.validate(PVC, _pvc("20Gi", "Bound"), old) == []
    causes = v.validate(PVC, _pvc("5Gi", "Bound"), old)
    assert [(c.reason, c.field, c.message) for c in causes] == [
        ("FieldValueForbidden", "spec.resources.requests.storage", "Forbidden: field can not be less than status.capacity")]


def test_pvc_shrink_back_towards_capacity_after_a_failed_expansion_is_allowed():
    old = _pvc("20Gi", "Bound", capacity="10Gi")
    assert v.validate(PVC, _pvc("15Gi", "Bound", capacity="10Gi"), old) == []
    assert _texts(v.validate(PVC, _pvc("10Gi", "Bound", capacity="10Gi"), old)) == [
        "spec.resources.requests.storage: Forbidden: field can not be less than status.capacity"]


def test_pvc_shrink_without_the_recovery_feature_gate(monkeypatch):
    monkeypatch.setattr(v.core, "RECOVER_VOLUME_EXPANSION_FAILURE", False)
    assert _texts(v.validate(PVC, _pvc("5Gi", "Bound"), _pvc("10Gi", "Bound"))) == [
        "spec.resources.requests.storage: Forbidden: field can not be less than previous value"]


def test_pvc_other_spec_fields_are_immutable():
    old = _pvc("10Gi", "Bound")
    new = _pvc("10Gi", "Bound")
    new["spec"]["accessModes"] = ["ReadWriteMany"]
    assert _texts(v.validate(PVC, new, old)) == [
        "spec: Forbidden: spec is immutable after creation except resources.requests and "
        "volumeAttributesClassName for bound claims"]


def test_pvc_create_rules():
    obj = _pvc()
    obj["spec"]["accessModes"] = []
    del obj["spec"]["resources"]
    assert _texts(v.validate(PVC, obj, None)) == [
        "spec.accessModes: Required value: at least 1 access mode is required",
        "spec.resources[storage]: Required value"]


def test_secret_keys_and_tls_type():
    ok = {"metadata": {"name": "s", "namespace": "t1"}, "type": "kubernetes.io/tls",
          "data": {"tls.crt": "YQ==", "tls.key": "Yg=="}}
    assert v.validate(SECRET, ok, None) == []
    bad = {"metadata": {"name": "s", "namespace": "t1"}, "type": "kubernetes.io/tls", "data": {"bad key": "YQ=="}}
    assert _texts(v.validate(SECRET, bad, None)) == [
        "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, "
        "'-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
        "'[-._a-zA-Z0-9]+')",
        "data[tls.crt]: Required value",
        "data[tls.key]: Required value"]


def test_immutable_configmap_data_cannot_change():
    old = {"metadata": {"name": "c", "namespace": "t1"}, "immutable": True, "data": {"a": "1"}}
    new = copy.deepcopy(old)
    new["data"]["a"] = "2"
    assert _texts(v.validate(CONFIGMAP, new, old)) == [
        "data: Forbidden: field is immutable when `immutable` is set"]


# --------------------------------------------------------------------------------------------
# Service, Ingress, ResourceQuota


def _service(**spec):
    return {"metadata": {"name": "web", "namespace": "t1"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}], **spec}}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, []),
        ({"ports": [{"port": 80, "targetPort": "http"}]}, []),
        ({"ports": [{"port": 0}]}, ["spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                                    "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive"]),
        ({"ports": [{"port": 80, "targetPort": "Not_A_Name"}]}, [
            'spec.ports[0].targetPort: Invalid value: "Not_A_Name": must contain only alpha-numeric characters '
            "(a-z, 0-9), and hyphens (-)"]),
        ({"ports": [{"port": 80}, {"port": 443}]}, ["spec.ports[0].name: Required value",
                                                     "spec.ports[1].name: Required value"]),
        ({"ports": [{"port": 80, "nodePort": 30080}]}, [
            "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]),
    ],
)
def test_service_ports(spec, expected):
    assert _texts(v.validate(SERVICE, _service(**spec), None)) == expected


def test_service_cluster_ip_is_immutable():
    old = _service(clusterIP="10.96.0.10", clusterIPs=["10.96.0.10"])
    new = _service(clusterIP="10.96.0.11", clusterIPs=["10.96.0.11"])
    assert _texts(v.validate(SERVICE, new, old)) == [
        'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set']
    assert v.validate(SERVICE, copy.deepcopy(old), old) == []


def _ingress(host="www.example.com", path_type="Prefix"):
    p = {"path": "/", "backend": {"service": {"name": "web", "port": {"number": 80}}}}
    if path_type is not None:
        p["pathType"] = path_type
    return {"metadata": {"name": "web", "namespace": "t1"},
            "spec": {"ingressClassName": "nginx", "rules": [{"host": host, "http": {"paths": [p]}}],
                     "tls": [{"hosts": [host], "secretName": "web-tls"}]}}


@pytest.mark.parametrize(
    ("host", "path_type", "expected"),
    [
        ("www.example.com", "Prefix", []),
        ("*.example.com", "Prefix", []),
        ("www.example.com", None, ["spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"]),
        ("10.0.0.1", "Prefix", ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address']),
        ("Www.Example.com", "Exact", [f'spec.rules[0].host: Invalid value: "Www.Example.com": {SUBDOMAIN_MSG}']),
    ],
)
def test_ingress_hosts_and_path_types(host, path_type, expected):
    causes = v.validate(INGRESS, _ingress(host, path_type), None)
    assert [t for t in _texts(causes) if not t.startswith("spec.tls")] == expected


def test_ingress_wildcard_must_be_leading():
    texts = _texts(v.validate(INGRESS, _ingress("www.*.example.com"), None))
    assert texts[0].startswith('spec.rules[0].host: Invalid value: "www.*.example.com": a wildcard DNS-1123 subdomain '
                               "must start with '*.'")


def _quota(hard, scopes=None):
    spec = {"hard": hard}
    if scopes:
        spec["scopes"] = scopes
    return {"metadata": {"name": "q", "namespace": "t1"}, "spec": spec}


@pytest.mark.parametrize(
    ("hard", "scopes", "expected"),
    [
        ({"requests.cpu": "1", "limits.memory": "1Gi", "pods": "1"}, ["NotTerminating"], []),
        ({"requests.storage": "10Gi", "persistentvolumeclaims": "2"}, None, []),
        ({"requests.storage": "10Gi", "pods": "1"}, ["NotTerminating"], [
            'spec.scopes: Invalid value: []core.ResourceQuotaScope{"NotTerminating"}: '
            "unsupported scope applied to resource"]),
        ({"cpu": "1"}, ["BestEffort"], [
            'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource']),
        ({"pods": "1"}, ["Terminating", "NotTerminating"], [
            'spec.scopes: Invalid value: []core.ResourceQuotaScope{"Terminating", "NotTerminating"}: conflicting scopes']),
        ({"foo": "1"}, None, ["spec.hard[foo]: Invalid value: foo: must be a standard resource type or fully qualified",
                              "spec.hard[foo]: Invalid value: foo: must be a standard resource for quota"]),
    ],
)
def test_resource_quota_scopes(hard, scopes, expected):
    assert _texts(v.validate(QUOTA, _quota(hard, scopes), None)) == expected


def test_scope_errors_repeat_in_causes_but_not_in_the_message():
    causes = v.validate(QUOTA, _quota({"requests.storage": "1Gi", "persistentvolumeclaims": "1"}, ["Terminating"]), None)
    assert len(causes) == 2
    assert errors.aggregate_message(causes) == (
        'spec.scopes: Invalid value: []core.ResourceQuotaScope{"Terminating"}: unsupported scope applied to resource')
    assert errors.Invalid.of("ResourceQuota", "", "q", causes).message == (
        'ResourceQuota "q" is invalid: '
        'spec.scopes: Invalid value: []core.ResourceQuotaScope{"Terminating"}: unsupported scope applied to resource')


def test_limit_range_default_request_may_not_exceed_default():
    lr = Kind("", "v1", "LimitRange")
    ok = {"metadata": {"name": "l", "namespace": "t1"}, "spec": {"limits": [
        {"type": "Container", "default": {"cpu": "1", "memory": "1Gi"}, "defaultRequest": {"cpu": "1", "memory": "1Gi"}}]}}
    assert v.validate(lr, ok, None) == []
    bad = copy.deepcopy(ok)
    bad["spec"]["limits"][0]["defaultRequest"]["cpu"] = "2"
    assert _texts(v.validate(lr, bad, None)) == [
        'spec.limits[0].defaultRequest[cpu]: Invalid value: resource.Quantity{i:resource.int64Amount{value:2, scale:0}, '
        'd:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"2", Format:"DecimalSI"}: '
        "default request value 2 is greater than default limit value 1"]
