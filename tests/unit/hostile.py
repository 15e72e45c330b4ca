# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A hostile WinRM peer for tests: loopback only, bounded in time, bytes and connections.

    with Hostile(redirect("http://127.0.0.1:1/wsman")) as peer:
        ...  # point a WSManTransport at peer.endpoint
        assert peer.requests == 1

Each instance answers every HTTP request with one behaviour (a function of the parsed
request that writes raw bytes to the socket): a redirect, a drip-feed, an oversized,
truncated, SOAP 1.1, HTML or unrelated reply, a stall, a reset. It never authenticates
anybody and never talks to anything but 127.0.0.1. Bounds: at most MAX_CONNECTIONS
connections, each behaviour stops after MAX_SECONDS or MAX_BYTES, request headers and
bodies are read up to fixed limits, and every thread is a daemon stopped on exit.
"""

from __future__ import annotations

import re
import select
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.1"
MAX_CONNECTIONS = 32
MAX_SECONDS = 30.0
MAX_BYTES = 256 * 1024 * 1024
MAX_HEADER_BYTES = 64 * 1024
MAX_REQUEST_BODY = 4 * 1024 * 1024
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"


@dataclass
class Request:
    """One HTTP request as the hostile peer read it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    received: float = 0.0  # time.monotonic() when it was read
    answered: float | None = None  # when the behaviour ended (the client gone, or all sent)

    @property
    def held(self) -> float | None:
        """Seconds the client stayed on this request (read → the behaviour's end)."""
        return None if self.answered is None else self.answered - self.received

    @property
    def message_id(self) -> str | None:
        match = re.search(rb"<a:MessageID>(uuid:[0-9A-Fa-f-]+)</a:MessageID>", self.body)
        return match.group(1).decode() if match else None


Behaviour = Callable[["Conn", Request], None]


@dataclass
class Conn:
    """The connection a behaviour writes to, with the peer's bounds applied."""

    sock: socket.socket
    started: float = field(default_factory=time.monotonic)
    sent: int = 0

    def alive(self) -> bool:
        return time.monotonic() - self.started < MAX_SECONDS and self.sent < MAX_BYTES

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; False as soon as the client has closed or shut down its side."""
        try:
            readable, _w, _x = select.select([self.sock], [], [], seconds)
            if readable and not self.sock.recv(1, socket.MSG_PEEK):
                return False
        except (OSError, ValueError):
            return False
        return True

    def write(self, data: bytes) -> bool:
        """Send data; False once the client is gone or a bound is reached."""
        if not self.alive():
            return False
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        self.sent += len(data)
        return True


def _head(status: int, headers: list[tuple[str, str]], reason: str = "") -> bytes:
    lines = ["HTTP/1.1 %d %s" % (status, reason or "X"), "Server: Microsoft-HTTPAPI/2.0"]
    lines += ["%s: %s" % kv for kv in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def envelope(body: str, relates_to: str | None, soap_ns: str = SOAP12) -> bytes:
    """A reply envelope (SOAP 1.2 unless told), RelatesTo only when given."""
    header = "<a:Action>urn:hostile/Response</a:Action><a:MessageID>uuid:0000-HOSTILE</a:MessageID>"
    if relates_to is not None:
        header += "<a:RelatesTo>%s</a:RelatesTo>" % relates_to
    return ('<s:Envelope xmlns:s="%s" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing">'
            "<s:Header>%s</s:Header><s:Body>%s</s:Body></s:Envelope>" % (soap_ns, header, body)).encode()


# --------------------------------------------------------------------------- behaviours


def reply(status: int = 200, body: bytes | Callable[[Request], bytes] = b"",
          content_type: str = "application/soap+xml;charset=UTF-8", extra: list[tuple[str, str]] | None = None,
          ) -> Behaviour:
    """A complete reply (``body`` may be computed from the request, e.g. to echo its MessageID)."""

    def run(conn: Conn, request: Request) -> None:
        data = body(request) if callable(body) else body
        headers = [("Content-Type", content_type), ("Content-Length", str(len(data))), *(extra or [])]
        conn.write(_head(status, headers) + data)

    return run


def redirect(location: str, status: int = 307) -> Behaviour:
    """Answer every request with a redirect to ``location``."""
    return reply(status, b"", "text/html", [("Location", location)])


def echo(body: str) -> Behaviour:
    """A well-formed WS-Man reply with ``body`` that answers the request (RelatesTo = its MessageID)."""
    return reply(200, lambda request: envelope(body, request.message_id))


def unrelated(body: str = "<x:Y xmlns:x='urn:x'/>", relates_to: str | None = "uuid:NOT-YOURS") -> Behaviour:
    """A well-formed reply that answers another request (or, with None, no request at all)."""
    return reply(200, envelope(body, relates_to))


def soap11() -> Behaviour:
    """A SOAP 1.1 envelope, as another SOAP service would send."""
    return reply(200, lambda request: envelope("<x:Y xmlns:x='urn:x'/>", request.message_id, SOAP11),
                 "text/xml; charset=utf-8")


def html(title: str = "Welcome to nginx!") -> Behaviour:
    """An HTML page, as a web server or captive portal would send."""
    page = ("<!DOCTYPE html><html><head><title>%s</title></head><body><h1>%s</h1><p>If you see this page, "
            "the web server is working.</p></body></html>" % (title, title)).encode()
    return reply(200, page, "text/html")


def drip(interval: float = 2.0, after_headers: bool = False, total: int = 100000) -> Behaviour:
    """Send the reply one byte every ``interval`` seconds (from the status line, or from the body)."""

    def run(conn: Conn, request: Request) -> None:
        body = envelope("<x:Y xmlns:x='urn:x'>%s</x:Y>" % ("z" * total), request.message_id)
        head = _head(200, [("Content-Type", "application/soap+xml;charset=UTF-8"),
                           ("Content-Length", str(len(body)))])
        data = body
        if after_headers:
            conn.write(head)
        else:
            data = head + body
        for i in range(len(data)):
            if not conn.write(data[i:i + 1]) or not conn.wait(interval):
                return

    return run


_BLOCK = b"<x:Pad xmlns:x='urn:x'>" + b"A" * (64 * 1024 - 40) + b"</x:Pad>"


def oversized(total: int = 200 * 1024 * 1024, announce: bool = True) -> Behaviour:
    """A reply of ``total`` bytes, announced by Content-Length or streamed chunked without a length."""

    def run(conn: Conn, request: Request) -> None:
        start = envelope("", request.message_id).split(b"</s:Body>")[0]
        headers = [("Content-Type", "application/soap+xml;charset=UTF-8")]
        headers.append(("Content-Length", str(total)) if announce else ("Transfer-Encoding", "chunked"))
        if not conn.write(_head(200, headers)):
            return
        sent = 0
        pieces = [start] + [_BLOCK] * (total // len(_BLOCK) + 1)
        for piece in pieces:
            if sent >= total:
                break
            piece = piece[: total - sent]
            frame = piece if announce else b"%x\r\n%s\r\n" % (len(piece), piece)
            if not conn.write(frame):
                return  # the client stopped reading: the point of the test
            sent += len(piece)

    return run


def truncated(announced: int = 5000, sent: int = 1200) -> Behaviour:
    """Announce ``announced`` bytes, send ``sent`` of them, close."""

    def run(conn: Conn, request: Request) -> None:
        body = envelope("<x:Y xmlns:x='urn:x'>%s</x:Y>" % ("z" * announced), request.message_id)[:sent]
        conn.write(_head(200, [("Content-Type", "application/soap+xml;charset=UTF-8"),
                               ("Content-Length", str(announced))]) + body)

    return run


def stall_body(sent: int = 300, stall: float = 10.0) -> Behaviour:
    """Send the headers and ``sent`` bytes of the body, then nothing for ``stall`` seconds."""

    def run(conn: Conn, request: Request) -> None:
        body = envelope("<x:Y xmlns:x='urn:x'>%s</x:Y>" % ("z" * 4000), request.message_id)
        conn.write(_head(200, [("Content-Type", "application/soap+xml;charset=UTF-8"),
                               ("Content-Length", str(len(body)))]) + body[:sent])
        conn.wait(min(stall, MAX_SECONDS))

    return run


def hang(seconds: float = 10.0) -> Behaviour:
    """Read the request, answer nothing."""
    return lambda conn, request: conn.wait(min(seconds, MAX_SECONDS)) and None


def close() -> Behaviour:
    """Close the connection without an answer (what an HTTPS listener does with plain HTTP)."""
    return lambda conn, request: None


# --------------------------------------------------------------------------- server


def _read_request(rfile: Any) -> Request | None:
    line = rfile.readline(MAX_HEADER_BYTES)
    if not line or not line.strip():
        return None
    parts = line.decode("latin-1").split()
    headers: dict[str, str] = {}
    size = len(line)
    while True:
        header = rfile.readline(MAX_HEADER_BYTES)
        size += len(header)
        if not header or header in (b"\r\n", b"\n") or size > MAX_HEADER_BYTES:
            break
        name, _sep, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while sum(map(len, chunks)) <= MAX_REQUEST_BODY:
            length = int(rfile.readline(100).split(b";")[0].strip() or b"0", 16)
            if length == 0:
                rfile.readline(100)
                break
            chunks.append(rfile.read(min(length, MAX_REQUEST_BODY)))
            rfile.readline(100)
        body = b"".join(chunks)
    else:
        length = int(headers.get("content-length") or 0)
        body = rfile.read(min(length, MAX_REQUEST_BODY)) if length else b""
    return Request(parts[0] if parts else "", parts[1] if len(parts) > 1 else "", headers, body, time.monotonic())


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        peer = self.server.peer
        if not peer.admit():
            return
        try:
            conn = Conn(self.connection)
            self.connection.settimeout(MAX_SECONDS)
            try:
                first = self.rfile.peek(1)[:1]
            except OSError:
                return
            if first and not first.isalpha():
                # Not HTTP (a TLS ClientHello on the plain port): HTTP.sys answers 400 and closes.
                conn.write(_head(400, [("Content-Length", "0"), ("Connection", "close")], "Bad Request"))
                return
            while conn.alive():
                try:
                    request = _read_request(self.rfile)
                except (OSError, ValueError):
                    return
                if request is None:
                    return
                peer.record(request)
                try:
                    peer.behaviour(conn, request)
                finally:
                    request.answered = time.monotonic()
                if peer.one_per_connection:
                    return
        finally:
            peer.leave()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, peer: Hostile) -> None:
        super().__init__((LOOPBACK, 0), _Handler)
        self.peer = peer

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        if self.peer.tls is not None:
            sock.settimeout(5)  # a client that never completes the handshake cannot stall the accept loop
            sock = self.peer.tls.wrap_socket(sock, server_side=True)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up on a hostile peer is the expected outcome


class Hostile:
    """A hostile peer on 127.0.0.1 that answers every request with ``behaviour``.

    Args:
        behaviour: one of the behaviours above.
        tls: serve HTTPS with this certificate/key pair (PEM files).
        one_per_connection: close after one answer (no keep-alive).

    Attributes:
        seen: every request received, in order (method, path, headers, body).
    """

    def __init__(self, behaviour: Behaviour, tls: tuple[Path, Path] | None = None,
                 one_per_connection: bool = True) -> None:
        self.behaviour = behaviour
        self.one_per_connection = one_per_connection
        self.tls: ssl.SSLContext | None = None
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self.tls = context
        self.seen: list[Request] = []
        self._lock = threading.Lock()
        self._open = 0
        self._server = _Server(self)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="hostile", daemon=True)

    @property
    def requests(self) -> int:
        """How many HTTP requests arrived."""
        with self._lock:
            return len(self.seen)

    def endpoint(self, scheme: str | None = None) -> str:
        return "%s://%s:%d/wsman" % (scheme or ("https" if self.tls else "http"), LOOPBACK, self.port)

    def record(self, request: Request) -> None:
        with self._lock:
            self.seen.append(request)

    def admit(self) -> bool:
        with self._lock:
            if self._open >= MAX_CONNECTIONS:
                return False
            self._open += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._open -= 1

    def __enter__(self) -> Hostile:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
