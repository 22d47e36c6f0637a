"""The HTTP/1.1 layer (stdlib ThreadingHTTPServer, keep-alive): reads requests, routes them
through urls.py to the API, the control plane or /healthz, applies sandbox faults, writes
answers. Everything Mailcow-specific happens in responses.py and models.py."""

from __future__ import annotations

import socket
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import urls
from .control import FaultPlan, RequestJournal, SandboxControl
from .models import MailcowBackend
from .responses import ApiKeys, MailcowResponse, Reply, Request

NGINX_404 = (
    b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
    b"<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


class MailcowServer(ThreadingHTTPServer):
    """One emulated Mailcow on one port."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], api: MailcowResponse, control: SandboxControl):
        self.api = api
        self.control = control
        super().__init__(address, MailcowHandler)

    def route(self, request: Request) -> Reply | None:
        """The reply for a request; None means: drop the connection without answering."""
        path = urllib.parse.unquote(request.path.partition("?")[0], errors="replace")
        for pattern, target in urls.url_paths:
            match = pattern.match(path)
            if not match:
                continue
            if target == "health":
                return Reply(200, b'{"ok":true}')
            if target == "control":
                return self.control.dispatch(request, match.group("name"))
            return self._api(request, path)
        return Reply(404, NGINX_404, content_type="text/html")

    def _api(self, request: Request, path: str) -> Reply | None:
        """Mailcow's answer, unless a sandbox fault replaces, drops or delays it."""
        fault = self.control.faults.take(request.method, path)
        if fault is not None and fault.action == "delay" and fault.when == "before":
            time.sleep(fault.seconds)
        processed = fault is None or fault.when == "after" or fault.action == "delay"
        reply = self.api.dispatch(request) if processed else None
        if fault is not None:
            if fault.action == "delay" and fault.when == "after":
                time.sleep(fault.seconds)
            elif fault.action == "drop":
                reply = None
            elif fault.action == "status":
                reply = Reply(fault.status, fault.body.encode("utf-8"), content_type=fault.contentType)
        self.control.journal.record(request, reply.status if reply else None, processed)
        return reply


class MailcowHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    server: MailcowServer

    def version_string(self) -> str:
        return "nginx"

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        body = self._read_body()
        request = Request(self.command, self.path, self.headers, body, self.client_address[0])
        reply = self.server.route(request)
        if reply is None:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), format % args))


def build_server(
    backend: MailcowBackend,
    keys: ApiKeys,
    host: str = "127.0.0.1",
    port: int = 0,
    version: str = "2026-07",
) -> MailcowServer:
    """A server bound to host:port (not yet serving)."""
    api = MailcowResponse(backend, keys, version=version)
    control = SandboxControl(backend, FaultPlan(), RequestJournal())
    return MailcowServer((host, port), api, control)
