"""The HTTP/1.1 server: stdlib `ThreadingHTTPServer`, keep-alive, chunked watch streams.

One thread per connection. A response is written with a single `send` (headers and body
together) and with Nagle's algorithm off, so a GET costs well under a millisecond of network
overhead. Request bodies come with `Content-Length` or chunked encoding.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .models.cluster import Cluster
from .responses import Api, Request, Response

log = logging.getLogger("sandbox.kube")


class KubeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], cluster: Cluster, access_log: bool = True):
        super().__init__(address, _Handler)
        self.api = Api(cluster)
        self.access_log = access_log
        self.stopping = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sandbox-kube"
    sys_version = ""
    disable_nagle_algorithm = True
    server: KubeHTTPServer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _serve(self) -> None:
        start = time.perf_counter()
        url = urlsplit(self.path)
        query: dict[str, str] = {}
        for key, value in parse_qsl(url.query, keep_blank_values=True):
            query.setdefault(key, value)
        headers = {k.lower(): v for k, v in self.headers.items()}
        body = self._read_body(headers)
        req = Request(self.command, url.path, query, headers, body)
        resp = self.server.api.handle(req)
        if resp.stream is not None:
            self._send_stream(resp)
        else:
            self._send(resp)
        if self.server.access_log:
            ms = (time.perf_counter() - start) * 1000
            sys.stderr.write(f"{self.command} {self.path} -> {resp.status} {ms:.1f}ms\n")

    def _read_body(self, headers: dict[str, str]) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = int(headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _head(self, status: int, content_type: str, extra: list[tuple[str, str]]) -> list[str]:
        lines = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}",
                 f"Content-Type: {content_type}",
                 "Cache-Control: no-cache, private",
                 f"Date: {self.date_time_string()}"]
        lines.extend(f"{k}: {v}" for k, v in extra)
        return lines

    def _send(self, resp: Response) -> None:
        lines = self._head(resp.status, resp.content_type, resp.headers)
        body = b"" if self.command == "HEAD" else resp.body
        lines.append(f"Content-Length: {len(resp.body)}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace") + body
        self.wfile.write(data)
        self.wfile.flush()

    def _send_stream(self, resp: Response) -> None:
        lines = self._head(resp.status, resp.content_type, resp.headers)
        lines.append("Transfer-Encoding: chunked")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        self.wfile.flush()
        try:
            for chunk in resp.stream:
                if self.server.stopping.is_set():
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True
            return
        finally:
            close = getattr(resp.stream, "close", None)
            if close is not None:
                close()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - BaseHTTPRequestHandler's signature
        return  # requests are logged once in _serve

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def serve(cluster: Cluster, host: str, port: int, access_log: bool = True) -> KubeHTTPServer:
    """A bound server (call `serve_forever()` on it)."""
    return KubeHTTPServer((host, port), cluster, access_log)
