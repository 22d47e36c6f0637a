"""tenant-provisioner: a REST service whose every endpoint runs an Ansible playbook.

`create_app()` (server/app.py) builds the Sanic app; `python -m server` runs it.
"""

from server.app import create_app

__all__ = ["create_app"]
