"""The command ansible-runner launches on the fast path: hand the run to the warm runner.

    python -I server/runner/warm_client.py SOCKET [--secrets /proc/<pid>/fd/<n>] -- ansible-playbook ARG...

This script (stdlib only, so `-I` keeps its start at a few milliseconds) connects to the warm
runner's socket (`server.runner.warm`) and sends it what a started process would have: the
argument vector, its environment (plus the run's secrets, read from the memfd as
`secret_env.py` does: memory only, over a Unix socket, never in a file), its working dir, and
its stdin, stdout and stderr (the pty ansible-runner reads events from) as file descriptors
(SCM_RIGHTS). The warm runner forks a child that runs `ansible-playbook` on those descriptors;
this script waits for it and ends the way the child ended (exit code or signal), so for
ansible-runner it *is* the playbook command.
"""

from __future__ import annotations

import array
import json
import os
import signal
import socket
import struct
import sys

#: Request header: the payload length; the three stdio fds travel with it.
HEADER = struct.Struct("!I")


def send_request(sock: socket.socket, request: dict, fds: list[int]) -> None:
    """Send one request (a JSON object) and the file descriptors `fds` over `sock`."""
    payload = json.dumps(request).encode()
    sock.sendmsg([HEADER.pack(len(payload))], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
    sock.sendall(payload)


def read_outcome(sock: socket.socket) -> tuple[str, int]:
    """The warm runner's answer: ("exit", code) or ("signal", number)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(64)
        if not chunk:
            return ("exit", 255)  # the warm runner went away
        data += chunk
    kind, _, value = data.decode().strip().partition(" ")
    return (kind, int(value))


def _read_secrets(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8") as secrets_file:
        secrets = json.load(secrets_file)
    if not isinstance(secrets, dict) or not all(isinstance(v, str) for v in secrets.values()):
        sys.exit("warm_client.py: the secrets must be a JSON mapping of strings")
    return secrets


def main(argv: list[str]) -> None:
    if "--" not in argv or argv.index("--") < 1:
        sys.exit("usage: warm_client.py SOCKET [--secrets PATH] -- COMMAND [ARG...]")
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1 :]
    socket_path, env = options[0], dict(os.environ)
    if len(options) == 3 and options[1] == "--secrets":
        env.update(_read_secrets(options[2]))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(socket_path)
    send_request(sock, {"kind": "playbook", "argv": command, "env": env, "cwd": os.getcwd()}, [0, 1, 2])
    env.clear()
    kind, value = read_outcome(sock)
    if kind == "signal":
        signal.signal(value, signal.SIG_DFL)
        os.kill(os.getpid(), value)
    sys.exit(value)


if __name__ == "__main__":
    main(sys.argv[1:])
