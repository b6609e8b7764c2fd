"""A tiny HTTP server on 127.0.0.1 that sends exactly the bytes a test gives it.

http.server normalises what it sends; WARC fidelity tests need to control the status line,
header case and order, duplicates and chunk framing, and to see the raw request bytes.
"""
from __future__ import annotations

import gzip
import socket
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

Handler = Callable[[bytes], bytes]  # raw request head -> raw response bytes


def response(status: str, headers: list[tuple[str, str]], body: bytes, *, chunked: bool = False,
             content_length: bool = True) -> bytes:
    head = [f"HTTP/1.1 {status}"]
    head += [f"{k}: {v}" for k, v in headers]
    if chunked:
        head.append("Transfer-Encoding: chunked")
        framed = b""
        for i in range(0, len(body), 100):
            part = body[i:i + 100]
            framed += f"{len(part):x}\r\n".encode() + part + b"\r\n"
        body = framed + b"0\r\n\r\n"
    elif content_length:
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def html(body: str, *, status: str = "200 OK", charset: str = "utf-8", extra: list[tuple[str, str]] | None = None,
         encoding: str | None = None) -> bytes:
    return response(status, [("Content-Type", f"text/html; charset={charset}"), *(extra or [])],
                    body.encode(encoding or charset))


def gzipped(body: bytes, headers: list[tuple[str, str]]) -> tuple[bytes, bytes]:
    """Return (wire response, the exact gzip payload sent)."""
    payload = gzip.compress(body, mtime=0)
    return response("200 OK", [*headers, ("Content-Encoding", "gzip")], payload), payload


@dataclass
class WireServer:
    routes: dict[str, Handler | bytes] = field(default_factory=dict)
    requests: list[bytes] = field(default_factory=list)

    def start(self) -> WireServer:
        outer = self

        class _H(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sock: socket.socket = self.request
                sock.settimeout(5)
                try:
                    self._serve(sock)
                except OSError:
                    pass  # the client hung up (e.g. it cancelled an oversized body)

            def _serve(self, sock: socket.socket) -> None:
                buf = b""
                while True:
                    while b"\r\n\r\n" not in buf:
                        chunk = sock.recv(65536)
                        if not chunk:
                            return
                        buf += chunk
                    head, _, buf = buf.partition(b"\r\n\r\n")
                    head += b"\r\n\r\n"
                    outer.requests.append(head)
                    target = head.split(b" ", 2)[1].decode("latin-1")
                    route = outer.routes.get(target) or outer.routes.get(target.split("?")[0])
                    if route is None:
                        out = response("404 Not Found", [("Content-Type", "text/plain")], b"no such page")
                    else:
                        out = route(head) if callable(route) else route
                    sock.sendall(out)

        class _S(socketserver.ThreadingMixIn, socketserver.TCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._srv = _S(("127.0.0.1", 0), _H)
        self.port = self._srv.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._srv.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._srv.shutdown()
        self._srv.server_close()

    def requested(self, path: str) -> bool:
        return any(r.split(b" ", 2)[1].decode("latin-1") == path for r in self.requests)
