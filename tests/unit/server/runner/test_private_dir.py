"""server/runner/private_dir.py: 0700 dirs, unsafe extra vars, clean-up of stale dirs."""

import os
import stat
import subprocess

import pytest
import yaml
from ansible.parsing.yaml.loader import AnsibleLoader

from server.runner import private_dir


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_run_dirs_are_private(tmp_path):
    runs = tmp_path / "runs"
    run = private_dir.create(runs)
    assert run.parent == runs
    assert _mode(runs) == _mode(run) == _mode(run / "env") == _mode(run / "tmp") == 0o700
    assert private_dir.owner_pid(run) == os.getpid()


def test_extravars_file_is_0600_and_every_string_is_unsafe(tmp_path):
    run = private_dir.create(tmp_path)
    data = {
        "api_input": {
            "text": "{{ lookup('pipe', 'id') }}",
            "{{ key }}": ["{% raw %}", 1, 2.5, True, None, {"nested": "{{ x }}"}],
        },
        "tenant_namespace_prefix": "tenant-",
    }
    path = private_dir.write_extravars(run, data)
    assert _mode(path) == 0o600
    scalars = [event for event in yaml.parse(path.read_text()) if isinstance(event, yaml.ScalarEvent)]
    strings = [event for event in scalars if event.style == "'"]
    assert len(strings) == 9  # 5 keys and 4 string values
    assert all(event.tag == "!unsafe" for event in strings)
    assert {event.value for event in scalars if event.style is None} == {"1", "2.5", "true", "null"}


def test_ansible_reads_the_extravars_back_unchanged(tmp_path):
    data = {"api_input": {"text": "{{ lookup('pipe', 'id') }}", "{{ k }}": ["{{ v }}", 3, None]}}
    loaded = AnsibleLoader(private_dir.unsafe_yaml(data)).get_single_data()
    assert loaded == data


def test_non_json_values_are_refused():
    with pytest.raises(TypeError, match="api_input.when"):
        private_dir.unsafe_yaml({"api_input": {"when": object()}})
    with pytest.raises(TypeError, match="keys must be strings"):
        private_dir.unsafe_yaml({"api_input": {1: "x"}})


def test_runner_settings_are_written(tmp_path):
    run = private_dir.create(tmp_path)
    path = private_dir.write_runner_settings(run, {"pexpect_timeout": 0.25})
    assert yaml.safe_load(path.read_text()) == {"pexpect_timeout": 0.25}
    assert _mode(path) == 0o600


def test_remove_deletes_everything(tmp_path):
    run = private_dir.create(tmp_path)
    private_dir.write_extravars(run, {"a": "b"})
    private_dir.remove(run)
    assert not run.exists()


def test_stale_dirs_of_dead_service_processes_are_removed(tmp_path):
    finished = subprocess.Popen(["true"])
    finished.wait()
    stale = tmp_path / f"{finished.pid}-abc"
    stale.mkdir()
    (stale / "file").write_text("x")
    parent = tmp_path / f"{os.getppid()}-live"  # a live process that is not us
    parent.mkdir()
    removed = private_dir.remove_stale(tmp_path)
    assert stale in removed and not stale.exists()
    assert parent.exists()
