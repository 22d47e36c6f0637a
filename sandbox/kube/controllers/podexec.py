"""Start one container process: bind-mount its volumes, then exec its command.

Run by the kubelet as `unshare --mount --propagation private python -I -S podexec.py SPEC`, so
the mounts exist only in the container's private mount namespace (the host and other containers
do not see them). Standard library only; it never imports the emulator.

SPEC is a JSON file: `{"mounts": [{"source", "target", "readOnly", "file"}], "workingDir",
"argv", "env"}`; FD is the write end of a pipe that closes on a successful exec. Mount targets that do not exist on the host are created (an empty
directory, or an empty file for a file mount): the one trace a container leaves outside its
volumes. When the process cannot start (command not found, not executable, mount failure) the
runtime's message is written to FD and the exit code is 128, like containerd's StartError.
"""

import ctypes
import json
import os
import sys

MS_RDONLY = 1
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
_PREFIX = "failed to create containerd task: failed to create shim task: OCI runtime create failed: " \
          "runc create failed: unable to start container process: "
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _fail(fd, message):
    try:
        os.write(fd, (_PREFIX + message + ": unknown").encode())
    finally:
        os._exit(128)


def _mount(libc, source, target, flags):
    src = source.encode() if source is not None else None
    if libc.mount(src, target.encode(), None, flags, None) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _ensure_target(mount):
    target = mount["target"]
    if mount.get("file"):
        os.makedirs(os.path.dirname(target) or "/", exist_ok=True)
        if not os.path.exists(target):
            open(target, "a").close()
    else:
        os.makedirs(target, exist_ok=True)


def _find(command, env):
    if "/" in command:
        if not os.path.exists(command):
            return None, f'exec: "{command}": stat {command}: no such file or directory'
        if os.path.isdir(command) or not os.access(command, os.X_OK):
            return None, f'exec: "{command}": permission denied'
        return command, None
    for directory in (env.get("PATH") or DEFAULT_PATH).split(":"):
        candidate = os.path.join(directory or ".", command)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate, None
    return None, f'exec: "{command}": executable file not found in $PATH'


def main(path, fd):
    os.set_inheritable(fd, False)  # closes on exec: the kubelet reads EOF when the command started
    with open(path) as fh:
        spec = json.load(fh)
    libc = ctypes.CDLL(None, use_errno=True)
    for mount in spec.get("mounts") or ():
        try:
            _ensure_target(mount)
            _mount(libc, mount["source"], mount["target"], MS_BIND | MS_REC)
            if mount.get("readOnly"):
                _mount(libc, None, mount["target"], MS_BIND | MS_REC | MS_REMOUNT | MS_RDONLY)
        except OSError as exc:
            _fail(fd, f'error mounting "{mount["source"]}" to rootfs at "{mount["target"]}": {exc.strerror}')
    workdir = spec.get("workingDir") or "/"
    try:
        os.makedirs(workdir, exist_ok=True)
        os.chdir(workdir)
    except OSError as exc:
        _fail(fd, f"chdir to cwd (\"{workdir}\") set in config.json failed: {exc.strerror}")
    argv = spec.get("argv") or []
    env = spec.get("env") or {}
    if not argv:
        _fail(fd, "exec: no command")
    executable, problem = _find(argv[0], env)
    if problem:
        _fail(fd, problem)
    try:
        os.execve(executable, argv, env)
    except OSError as exc:
        _fail(fd, f'exec: "{argv[0]}": {exc.strerror.lower()}')


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
