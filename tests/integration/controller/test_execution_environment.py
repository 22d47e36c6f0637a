"""The execution environment's dependency lists are enough for the playbooks.

No container engine runs here, so the image of execution-environment.yml is not built. Instead a
venv gets exactly what the definition lists for Python (ansible-core, ansible-runner and
awx/ee/requirements.txt) and nothing of the project: no editable install, no PYTHONPATH (the
filter plugins import `contract` from the checkout, as in AWX). The collections are the pinned
ones (tests/unit/controller keeps requirements.yml equal to the installed versions). A job of the
site_create template then runs in it the way AWX runs it: its input check and its Kubernetes
tasks against the sandbox cluster.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from tests.fixtures.controller import Controller

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow


def _ee_python_requirements() -> list[str]:
    deps = yaml.safe_load((ROOT / "execution-environment.yml").read_text())["dependencies"]
    listed = [line.strip() for line in (ROOT / deps["python"]).read_text().splitlines()
              if line.strip() and not line.lstrip().startswith("#")]
    return [deps["ansible_core"]["package_pip"], deps["ansible_runner"]["package_pip"], *listed]


@pytest.fixture(scope="module")
def ee_venv(tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("ee") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    proc = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", *_ee_python_requirements()],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return venv


def test_a_job_runs_in_a_venv_made_only_of_the_execution_environments_python_list(ee_venv, kube, kube_env, tmp_path):
    python = str(ee_venv / "bin" / "python")
    assert subprocess.run([python, "-c", "import sanic"], capture_output=True).returncode != 0
    assert subprocess.run([python, "-c", "import contract"], capture_output=True, cwd=tmp_path).returncode != 0
    env = {key: value for key, value in kube_env.items()
           if key not in ("KUBECONFIG", "K8S_AUTH_KUBECONFIG", "PYTHONPATH", "VIRTUAL_ENV")}
    env.update({
        # The pinned collections (the image installs requirements.yml; these are the same versions).
        "ANSIBLE_COLLECTIONS_PATH": sysconfig.get_paths()["purelib"],
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
    })
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(sys.prefix))
    controller = Controller(tmp_path / "jobs", {"tenant-provisioner kubeconfig": {"kubeconfig": kube.kubeconfig.read_text()}},
                            env, str(ee_venv / "bin" / "ansible-runner"))

    bad = controller.launch("site_create", {"domain": "-bad-.example.com", "cpu": 1, "ramGi": 1, "diskGi": 1})
    assert bad.status == "failed" and bad.result["error"]["code"] == "invalid_input", bad.stdout[-3000:]

    job = controller.launch("site_create", {"domain": "ee.example.com", "cpu": 1, "ramGi": 1, "diskGi": 1})
    assert job.status == "successful", job.stdout[-4000:]
    assert job.result["body"]["namespace"] == "tenant-ee-example-com"
    # The Kubernetes modules ran, with the venv's Python and its kubernetes client.
    k8s = [e for e in job.events if e.get("event") == "runner_on_ok"
           and str(e["event_data"].get("task_action", "")).startswith("kubernetes.core.")]
    assert k8s, "no kubernetes.core task ran"
