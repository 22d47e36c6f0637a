"""server/config.py: settings from PROVISIONER_*, derived values, what reaches playbooks."""

import logging
import stat
from pathlib import Path

import pytest
import yaml

from server.config import REPO_ROOT, ConfigError, Settings, ensure_api_key_file, load_settings

GROUP_VARS = REPO_ROOT / "inventory" / "group_vars" / "all.yml"


@pytest.fixture
def env(monkeypatch):
    """Set PROVISIONER_* variables for one test (and none from the outer environment)."""
    import os

    for name in list(os.environ):
        if name.startswith("PROVISIONER_"):
            monkeypatch.delenv(name)

    def set_env(**values):
        for name, value in values.items():
            monkeypatch.setenv(f"PROVISIONER_{name.upper()}", value)

    return set_env


def test_defaults_suit_the_local_sandbox(env):
    settings = load_settings()
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.namespace_prefix == "tenant-"
    assert settings.tls_issuers == ["letsencrypt-prod", "letsencrypt-staging"]
    assert settings.default_tls_issuer == "letsencrypt-prod"
    assert (settings.max_cpu, settings.max_ram_gi, settings.max_disk_gi) == (8, 32, 500)
    assert (settings.run_timeout, settings.max_parallel_runs) == (300, 4)
    assert settings.kubeconfig is None
    assert settings.state_dir == REPO_ROOT / ".state" / "service"
    assert settings.api_key_values() == []


def test_comma_separated_lists_are_split(env):
    env(api_keys=" one, two ,,three", tls_issuers="issuer-a,issuer-b")
    settings = load_settings()
    assert settings.api_key_values() == ["one", "two", "three"]
    assert settings.tls_issuers == ["issuer-a", "issuer-b"]
    assert settings.default_tls_issuer == "issuer-a"


def test_numbers_and_paths_are_parsed(env, tmp_path):
    env(run_timeout="2.5", max_parallel_runs="7", port="9001", state_dir=str(tmp_path), kubeconfig=str(tmp_path / "kc"))
    settings = load_settings()
    assert (settings.run_timeout, settings.max_parallel_runs, settings.port) == (2.5, 7, 9001)
    assert settings.runs_dir == tmp_path / "runs"
    assert settings.tmp_dir == tmp_path / "tmp"
    assert settings.kubeconfig == tmp_path / "kc"


def test_default_issuer_outside_the_allowed_issuers_is_refused(env):
    env(tls_issuers="a,b", default_tls_issuer="c")
    with pytest.raises(ConfigError, match="default_tls_issuer"):
        load_settings()


def test_bad_value_names_the_setting(env):
    env(max_parallel_runs="0")
    with pytest.raises(ConfigError, match="max_parallel_runs"):
        load_settings()


def test_unknown_setting_is_reported(env, caplog):
    env(run_timeouts="5")
    with caplog.at_level(logging.WARNING, logger="server.config"):
        load_settings()
    assert "PROVISIONER_RUN_TIMEOUTS" in caplog.text


def test_api_key_file_keys_are_accepted_with_the_listed_ones(env, tmp_path):
    key_file = tmp_path / "api-key"
    key_file.write_text("# the service key\nfile-key-1\n\nfile-key-2\n")
    env(api_keys="env-key", api_key_file=str(key_file))
    assert load_settings().api_key_values() == ["env-key", "file-key-1", "file-key-2"]


def test_missing_api_key_file_is_refused(env, tmp_path):
    env(api_key_file=str(tmp_path / "absent"))
    with pytest.raises(ConfigError, match="api_key_file"):
        load_settings()


def test_ensure_api_key_file_creates_a_private_random_key_once(tmp_path):
    path = tmp_path / "state" / "api-key"
    key = ensure_api_key_file(path)
    assert len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_api_key_file(path) == key
    assert ensure_api_key_file(tmp_path / "other") != key


def test_secrets_are_secret_strings_and_stay_out_of_repr(env):
    env(pg_admin_password="pg-pass-1", mailcow_api_key="mc-key-2", api_keys="api-key-3")
    settings = load_settings()
    assert "pg-pass-1" not in repr(settings)
    assert "mc-key-2" not in repr(settings)
    assert "api-key-3" not in repr(settings)


def test_secret_env_holds_the_configured_secrets_only(env):
    env(pg_admin_password="pg-pass-1", mailcow_api_key="mc-key-2")
    settings = load_settings()
    assert settings.secret_env() == {
        "TENANT_DB_ADMIN_PASSWORD": "pg-pass-1",
        "TENANT_MAIL_MAILCOW_API_KEY": "mc-key-2",
    }


def test_secrets_are_never_playbook_vars(env):
    env(pg_admin_password="pg-pass-1", mailcow_api_key="mc-key-2", restic_password_seed="seed-3")
    values = [str(value) for value in load_settings().playbook_vars().values()]
    assert not any(secret in value for value in values for secret in ("pg-pass-1", "mc-key-2", "seed-3"))


def test_playbook_vars_carry_the_settings(env):
    env(namespace_prefix="site-", max_cpu="2.5", tls_issuers="x,y", pg_admin_port="6543")
    variables = load_settings().playbook_vars()
    assert variables["tenant_namespace_prefix"] == "site-"
    assert variables["tenant_app_namespace_prefix"] == "site-"
    assert variables["tenant_max_cpu"] == 2.5
    assert variables["tenant_tls_issuers"] == ["x", "y"]
    assert variables["tenant_default_tls_issuer"] == "x"
    assert variables["tenant_db_admin_port"] == 6543


def test_group_vars_hold_the_same_variables_and_defaults_as_settings(env):
    group_vars = yaml.safe_load(GROUP_VARS.read_text())
    variables = load_settings().playbook_vars()
    assert set(group_vars) == set(variables)
    for name, value in group_vars.items():
        if isinstance(value, str) and "{{" in value:
            continue  # a path relative to the inventory, computed by Ansible
        assert value == variables[name], name


def test_max_slug_length_keeps_namespace_names_within_63_characters():
    assert Settings(namespace_prefix="tenant-").max_slug_length == 56
    assert Settings(namespace_prefix="t-").max_slug_length == 61


def test_validation_context_carries_limits_and_issuers():
    context = Settings(max_cpu=3, tls_issuers=["a"]).validation_context()
    assert context["max_cpu"] == 3
    assert context["tls_issuers"] == ["a"]
    assert context["namespace_prefix"] == "tenant-"


def test_settings_are_frozen():
    settings = Settings()
    with pytest.raises(ValueError):
        settings.port = 1  # type: ignore[misc]


def test_relative_state_dir_becomes_absolute(env, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    env(state_dir="relative/state")
    assert load_settings().state_dir == Path(tmp_path) / "relative" / "state"


ROLES = REPO_ROOT / "roles"
#: Role defaults that are paths of their own: the role's is a production path, the service's and
#: group_vars' are under the checkout (make run).
_OWN_PATHS = {"tenant_backup_repository_base"}


def test_role_defaults_of_a_setting_equal_the_settings_default(env):
    """A role's default for a variable the settings carry is the service's default."""
    variables = load_settings().playbook_vars()
    checked = 0
    for defaults_file in sorted(ROLES.glob("*/defaults/main.yml")):
        defaults = yaml.safe_load(defaults_file.read_text()) or {}
        for name in sorted(set(defaults) & set(variables) - _OWN_PATHS):
            assert defaults[name] == variables[name], f"{defaults_file.parent.parent.name}: {name}"
            checked += 1
    assert checked >= 15


def test_the_input_check_context_is_the_settings_of_the_contract():
    """roles/api_request reads each setting the checks depend on from its playbook variable, and
    the service's defaults of those settings are the contract's."""
    from contract.context import DEFAULTS, ValidationContext

    context = yaml.safe_load((ROLES / "api_request" / "defaults" / "main.yml").read_text())["api_request_context"]
    assert set(context) == set(ValidationContext.model_fields)
    settings = Settings()
    variables = settings.playbook_vars()
    for field, template in context.items():
        variable = template.strip("{} ")
        assert "default(" not in template, field  # no fallback restating a default
        assert variables[variable] == getattr(settings, field) == getattr(DEFAULTS, field), field


def test_no_playbook_restates_a_default_of_a_setting():
    variables = load_settings().playbook_vars()
    for path in sorted((REPO_ROOT / "playbooks").glob("*.yml")):
        text = path.read_text()
        for name in variables:
            assert f"{name} | default(" not in text, f"{path.name}: {name}"
