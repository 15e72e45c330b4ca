"""One HTTP/1.1 connection to an emulated host, handled like HTTP.sys + WinRM would.

Keep-alive connections carry the authentication context (see auth.py). Replies
use ``Server: Microsoft-HTTPAPI/2.0``; faults are HTTP 500 with a SOAP body; an
unencrypted body over HTTP while AllowUnencrypted=false is HTTP 500 with an
empty body (what pywinrm users see from Windows).

Status line and header order as recorded (windows-recorded/http-401-*.headers.txt):
``HTTP/1.1 401 `` without a reason phrase, then Server, the WWW-Authenticate lines, Date,
``Connection: close`` (a refused request ends the connection), Content-Length. A 200 carries
no reason phrase either and puts Content-Type first (MS-WSMV 4.5's example response).
"""

from __future__ import annotations

import logging
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from . import auth, dispatch, faults, soap, wsmv_crypto
from .operation import Context
from .resources import identify

if TYPE_CHECKING:
    from .network import Binding

log = logging.getLogger(__name__)

SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8"
MAX_BODY = 16 * 1024 * 1024


class WinRMHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Binding  # type: ignore[assignment]  # the listener binding, not a socketserver

    def setup(self) -> None:
        super().setup()
        self.conn_auth = auth.ConnectionAuth()

    def version_string(self) -> str:
        return "Microsoft-HTTPAPI/2.0"

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s: " + format, self.server.host.name, self.client_address[0], *args)

    # -- plumbing --------------------------------------------------------------
    def _send(self, status: int, body: bytes = b"", headers: list[tuple[str, str]] | None = None,
              content_type: str | None = None, close: bool = False) -> None:
        self.log_request(status)
        self.send_response_only(status, "")  # "HTTP/1.1 401 ": HTTP.sys sends no reason phrase
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Server", self.version_string())
        for name, value in headers or []:
            self.send_header(name, value)
        self.send_header("Date", self.date_time_string())
        if close:
            self.close_connection = True
            self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def _machine(self) -> str:
        host_header = self.headers.get("Host") or self.server.host.address
        return urlsplit("//" + host_header).hostname or self.server.host.address

    # -- verbs -----------------------------------------------------------------
    def do_GET(self) -> None:
        self._send(405, headers=[("Allow", "POST")])

    def do_POST(self) -> None:
        binding = self.server
        host = binding.host
        try:
            body = self._read_body()
        except ValueError:
            body = None
        if body is None:
            self.close_connection = True
            self._send(413)
            return
        if not binding.active:
            self.close_connection = True  # the listener was deleted or changed meanwhile
            self._send(503)
            return
        path = urlsplit(self.path).path.rstrip("/").lower()
        if path == "/wsman-anon/identify" or (
            self.headers.get("WSMANIDENTIFY", "").lower() == "unauthenticated" and soap.is_identify(body)
        ):
            host.stats.count_http()
            host.stats.count_request("Identify")
            self._send(200, identify.response(host, authenticated=False), content_type=SOAP_CONTENT_TYPE)
            return
        if path != "/" + binding.url_prefix.lower():
            self._send(404)
            return

        redirect = host.redirect
        if redirect is not None and not redirect["after_auth"]:
            host.stats.count_http()
            self._send(redirect["status"], headers=[("Location", redirect["location"])])
            return
        header = self.headers.get("Authorization")
        outcome = auth.authenticate(host, self.conn_auth, header, binding.transport, binding.cbt)
        host.stats.count_http(auth_failed=outcome.kind == "reject")
        if outcome.kind == "reject":
            self._send(401, headers=[("WWW-Authenticate", v) for v in auth.offered(host)], close=True)
            return
        token = [("WWW-Authenticate", outcome.token_header)] if outcome.token_header else []
        if outcome.kind == "continue":
            self._send(401, headers=token)
            return
        assert outcome.principal is not None
        if redirect is not None:  # after_auth: the client authenticated, now the redirect
            self._send(redirect["status"], headers=[*token, ("Location", redirect["location"])])
            return
        if not body:
            self._send(200, headers=token)  # end of a handshake (pywinrm's empty POST)
            return

        content_type = self.headers.get("Content-Type", "")
        encrypted = wsmv_crypto.is_encrypted(content_type)
        if encrypted:
            if self.conn_auth.ctx is None or self.conn_auth.protocol is None:
                self._send(400)  # Basic cannot seal
                return
            try:
                plain = wsmv_crypto.decrypt(body, content_type, self.conn_auth.ctx, self.conn_auth.protocol,
                                            self.conn_auth.scheme)
            except wsmv_crypto.CryptoError as e:
                log.info("%s: cannot decrypt request: %s", host.name, e)
                self._send(400)
                return
        elif binding.transport == "http" and not host.flag("Service", "AllowUnencrypted"):
            host.stats.count_request("RejectedUnencrypted")
            self._send(500)
            return
        else:
            plain = body

        status, reply = self._process(plain, outcome.principal)
        if encrypted:
            reply, reply_type = wsmv_crypto.encrypt(reply, self.conn_auth.ctx, self.conn_auth.protocol or "",
                                                    self.conn_auth.scheme)
        else:
            reply_type = SOAP_CONTENT_TYPE
        if host.listeners_dirty:
            # Re-bind before replying, so a client that has the reply finds the change in
            # effect; this connection survives long enough to carry the reply.
            binding.manager.sync(host, keep=self.connection)
        self._send(status, reply, token, reply_type)
        if not binding.active:
            self.close_connection = True  # its listener is gone: serve nothing more here

    def _process(self, plain: bytes, principal: auth.Principal) -> tuple[int, bytes]:
        host = self.server.host
        machine = self._machine()
        if soap.is_identify(plain):
            host.stats.count_request("Identify")
            return 200, identify.response(host, authenticated=True)
        relates_to = None
        try:
            request = soap.parse_request(plain)
            relates_to = request.message_id
            host.stats.count_request(request.short_action)
            endpoint = request.to or f"{self.server.transport}://{self.headers.get('Host', machine)}/wsman"
            ctx = Context(host, request, principal, self.server.transport, self.client_address[0], endpoint)
            with host.lock:
                host.fire_armed(request.short_action, request.resource_uri)
                reply = dispatch.handle(ctx)
            time.sleep(reply.delay)  # outside the lock: other requests to the host go on meanwhile
            return 200, soap.envelope(reply.action, request.message_id, reply.body, reply.prefixes, reply.activity)
        except faults.WSManFault as fault:
            time.sleep(fault.delay)
            if relates_to is None:
                host.stats.count_request("Malformed")
            inner = host.fqdn if fault.provider is faults.CONFIG_PROVIDER else machine
            return 500, soap.fault_envelope(fault, relates_to or fault.relates_to, machine, inner)
        except Exception:  # a lab bug: log it loudly, answer like a Windows internal error
            log.exception("%s: internal error handling a request", host.name)
            internal = faults.WSManFault(
                2150858755, "w:InternalError", "An error was encountered inside the plugin. ", sender=False
            )
            return 500, soap.fault_envelope(internal, relates_to, machine, machine)
