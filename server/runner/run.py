"""Run a playbook for a request: lane, private dir, ansible-runner in a thread, result, clean-up.

    body = await run_playbook(request.app, "site_create.yml", api_input, slug, secrets)

returns the response body the playbook published through `roles/api_result`, or raises the
ApiError it ends in. One run:

1. waits for its lane (`server.lanes`: one run per slug, at most `max_parallel_runs` in all);
2. creates a private data dir (0700) under `<state_dir>/runs/` and writes `env/extravars`:
   the playbook variables of the settings and `api_input`, every string `!unsafe`;
3. runs `ansible-playbook` through ansible-runner in a worker thread, so the event loop keeps
   serving. Secrets reach the run as environment variables of `ansible-playbook`, handed over
   in memory (`server.runner.secret_env`), never written to a file; the repo's ansible.cfg,
   inventory/, roles/ and playbooks/ are used, `TMPDIR` is `<state_dir>/tmp`;
4. stops the run past `run_timeout` (or when the service shuts down), killing every process of
   the run, including Ansible's detached workers and the commands they started;
5. reads the outcome from the run's job events, then deletes the private dir: nothing of a
   finished run is kept on disk;
6. logs one line (playbook, slug, outcome, durations), redacted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ansible_runner import Runner, RunnerConfig

from server.config import REPO_ROOT, Settings
from contract.errors import ApiError, InternalError
from server.lanes import Lanes
from server.runner import private_dir, processes
from server.runner.redact import Redactor
from server.runner.result import RunRecord, interpret
from server.runner.secret_env import SecretHandover

logger = logging.getLogger("server.runner")

DEFAULT_PLAYBOOK_DIR = REPO_ROOT / "playbooks"
ANSIBLE_CONFIG = REPO_ROOT / "ansible.cfg"
INVENTORY = REPO_ROOT / "inventory" / "hosts.yml"

_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_PLAYBOOK_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*\.yml$")
_ARTIFACT_IDENT = "run"
#: ansible-runner's settings: poll the cancel callback every 0.1 s; keep no stdout/stderr
#: files and print nothing (the outcome is read from the job events).
_RUNNER_SETTINGS = {
    "pexpect_timeout": 0.1,
    "suppress_output_file": True,
    "suppress_ansible_output": True,
}
#: Environment of the service that never reaches a run (the service's own settings and keys).
_SERVICE_ENV_PREFIX = "PROVISIONER_"


class PlaybookRunner:
    """Runs playbooks for the service: owns the lanes, the worker threads and the run dirs.

    `create_app` makes one in `before_server_start` (`app.ctx.runner`) and closes it when the
    server stops. Scripts may make their own: `PlaybookRunner(settings)`.
    """

    def __init__(self, settings: Settings, *, playbook_dir: Path | None = None) -> None:
        self.settings = settings
        self.playbook_dir = Path(playbook_dir or DEFAULT_PLAYBOOK_DIR).resolve()
        self.lanes = Lanes(settings.max_parallel_runs)
        self._executor = ThreadPoolExecutor(settings.max_parallel_runs, thread_name_prefix="playbook-run")
        self._stopping = threading.Event()
        self._service_secrets = settings.secret_env()
        settings.runs_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        settings.tmp_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        for stale in private_dir.remove_stale(settings.runs_dir):
            logger.warning("removed the run dir %s left by a stopped service process", stale.name)

    async def run(
        self,
        playbook: str,
        api_input: Mapping[str, Any],
        slug: str | None = None,
        secrets: Mapping[str, str] | None = None,
    ) -> Any:
        """Run `playbook` with `api_input`; the published body, or raise its ApiError."""
        run_secrets = {**self._service_secrets, **_checked_secrets(secrets)}
        redactor = Redactor(run_secrets.values())
        playbook_path = self._playbook_path(playbook)
        if not isinstance(api_input, Mapping):
            raise InternalError("api_input must be a mapping", log_context={"playbook": playbook})
        try:
            extravars = private_dir.unsafe_yaml({**self.settings.playbook_vars(), "api_input": dict(api_input)})
        except TypeError as error:
            raise InternalError("api_input must hold JSON values only", log_context={"problem": str(error)}) from None

        queued_at = time.monotonic()
        async with self.lanes.hold(slug):
            started_at = time.monotonic()
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(
                self._executor, self._execute, playbook_path, extravars, run_secrets
            )
            try:
                record = await _finish_even_if_cancelled(future)
            except Exception as error:  # ansible-runner could not start the run at all
                logger.exception("run playbook=%s slug=%s status=error", playbook, slug or "-")
                raise InternalError(
                    f"Playbook {playbook} could not be started.",
                    log_context={"playbook": playbook, "slug": slug, "problem": type(error).__name__},
                ) from None
        finished_at = time.monotonic()

        outcome = "200"
        try:
            return interpret(record, redactor)
        except ApiError as error:
            outcome = f"{error.status_code} {error.code}"
            error.log_context.setdefault("slug", slug)
            raise
        finally:
            logger.info(
                "run playbook=%s slug=%s status=%s result=%s queued=%.2fs duration=%.2fs",
                playbook,
                slug or "-",
                record.status,
                outcome,
                started_at - queued_at,
                finished_at - started_at,
            )

    def close(self) -> None:
        """Stop the runs in progress (their processes are killed) and wait for the threads."""
        self._stopping.set()
        self._executor.shutdown(wait=True, cancel_futures=True)

    # --- inside the worker thread ----------------------------------------------------------
    def _execute(self, playbook: Path, extravars: str, secrets: dict[str, str]) -> RunRecord:
        run_dir = private_dir.create(self.settings.runs_dir)
        marker = str(run_dir)
        deadline = time.monotonic() + self.settings.run_timeout
        stopped: list[str] = []  # "timeout" or "canceled", set by the cancel callback

        def cancel_requested() -> bool:
            if stopped:
                return True
            if self._stopping.is_set():
                stopped.append("canceled")
            elif time.monotonic() > deadline:
                stopped.append("timeout")
            else:
                return False
            processes.kill_marked(marker)
            return True

        with contextlib.ExitStack() as stack:
            stack.callback(self._clean_up, run_dir, marker, playbook)
            private_dir.write_extravars(run_dir, extravars)
            private_dir.write_runner_settings(run_dir, _RUNNER_SETTINGS)
            config = RunnerConfig(
                private_data_dir=str(run_dir),
                project_dir=str(playbook.parent),
                playbook=playbook.name,
                inventory=str(INVENTORY),
                ident=_ARTIFACT_IDENT,
                suppress_env_files=True,
            )
            config.prepare()
            config.env = self._run_env(config.env, run_dir, marker)
            if secrets:
                handover = stack.enter_context(SecretHandover(secrets))
                config.command = handover.wrap(config.command)
            events: list[dict] = []

            def keep_event(event: dict) -> bool:
                # Kept in memory only: no job event is ever written to the artifact dir.
                events.append(event)
                return False

            runner = Runner(
                config,
                event_handler=keep_event,
                cancel_callback=cancel_requested,
            )
            status, rc = runner.run()
            logger.debug("ansible-runner finished %s: %s rc=%s", playbook.name, status, rc)
            return RunRecord(
                playbook=playbook.name,
                status=stopped[0] if stopped else status,
                rc=rc,
                events=sorted(events, key=lambda event: event.get("counter", 0)),
                timeout=self.settings.run_timeout,
            )

    @staticmethod
    def _clean_up(run_dir: Path, marker: str, playbook: Path) -> None:
        survivors = processes.kill_marked(marker)
        if survivors:
            logger.warning("killed %d leftover process(es) of %s", len(survivors), playbook.name)
        private_dir.remove(run_dir)

    def _run_env(self, base: Mapping[str, str], run_dir: Path, marker: str) -> dict[str, str]:
        """The environment of a run: the service's, minus its own settings, plus the run's."""
        env = {key: value for key, value in base.items() if not key.startswith(_SERVICE_ENV_PREFIX)}
        tmp = run_dir / "tmp"
        env.update(
            {
                # The ansible-playbook of this interpreter's environment, whatever PATH says.
                "PATH": os.pathsep.join([str(Path(sys.executable).parent), base.get("PATH", os.defpath)]),
                "ANSIBLE_CONFIG": str(ANSIBLE_CONFIG),
                "ANSIBLE_LOCAL_TEMP": str(tmp),
                "ANSIBLE_REMOTE_TEMP": str(tmp),
                "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_FORCE_COLOR": "0",
                "TMPDIR": str(self.settings.tmp_dir),
                processes.RUN_MARKER: marker,
            }
        )
        if self.settings.kubeconfig is not None:
            env["K8S_AUTH_KUBECONFIG"] = str(self.settings.kubeconfig)
        return env

    def _playbook_path(self, playbook: str) -> Path:
        path = self.playbook_dir / playbook
        if not _PLAYBOOK_NAME.match(playbook) or not path.is_file():
            raise InternalError(f"There is no playbook {playbook!r}.", log_context={"playbook_dir": str(self.playbook_dir)})
        return path


def _checked_secrets(secrets: Mapping[str, str] | None) -> dict[str, str]:
    checked = {}
    for name, value in (secrets or {}).items():
        if not _ENV_NAME.match(name) or name.startswith(_SERVICE_ENV_PREFIX):
            raise InternalError(f"{name!r} is not a valid secret environment variable name")
        if not isinstance(value, str):
            raise InternalError(f"secret {name} must be a string")
        checked[name] = value
    return checked


async def _finish_even_if_cancelled(future: asyncio.Future) -> Any:
    """Await a run's thread. If the request is cancelled (client gone), the run still finishes
    and keeps its lane until then, so the next run of the site never overlaps it."""
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        while not future.done():
            try:
                await asyncio.wait([future])
            except asyncio.CancelledError:
                continue
        raise


async def run_playbook(
    app_or_runner: Any,
    playbook: str,
    api_input: Mapping[str, Any],
    slug: str | None,
    secrets: Mapping[str, str] | None = None,
) -> Any:
    """Run `playbooks/<playbook>` for a request and return the body it published.

    `app_or_runner` is the Sanic app (its `ctx.runner` is used) or a `PlaybookRunner`.
    `api_input` is the validated user input (JSON values only); it reaches the playbook as the
    unsafe variable `api_input`. `slug` names the lane (None: no site, only the global limit).
    `secrets` maps environment variable names to secret values for this run only (generated
    passwords, a mailbox password from the request): roles read them with
    `lookup('ansible.builtin.env', NAME)`; they are masked in every response and log line.
    Raises the ApiError the run ends in.
    """
    runner = app_or_runner if isinstance(app_or_runner, PlaybookRunner) else app_or_runner.ctx.runner
    return await runner.run(playbook, api_input, slug, secrets)
