"""ansible-lint with the production profile over every playbook and role (also `make lint`), the
controller configuration playbook and the execution environment definition (docs/awx.md).

It runs as a test so that `make test` lints while the other workers run the rest of the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
ANSIBLE_LINT = Path(sys.executable).with_name("ansible-lint")


def test_playbooks_and_roles_pass_ansible_lint_with_the_production_profile(tmp_path):
    env = {**os.environ, "PATH": f"{ANSIBLE_LINT.parent}:{os.environ.get('PATH', '')}", "NO_COLOR": "1",
           "ANSIBLE_HOME": str(tmp_path / "ansible-home"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.run(
        [str(ANSIBLE_LINT), "--profile", "production", "--offline", "playbooks", "roles",
         "awx/configure.yml", "execution-environment.yml", "requirements.yml"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, f"{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"
    assert "Profile 'production' was required, and it passed" in proc.stdout + proc.stderr
