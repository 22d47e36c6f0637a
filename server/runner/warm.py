"""The warm runner: ansible-playbook and its modules forked from processes that start only once.

Almost all of a plain run is start-up: `ansible-playbook` importing Ansible (~0.9 s), then, for
each `kubernetes.core` task, a new Python importing the module's libraries and the kubernetes
client (~1.2 s a task). The warm runner pays those imports once, when the service starts, and
forks for every run and every module instead (design and measurements: docs/runner.md).

Two long-lived processes, both started by `WarmRunner` (one per service process):

    module zygote       imports what modules import (ansible.module_utils, the kubernetes client,
     │                  kubernetes.core's and community.postgresql's module_utils, psycopg2);
     │                  serves `module.sock`: forks a child per module run, which executes the
     │                  AnsiballZ payload it is sent exactly as `python` would read it from stdin.
     └─ controller zygote   forked from the module zygote, then imports Ansible's controller
                        (the playbook CLI, executor, strategy, action/connection plugins, the
                        filters' libraries); serves `playbook.sock`: forks a child per run, which
                        runs `ansible-playbook ARGS` in-process on the stdio fds it is sent.

A run is still "a command" for ansible-runner: `warm_client.py` (stdlib, ~10 ms) sends its argv,
environment (with the run's secrets, from the memfd), cwd and stdio fds (the pty ansible-runner
reads the job events from), waits, and exits as the forked run did. In the run, Ansible's local
connection is left as it is except for one case: a pipelined module run by this same interpreter
(`/bin/sh -c '<python> && sleep 0'` with the payload on stdin, which is what every task of these
playbooks is) goes to `module.sock` instead of exec'ing a new Python; anything else (another
interpreter, become, a non-pipelined module, the zygote gone) takes Ansible's own path.

Finding a run's processes: a forked process keeps the environment block of the process it was
forked from in `/proc/<pid>/environ`, so the run marker (`processes.RUN_MARKER`) of forked
children is also set as their process name (`processes.run_comm`), which every fork inherits;
commands they exec get the marker through the environment as before. `processes.kill_marked`
looks for both.

Configuration: Ansible resolves its settings when `ansible.constants` is imported, i.e. in the
controller zygote. The zygote is started with the environment of a run (made by the same code,
for a throwaway private dir), so only the per-run settings differ (`_PER_RUN_SETTINGS`: temp
dirs, the fact cache path); a run child resolves those again. If anything else differs, or
ansible.cfg changed since the zygote started, the child execs the plain `ansible-playbook`.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import logging
import os
import select
import selectors
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from server.runner import processes
from server.runner.warm_client import HEADER, read_outcome, send_request

logger = logging.getLogger("server.runner")

CLIENT = Path(__file__).resolve().with_name("warm_client.py")
PLAYBOOK_SOCKET = "playbook.sock"
MODULE_SOCKET = "module.sock"
ANSIBALLZ_CACHE = "ansiballz_cache"
#: Environment variable of a run child naming the module socket (for the connection patch).
MODULE_SOCKET_ENV = "TENANT_PROVISIONER_MODULE_SOCKET"

#: What modules import: loaded once in the module zygote.
MODULE_PRELOAD = (
    "ansible.module_utils.basic",
    "ansible.module_utils.urls",
    "ansible.module_utils._internal._ansiballz._loader",
    "kubernetes",
    "kubernetes.dynamic",
    "ansible_collections.kubernetes.core.plugins.module_utils.k8s.core",
    "ansible_collections.kubernetes.core.plugins.module_utils.k8s.client",
    "ansible_collections.kubernetes.core.plugins.module_utils.k8s.runner",
    "ansible_collections.kubernetes.core.plugins.module_utils.k8s.service",
    "ansible_collections.kubernetes.core.plugins.module_utils.k8s.resource",
    "ansible_collections.kubernetes.core.plugins.module_utils.k8s.waiter",
    "ansible_collections.kubernetes.core.plugins.module_utils.args_common",
    "ansible_collections.kubernetes.core.plugins.module_utils.common",
    "ansible_collections.kubernetes.core.plugins.module_utils.apply",
    "ansible_collections.kubernetes.core.plugins.module_utils.k8sdynamicclient",
    "ansible_collections.kubernetes.core.plugins.module_utils.selector",
    "psycopg2",
    "ansible_collections.community.postgresql.plugins.module_utils.postgres",
    "ansible_collections.community.postgresql.plugins.module_utils.database",
)

#: What ansible-playbook imports for these playbooks: loaded once in the controller zygote.
#: `server.*` are what the input-check filter (plugins/filter/api_request.py) imports when it
#: first runs; a name that no longer exists is reported on stderr and only costs speed.
CONTROLLER_PRELOAD = (
    "ansible.cli.playbook",
    "ansible.executor.playbook_executor",
    "ansible.executor.task_executor",
    "ansible.executor.module_common",
    "ansible.plugins.strategy.linear",
    "ansible.plugins.action.normal",
    "ansible.plugins.action.set_fact",
    "ansible.plugins.action.set_stats",
    "ansible.plugins.action.assert",
    "ansible.plugins.action.fail",
    "ansible.plugins.action.include_vars",
    "ansible.plugins.action.command",
    "ansible.plugins.action.uri",
    "ansible.plugins.connection.local",
    "ansible.plugins.shell.sh",
    "ansible.plugins.filter.core",
    "ansible.plugins.filter.mathstuff",
    "ansible.plugins.test.core",
    "ansible.plugins.lookup.env",
    "ansible.plugins.inventory.yaml",
    "ansible.plugins.vars.host_group_vars",
    "ansible.plugins.cache.jsonfile",
    "pydantic",
    "contract.errors",
    "contract.models",
    "contract.operations",
)

#: Plugins loaded once through Ansible's own loaders in the controller zygote (after its
#: collection loader is installed), so that a run finds them, their documentation-derived
#: option definitions and the collections' routing metadata already parsed.
CONTROLLER_PLUGINS = {
    "action": (
        "ansible.builtin.normal", "ansible.builtin.set_fact", "ansible.builtin.set_stats",
        "ansible.builtin.assert", "ansible.builtin.fail", "ansible.builtin.command",
        "ansible.builtin.uri", "ansible.builtin.file", "ansible.builtin.include_vars",
        "kubernetes.core.k8s", "kubernetes.core.k8s_info",
    ),
    "connection": ("ansible.builtin.local",),
    "shell": ("ansible.builtin.sh",),
    "strategy": ("ansible.builtin.linear",),
    "lookup": ("ansible.builtin.env",),
    "inventory": ("host_list", "script", "auto", "yaml", "ini", "toml"),
    "cache": ("ansible.builtin.memory", "ansible.builtin.jsonfile"),
}
#: Modules whose paths are resolved once (the collections' routing is parsed on the way).
CONTROLLER_MODULES = (
    "kubernetes.core.k8s", "kubernetes.core.k8s_info", "kubernetes.core.k8s_log",
    "kubernetes.core.k8s_scale", "community.postgresql.postgresql_query",
    "ansible.builtin.command", "ansible.builtin.uri",
)

#: Ansible settings a run resolves again (its own local temp dir, its fact cache path).
_PER_RUN_SETTINGS = ("DEFAULT_LOCAL_TMP", "CACHE_PLUGIN_CONNECTION")
#: ANSIBLE_* variables that differ between runs and are read while the run goes on (the shell
#: plugin's remote_tmp option). Other variables that are no Ansible setting may differ freely.
_PER_RUN_ENV = ("ANSIBLE_REMOTE_TEMP",)

_START_TIMEOUT = 120.0  # the imports take seconds, more on a loaded machine
_REQUEST_TIMEOUT = 10.0


# --- the service side ------------------------------------------------------------------------
class WarmRunner:
    """The two zygotes of one service process: started, restarted if gone, stopped."""

    def __init__(self, directory: Path, interpreter: str, env: Mapping[str, str]) -> None:
        self.directory = Path(directory)
        self.interpreter = interpreter
        self.env = dict(env)
        self._process: subprocess.Popen | None = None

    @property
    def playbook_socket(self) -> Path:
        return self.directory / PLAYBOOK_SOCKET

    def start(self) -> None:
        """Start the zygotes and wait until both serve (a few seconds: the imports)."""
        self.directory.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.directory.mkdir(mode=0o700, exist_ok=True)
        os.chmod(self.directory, 0o700)
        for name in (PLAYBOOK_SOCKET, MODULE_SOCKET):
            (self.directory / name).unlink(missing_ok=True)
        shutil.rmtree(self.directory / ANSIBALLZ_CACHE, ignore_errors=True)  # built by older code, maybe
        started = time.monotonic()
        self._process = subprocess.Popen(
            [self.interpreter, "-c", "from server.runner.warm import main; main()", str(self.directory)],
            env=self.env,
            cwd=self.directory,
            stdin=subprocess.PIPE,  # its lifeline: EOF when this process is gone
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        assert self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], _START_TIMEOUT)
        line = self._process.stdout.readline() if ready else b""
        if line.strip() != b"ready":
            self.close()
            raise RuntimeError("the warm runner did not start (see the service's stderr)")
        self._process.stdout.close()
        logger.info("warm runner started in %.2fs (pid %d)", time.monotonic() - started, self._process.pid)

    def ensure(self) -> None:
        """Restart the zygotes if they are gone."""
        if self._process is None or self._process.poll() is not None:
            logger.warning("warm runner not running; starting it")
            self.start()

    def wrap(self, command: list[str], secrets_path: str | None) -> list[str]:
        """The command ansible-runner launches instead of `command` (an ansible-playbook call)."""
        secrets = ["--secrets", secrets_path] if secrets_path else []
        return [self.interpreter, "-I", str(CLIENT), str(self.playbook_socket), *secrets, "--", *command]

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        # Both zygotes (and module children in flight) are in the group the module zygote leads.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        if process.stdin is not None:
            process.stdin.close()
        shutil.rmtree(self.directory, ignore_errors=True)


def playbook_interpreter() -> str:
    """The Python that runs `ansible-playbook` (its shebang), so forked runs match plain ones."""
    script = Path(sys.executable).with_name("ansible-playbook")
    with contextlib.suppress(OSError):
        first = script.read_bytes().split(b"\n", 1)[0].decode()
        if first.startswith("#!") and Path(first[2:].strip()).is_file():
            return first[2:].strip()
    return sys.executable


# --- the zygotes -----------------------------------------------------------------------------
class _Zygote:
    """A fork server: accept a request, fork a child for it, report how the child ended."""

    def __init__(self, path: Path, handler: Any) -> None:
        self.handler = handler
        self.selector = selectors.DefaultSelector()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(64)
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        self.selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "lifeline")
        self.children: dict[int, tuple[socket.socket, int, str | None]] = {}  # pidfd -> (conn, pid, marker)

    def watch(self, pid: int) -> None:
        """Stop serving when process `pid` ends (the module zygote watches the controller zygote)."""
        self.selector.register(os.pidfd_open(pid), selectors.EVENT_READ, "watched")

    def serve(self) -> None:
        while True:
            for key, _ in self.selector.select():
                if key.data == "accept":
                    self._accept()
                elif key.data in ("lifeline", "watched"):
                    if key.data == "watched" or not os.read(key.fd, 64):
                        return
                elif key.data == "exit":
                    self._reap(key.fd)
                else:  # a client connection: readable only when the client went away
                    self._client_gone(key.data)

    def _accept(self) -> None:
        conn, _ = self.listener.accept()
        try:
            conn.settimeout(_REQUEST_TIMEOUT)
            request, fds = _receive_request(conn)
        except (OSError, ValueError):
            conn.close()
            return
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                self._close_in_child(conn)
                code = self.handler(request, fds)
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 1
            except BaseException:
                with contextlib.suppress(BaseException):
                    import traceback

                    traceback.print_exc()
            finally:
                with contextlib.suppress(BaseException):
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(code)
        for fd in fds:
            os.close(fd)
        conn.settimeout(None)
        pidfd = os.pidfd_open(pid)
        # If a run's client goes away, the run was stopped: all of it goes. A module's client is
        # an Ansible worker: only the module child goes (the run's own clean-up does the rest).
        marker = (request.get("env") or {}).get(processes.RUN_MARKER) if request.get("kind") == "playbook" else None
        self.children[pidfd] = (conn, pid, marker)
        self.selector.register(pidfd, selectors.EVENT_READ, "exit")
        self.selector.register(conn, selectors.EVENT_READ, pidfd)

    def _reap(self, pidfd: int) -> None:
        conn, pid, _ = self.children.pop(pidfd)
        self.selector.unregister(pidfd)
        with contextlib.suppress(KeyError):  # unregistered already if the client went away
            self.selector.unregister(conn)
        os.close(pidfd)
        _, status = os.waitpid(pid, 0)
        outcome = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit {os.waitstatus_to_exitcode(status)}"
        with contextlib.suppress(OSError):
            conn.sendall(outcome.encode() + b"\n")
        conn.close()

    def _client_gone(self, pidfd: int) -> None:
        """The client died before its child ended: stop the child (and a run's processes) too."""
        if pidfd not in self.children:  # the child ended in the same select() round: reaped already
            return
        conn, pid, marker = self.children[pidfd]
        self.selector.unregister(conn)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        if marker:
            processes.kill_marked(marker, timeout=1.0)

    def _close_in_child(self, conn: socket.socket) -> None:
        for pidfd, (child_conn, _, _) in self.children.items():
            os.close(pidfd)
            child_conn.close()
        self.selector.close()
        self.listener.close()
        conn.close()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)


def _receive_request(conn: socket.socket) -> tuple[dict, list[int]]:
    fds: list[int] = []
    message, ancillary, _, _ = conn.recvmsg(HEADER.size, socket.CMSG_SPACE(3 * 4))
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds += list(memoryview(data).cast("i"))
    if len(message) != HEADER.size or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        raise ValueError("malformed request")
    (length,) = HEADER.unpack(message)
    payload = b""
    while len(payload) < length:
        chunk = conn.recv(min(1 << 20, length - len(payload)))
        if not chunk:
            raise ValueError("truncated request")
        payload += chunk
    return json.loads(payload), fds


def _become_child(request: dict, fds: list[int]) -> None:
    """Take on the requester's stdio, working dir, environment and run marker."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    marker = request["env"].get(processes.RUN_MARKER)
    if marker:
        processes.mark_process(marker)
    sys.stdout.reconfigure(line_buffering=True)
    sys.stderr.reconfigure(line_buffering=True)


def _preload(names: tuple[str, ...]) -> None:
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as error:  # a missing optional library only costs speed
            print(f"warm runner: not preloaded {name}: {error}", file=sys.stderr)


def main() -> None:
    """Entry point of the module zygote (`WarmRunner.start`); forks the controller zygote."""
    directory = Path(sys.argv[1])
    sys.path[:] = [entry for entry in sys.path if entry not in ("", ".")]
    base_path = list(sys.path)
    _preload(MODULE_PRELOAD)
    module_zygote = _Zygote(directory / MODULE_SOCKET, lambda request, fds: _run_module(request, fds, base_path))
    controller = os.fork()
    if controller == 0:
        try:
            module_zygote.selector.close()
            module_zygote.listener.close()
            _controller_main(directory)
        finally:
            os._exit(0)
    module_zygote.watch(controller)  # if the controller zygote dies, WarmRunner.ensure restarts both
    _quiet_stdout()  # the controller zygote says "ready" once both serve
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    module_zygote.serve()


def _quiet_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def _controller_main(directory: Path) -> None:
    # The controller's collection loader owns `ansible_collections`; drop the plain imports.
    for name in [name for name in sys.modules if name == "ansible_collections" or name.startswith("ansible_collections.")]:
        del sys.modules[name]
    sys.argv = [str(Path(sys.executable).with_name("ansible-playbook"))]
    _preload(CONTROLLER_PRELOAD)
    _load_plugins()
    from ansible import constants

    config_file = constants.config._config_file
    snapshot = {"env": dict(os.environ), "config": _file_stamp(config_file)}
    zygote = _Zygote(directory / PLAYBOOK_SOCKET, lambda request, fds: _run_playbook(request, fds, snapshot, directory))
    print("ready", flush=True)
    _quiet_stdout()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    zygote.serve()


def _load_plugins() -> None:
    """Load the playbooks' plugins through Ansible's loaders, as a run would (see CONTROLLER_PLUGINS)."""
    from ansible.plugins import loader

    loader.init_plugin_loader([])
    for kind, names in CONTROLLER_PLUGINS.items():
        plugin_loader = getattr(loader, f"{kind}_loader")
        for name in names:
            try:
                plugin_loader.get(name, class_only=True)
            except Exception as error:
                print(f"warm runner: not preloaded {kind} plugin {name}: {error}", file=sys.stderr)
    for plugin_loader in (loader.filter_loader, loader.test_loader):
        list(plugin_loader.all())
    # What PlaybookExecutor.run preloads "to set config defs cached" (callbacks are left to the
    # run: ansible-runner's callback binds to the run's artifact dir when it is imported).
    for plugin_loader in (loader.connection_loader, loader.shell_loader, loader.become_loader):
        list(plugin_loader.all(class_only=True))
    for name in CONTROLLER_MODULES:
        loader.module_loader.find_plugin_with_context(name)


def _file_stamp(path: str | None) -> tuple[float, int] | None:
    if not path:
        return None
    with contextlib.suppress(OSError):
        stat = os.stat(path)
        return (stat.st_mtime, stat.st_size)
    return None


# --- a run child (controller zygote) ---------------------------------------------------------
def _run_playbook(request: dict, fds: list[int], snapshot: dict, directory: Path) -> int:
    os.setsid()
    _become_child(request, fds)
    argv = list(request["argv"])
    if not _reconfigure(snapshot):
        os.execv(sys.executable, [sys.executable, *argv])
    os.environ[MODULE_SOCKET_ENV] = str(directory / MODULE_SOCKET)
    _share_module_cache(directory / ANSIBALLZ_CACHE)
    _install_module_fast_path()
    from ansible.utils.display import Display

    Display()._set_column_width()
    sys.argv = argv
    from ansible.cli.playbook import PlaybookCLI

    return _exit_code(lambda: PlaybookCLI.cli_executor(argv))


def _share_module_cache(shared: Path) -> None:
    """Let the run use the AnsiballZ payloads (module code and module_utils, never arguments)
    that earlier runs built: Ansible keeps them in <local temp>/ansiballz_cache for one run;
    here that dir is a link to one kept as long as the warm runner lives."""
    from ansible import constants

    shared.mkdir(mode=0o700, exist_ok=True)
    os.symlink(shared, os.path.join(constants.DEFAULT_LOCAL_TMP, ANSIBALLZ_CACHE))


def _reconfigure(snapshot: dict) -> bool:
    """Resolve the per-run settings from this run's environment; False if anything else differs."""
    from ansible import constants
    from ansible.config.manager import cleanup_tmp_file

    config = constants.config
    if _file_stamp(config._config_file) != snapshot["config"]:
        return False
    before, now = snapshot["env"], os.environ
    changed = {name for name in set(before) | set(now) if before.get(name) != now.get(name)}
    env_of = {
        entry["name"]: setting
        for setting, definition in config.get_configuration_definitions().items()
        for entry in definition.get("env") or []
    }
    for name in changed:
        setting = env_of.get(name)
        if setting is not None and setting not in _PER_RUN_SETTINGS:
            return False
        if setting is None and name.startswith("ANSIBLE_") and name not in _PER_RUN_ENV:
            return False
    # The zygote's own temp dir is the zygote's: resolve a new one (and its clean-up) for this run.
    atexit.unregister(cleanup_tmp_file)
    for setting in _PER_RUN_SETTINGS:
        constants.set_constant(setting, config.get_config_value(setting), export=vars(constants))
    return True


# --- modules: the connection patch (in a run) and the module child (module zygote) -----------
def _install_module_fast_path() -> None:
    from ansible.plugins.loader import connection_loader

    # The class the loader hands out (the plugin is loaded as
    # ansible_collections.ansible.builtin.plugins.connection.local, not ansible.plugins...).
    local_connection = connection_loader.get("ansible.builtin.local", class_only=True)
    plain = local_connection.exec_command
    if getattr(plain, "_warm", False):
        return

    def exec_command(self: Any, cmd: str, in_data: bytes | None = None, sudoable: bool = True) -> tuple[int, bytes, bytes]:
        socket_path = os.environ.get(MODULE_SOCKET_ENV)
        if in_data is None or not socket_path or self.become is not None or not _runs_this_python(cmd):
            return plain(self, cmd, in_data, sudoable)
        try:
            return run_module(socket_path, in_data, dict(os.environ), os.fsdecode(self.cwd or os.getcwd()))
        except OSError:  # the module zygote is gone: take Ansible's own path
            return plain(self, cmd, in_data, sudoable)

    exec_command._warm = True  # type: ignore[attr-defined]
    local_connection.exec_command = exec_command


def _runs_this_python(cmd: Any) -> bool:
    """Whether `cmd` is the pipelined module command for this interpreter and nothing else."""
    if not isinstance(cmd, str):
        return False
    try:
        words = shlex.split(cmd)
        if len(words) != 3 or os.path.basename(words[0]) != "sh" or words[1] != "-c":
            return False
        inner = shlex.split(words[2])
    except ValueError:
        return False
    if len(inner) != 4 or inner[1:] != ["&&", "sleep", "0"]:
        return False
    try:
        return os.path.samefile(inner[0], sys.executable)
    except OSError:
        return False


def run_module(socket_path: str, source: bytes, env: dict[str, str], cwd: str) -> tuple[int, bytes, bytes]:
    """Run a module payload in a fork of the module zygote: (rc, stdout, stderr), like a process."""
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    stderr_r, stderr_w = os.pipe()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(socket_path)
        send_request(sock, {"kind": "module", "env": env, "cwd": cwd}, [stdin_r, stdout_w, stderr_w])
    except OSError:
        for fd in (stdin_r, stdin_w, stdout_r, stdout_w, stderr_r, stderr_w):
            os.close(fd)
        sock.close()
        raise
    for fd in (stdin_r, stdout_w, stderr_w):
        os.close(fd)
    output = {stdout_r: bytearray(), stderr_r: bytearray()}
    pending = memoryview(source)
    with selectors.DefaultSelector() as selector:
        selector.register(stdout_r, selectors.EVENT_READ)
        selector.register(stderr_r, selectors.EVENT_READ)
        selector.register(stdin_w, selectors.EVENT_WRITE)
        open_fds = 3
        while open_fds:
            for key, _ in selector.select():
                if key.fd == stdin_w:
                    try:
                        written = os.write(stdin_w, pending[: 1 << 16])
                    except BrokenPipeError:
                        written = len(pending)
                    pending = pending[written:]
                    if not pending:
                        selector.unregister(stdin_w)
                        os.close(stdin_w)
                        open_fds -= 1
                    continue
                chunk = os.read(key.fd, 1 << 16)
                if chunk:
                    output[key.fd] += chunk
                else:
                    selector.unregister(key.fd)
                    os.close(key.fd)
                    open_fds -= 1
    try:
        kind, value = read_outcome(sock)
    finally:
        sock.close()
    rc = -value if kind == "signal" else value
    return rc, bytes(output[stdout_r]), bytes(output[stderr_r])


def _run_module(request: dict, fds: list[int], base_path: list[str]) -> int:
    """A module child: read the AnsiballZ payload from stdin and run it as `python` would."""
    import types

    _become_child(request, fds)
    source = sys.stdin.buffer.read()
    sys.argv = [""]
    sys.path[:] = base_path
    main_module = types.ModuleType("__main__")
    sys.modules["__main__"] = main_module
    return _exit_code(lambda: exec(compile(source, "<stdin>", "exec"), main_module.__dict__))  # noqa: S102 - the module payload


def _exit_code(main: Callable[[], object]) -> int:
    """Run a program's `main` in this (forked) process as its interpreter would: its exit code
    (SystemExit's, 0 when it returns), output flushed and exit handlers run."""
    try:
        main()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    return code
