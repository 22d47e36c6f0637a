"""Every role's molecule scenario (`default`): create the stand-ins, converge, converge again with no
change (idempotence), verify through a channel the role did not use, destroy. Each scenario covers
two variable sets, one per host of the inventory group `sites` (.config/molecule/config.yml):
`default` (the role's defaults) and `alternative` (many defaults changed)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.testing import down

ROOT = Path(__file__).resolve().parents[3]
SCENARIOS = sorted(ROOT.glob("roles/*/molecule/*/molecule.yml"))
BIN = Path(sys.executable).parent
VARIABLE_SETS = ("default", "alternative")


def test_every_role_has_one_scenario():
    roles = sorted(p.parent.name for p in ROOT.glob("roles/tenant_*/tasks"))
    assert roles and [(p.parts[-4], p.parts[-2]) for p in SCENARIOS] == [(role, "default") for role in roles]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.parts[-4])
def test_molecule_scenario_converges_idempotently_and_verifies(scenario, tmp_path):
    role_dir = scenario.parents[2]
    ephemeral = tmp_path / "ephemeral"
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "MOLECULE_EPHEMERAL_DIRECTORY": str(ephemeral),
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
        for info in ephemeral.glob("sandbox/*/sandbox.json"):
            down(info.parent)
        postgres = scenario.parent / "postgres.py"
        if postgres.exists() and (ephemeral / "postgres.json").exists():
            subprocess.run([sys.executable, str(postgres), "down", str(ephemeral / "postgres.json")], check=False)
    assert proc.returncode == 0, f"{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    # Both variable sets ran (a host that matched no play would leave the check empty): each host's
    # recap appears for converge, idempotence and verify at least, with tasks run and none failed.
    for host in VARIABLE_SETS:
        recaps = re.findall(rf"^{host}\s+: ok=(\d+)\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)",
                            proc.stdout, re.M)
        assert len(recaps) >= 3, (host, recaps, proc.stdout[-3000:])
        assert all(int(ok) > 0 and (unreachable, failed) == ("0", "0") for ok, unreachable, failed in recaps), recaps
