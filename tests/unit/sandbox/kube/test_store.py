"""Object storage and persistence (sandbox/kube/models/store.py)."""

from __future__ import annotations

from sandbox.kube.models.store import Store


def _obj(ns: str, name: str, rv: int) -> dict:
    meta = {"name": name, "resourceVersion": str(rv)}
    if ns:
        meta["namespace"] = ns
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}


def test_list_is_in_namespace_then_name_order():
    store = Store()
    for ns, name in (("b", "x"), ("a", "z"), ("a", "y")):
        store.put("configmaps", _obj(ns, name, store.next_resource_version()))
    assert [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in store.list("configmaps")] == [
        ("a", "y"), ("a", "z"), ("b", "x")]
    assert [o["metadata"]["name"] for o in store.list("configmaps", "a")] == ["y", "z"]
    assert store.list("secrets") == []


def test_objects_and_counter_survive_reload(tmp_path):
    store = Store(tmp_path)
    store.put("configmaps", _obj("a", "x", store.next_resource_version()))
    store.put("namespaces", _obj("", "a", store.next_resource_version()))
    store.next_resource_version()  # a write that was later removed still advanced the counter
    store.remove("configmaps", "a", "x")
    again = Store(tmp_path)
    assert again.resource_version == 3
    assert again.get("configmaps", "a", "x") is None
    assert again.get("namespaces", "", "a")["metadata"]["name"] == "a"


def test_counter_is_at_least_the_newest_object_version(tmp_path):
    store = Store(tmp_path)
    store.put("configmaps", _obj("a", "x", 41))
    (tmp_path / "resourceVersion").write_text("7")
    assert Store(tmp_path).resource_version == 41


def test_clear_forgets_objects_but_keeps_counting(tmp_path):
    store = Store(tmp_path)
    store.put("configmaps", _obj("a", "x", store.next_resource_version()))
    store.clear()
    assert store.keys() == []
    assert store.next_resource_version() == 2
    assert Store(tmp_path).get("configmaps", "a", "x") is None


def test_torn_file_is_skipped_on_load(tmp_path):
    store = Store(tmp_path)
    store.put("configmaps", _obj("a", "x", store.next_resource_version()))
    (tmp_path / "objects" / "configmaps" / "a" / "broken.json").write_text("{not json")
    again = Store(tmp_path)
    assert [o["metadata"]["name"] for o in again.list("configmaps")] == ["x"]
