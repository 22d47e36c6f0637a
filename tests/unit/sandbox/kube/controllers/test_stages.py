"""The stage engine and the shipped stages (golden files in sandbox/kube/stages/testdata).

Each `testdata/<case>.input.yaml` is an object; `<case>.output.yaml` is what the shipped stages
make of it: `{stage, action, object}` with `now` fixed. `UPDATE_GOLDEN=1 pytest ...` rewrites the
outputs; review the diff before committing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml

from sandbox.kube.controllers import stages
from sandbox.kube.controllers.stages import Requirement, Stage, StageController, StageError

TESTDATA = stages.STAGES_DIR / "testdata"
WHEN = "2026-01-01T12:00:00Z"
CASES = sorted(p.name[: -len(".input.yaml")] for p in TESTDATA.glob("*.input.yaml"))


def test_golden_cases_exist():
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", CASES)
def test_shipped_stages_golden(case):
    obj = yaml.safe_load((TESTDATA / f"{case}.input.yaml").read_text())
    stage, out = stages.advance(stages.load_stages(), obj, WHEN)
    got = {"stage": stage.name if stage else None, "action": stage.action if stage else None, "object": out}
    golden = TESTDATA / f"{case}.output.yaml"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(yaml.safe_dump(got, sort_keys=False))
    assert golden.exists(), f"no golden file for {case}: run with UPDATE_GOLDEN=1"
    assert got == yaml.safe_load(golden.read_text())


def test_every_stage_file_is_named_after_its_kind_and_loads():
    loaded = stages.load_stages()
    assert {s.kind for s in loaded} >= {"Deployment", "Namespace", "Issuer", "ClusterIssuer"}
    for path in stages.STAGES_DIR.glob("*.yaml"):
        kinds = {d["spec"]["resourceRef"]["kind"].lower() for d in yaml.safe_load_all(path.read_text())}
        assert len(kinds) == 1 and path.name.startswith(kinds.pop() + "-"), path.name


def test_parse_path_handles_quoted_keys_and_list_items():
    assert stages.parse_path('.metadata.annotations["a.io/b"].x') == ["metadata", "annotations", "a.io/b", "x"]
    assert stages.parse_path(".metadata.ownerReferences.[].kind") == ["metadata", "ownerReferences", None, "kind"]
    with pytest.raises(StageError):
        stages.parse_path("metadata.name")


def test_resolve_collects_every_list_item():
    obj = {"metadata": {"ownerReferences": [{"kind": "Job"}, {"kind": "CronJob"}]}}
    assert stages.resolve(obj, ".metadata.ownerReferences.[].kind") == ["Job", "CronJob"]
    assert stages.resolve(obj, ".spec.replicas") == []


@pytest.mark.parametrize(
    ("operator", "values", "obj", "expected"),
    [
        ("In", ("0",), {"spec": {"replicas": 0}}, True),
        ("In", ("0",), {"spec": {"replicas": 2}}, False),
        ("NotIn", ("0",), {"spec": {}}, True),
        ("NotIn", ("true",), {"spec": {"replicas": True}}, False),
        ("Exists", (), {"spec": {"replicas": 1}}, True),
        ("DoesNotExist", (), {"spec": {"replicas": 1}}, False),
        ("DoesNotExist", (), {}, True),
    ],
)
def test_requirement_operators(operator, values, obj, expected):
    assert Requirement(".spec.replicas", operator, values).matches(obj) is expected


def test_render_keeps_types_drops_absent_and_formats_text():
    obj = {"metadata": {"name": "web", "generation": 4}, "spec": {}}
    template = {
        "observedGeneration": "{{ .metadata.generation }}",
        "replicas": "{{ .spec.replicas | default 1 }}",
        "gone": "{{ .spec.nothing }}",
        "message": 'ReplicaSet "{{ .metadata.name }}" at {{ now }}',
        "list": ["{{ .spec.nothing }}", "kept"],
    }
    assert stages.render(template, obj, WHEN) == {
        "observedGeneration": 4,
        "replicas": 1,
        "message": f'ReplicaSet "web" at {WHEN}',
        "list": ["kept"],
    }


def test_template_hash_is_stable_and_uses_the_safe_alphabet():
    first = stages.template_hash({"a": 1})
    assert first == stages.template_hash({"a": 1}) != stages.template_hash({"a": 2})
    assert len(first) == 10 and set(first) <= set("bcdfghjklmnpqrstvwxz2456789")


def test_conditions_keep_their_times_while_unchanged():
    stage = [s for s in stages.load_stages() if s.name == "deployment-available"][0]
    obj = yaml.safe_load((TESTDATA / "deployment-available.input.yaml").read_text())
    first = stage.next_status(obj, "2026-01-01T00:00:00Z")
    obj["status"] = first
    again = stage.next_status(obj, "2026-01-02T00:00:00Z")
    assert again == first


def _controller() -> StageController:
    return StageController(actions={"finalize-namespace": lambda cluster, obj: None})


def _stage_doc(**spec) -> dict:
    return {"apiVersion": "sandbox.tenant-provisioner.local/v1alpha1", "kind": "Stage",
            "metadata": {"name": "x"}, "spec": {"resourceRef": {"apiGroup": "", "kind": "ConfigMap"}, **spec}}


@pytest.mark.parametrize(
    "spec",
    [
        {"next": {}},
        {"selector": {"matchExpressions": [{"key": ".a", "operator": "Gt", "values": ["1"]}]},
         "next": {"status": {}}},
        {"selector": {"matchExpressions": [{"key": ".a", "operator": "In"}]}, "next": {"status": {}}},
    ],
)
def test_invalid_stage_files_are_refused(tmp_path: Path, spec):
    (tmp_path / "configmap-x.yaml").write_text(yaml.safe_dump(_stage_doc(**spec)))
    with pytest.raises(StageError):
        stages.load_stages(tmp_path)


def test_unknown_action_is_refused():
    stage = Stage("x", "", "ConfigMap", action="nope")
    with pytest.raises(StageError):
        StageController([stage], actions={})


def test_deployment_status_is_settled_at_write_time(make_cluster):
    cluster = make_cluster(_controller())
    doc = yaml.safe_load((TESTDATA / "deployment-available.input.yaml").read_text())
    doc["metadata"] = {"name": "web", "namespace": "t1"}
    cluster.create_internal(doc)
    status = cluster.get("apps/v1", "Deployment", "t1", "web")["status"]
    assert status["availableReplicas"] == 2 and status["observedGeneration"] == 1


def test_rewriting_the_same_deployment_does_not_write_status_again(make_cluster):
    cluster = make_cluster(_controller())
    doc = yaml.safe_load((TESTDATA / "deployment-available.input.yaml").read_text())
    doc["metadata"] = {"name": "web", "namespace": "t1"}
    cluster.create_internal(doc)
    rv = cluster.get("apps/v1", "Deployment", "t1", "web")["metadata"]["resourceVersion"]
    cluster.update_internal(cluster.get("apps/v1", "Deployment", "t1", "web"))
    assert cluster.get("apps/v1", "Deployment", "t1", "web")["metadata"]["resourceVersion"] == rv


def test_delay_annotation_postpones_the_status(make_cluster):
    cluster = make_cluster(_controller())
    doc = yaml.safe_load((TESTDATA / "deployment-available.input.yaml").read_text())
    doc["metadata"] = {"name": "web", "namespace": "t1", "annotations": {
        "deployment-available.stage.sandbox.tenant-provisioner.local/delay": "300ms"}}
    cluster.create_internal(doc)
    assert "status" not in cluster.get("apps/v1", "Deployment", "t1", "web")
    deadline = time.monotonic() + 3
    while "status" not in cluster.get("apps/v1", "Deployment", "t1", "web") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert cluster.get("apps/v1", "Deployment", "t1", "web")["status"]["readyReplicas"] == 2


def test_pending_delay_is_dropped_when_the_object_is_deleted(make_cluster):
    controller = _controller()
    cluster = make_cluster(controller)
    doc = yaml.safe_load((TESTDATA / "deployment-available.input.yaml").read_text())
    doc["metadata"] = {"name": "web", "namespace": "t1", "annotations": {
        "deployment-available.stage.sandbox.tenant-provisioner.local/delay": "5s"}}
    cluster.create_internal(doc)
    cluster.delete_internal("apps/v1", "Deployment", "t1", "web")
    assert controller._timers == {}
