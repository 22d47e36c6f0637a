"""GET /health over real HTTP against `python -m server`."""

import subprocess
import sys
import time

import pytest
import requests

from sandbox.testing import free_port
from server.config import REPO_ROOT
from tests.fixtures.service import PRODUCTION_MODULE, start_service


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    started = start_service(PRODUCTION_MODULE, tmp_path_factory.mktemp("health"))
    yield started
    started.stop()


def test_health_answers_without_a_key(service):
    response = service.request("GET", "/health", key=None)
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert response.headers["content-type"] == "application/json"


def test_health_answers_with_a_wrong_key_too(service):
    assert service.request("GET", "/health", key="wrong").status_code == 200


def test_health_runs_no_playbook(service):
    service.request("GET", "/health", key=None)
    assert "run playbook=" not in service.log()


def test_service_logs_go_to_stderr_and_nothing_to_stdout(tmp_path):
    port = free_port()
    env = {"PROVISIONER_API_KEYS": "log-test-key", "PROVISIONER_STATE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "--port", str(port)],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
    finally:
        process.terminate()
        stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert stdout == b""
    assert b"\"GET /health\" 200" in stderr
    assert b"log-test-key" not in stderr


def test_the_service_refuses_to_start_without_an_api_key(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "server", "--port", str(free_port())],
        cwd=REPO_ROOT, env={"PROVISIONER_STATE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True, timeout=60,
    )
    assert result.returncode == 2
    assert b"no API key configured" in result.stderr
