"""The only package that imports ansible_runner: runs a playbook and returns what it published.

Routes use `run_playbook(request.app, "<area>_<action>.yml", api_input, slug, secrets)`.
"""

from server.runner.run import PlaybookRunner, run_playbook

__all__ = ["PlaybookRunner", "run_playbook"]
