"""The runner over real HTTP: the test entry point (tests/fixtures/service_app.py) runs the
fixture playbooks (tests/fixtures/playbooks/selftest_*.yml) through the real ansible-runner.
"""

import threading
import time

import pytest

from tests.fixtures.service import TEST_MODULE, files_containing, live_processes, start_service

ADMIN_PASSWORD = "pg-Admin-Secret-7f3a"  # a service setting, given to every run
USER_PASSWORD = "user-Secret-c41d"  # a per-run secret, like a mailbox password
INJECTION = "{{ lookup('pipe', 'id') }}"
RUN_TIMEOUT = 4


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    state = tmp_path_factory.mktemp("runner")
    started = start_service(
        TEST_MODULE,
        state,
        run_timeout=str(RUN_TIMEOUT),
        pg_admin_password=ADMIN_PASSWORD,
        namespace_prefix="site-",
        tls_issuers="issuer-one,issuer-two",
        max_disk_gi="64",
        kubeconfig=str(state / "kubeconfig"),
    )
    yield started
    started.stop()


def _run(service, name: str, **body):
    return service.request("POST", f"/_selftest/{name}", json=body)


def _assert_runs_dir_empty(service):
    assert list(service.runs_dir.iterdir()) == []


def test_user_input_reaches_the_playbook_verbatim(service):
    sent = {
        "text": INJECTION,
        INJECTION: "a key that is a template",
        "nested": {"list": [INJECTION, "{% if true %}x{% endif %}", 3, None, True]},
        "unicode": "Grüße {{ 7 * 7 }}",
        "yaml_lookalikes": ["off", "yes", "123", "1.5", "null", "2001-01-01"],
    }
    response = _run(service, "echo", **sent)
    assert response.status_code == 200
    body = response.json()
    assert body["input"] == sent
    assert body["embedded"] == f"value={INJECTION}"
    assert body["keys"] == sorted(sent)
    assert "uid=" not in response.text and "49" not in response.text


def test_settings_reach_the_playbook_as_variables(service):
    body = _run(service, "echo").json()
    assert body["settings"] == {
        "tenant_namespace_prefix": "site-",
        "tenant_tls_issuers": ["issuer-one", "issuer-two"],
        "tenant_max_disk_gi": 64,
    }


def test_runs_get_the_service_environment_without_its_settings(service):
    env = _run(service, "echo").json()["env"]
    assert env["tmpdir"] == str(service.state_dir / "tmp")
    assert env["kubeconfig"] == str(service.state_dir / "kubeconfig")
    assert env["service_settings"] == ""  # PROVISIONER_API_KEYS is not passed on


@pytest.mark.parametrize(
    ("error", "status"),
    [
        ({"code": "already_exists", "message": "site app-example-com exists"}, 409),
        ({"code": "site_not_found", "message": "no site app-example-com"}, 404),
        ({"code": "feature_disabled", "message": "mail is off"}, 409),
        ({"code": "invalid_input", "message": "bad domain", "details": [{"field": "domain", "message": "not a hostname"}]}, 400),
    ],
)
def test_published_error_answers_with_its_status(service, error, status):
    response = _run(service, "error", **error)
    assert response.status_code == status
    assert response.json() == {
        "ok": False,
        "error": error["code"],
        "message": error["message"],
        "details": error.get("details", []),
    }


def test_published_error_messages_are_not_rendered(service):
    response = _run(service, "error", code="conflict", message=INJECTION)
    assert response.status_code == 409
    assert response.json()["message"] == INJECTION


def test_a_code_playbooks_may_not_publish_is_a_500(service):
    response = _run(service, "error", code="unauthorized", message="x")
    assert response.status_code == 500
    assert response.json()["error"] == "playbook_failed"
    assert "not an error code a playbook may publish" in response.json()["message"]


def test_unexpected_failure_is_a_500_naming_the_task_without_the_secrets(service):
    response = _run(service, "fail", mode="message", password=USER_PASSWORD)
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "playbook_failed"
    assert "task 'Ensure the selftest login is accepted'" in body["message"]
    assert "login refused for admin password ******** and user password ********" in body["message"]
    for secret in (ADMIN_PASSWORD, USER_PASSWORD):
        assert secret not in response.text
        assert secret not in service.log()
    assert "Ensure the selftest login is accepted" in service.log()  # 5xx are logged with the task
    _assert_runs_dir_empty(service)
    assert files_containing(service.state_dir, ADMIN_PASSWORD, USER_PASSWORD) == []


def test_no_log_failure_names_the_task_and_nothing_of_its_result(service):
    response = _run(service, "fail", mode="no_log", password=USER_PASSWORD)
    assert response.status_code == 500
    assert response.json()["message"] == "Playbook selftest_fail.yml failed at task 'Ensure the hidden selftest step succeeds'"
    assert not any(secret in service.log() for secret in (ADMIN_PASSWORD, USER_PASSWORD))
    assert files_containing(service.state_dir, ADMIN_PASSWORD, USER_PASSWORD) == []


def test_an_ignored_failure_does_not_fail_the_request(service):
    response = _run(service, "fail", mode="ignored")
    assert (response.status_code, response.json()) == (200, {"mode": "ignored"})


def test_a_playbook_that_publishes_nothing_is_a_500(service):
    response = _run(service, "silent")
    assert response.status_code == 500
    assert "finished without publishing a result" in response.json()["message"]


def test_a_run_past_the_timeout_is_stopped_and_leaves_no_process(service):
    started = time.monotonic()
    response = _run(service, "sleep", seconds=47.31, label="slow")
    elapsed = time.monotonic() - started
    assert response.status_code == 500
    assert response.json() == {
        "ok": False,
        "error": "run_timeout",
        "message": f"Playbook selftest_sleep.yml did not finish within {RUN_TIMEOUT} seconds and was stopped.",
        "details": [],
    }
    assert RUN_TIMEOUT <= elapsed < RUN_TIMEOUT + 5
    assert live_processes("sleep", "47.31") == []
    assert live_processes("ansible-playbook", "selftest_sleep.yml") == []
    _assert_runs_dir_empty(service)


def test_every_run_logs_one_line_with_its_outcome(service):
    _run(service, "echo", slug="site-log")
    _run(service, "error", slug="site-log", code="already_exists", message="x")
    log = service.log()
    assert "run playbook=selftest_echo.yml slug=site-log status=successful result=200 " in log
    assert "run playbook=selftest_error.yml slug=site-log status=failed result=409 already_exists " in log


def test_the_event_loop_keeps_serving_while_a_run_is_in_progress(service):
    thread = threading.Thread(target=_run, args=(service, "sleep"), kwargs={"seconds": 2, "label": "busy"})
    thread.start()
    try:
        time.sleep(0.5)
        started = time.monotonic()
        assert service.request("GET", "/health", key=None).status_code == 200
        assert time.monotonic() - started < 0.5
    finally:
        thread.join()


def test_finished_runs_leave_nothing_behind(service):
    for _ in range(2):
        assert _run(service, "echo", text="x").status_code == 200
    _assert_runs_dir_empty(service)


def test_stopping_the_service_stops_its_runs_and_leaves_no_process(tmp_path):
    service = start_service(TEST_MODULE, tmp_path, run_timeout="120")
    results = []
    thread = threading.Thread(target=lambda: results.append(_run(service, "sleep", seconds=53.17, label="stop")))
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not live_processes("sleep", "53.17") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert live_processes("sleep", "53.17"), "the run did not start"
        assert service.stop() == 0
    finally:
        thread.join(timeout=30)
    assert live_processes("sleep", "53.17") == []
    assert live_processes("ansible-playbook", "selftest_sleep.yml") == []
    assert results and results[0].status_code == 500
    assert results[0].json()["error"] == "run_cancelled"
    assert list((tmp_path / "runs").iterdir()) == []
