"""Benchmark: a request through the service (warm and plain runner) vs a plain ansible-playbook run.

    .venv/bin/python -m benchmarks.runner_bench [--runs 8] [--clients 20] [--seconds 20] [--out docs/benchmarks-runner.md]

Starts one sandbox cluster, one PostgreSQL server and two services on loopback: one with the
warm runner (the default, `PROVISIONER_RUNNER=warm`) and one with the plain runner
(`PROVISIONER_RUNNER=plain`). Then, round after round, the same operation three ways, one right
after the other, so that the machine's load (it is shared) hits all three alike:

- through the warm service, through the plain service, and with `ansible-playbook` directly
  (`-e` the same playbook variables the service passes, the same secrets in its environment);
- for POST /sites, GET /sites, POST /sites/:slug/deploy and GET /sites/:slug/db/status.

Wall time is the client's; CPU time is the CPU the request cost the machine's processes of that
side: for a service, the growth of user+system time of the service process and all its
descendants (the warm runner's zygotes and everything they forked, live or reaped); for
ansible-playbook, its own and its descendants' (`RUSAGE_CHILDREN`). The sandbox API and
PostgreSQL serve all three alike and are not counted. Then 20 concurrent clients send mixed
reads (GET /sites and GET /sites/:slug/db/status over 3 sites) to each service
for a fixed time: requests per second. Finally GET /sites again, now that the POST /sites rounds
have added sites, for the growth with the number of sites. Not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from sandbox.testing import free_port, seed_cluster_issuers, start_module
from scripts import postgres_server
from server.config import Settings
from tests.fixtures.service import PRODUCTION_MODULE, Service, start_service

ROOT = Path(__file__).resolve().parent.parent
ANSIBLE_PLAYBOOK = str(Path(sys.executable).with_name("ansible-playbook"))
TLS_ISSUERS = ("letsencrypt-prod", "letsencrypt-staging")
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def _tree_cpu(root: int) -> float:
    """CPU seconds of `root` and every live descendant, each with its reaped children."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        times[pid] = sum(int(value) for value in fields[11:15]) / _CLK_TCK  # utime stime cutime cstime
    total, frontier = 0.0, {root}
    while frontier:
        total += sum(times.get(pid, 0.0) for pid in frontier)
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
    return total


class Bench:
    def __init__(self, base: Path):
        self.kube = start_module(
            "kube", "sandbox.kube",
            ["--kubeconfig", str(base / "kubeconfig"), "--state-dir", str(base / "kube-state")],
            base / "kube.log",
        )
        seed_cluster_issuers(self.kube.url, TLS_ISSUERS)
        self.pg_dir = Path(tempfile.mkdtemp(prefix="tp-bench-pg-"))
        self.pg = postgres_server.start(self.pg_dir, free_port())
        self.options = {
            "kubeconfig": str(base / "kubeconfig"),
            "tls_issuers": ",".join(TLS_ISSUERS),
            "pg_admin_host": self.pg.host,
            "pg_admin_port": str(self.pg.port),
            "pg_admin_user": self.pg.admin_user,
            "pg_admin_password": self.pg.admin_password,
            "restic_repository_base": str(base / "restic"),
            "restic_password_seed": "bench-restic-seed-0123456789abcdef",
        }
        self.services = {
            mode: start_service(PRODUCTION_MODULE, base / f"service-{mode}", runner=mode, **self.options)
            for mode in ("warm", "plain")
        }
        settings = Settings(**{name: value for name, value in self.options.items()})
        self.playbook_vars = settings.playbook_vars()
        tmp = base / "direct-tmp"
        tmp.mkdir()
        self.direct_env = {
            **os.environ,
            **settings.secret_env(),
            "K8S_AUTH_KUBECONFIG": self.options["kubeconfig"],
            "TMPDIR": str(tmp),
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        }
        self.counter = 0

    def close(self) -> None:
        for service in self.services.values():
            service.stop()
        self.kube.stop()
        postgres_server.destroy(self.pg_dir)

    def domain(self) -> str:
        self.counter += 1
        return f"bench{self.counter}.example.com"

    def api(self, mode: str, method: str, path: str, body: dict | None = None) -> tuple[float, float]:
        service = self.services[mode]
        cpu = _tree_cpu(service.pid)
        start = time.perf_counter()
        response = service.request(method, path, json=body)
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"{mode} {method} {path}: {response.status_code} {response.text}")
        return elapsed, _tree_cpu(service.pid) - cpu

    def direct(self, playbook: str, api_input: dict) -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(
            [ANSIBLE_PLAYBOOK, "-i", "inventory", f"playbooks/{playbook}",
             "-e", json.dumps({**self.playbook_vars, "api_input": api_input})],
            cwd=ROOT, env=self.direct_env, capture_output=True, text=True,
        )
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise RuntimeError(f"{playbook}: {proc.stdout[-2000:]}")
        return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


#: operation label -> (playbook, HTTP method, path, body or None); `{slug}` is the bench site.
def _operations(bench: Bench, slug: str) -> dict:
    return {
        "POST /sites": lambda: ("site_create.yml", "POST", "/sites",
                                {"domain": bench.domain(), "cpu": 1, "ramGi": 1, "diskGi": 1}),
        "GET /sites": lambda: ("site_list.yml", "GET", "/sites", None),
        "POST /sites/:slug/deploy": lambda: ("site_deploy.yml", "POST", f"/sites/{slug}/deploy",
                                             {"image": f"ghcr.io/org/app:{bench.counter % 2}", "containerPort": 3000}),
        "GET /sites/:slug/db/status": lambda: ("db_status.yml", "GET", f"/sites/{slug}/db/status", None),
    }


def _side_by_side(bench: Bench, runs: int, slug: str) -> dict[str, dict[str, list[tuple[float, float]]]]:
    figures: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for label, make in _operations(bench, slug).items():
        ways = figures[label] = {"warm": [], "plain": [], "ansible-playbook": []}
        for round_ in range(runs + 1):  # round 0 warms every side (discovery caches) and is dropped
            samples = {}
            for way in ways:
                playbook, method, path, body = make()
                if way == "ansible-playbook":
                    api_input = dict(body or {})
                    if path.startswith("/sites/"):
                        api_input["slug"] = slug
                    samples[way] = bench.direct(playbook, api_input)
                else:
                    samples[way] = bench.api(way, method, path, body)
            if round_:
                for way, sample in samples.items():
                    ways[way].append(sample)
        print(label, {way: statistics.median(w for w, _ in values) for way, values in ways.items()}, flush=True)
    return figures


def _throughput(service: Service, slugs: list[str], clients: int, seconds: float) -> tuple[float, int, float]:
    """Requests per second of `clients` concurrent clients sending mixed reads; errors; p50 latency."""
    paths = ["/sites"] + [f"/sites/{slug}/db/status" for slug in slugs]
    done: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(index: int) -> None:
        session = requests.Session()
        turn = index
        while time.monotonic() < stop_at:
            path = paths[turn % len(paths)]
            turn += 1
            start = time.perf_counter()
            try:
                ok = session.get(service.url + path, headers={"X-API-Key": service.api_key}, timeout=300).status_code == 200
            except requests.RequestException:
                ok = False
            with lock:
                if ok:
                    done.append(time.perf_counter() - start)
                else:
                    errors[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started  # includes the requests in flight at the end
    return len(done) / elapsed, errors[0], statistics.median(done) if done else float("nan")


def run(runs: int, clients: int, seconds: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="runner-bench-") as tmp:
        bench = Bench(Path(tmp))
        try:
            slugs = []
            for _ in range(3):
                domain = bench.domain()
                bench.api("warm", "POST", "/sites", {"domain": domain, "cpu": 1, "ramGi": 1, "diskGi": 1})
                slugs.append(domain.replace(".", "-"))
            slug = slugs[0]
            bench.api("warm", "POST", f"/sites/{slug}/deploy", {"image": "ghcr.io/org/app:1", "containerPort": 3000})
            bench.api("warm", "POST", f"/sites/{slug}/db/enable", {"dbName": "db_bench"})
            sites_before = len(bench.services["warm"].request("GET", "/sites").json())
            list_few = {mode: [bench.api(mode, "GET", "/sites")[0] for _ in range(3)] for mode in ("warm", "plain")}
            figures = _side_by_side(bench, runs, slug)
            throughput = {mode: _throughput(bench.services[mode], slugs, clients, seconds) for mode in ("warm", "plain")}
            sites_after = len(bench.services["warm"].request("GET", "/sites").json())  # POST /sites made more
            list_many = {mode: [bench.api(mode, "GET", "/sites")[0] for _ in range(3)] for mode in ("warm", "plain")}
            return {
                "figures": figures,
                "throughput": throughput,
                "list_growth": (sites_before, list_few, sites_after, list_many),
            }
        finally:
            bench.close()


def _format(result: dict, runs: int, clients: int, seconds: float) -> str:
    lines = [
        f"Machine: {os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}, "
        f"load average at the end {os.getloadavg()[0]:.1f}; {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; "
        f"{runs} rounds (p95 of {runs} is the slowest but one or the slowest).",
        "",
        "| operation | way | wall p50 | wall p95 | CPU p50 | CPU p95 | wall ratio (p50) | CPU ratio (p50) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, ways in result["figures"].items():
        base_wall = statistics.median(w for w, _ in ways["ansible-playbook"])
        base_cpu = statistics.median(c for _, c in ways["ansible-playbook"])
        for way, samples in ways.items():
            walls, cpus = [w for w, _ in samples], [c for _, c in samples]
            name = {"warm": "service, warm runner", "plain": "service, plain runner", "ansible-playbook": "ansible-playbook"}[way]
            lines.append(
                f"| {label} | {name} | {statistics.median(walls):.2f} s | {_percentile(walls, 95):.2f} s | "
                f"{statistics.median(cpus):.2f} s | {_percentile(cpus, 95):.2f} s | "
                f"{statistics.median(walls) / base_wall:.2f}x | {statistics.median(cpus) / base_cpu:.2f}x |"
            )
    lines += [
        "",
        f"Mixed reads, {clients} concurrent clients for {seconds:g} s, taking turns over GET /sites and "
        "GET /sites/:slug/db/status of 3 sites (requests still in flight at the end are waited for and counted):",
        "",
        "| runner | requests/s | p50 latency | errors |",
        "| --- | --- | --- | --- |",
    ]
    for mode, (rate, errors, p50) in result["throughput"].items():
        lines.append(f"| {mode} | {rate:.2f} | {p50:.2f} s | {errors} |")
    warm_rate, plain_rate = result["throughput"]["warm"][0], result["throughput"]["plain"][0]
    lines += ["", f"Warm / plain throughput: {warm_rate / plain_rate:.1f}x."]
    few, list_few, many, list_many = result["list_growth"]
    lines += [
        "",
        f"GET /sites with {few} sites vs {many} sites (p50 of 3): "
        + ", ".join(
            f"{mode} {statistics.median(list_few[mode]):.2f} s -> {statistics.median(list_many[mode]):.2f} s"
            for mode in ("warm", "plain")
        )
        + ".",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--out", type=Path, help="write the figures (markdown) to this file")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped: still stop what it started
    text = _format(run(args.runs, args.clients, args.seconds), args.runs, args.clients, args.seconds)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
