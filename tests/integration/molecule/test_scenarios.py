"""Every role's molecule scenarios: create the stand-ins, converge, converge again with no change
(idempotence), verify through a channel the role did not use, destroy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.testing import down

ROOT = Path(__file__).resolve().parents[3]
SCENARIOS = sorted(ROOT.glob("roles/*/molecule/*/molecule.yml"))
BIN = Path(sys.executable).parent


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: f"{p.parts[-4]}-{p.parts[-2]}")
def test_molecule_scenario_converges_idempotently_and_verifies(scenario, tmp_path):
    role_dir = scenario.parents[2]
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "MOLECULE_EPHEMERAL_DIRECTORY": str(tmp_path / "ephemeral"),
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        "NO_COLOR": "1",
    }
    try:
        proc = subprocess.run(
            [str(BIN / "molecule"), "test", "-s", scenario.parent.name],
            cwd=role_dir, env=env, capture_output=True, text=True, timeout=600,
        )
    finally:
        # A scenario that failed before its destroy step must not leave its stand-ins running.
        for info in (tmp_path / "ephemeral").glob("sandbox/*/sandbox.json"):
            down(info.parent)
    assert proc.returncode == 0, f"{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
