"""Role inputs are a contract: every default is declared in argument_specs and vice versa,
with the same default value, and every role has the files a reader expects."""

from pathlib import Path

import pytest
import yaml

ROLES = sorted(p for p in (Path(__file__).resolve().parents[3] / "roles").iterdir() if p.is_dir())


def _load(path: Path):
    return yaml.safe_load(path.read_text()) or {}


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_role_has_readme_defaults_and_specs(role):
    for part in ("README.md", "defaults/main.yml", "meta/main.yml", "meta/argument_specs.yml", "tasks/main.yml"):
        assert (role / part).is_file(), f"{role.name} lacks {part}"


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_defaults_and_argument_specs_have_the_same_keys(role):
    defaults = _load(role / "defaults/main.yml")
    specs = _load(role / "meta/argument_specs.yml")["argument_specs"]
    declared = {}
    for entry in specs.values():
        declared.update(entry.get("options") or {})
    assert set(defaults) == set(declared), (
        f"{role.name}: only in defaults {sorted(set(defaults) - set(declared))}, "
        f"only in argument_specs {sorted(set(declared) - set(defaults))}"
    )


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_argument_spec_defaults_equal_role_defaults(role):
    defaults = _load(role / "defaults/main.yml")
    specs = _load(role / "meta/argument_specs.yml")["argument_specs"]
    for entry_name, entry in specs.items():
        for key, option in (entry.get("options") or {}).items():
            if "default" in option and isinstance(defaults.get(key), (str, int, bool, float)):
                if "{{" in str(defaults[key]):
                    continue  # computed from other variables at run time
                assert option["default"] == defaults[key], f"{role.name}.{entry_name}.{key}"


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_every_public_variable_carries_the_role_prefix(role):
    prefix = role.name + "_"
    defaults = _load(role / "defaults/main.yml")
    assert all(key.startswith(prefix) for key in defaults), sorted(k for k in defaults if not k.startswith(prefix))
