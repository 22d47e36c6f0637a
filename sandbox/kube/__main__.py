"""`python -m sandbox.kube --port PORT --kubeconfig PATH [--state-dir DIR]`

Runs the Kubernetes API emulator in the foreground, writes a kubeconfig pointing at it, keeps its
objects under the state dir (a temporary directory when not given), and stops cleanly (exit 0)
on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import tempfile
import threading
from pathlib import Path

import yaml

from ..files import write_private
from .controllers import default_controllers
from .models.cluster import Cluster
from .server import serve

log = logging.getLogger("sandbox.kube")


def kubeconfig(server_url: str, namespace: str = "default") -> dict:
    """A kubeconfig for the sandbox. Any token is accepted (kubectl sends none over plain HTTP)."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "sandbox", "cluster": {"server": server_url}}],
        "users": [{"name": "sandbox", "user": {"token": "sandbox"}}],
        "contexts": [{"name": "sandbox", "context": {"cluster": "sandbox", "user": "sandbox",
                                                     "namespace": namespace}}],
        "current-context": "sandbox",
        "preferences": {},
    }


def write_kubeconfig(path: Path, server_url: str) -> None:
    write_private(path, yaml.safe_dump(kubeconfig(server_url), sort_keys=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.kube", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="TCP port to listen on")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--kubeconfig", type=Path, help="write a kubeconfig for this server here")
    parser.add_argument("--state-dir", type=Path, help="where objects are kept (default: a new temp dir)")
    parser.add_argument("--quiet", action="store_true", help="no access log on stderr")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    state_dir = args.state_dir or Path(tempfile.mkdtemp(prefix="sandbox-kube-"))
    state_dir.mkdir(parents=True, exist_ok=True)

    cluster = Cluster(state_dir, default_controllers(state_dir))
    server = serve(cluster, args.host, args.port, access_log=not args.quiet)
    host = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host
    url = f"http://{host}:{server.server_address[1]}"
    if args.kubeconfig:
        write_kubeconfig(args.kubeconfig, url)
    cluster.start()

    def stop(signum, frame):  # noqa: ARG001 - signal handler signature
        if server.stopping.is_set():
            return
        server.stopping.set()
        cluster.events.close()  # ends open watch streams
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("sandbox kube API on %s (state %s, resourceVersion %s)", url, state_dir, cluster.resource_version)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        cluster.shutdown()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
