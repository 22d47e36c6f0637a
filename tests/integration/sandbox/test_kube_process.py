"""The emulator as a process: persistence across restarts, clean SIGTERM exit, kubeconfig.

Each test starts its own emulator (not the session one) because it stops and restarts it.
"""

from __future__ import annotations

import json
import signal
import stat
import threading
import time

import requests
import yaml

from tests.fixtures.kube import start_kube


def _create(url: str, path: str, obj: dict) -> dict:
    resp = requests.post(url + path, json=obj, timeout=5)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_objects_survive_a_restart_with_their_uid_and_resource_version(tmp_path):
    first = start_kube(tmp_path)
    try:
        ns = _create(first.url, "/api/v1/namespaces", {"metadata": {"name": "keep"}})
        cm = _create(first.url, "/api/v1/namespaces/keep/configmaps", {"metadata": {"name": "c"}, "data": {"k": "v"}})
        crd = _create(first.url, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                     "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                     "versions": [{"name": "v1", "served": True, "storage": True,
                                   "schema": {"openAPIV3Schema": {"type": "object",
                                                                  "x-kubernetes-preserve-unknown-fields": True}}}]}})
        _create(first.url, "/apis/example.com/v1/namespaces/keep/widgets",
                {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"a": 1}})
        last_rv = int(requests.get(first.url + "/api/v1/namespaces", timeout=5).json()["metadata"]["resourceVersion"])
    finally:
        assert first.process.stop() == 0
    second = start_kube(tmp_path, port=first.process.port)
    try:
        got = requests.get(second.url + "/api/v1/namespaces/keep/configmaps/c", timeout=5).json()
        assert got["metadata"]["uid"] == cm["metadata"]["uid"]
        assert got["metadata"]["resourceVersion"] == cm["metadata"]["resourceVersion"]
        assert got["data"] == {"k": "v"}
        assert requests.get(second.url + "/api/v1/namespaces/keep", timeout=5).json()["metadata"]["uid"] == \
            ns["metadata"]["uid"]
        widget = requests.get(second.url + "/apis/example.com/v1/namespaces/keep/widgets/w", timeout=5)
        assert widget.status_code == 200 and widget.json()["spec"] == {"a": 1}
        assert crd["metadata"]["name"] == "widgets.example.com"
        newer = _create(second.url, "/api/v1/namespaces/keep/configmaps", {"metadata": {"name": "d"}})
        assert int(newer["metadata"]["resourceVersion"]) > last_rv
    finally:
        assert second.process.stop() == 0


def test_watch_from_before_a_restart_gets_410_expired(tmp_path):
    first = start_kube(tmp_path)
    try:
        _create(first.url, "/api/v1/namespaces", {"metadata": {"name": "a"}})
        old_rv = requests.get(first.url + "/api/v1/namespaces", timeout=5).json()["metadata"]["resourceVersion"]
        _create(first.url, "/api/v1/namespaces", {"metadata": {"name": "b"}})
    finally:
        first.process.stop()
    second = start_kube(tmp_path, port=first.process.port)
    try:
        resp = requests.get(second.url + "/api/v1/namespaces", params={
            "watch": "true", "resourceVersion": old_rv, "timeoutSeconds": "2"}, stream=True, timeout=10)
        events = [json.loads(line) for line in resp.iter_lines() if line]
        assert [e["type"] for e in events] == ["ERROR"]
        status = events[0]["object"]
        assert (status["code"], status["reason"]) == (410, "Expired")
        assert status["message"].startswith(f"too old resource version: {old_rv} (")
    finally:
        second.process.stop()


def test_sigterm_stops_cleanly_even_with_an_open_watch(tmp_path):
    sandbox = start_kube(tmp_path)
    opened = threading.Event()

    def hold_watch():
        try:
            with requests.get(sandbox.url + "/api/v1/namespaces", params={"watch": "true", "timeoutSeconds": "600"},
                              stream=True, timeout=30) as resp:
                opened.set()
                for _ in resp.iter_lines():
                    pass
        except requests.RequestException:
            pass

    watcher = threading.Thread(target=hold_watch, daemon=True)
    watcher.start()
    assert opened.wait(10)
    start = time.monotonic()
    sandbox.process.process.send_signal(signal.SIGTERM)
    assert sandbox.process.process.wait(10) == 0
    assert time.monotonic() - start < 5
    watcher.join(5)
    assert not watcher.is_alive()


def test_secrets_and_every_stored_object_are_private_files(tmp_path):
    sandbox = start_kube(tmp_path)
    try:
        _create(sandbox.url, "/api/v1/namespaces", {"metadata": {"name": "private"}})
        _create(sandbox.url, "/api/v1/namespaces/private/secrets",
                {"metadata": {"name": "s"}, "stringData": {"password": "stored-0600-only"}})
        stored = [path for path in sandbox.state_dir.rglob("*") if path.is_file()]
        holding = [path for path in stored if b"stored-0600-only" in path.read_bytes()
                   or b"c3RvcmVkLTA2MDAtb25seQ" in path.read_bytes()]
        assert holding, "the Secret was not found in the state dir"
        assert {path: stat.S_IMODE(path.stat().st_mode) for path in stored} == {path: 0o600 for path in stored}
        assert stat.S_IMODE(sandbox.kubeconfig.stat().st_mode) == 0o600
    finally:
        sandbox.process.stop()


def test_kubeconfig_points_at_the_server(tmp_path):
    sandbox = start_kube(tmp_path)
    try:
        config = yaml.safe_load(sandbox.kubeconfig.read_text())
        assert config["current-context"] == "sandbox"
        assert config["clusters"][0]["cluster"]["server"] == sandbox.url
        assert requests.get(config["clusters"][0]["cluster"]["server"] + "/readyz", timeout=5).text == "ok"
    finally:
        sandbox.process.stop()


def test_reset_returns_to_the_seeded_state_and_keeps_counting(kube, kube_env):
    _create(kube.url, "/api/v1/namespaces", {"metadata": {"name": "temp"}})
    rv = int(requests.get(kube.url + "/api/v1/namespaces", timeout=5).json()["metadata"]["resourceVersion"])
    kube.reset()
    listed = requests.get(kube.url + "/api/v1/namespaces", timeout=5).json()
    assert [i["metadata"]["name"] for i in listed["items"]] == ["default", "kube-node-lease", "kube-public",
                                                                 "kube-system"]
    assert int(listed["metadata"]["resourceVersion"]) > rv
    crds = requests.get(kube.url + "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", timeout=5).json()
    assert len(crds["items"]) == 4
