"""server/runner/secret_env.py: secrets reach the command's environment from memory only."""

import json
import os
import subprocess

import pytest

from server.runner.secret_env import SecretHandover


def test_the_wrapped_command_sees_the_secrets_and_its_command_line_does_not():
    with SecretHandover({"TENANT_SECRET": "s3cret value", "OTHER": "x"}) as handover:
        command = handover.wrap(["sh", "-c", 'printf "%s|%s|%s" "$TENANT_SECRET" "$OTHER" "$KEPT"'])
        result = subprocess.run(command, env={**os.environ, "KEPT": "k"}, capture_output=True, text=True, check=True)
    assert result.stdout == "s3cret value|x|k"
    assert not any("s3cret" in part for part in command)
    assert command[command.index("--") + 1:][:2] == ["sh", "-c"]


def test_the_secrets_live_in_no_file_and_are_gone_after_close():
    handover = SecretHandover({"TENANT_SECRET": "s3cret"})
    target = os.readlink(handover.path)
    assert target.startswith("/memfd:run-secrets"), target
    with open(handover.path, encoding="utf-8") as secrets_file:
        assert json.load(secrets_file) == {"TENANT_SECRET": "s3cret"}
    handover.close()
    # The fd number may be reused at once by anything else; it no longer names the secrets.
    assert not os.path.exists(handover.path) or not os.readlink(handover.path).startswith("/memfd:run-secrets")


@pytest.mark.parametrize("content", ['["a"]', '{"A": 1}', "not json"])
def test_bad_secret_files_stop_the_command(tmp_path, content):
    path = tmp_path / "secrets"
    path.write_text(content)
    with SecretHandover({}) as handover:
        command = [*handover.wrap(["echo", "ran"])]
    command[command.index(handover.path)] = str(path)
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode != 0
    assert "ran" not in result.stdout
