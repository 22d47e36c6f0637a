"""Benchmark of the Kubernetes API emulator (`sandbox/kube`) with the real clients.

    .venv/bin/python benchmarks/kube_bench.py [--objects 500] [--gets 2000]

Starts its own emulator (free port, temporary state dir) and measures:

1. raw GET latency of one object over a keep-alive connection (requests.Session), p50/p95/p99;
2. LIST of N ConfigMaps over HTTP;
3. `kubectl get configmaps` over the same N objects (table and `-o json`), warm discovery cache;
4. one kubernetes.core `k8s` task applying 10 objects (first run: creates; second run: no-op),
   timed as the whole `ansible-playbook` run and as the task alone (from the JSON callback).

Prints a Markdown table (the figures in docs/benchmarks-kube.md come from it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures.kube import ANSIBLE_PLAYBOOK, KUBECTL, client_env, start_kube  # noqa: E402


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)

    def pick(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return pick(0.50), pick(0.95), pick(0.99)


def _timed(cmd: list[str], env: dict, repeat: int = 5) -> float:
    """Median wall time of a command, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _objects(namespace: str) -> list[dict]:
    objs: list[dict] = []
    for i in range(4):
        objs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cfg-{i}", "namespace": namespace},
                     "data": {"k": f"v{i}"}})
    for i in range(2):
        objs.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": f"sec-{i}", "namespace": namespace},
                     "stringData": {"password": f"pw{i}"}})
    objs.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": namespace},
                 "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}})
    objs.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": namespace},
                 "spec": {"replicas": 1, "strategy": {"type": "Recreate"}, "selector": {"matchLabels": {"app": "web"}},
                          "template": {"metadata": {"labels": {"app": "web"}},
                                       "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}})
    objs.append({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                 "metadata": {"name": "web", "namespace": namespace},
                 "spec": {"ingressClassName": "nginx", "rules": [{"host": "app.example.com", "http": {"paths": [
                     {"path": "/", "pathType": "Prefix",
                      "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}})
    objs.append({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "quota", "namespace": namespace},
                 "spec": {"hard": {"requests.storage": "10Gi", "persistentvolumeclaims": "2"}}})
    return objs


def _playbook(path: Path, namespace: str) -> None:
    play = [{
        "hosts": "localhost", "connection": "local", "gather_facts": False,
        "tasks": [{"name": "Apply 10 objects", "kubernetes.core.k8s": {
            "apply": True, "server_side_apply": {"field_manager": "bench", "force_conflicts": True},
            "definition": _objects(namespace)}}],
    }]
    path.write_text(yaml.safe_dump(play, sort_keys=False))


def _run_playbook(path: Path, env: dict) -> tuple[float, float, bool]:
    start = time.perf_counter()
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", str(path)], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"playbook failed:\n{proc.stdout}\n{proc.stderr}")
    task = json.loads(proc.stdout)["plays"][0]["tasks"][0]
    duration = task["task"]["duration"]
    parse = lambda s: time.mktime(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")) + float("0" + s[19:-1])  # noqa: E731
    changed = task["hosts"]["localhost"].get("changed", False)
    return wall, parse(duration["end"]) - parse(duration["start"]), changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=500)
    parser.add_argument("--gets", type=int, default=2000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kube-bench-") as tmp:
        base = Path(tmp)
        sandbox = start_kube(base / "kube")
        try:
            env = client_env(sandbox, base / "client")
            env.update({"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
                        "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_HOME": str(base / "ansible")})
            rows: list[tuple[str, str]] = []
            session = requests.Session()
            session.post(sandbox.url + "/api/v1/namespaces",
                         json={"metadata": {"name": "bench"}}, timeout=10).raise_for_status()

            url = sandbox.url + "/api/v1/namespaces/bench/configmaps/kube-root-ca.crt"
            for _ in range(50):
                session.get(url, timeout=5)
            samples = []
            for _ in range(args.gets):
                start = time.perf_counter()
                session.get(url, timeout=5).raise_for_status()
                samples.append((time.perf_counter() - start) * 1000)
            p50, p95, p99 = _percentiles(samples)
            rows.append((f"GET one object, keep-alive ({args.gets} requests)",
                         f"p50 {p50:.2f} ms, p95 {p95:.2f} ms, p99 {p99:.2f} ms"))

            start = time.perf_counter()
            for i in range(args.objects):
                session.post(sandbox.url + "/api/v1/namespaces/bench/configmaps",
                             json={"metadata": {"name": f"cm-{i:04d}", "labels": {"i": str(i % 10)}},
                                   "data": {"k": "v" * 40}}, timeout=10).raise_for_status()
            create_ms = (time.perf_counter() - start) * 1000 / args.objects
            rows.append((f"POST (create) ConfigMap, {args.objects} in a row", f"{create_ms:.2f} ms each"))

            list_samples = []
            for _ in range(20):
                start = time.perf_counter()
                body = session.get(sandbox.url + "/api/v1/namespaces/bench/configmaps", timeout=10).json()
                list_samples.append((time.perf_counter() - start) * 1000)
            assert len(body["items"]) == args.objects + 1
            rows.append((f"LIST {args.objects + 1} ConfigMaps over HTTP", f"median {statistics.median(list_samples):.1f} ms"))

            kubectl = [KUBECTL, "--cache-dir", env["KUBECACHEDIR"]]
            subprocess.run(kubectl + ["get", "ns"], env=env, check=True, capture_output=True)  # warm the cache
            rows.append((f"`kubectl get configmaps` ({args.objects + 1} objects)",
                         f"{_timed(kubectl + ['get', 'configmaps', '-n', 'bench'], env) * 1000:.0f} ms"))
            rows.append((f"`kubectl get configmaps -o json` ({args.objects + 1} objects)",
                         f"{_timed(kubectl + ['get', 'configmaps', '-n', 'bench', '-o', 'json'], env) * 1000:.0f} ms"))
            rows.append(("`kubectl get namespaces` (baseline: dispatcher + kubectl start-up)",
                         f"{_timed(kubectl + ['get', 'namespaces'], env) * 1000:.0f} ms"))

            playbook = base / "apply.yml"
            _playbook(playbook, "bench")
            wall1, task1, changed1 = _run_playbook(playbook, env)
            wall2, task2, changed2 = _run_playbook(playbook, env)
            assert changed1 and not changed2, (changed1, changed2)
            rows.append(("`k8s` apply of 10 objects, first run (creates): task / whole playbook",
                         f"{task1 * 1000:.0f} ms / {wall1 * 1000:.0f} ms"))
            rows.append(("`k8s` apply of 10 objects, second run (no change): task / whole playbook",
                         f"{task2 * 1000:.0f} ms / {wall2 * 1000:.0f} ms"))
        finally:
            sandbox.process.stop()

    print("| measurement | result |")
    print("| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print(f"\nPython {sys.version.split()[0]}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
