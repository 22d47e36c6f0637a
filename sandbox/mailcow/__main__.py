"""`SANDBOX_MAILCOW_API_KEY=KEY [SANDBOX_MAILCOW_READ_ONLY_KEY=KEY] python -m sandbox.mailcow --port PORT [--state-dir DIR]`

The keys come from the environment, never the command line (which every local user can read).

Runs in the foreground until SIGTERM or SIGINT, then stops serving, writes its state and exits 0.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
from pathlib import Path

from .models import MailcowBackend
from .responses import ApiKeys
from .server import build_server

_KEY = re.compile(r"^[A-Za-z0-9-]+$")
#: The environment variables holding the read-write key (required) and the read-only key.
API_KEY_ENV = "SANDBOX_MAILCOW_API_KEY"
READ_ONLY_KEY_ENV = "SANDBOX_MAILCOW_READ_ONLY_KEY"


def _keys(parser: argparse.ArgumentParser, environ) -> tuple[str, str | None]:
    """(read-write key, read-only key or None) from the environment; exit 2 when unusable."""
    keys = []
    for name in (API_KEY_ENV, READ_ONLY_KEY_ENV):
        value = environ.get(name) or None
        if value is not None and not _KEY.match(value):
            parser.error(f"{name}: API keys consist of A-Z, a-z, 0-9 and '-' (Mailcow strips anything else)")
        keys.append(value)
    if keys[0] is None:
        parser.error(f"{API_KEY_ENV} (the read-write key) is not set")
    return keys[0], keys[1]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.mailcow", description="Mailcow /api/v1 emulator")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state-dir", type=Path, help="keep state here across restarts")
    parser.add_argument("--hostname", default="mail.sandbox.invalid", help="MAILCOW_HOSTNAME (cannot be added as a domain)")
    parser.add_argument("--allow-from", help="API_ALLOW_FROM: IPs/CIDRs separated by space , or ; (default: no IP check)")
    parser.add_argument("--mailcow-version", default="2026-07", help="answer of get/status/version")
    args = parser.parse_args(argv)
    args.api_key, args.read_only_key = _keys(parser, os.environ)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    backend = MailcowBackend(hostname=args.hostname, state_dir=args.state_dir)
    allow_from = [p for p in re.split(r"[ ,;\n]", args.allow_from) if p] if args.allow_from else None
    keys = ApiKeys([args.api_key], [args.read_only_key] if args.read_only_key else [], allow_from)
    server = build_server(backend, keys, args.host, args.port, version=args.mailcow_version)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    serving.start()
    print(f"mailcow sandbox listening on http://{args.host}:{server.server_address[1]}", flush=True)
    while not stop.wait(0.2):
        pass
    server.shutdown()
    server.server_close()
    with backend.lock:
        backend.save()
    print("mailcow sandbox stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
