"""Server-side printing (sandbox/kube/tables.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sandbox.kube.models.registry import Registry
from sandbox.kube.tables import _human, jsonpath, table, wants_table

REG = Registry()
KUBECTL_ACCEPT = ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
                  "g=meta.k8s.io,application/json")


@pytest.mark.parametrize("accept, expected", [(KUBECTL_ACCEPT, True), ("application/json", False), (None, False),
                                              ("application/json, " + KUBECTL_ACCEPT, False)])
def test_wants_table(accept, expected):
    assert wants_table(accept) is expected


@pytest.mark.parametrize(
    "seconds, text",
    [(-5, "<invalid>"), (-1, "0s"), (0, "0s"), (59, "59s"), (119, "119s"), (120, "2m"), (303, "5m3s"),
     (600, "10m"), (179 * 60, "179m"), (3 * 3600, "3h"), (3 * 3600 + 60, "3h1m"), (9 * 3600, "9h"),
     (50 * 3600, "2d2h"), (48 * 3600, "2d"), (10 * 86400, "10d"), (800 * 86400, "2y70d"), (3000 * 86400, "8y")],
)
def test_ages_read_like_kubectl(seconds, text):
    assert _human(seconds) == text


def test_jsonpath_subset():
    obj = {"spec": {"a": [{"b": 1}, {"b": 2}]},
           "status": {"conditions": [{"type": "Other", "status": "False"}, {"type": "Ready", "status": "True"}]}}
    assert jsonpath(obj, ".spec.a[1].b") == 2
    assert jsonpath(obj, '.status.conditions[?(@.type=="Ready")].status') == "True"
    assert jsonpath(obj, '.status.conditions[?(@.type == "Missing")].status') is None
    assert jsonpath(obj, ".nothing.here") is None


def test_pod_row_shows_readiness_status_and_restarts():
    created = (datetime.now(timezone.utc) - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    pod = {"metadata": {"name": "p", "creationTimestamp": created, "labels": {"a": "b"}, "managedFields": [{}]},
           "spec": {"containers": [{"name": "c"}, {"name": "d"}], "nodeName": "sandbox"},
           "status": {"phase": "Running", "podIP": "127.0.0.1",
                      "containerStatuses": [{"ready": True, "restartCount": 1, "state": {"running": {}}},
                                            {"ready": False, "restartCount": 2,
                                             "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}
    out = table(REG.lookup("", "v1", "pods"), [pod], "9")
    assert [c["name"] for c in out["columnDefinitions"]][:5] == ["Name", "Ready", "Status", "Restarts", "Age"]
    cells = out["rows"][0]["cells"]
    assert cells[:4] == ["p", "1/2", "CrashLoopBackOff", 3]
    assert cells[4] in ("30s", "31s")
    meta = out["rows"][0]["object"]["metadata"]
    assert meta["labels"] == {"a": "b"} and "managedFields" not in meta
    assert out["metadata"] == {"resourceVersion": "9"}


def test_custom_resource_columns_come_from_the_crd():
    crd_columns = ({"name": "Ready", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
                   {"name": "Secret", "type": "string", "jsonPath": ".spec.secretName"},
                   {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"})
    rtype = REG.lookup("", "v1", "configmaps")  # any type; custom printing is chosen by `custom`
    from dataclasses import replace

    custom = replace(rtype, custom=True, printer_columns=crd_columns)
    obj = {"metadata": {"name": "c"}, "spec": {"secretName": "s"}}
    out = table(custom, [obj], None, printer_columns=list(crd_columns), include_object="None")
    assert [c["name"] for c in out["columnDefinitions"]] == ["Name", "Ready", "Secret", "Age"]
    assert out["rows"] == [{"cells": ["c", None, "s", "<unknown>"]}]
