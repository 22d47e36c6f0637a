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
    assert service.playbook_runs() == 0


def _serve_once(tmp_path, port):
    """Start `python -m server` with stdout and stderr in their own files, wait until this very
    process has answered GET /health (its own stderr shows it: another test's server may hold
    the port) and says it is ready (a signal that arrives while Sanic still runs its startup
    listeners, before "Worker ready", is lost by Sanic), stop it with SIGTERM. Returns (returncode, stdout, stderr), or None when the
    process could not listen (the port was taken meanwhile)."""
    env = {"PROVISIONER_API_KEYS": "log-test-key", "PROVISIONER_STATE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out_path, err_path = tmp_path / f"stdout-{port}", tmp_path / f"stderr-{port}"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "--port", str(port)], cwd=REPO_ROOT, env=env, stdout=out, stderr=err
        )
    try:
        deadline = time.monotonic() + 60
        while not all(line in err_path.read_bytes() for line in (b'"GET /health" 200', b"Worker ready")):
            if process.poll() is not None:
                return None
            assert time.monotonic() < deadline, f"the service never answered: {err_path.read_text()[-2000:]}"
            try:
                requests.get(f"http://127.0.0.1:{port}/health", timeout=1)
            except (requests.ConnectionError, requests.Timeout):  # not listening, or still starting its runner
                pass
            time.sleep(0.1)
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=20)
    return process.returncode, out_path.read_bytes(), err_path.read_bytes()


def test_service_logs_go_to_stderr_and_nothing_to_stdout(tmp_path):
    for _attempt in range(3):
        served = _serve_once(tmp_path, free_port())
        if served is not None:
            break
    assert served is not None, "the service could not listen on any of three free ports"
    returncode, stdout, stderr = served
    assert returncode == 0, stderr.decode(errors="replace")[-2000:]
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
