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


def test_extravars_file_is_0600_and_one_unsafe_mapping(tmp_path):
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
    events = list(yaml.parse(path.read_text()))
    roots = [event for event in events if isinstance(event, yaml.MappingStartEvent)]
    assert roots[0].tag == "!unsafe"  # the whole document: everything inside is unsafe
    assert all(event.tag is None for event in events[1:] if isinstance(event, yaml.ScalarEvent))


@pytest.mark.parametrize("text", ["off", "yes", "no", "on", "123", "1.5", "null", "~", "2001-01-01", "0x10", "1e3"])
def test_strings_that_look_like_other_yaml_types_stay_strings(text):
    loaded = AnsibleLoader(private_dir.unsafe_yaml({"api_input": {"local": text}})).get_single_data()
    assert loaded["api_input"]["local"] == text
    assert isinstance(loaded["api_input"]["local"], str)


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
