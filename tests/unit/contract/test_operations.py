"""contract/operations.py: the operation table is the one declaration of every endpoint.

The routes, the OpenAPI document and the playbooks' input and result roles are built from it; the
Ansible layer that reads it stands without the web service.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from contract.errors import PLAYBOOK_ERROR_CODES, InvalidInput
from contract.operations import BY_NAME, OPERATIONS, check_input, conform_response, run_secrets
from plugins.filter.api_request import api_request_check, api_response

REPO = Path(__file__).resolve().parents[3]
PLAYBOOKS = REPO / "playbooks"


def test_every_playbook_is_an_operation_and_every_operation_has_its_playbook():
    assert {path.stem for path in PLAYBOOKS.glob("*.yml")} == set(BY_NAME)


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_each_playbook_names_its_operation_once(op):
    text = (PLAYBOOKS / op.playbook).read_text()
    assert f"    api_operation: {op.name}\n" in text
    assert "api_request_operation" not in text and "api_result_operation" not in text


def test_names_methods_and_paths_are_unique():
    assert len({op.name for op in OPERATIONS}) == len(OPERATIONS) == len(list(PLAYBOOKS.glob("*.yml")))
    assert len({(op.method, op.path) for op in OPERATIONS}) == len(OPERATIONS)


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_declared_errors_are_codes_a_playbook_may_publish(op):
    assert all(error.code in PLAYBOOK_ERROR_CODES for error in op.errors)


def test_a_secret_field_leaves_the_input_and_a_generated_secret_is_new_each_time():
    mailbox = BY_NAME["mail_mailbox_create"]
    api_input = {"slug": "a-com", "localPart": "x", "password": "long enough", "quotaMb": 5}
    assert run_secrets(mailbox, api_input) == {"TENANT_MAIL_MAILBOX_PASSWORD": "long enough"}
    assert "password" not in api_input
    db = BY_NAME["db_enable"]
    first, second = run_secrets(db, {}), run_secrets(db, {})
    assert set(first) == {"TENANT_DB_NEW_PASSWORD"} and len(first["TENANT_DB_NEW_PASSWORD"]) == 32
    assert first != second


def test_a_playbook_input_takes_the_secret_field_from_its_environment(monkeypatch):
    data = {"slug": "a-com", "localPart": "x", "quotaMb": 5}
    with pytest.raises(InvalidInput, match="password"):
        check_input("mail_mailbox_create", data)
    monkeypatch.setenv("TENANT_MAIL_MAILBOX_PASSWORD", "from the environment")
    assert check_input("mail_mailbox_create", data)["password"] == "from the environment"


def test_the_slug_length_follows_the_namespace_prefix():
    slug = "a" * 57
    with pytest.raises(InvalidInput, match="at most 56 characters"):
        check_input("site_delete", {"slug": slug})
    assert check_input("site_delete", {"slug": slug}, {"namespace_prefix": "t-"}) == {"slug": slug}


def test_the_input_check_answers_like_the_service():
    checked = api_request_check({"slug": "a-com", "cpu": 0}, "site_limits_update", {})
    assert checked == {
        "valid": False,
        "error": {
            "code": "invalid_input",
            "message": "Invalid cpu: Input should be greater than 0",
            "details": [{"field": "cpu", "message": "Input should be greater than 0"}],
        },
    }


def test_a_response_body_gets_the_wire_names_and_is_checked():
    body = {"ok": True, "slug": "a-com", "dbEnabled": True, "dbName": "db_a", "username": "u"}
    assert conform_response("db_enable", body) == body
    assert api_response(body, "") is body  # no operation named: published as it is
    with pytest.raises(AnsibleFilterError, match="does not match the API contract"):
        api_response({**body, "dbEnabled": "yes"}, "db_enable")
    with pytest.raises(AnsibleFilterError, match="does not match the API contract"):
        api_response([{"slug": "a-com"}], "site_list")


def test_checking_every_operation_imports_no_web_framework():
    """The Ansible layer (and so an AWX execution environment) needs no Sanic."""
    script = textwrap.dedent(
        """
        import json, sys
        from contract.operations import OPERATIONS
        from plugins.filter.api_request import api_error, api_request_check, api_response
        results = [api_request_check({"slug": "a-com"}, op.name, {})["valid"] for op in OPERATIONS]
        api_error({"code": "conflict", "message": "m"})
        api_response({"ok": True, "slug": "a-com"}, "site_delete")
        web = sorted(name for name in sys.modules if name.split(".")[0] in ("sanic", "sanic_routing", "server"))
        print(json.dumps({"checked": len(results), "web": web}))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == {"checked": len(OPERATIONS), "web": []}


def test_a_playbook_checks_its_input_where_sanic_cannot_be_imported(tmp_path):
    """ansible-playbook answers 400 from the operation table with `import sanic` failing."""
    blocker = tmp_path / "blocker"
    (blocker / "sanic").mkdir(parents=True)
    (blocker / "sanic" / "__init__.py").write_text("raise ImportError('sanic is not installed here')\n")
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "K8S_"))},
        "PYTHONPATH": str(blocker),
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"),
        "ANSIBLE_NOCOLOR": "1",
    }
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(REPO / "inventory"), str(PLAYBOOKS / "site_create.yml"),
         "-e", json.dumps({"api_input": {"domain": "app.example.com", "cpu": 1, "ramGi": 64, "diskGi": 1}})],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )
    out = done.stdout + done.stderr
    assert done.returncode != 0
    assert "invalid_input (400): Invalid ramGi: Value error, must be at most 32" in out
    assert "sanic is not installed here" not in out
