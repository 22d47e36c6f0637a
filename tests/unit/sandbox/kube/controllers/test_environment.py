"""Container environment (kubelet order and errors) and `$(VAR)` expansion."""

from __future__ import annotations

import base64

import pytest

from sandbox.kube.controllers.environment import ConfigError, command_line, container_env, expand


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$(A)-$(B)", "1-$(B)"),
        ("$$(A)", "$(A)"),
        ("$$$(A)", "$1"),
        ("a$", "a$"),
        ("$(A", "$(A"),
        ("$x", "$x"),
        ("no vars", "no vars"),
        ("$()", "$()"),
    ],
)
def test_expansion_follows_kubernetes_rules(text, expected):
    assert expand(text, {"A": "1"}) == expected


def _secret(name, **data):
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": "t1"},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}


def _pod(container):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "backup-x1", "namespace": "t1", "uid": "u1",
                                                           "labels": {"app": "site"}},
            "spec": {"nodeName": "sandbox", "containers": [container]}}


def test_env_from_and_key_refs(make_cluster):
    cluster = make_cluster()
    cluster.create_internal(_secret("db", DB_USER="site", DB_PASSWORD="s3cret", **{"bad key": "x"}))
    cluster.create_internal({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "t1"},
                             "data": {"MODE": "full", "DB_USER": "overridden-later"}})
    container = {
        "name": "c",
        "envFrom": [{"secretRef": {"name": "db"}}, {"configMapRef": {"name": "cfg"}, "prefix": "CFG_"}],
        "env": [
            {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "DB_PASSWORD"}}},
            {"name": "URL", "value": "postgres://$(DB_USER)@db/$(CFG_MODE)"},
            {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
            {"name": "OPT", "valueFrom": {"secretKeyRef": {"name": "missing", "key": "k", "optional": True}}},
        ],
    }
    env = container_env(cluster, _pod(container), container)
    assert env == {
        "DB_USER": "site", "DB_PASSWORD": "s3cret", "CFG_MODE": "full", "CFG_DB_USER": "overridden-later",
        "PASSWORD": "s3cret", "URL": "postgres://site@db/full", "POD": "backup-x1", "NS": "t1", "APP": "site",
    }


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ([{"name": "X", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k"}}}], 'secret "nope" not found'),
        ([{"name": "X", "valueFrom": {"secretKeyRef": {"name": "db", "key": "k"}}}],
         "couldn't find key k in Secret t1/db"),
        ([{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}}],
         'configmap "cm" not found'),
    ],
)
def test_missing_sources_are_config_errors(make_cluster, env, message):
    cluster = make_cluster()
    cluster.create_internal(_secret("db", a="b"))
    container = {"name": "c", "env": env}
    with pytest.raises(ConfigError) as caught:
        container_env(cluster, _pod(container), container)
    assert str(caught.value) == message


def test_command_line_uses_entrypoint_only_without_command():
    env = {"REPO": "/repo"}
    assert command_line({"command": ["sh", "-c"], "args": ["ls $(REPO)"]}, env, ["restic"]) == ["sh", "-c", "ls /repo"]
    assert command_line({"args": ["-r", "$(REPO)", "snapshots"]}, env, ["restic"]) == \
        ["restic", "-r", "/repo", "snapshots"]
    assert command_line({}, env, None) == []
