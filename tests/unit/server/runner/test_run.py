"""server/runner/run.py: the environment and inputs of a run (the runs themselves are
integration tests: tests/integration/api/test_runner.py)."""

import asyncio
import json
from pathlib import Path

import pytest

from server.config import Settings
from contract.errors import InternalError
from server.runner import PlaybookRunner, processes
from server.runner.run import ANSIBLE_CONFIG, _checked_secrets


@pytest.fixture
def runner(tmp_path):
    settings = Settings(state_dir=tmp_path / "state", kubeconfig=tmp_path / "kubeconfig", pg_admin_password="pg-pw")
    made = PlaybookRunner(settings, playbook_dir=Path(__file__).resolve().parents[3] / "fixtures" / "playbooks")
    yield made
    made.close()


def test_run_env_drops_the_service_settings_and_adds_the_run(runner, tmp_path):
    base = {"PATH": "/usr/bin", "HOME": "/root", "PROVISIONER_API_KEYS": "k", "PROVISIONER_PG_ADMIN_PASSWORD": "x"}
    env = runner._run_env(base, tmp_path / "run", "marker")
    assert not any(name.startswith("PROVISIONER_") for name in env)
    assert env["HOME"] == "/root"
    assert env["ANSIBLE_CONFIG"] == str(ANSIBLE_CONFIG)
    assert env["TMPDIR"] == str(runner.settings.tmp_dir)
    assert env["ANSIBLE_LOCAL_TEMP"] == env["ANSIBLE_REMOTE_TEMP"] == str(tmp_path / "run" / "tmp")
    assert env["K8S_AUTH_KUBECONFIG"] == str(tmp_path / "kubeconfig")
    assert env[processes.RUN_MARKER] == "marker"
    assert "pg-pw" not in json.dumps(env), "secrets are handed over in memory, never in the recorded env"
    assert env["PATH"].endswith("/usr/bin")


def test_state_dirs_are_created_private(runner):
    assert runner.settings.runs_dir.is_dir() and runner.settings.tmp_dir.is_dir()
    assert runner.settings.runs_dir.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("secrets", [{"lower": "x"}, {"PROVISIONER_X": "x"}, {"OK_NAME": 3}])
def test_bad_secret_names_or_values_are_refused(secrets):
    with pytest.raises(InternalError):
        _checked_secrets(secrets)


@pytest.mark.parametrize("playbook", ["../playbooks/x.yml", "missing.yml", "selftest_echo", "/etc/passwd"])
def test_unknown_playbooks_are_refused_before_any_run(runner, playbook):
    with pytest.raises(InternalError):
        asyncio.run(runner.run(playbook, {}, None))
    assert list(runner.settings.runs_dir.iterdir()) == []


def test_input_that_is_not_json_is_refused_before_any_run(runner):
    with pytest.raises(InternalError, match="JSON values"):
        asyncio.run(runner.run("selftest_echo.yml", {"when": object()}, None))
    assert list(runner.settings.runs_dir.iterdir()) == []
