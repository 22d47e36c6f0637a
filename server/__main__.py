"""`python -m server [--host H] [--port P]`: run the service (settings from PROVISIONER_*).

Runs in a single process (no Sanic worker manager): signals go straight to the server, which
stops the playbook runs in progress before it exits. Logs go to stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from sanic import Sanic

from server.app import create_app
from server.config import ConfigError, Settings, load_settings


def main(argv: list[str] | None = None, *, factory: Callable[[Settings], Sanic] = create_app) -> int:
    """Parse the command line, read the settings, build the app with `factory` and serve it."""
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", help="listen address (default: PROVISIONER_HOST)")
    parser.add_argument("--port", type=int, help="listen port (default: PROVISIONER_PORT)")
    args = parser.parse_args(argv)

    _configure_logging()
    try:
        settings = load_settings()
        logging.getLogger().setLevel(settings.log_level)
        app = factory(settings)
    except ConfigError as error:
        logging.getLogger("server").error("%s", error)
        return 2
    app.run(
        host=args.host or settings.host,
        port=args.port or settings.port,
        single_process=True,
        access_log=False,  # server.app logs each request itself, without query strings
        motd=False,
    )
    return 0


def _configure_logging() -> None:
    """Service and access logs (server.access) on stderr, one line each."""
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


if __name__ == "__main__":
    sys.exit(main())
