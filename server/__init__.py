"""tenant-provisioner: a REST service whose every endpoint runs an Ansible playbook.

`create_app()` (server/app.py) builds the Sanic app; `python -m server` runs it.
The package imports nothing eagerly: Ansible modules import `contract.models` inside playbook runs
and must not pay for Sanic and ansible-runner.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from server.app import create_app

        return create_app
    raise AttributeError(f"module 'server' has no attribute {name!r}")
