"""Benchmark: what the service adds over running the same playbook with ansible-playbook.

    .venv/bin/python -m benchmarks.site_bench [--runs 10] [--out docs/benchmarks-sites.md]

Starts a sandbox cluster and the service (production entry point, `python -m server`), then
measures, each `--runs` times:

- POST /sites through the service, and `ansible-playbook playbooks/site_create.yml` directly;
- GET /sites with 1 site and with 50 sites, through the service and directly.

Both sides use the same cluster, the same warm discovery cache and the same playbooks. Figures
are wall-clock seconds on this machine; p50 and p95 over the runs. Not a test: nothing asserts.
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

from sandbox.testing import start_module
from tests.fixtures.service import PRODUCTION_MODULE, start_service

ROOT = Path(__file__).resolve().parent.parent
ANSIBLE_PLAYBOOK = str(Path(sys.executable).with_name("ansible-playbook"))


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def _summary(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), _percentile(values, 95)


class Bench:
    def __init__(self, base: Path):
        self.kube = start_module(
            "kube", "sandbox.kube",
            ["--kubeconfig", str(base / "kubeconfig"), "--state-dir", str(base / "kube-state")],
            base / "kube.log",
        )
        self.kubeconfig = base / "kubeconfig"
        self.service = start_service(PRODUCTION_MODULE, base / "service", kubeconfig=str(self.kubeconfig))
        tmp = base / "direct-tmp"
        tmp.mkdir()
        self.direct_env = {
            **os.environ,
            "K8S_AUTH_KUBECONFIG": str(self.kubeconfig),
            "TMPDIR": str(tmp),
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        }
        self.counter = 0

    def close(self) -> None:
        self.service.stop()
        self.kube.stop()

    def domain(self) -> str:
        self.counter += 1
        return f"bench{self.counter}.example.com"

    def api(self, method: str, path: str, body: dict | None = None) -> float:
        start = time.perf_counter()
        response = self.service.request(method, path, json=body)
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return elapsed

    def direct(self, playbook: str, api_input: dict) -> float:
        start = time.perf_counter()
        proc = subprocess.run(
            [ANSIBLE_PLAYBOOK, "-i", "inventory", f"playbooks/{playbook}", "-e", json.dumps({"api_input": api_input})],
            cwd=ROOT, env=self.direct_env, capture_output=True, text=True,
        )
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"{playbook}: {proc.stdout[-2000:]}")
        return elapsed

    def create_site(self, via_api: bool) -> float:
        body = {"domain": self.domain(), "cpu": 1, "ramGi": 1, "diskGi": 1}
        return self.api("POST", "/sites", body) if via_api else self.direct("site_create.yml", body)

    def sites(self) -> int:
        return len(self.service.request("GET", "/sites").json())


def run(runs: int) -> dict[str, tuple[float, float]]:
    """POST /sites both ways, then GET /sites both ways once the cluster holds 50 sites."""
    with tempfile.TemporaryDirectory(prefix="site-bench-") as tmp:
        bench = Bench(Path(tmp))
        try:
            bench.create_site(True)  # warm both sides once (discovery caches, imports)
            bench.create_site(False)
            create_api, create_direct = [], []
            for _ in range(runs):
                create_api.append(bench.create_site(True))
                create_direct.append(bench.create_site(False))
            while bench.sites() < 50:
                bench.create_site(True)
            list_api = [bench.api("GET", "/sites") for _ in range(runs)]
            list_direct = [bench.direct("site_list.yml", {}) for _ in range(runs)]
            return {
                "create_api": _summary(create_api),
                "create_direct": _summary(create_direct),
                "list50_api": _summary(list_api),
                "list50_direct": _summary(list_direct),
            }
        finally:
            bench.close()


def one_site_list(runs: int) -> dict[str, tuple[float, float]]:
    """GET /sites on a cluster with exactly one site."""
    with tempfile.TemporaryDirectory(prefix="site-bench-1-") as tmp:
        bench = Bench(Path(tmp))
        try:
            bench.create_site(True)
            bench.api("GET", "/sites")
            bench.direct("site_list.yml", {})
            api = [bench.api("GET", "/sites") for _ in range(runs)]
            direct = [bench.direct("site_list.yml", {}) for _ in range(runs)]
            return {"list1_api": _summary(api), "list1_direct": _summary(direct)}
        finally:
            bench.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    figures = one_site_list(args.runs) | run(args.runs)
    rows = [
        ("POST /sites", "create_api", "create_direct"),
        ("GET /sites, 1 site", "list1_api", "list1_direct"),
        ("GET /sites, 50 sites", "list50_api", "list50_direct"),
    ]
    lines = [
        "| operation | service p50 | service p95 | ansible-playbook p50 | ansible-playbook p95 | service overhead (p50) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for label, api_key, direct_key in rows:
        (a50, a95), (d50, d95) = figures[api_key], figures[direct_key]
        lines.append(
            f"| {label} | {a50:.2f} s | {a95:.2f} s | {d50:.2f} s | {d95:.2f} s | {100 * (a50 - d50) / d50:+.1f}% |"
        )
    ratio = figures["list50_api"][0] / figures["list1_api"][0]
    lines.append("")
    lines.append(f"GET /sites with 50 sites costs {ratio:.2f}x GET /sites with 1 site (service, p50).")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
