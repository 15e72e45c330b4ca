# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP(S) transport for WS-Man messages, built on pywinrm.

For internal collection use only; this is not a public API.

pywinrm already does what we need on the wire (Basic, NTLM, Kerberos, CredSSP,
certificate auth, channel binding and WinRM message encryption); this module adds
what it lacks for configuration work: one round-trip counter, transports tried in
order like Ansible's winrm plugin, connect vs read timeouts, and errors that say
what to fix instead of "Bad HTTP response returned from server". Under every send
(handshake legs included) sits :mod:`._wsman.wire`: no redirects, one deadline per
request, bounded replies.
"""

from __future__ import annotations

import codecs
import functools
import os
import re
from collections.abc import Callable
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._explain import match
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import kdc
from ansible_collections.winauth.winrm.plugins.plugin_utils._text import shorten
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import (
    AuthenticationError,
    MissingLibraryError,
    ProtocolError,
    SettingsError,
    TLSError,
    UnreachableError,
    WSManError,
    WSManTimeoutError,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import WSManSettings
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.wire import RequestGuard, install, printable

try:
    import requests.exceptions as _rex
    from winrm.exceptions import InvalidCredentialsError, WinRMError, WinRMTransportError
    from winrm.transport import Transport as _PyWinRMTransport
    HAS_PYWINRM = True
    PYWINRM_IMPORT_ERROR: Exception | None = None
except ImportError as _e:  # pragma: no cover - surfaced via missing_required_lib
    HAS_PYWINRM = False
    PYWINRM_IMPORT_ERROR = _e

try:
    # Loaded on first use otherwise: the OpenSSL bindings (NTLM's RC4, CredSSP) and NTLM's UTF-16
    # codec. Ansible imports an action plugin in the process that forks a worker per host; loading
    # these here, once, instead of in every worker saves each host about 6 ms of CPU.
    from cryptography.hazmat.backends.openssl import backend as _openssl_backend  # noqa: F401
except ImportError:  # pragma: no cover - the auth libraries report it when they need it
    pass
codecs.lookup("utf-16-le")  # loads and caches the codec module

_HINTS = {
    "basic": "check ansible_user/ansible_password; Basic works only for local accounts and needs service Basic=true "
    "(and AllowUnencrypted=true over HTTP)",
    "ntlm": "check ansible_user/ansible_password (DOMAIN\\user or a local account) and that service Negotiate=true",
    "kerberos": "check the ticket (klist), the SPN %(service)s/%(host)s and that the host is named by its DNS name",
    "credssp": "check ansible_user/ansible_password and that the CredSSP server role is enabled on the host",
    "certificate": "check the client certificate mapping on the host and service Certificate=true",
}


# Status codes of the WinRM service (HTTP.sys) that are not a WS-Man reply, with cause and fix.
_HTTP_STATUS = {
    400: "the host refused the HTTP request as malformed (HTTP 400); with message encryption this is what WinRM "
         "answers when it cannot decrypt the message: check ansible_winrm_message_encryption and the transport",
    404: "no WinRM service at path %(path)s on this port (HTTP 404): set %(path_var)s to the listener's URL "
         "prefix (the default is /wsman; see `winrm enumerate winrm/config/listener`, URLPrefix)",
    405: "the service at %(path)s does not accept POST (HTTP 405): this is not a WinRM listener; check "
         "%(path_var)s and the port",
    413: "the host refused the request as too large (HTTP 413)",
    503: "unexpected HTTP status 503 (service unavailable) from the WinRM service: it is stopping or "
         "restarting, or its listener was just changed; retry in a few seconds",
}

# NTSTATUS / HRESULT values a CredSSP acceptor returns in TSRequest.errorCode (MS-CSSP 2.2.1),
# as requests_credssp raises them (NTStatusException.status).
_CREDSSP_STATUS = {
    0x8009030C: "SEC_E_LOGON_DENIED: the host rejected the user name or password",
    0xC000006D: "STATUS_LOGON_FAILURE: the host rejected the user name or password",
    0xC000006E: "STATUS_ACCOUNT_RESTRICTION: the account may not log on this way",
    0xC0000071: "STATUS_PASSWORD_EXPIRED: the account's password has expired",
    0xC0000072: "STATUS_ACCOUNT_DISABLED: the account is disabled",
    0x80090308: "SEC_E_INVALID_TOKEN: the host could not read the inner NTLM/Kerberos token",
}


def _describe_tls(exc: BaseException, s: WSManSettings) -> str:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        # Keep OpenSSL's reason (expired, hostname mismatch, self-signed ...): the fix depends on it,
        # and the explain table (shared with winrm_probe) knows the fix for each.
        m = re.search(r"certificate verify failed: (.*?)(?: \(_ssl\.c:\d+\))?['\")]*$", text)
        reason = shorten(m.group(1).rstrip(". "), 120) if m else ""
        row = match(text)
        fix = row.fix if row is not None and row.layer == "tls" else (
            "point %s at the issuing CA bundle, or fix the listener certificate" % s.variable("ca_trust_path"))
        return "the host's TLS certificate is not trusted (CERTIFICATE_VERIFY_FAILED%s): %s" % (
            ": " + reason if reason else "", fix)
    if "WRONG_VERSION_NUMBER" in text or "record layer failure" in text:
        # What OpenSSL reports when the peer answers a ClientHello with plain HTTP.
        return (
            "TLS handshake failed (%s): port %d answered in plain HTTP, not TLS; is the port an HTTPS listener? "
            "For the HTTP listener (default 5985) set %s: http, or use the HTTPS listener's port (default 5986)"
            % (text[:200], s.port, s.variable("scheme"))
        )
    if "UNSUPPORTED_PROTOCOL" in text:
        return "TLS handshake failed (%s): is the port an HTTPS listener and the TLS version supported?" % text[:200]
    return "TLS handshake failed: %s" % text[:300]


def _describe_dropped(s: WSManSettings, reason: str) -> str:
    """The host accepted the TCP connection, then closed it without an HTTP answer."""
    text = "the host accepted the connection to %s:%d but closed it without an HTTP answer (%s)" % (
        s.host, s.port, reason)
    if s.scheme == "http":
        return text + (
            ": that is what an HTTPS listener does with plain HTTP — if port %d is the HTTPS listener (default "
            "5986), set %s: https" % (s.port, s.variable("scheme"))
        )
    return text + ": is WinRM listening there, and is nothing in between cutting the connection?"


class WSManTransport:
    """Sends serialised envelopes to one host and returns the raw replies.

    Attributes:
        settings: connection settings.
        round_trips: number of WS-Man requests sent (auth handshakes not counted).
        auth_used: the transport that authenticated (``ntlm``, ``basic`` …) once known.
    """

    def __init__(self, settings: WSManSettings, before_kerberos: Callable[[], None] | None = None) -> None:
        if not HAS_PYWINRM:
            raise MissingLibraryError(
                "pywinrm is required on the controller: pip install 'pywinrm[credssp,kerberos]>=0.5.0' (%s)"
                % PYWINRM_IMPORT_ERROR,
                target=settings.endpoint,
            )
        self.settings = settings
        # Called when the transport loop reaches Kerberos (the winrm plugin's managed kinit):
        # like Ansible's own loop, a kinit failure there ends the attempt.
        self.before_kerberos = before_kerberos
        self.round_trips = 0
        self.auth_used: str | None = None
        self._session: Any = None
        self._guard = RequestGuard(settings)

    def _new(self, auth: str) -> Any:
        s = self.settings
        # requests would read REQUESTS_CA_BUNDLE on every request; resolve it once here so
        # the session can stop scanning the environment (see _send_once).
        ca_trust_path = s.ca_trust_path or os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        try:
            transport = self._construct(auth, ca_trust_path)
        except WinRMError as e:  # e.g. "auth method ntlm requires a password", missing cert file
            raise SettingsError("%s: %s" % (auth, e), target=s.endpoint) from None
        # requests takes (connect, read): an unreachable host should fail fast.
        transport.read_timeout_sec = (s.connection_timeout, s.read_timeout)
        transport.wsman_guard = self._guard
        return transport

    def _construct(self, auth: str, ca_trust_path: str | None) -> Any:
        s = self.settings
        return _guarded(_PyWinRMTransport)(
            endpoint=s.endpoint,
            username=s.username,
            password=s.password,
            service=s.service,
            ca_trust_path=ca_trust_path,  # type: ignore[arg-type]
            cert_pem=s.cert_pem,
            cert_key_pem=s.cert_key_pem,
            read_timeout_sec=s.read_timeout,
            server_cert_validation=s.server_cert_validation,  # type: ignore[arg-type]
            kerberos_delegation=s.kerberos_delegation,
            kerberos_hostname_override=s.kerberos_hostname_override,
            auth_method=auth,  # type: ignore[arg-type]
            message_encryption=s.message_encryption,  # type: ignore[arg-type]
            credssp_disable_tlsv1_2=s.credssp_disable_tlsv1_2,
            credssp_auth_mechanism=s.credssp_auth_mechanism,  # type: ignore[arg-type]
            credssp_minimum_version=s.credssp_minimum_version,
            send_cbt=s.send_cbt,
            proxy=s.proxy,
        )

    def send(self, payload: bytes, operation: str) -> tuple[int, bytes]:
        """Send one envelope.

        Args:
            payload: the serialised envelope.
            operation: description for error messages (``Get config``).

        Returns:
            ``(http_status, body)``: 200 with the reply, or 500 with a (fault) body.

        Raises:
            WSManError: a subclass naming the cause (unreachable, TLS, auth, timeout …).
        """
        self.round_trips += 1
        # One deadline for the whole request: every auth attempt and handshake leg included.
        self._guard.start()
        try:
            return self._send(payload, operation)
        except WSManError as e:
            if e.operation is None:
                e.operation = operation
            if e.target is None:
                e.target = self.settings.endpoint
            raise
        finally:
            expired = self._guard.expired
            self._guard.stop()
            if expired:
                # The deadline shut the connection (and with it NTLM/Kerberos/CredSSP's context)
                # down, even if the reply had just arrived: the next request starts afresh.
                self.close()

    def _send(self, payload: bytes, operation: str) -> tuple[int, bytes]:
        if self._session is not None:
            return self._send_once(self._session, self.auth_used or "", payload, operation)
        failures: list[str] = []
        errors: list[WSManError] = []
        for auth in self.settings.transports:
            if auth == "kerberos" and self.before_kerberos is not None:
                self.before_kerberos()
            session = None
            try:
                session = self._new(auth)
                result = self._send_once(session, auth, payload, operation)
            except (AuthenticationError, MissingLibraryError, SettingsError) as e:
                # Like Ansible's winrm plugin: a transport that cannot work hands over to the next.
                failures.append("%s: %s" % (auth, e.message))
                errors.append(e)
                if session is not None:
                    session.close_session()  # its connection is of no further use
                continue
            self._session, self.auth_used = session, auth
            return result
        if len(errors) == 1:
            raise errors[0]
        # The same settings problem under every transport (a missing CA file) stays a settings error.
        cls = SettingsError if errors and all(isinstance(e, SettingsError) for e in errors) else AuthenticationError
        raise cls("; ".join(failures) or "no transport configured", target=self.settings.endpoint, operation=operation)

    def _send_once(self, session: Any, auth: str, payload: bytes, operation: str) -> tuple[int, bytes]:
        s = self.settings
        where = dict(target=s.endpoint, operation=operation)
        try:
            if session.session is None:
                # Proxies and CA are fixed at build time; without this, requests re-scans
                # os.environ for proxy settings on every request (15% of our CPU per host).
                session.build_session().trust_env = False
            return 200, session.send_message(payload)
        except WSManError:
            raise  # raised by the wire guard (redirect, deadline, size) or already typed
        except Exception as e:
            if self._guard.expired:
                # The deadline shut the socket down; whatever broke next is a consequence.
                raise self._guard.deadline_error() from None
            if isinstance(e, WinRMTransportError) and e.code == 500 and (e.response_text or "").strip():
                return 500, (e.response_text or "").encode("utf-8")  # a fault: for the fault parser
            raise self._map(e, auth, where) from None

    def _map(self, e: Exception, auth: str, where: dict[str, str]) -> WSManError:
        """Turn a pywinrm / requests / auth-library exception into an error naming cause and fix."""
        s = self.settings
        if isinstance(e, InvalidCredentialsError):
            hint = _HINTS.get(auth, "") % {"service": s.service, "host": s.kerberos_hostname_override or s.host}
            return AuthenticationError(
                "%s authentication as %r was rejected by the host (HTTP 401): %s" % (auth, s.username, hint), **where
            )
        if isinstance(e, WinRMTransportError):
            return self._map_status(e, auth, where)
        if isinstance(e, WinRMError):
            text = str(e)
            if "not installed" in text:
                return MissingLibraryError(text, **where)
            return AuthenticationError("%s: %s" % (auth, text), **where)
        if isinstance(e, _rex.SSLError):
            return TLSError(_describe_tls(e, s), **where)
        if isinstance(e, _rex.ProxyError):
            return UnreachableError(self._describe_proxy(e), **where)
        if isinstance(e, _rex.ConnectTimeout):
            return WSManTimeoutError(
                "no connection within %d s: check the address, port %d and firewall" % (s.connection_timeout, s.port),
                **where,
            )
        if isinstance(e, _rex.ReadTimeout):
            return WSManTimeoutError(
                "the host did not answer within %d s (%s): it accepted the connection and the request but sent no "
                "reply; raise %s if the host is merely slow"
                % (s.read_timeout, s.variable("read_timeout"), s.variable("read_timeout")),
                **where,
            )
        if isinstance(e, _rex.ChunkedEncodingError):
            # requests reading a Content-Length body that ended early ("IncompleteRead").
            return self._guard.truncated_error(cause=_short_reason(e))
        if isinstance(e, _rex.ConnectionError) and "Read timed out" in str(e):
            # requests raises a read timeout *during the body* as a ConnectionError.
            return self._guard.stall_error()
        if isinstance(e, _rex.InvalidURL):
            return SettingsError("the endpoint %s is not a valid URL (%s): check %s and %s" % (
                printable(s.endpoint), printable(str(e), 120), s.variable("host"), s.variable("path")), **where)
        if isinstance(e, _rex.ConnectionError):
            reason = _short_reason(e)
            if reason in _DROPPED:
                return UnreachableError(_describe_dropped(s, reason), **where)
            return UnreachableError(
                "cannot connect to %s:%d (%s): is WinRM listening there and the port open?" % (s.host, s.port, reason),
                **where,
            )
        if isinstance(e, _rex.RequestException):
            # Kerberos exchange failures from requests_kerberos land here: the one KDC wording.
            return AuthenticationError("%s: %s" % (auth, _auth_text(auth, e)), **where)
        if isinstance(e, OSError) and "TLS CA certificate bundle" in str(e):
            # requests checks the CA path only when it sends: a settings problem, not the host's.
            ca = s.ca_trust_path or os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or ""
            return SettingsError(
                "the CA bundle %r does not exist or cannot be read: set %s to the PEM file (or directory) of the CA "
                "that issued the listener certificate" % (printable(ca, 200), s.variable("ca_trust_path")), **where)
        if isinstance(e, OSError) and ("TLS certificate file" in str(e) or "TLS key file" in str(e)):
            return SettingsError("%s: check ansible_winrm_cert_pem / ansible_winrm_cert_key_pem" % str(e)[:300],
                                 **where)
        status = getattr(e, "status", None)
        if type(e).__name__ == "NTStatusException" and isinstance(status, int):
            known = _CREDSSP_STATUS.get(status)
            if known:
                return AuthenticationError(
                    "credssp authentication as %r failed: %s (0x%08X); check ansible_user/ansible_password "
                    "(DOMAIN\\user or user@REALM for a domain account) and that the account may log on to the host"
                    % (s.username, known, status), **where)
        # Auth libraries raise assorted types (SpnegoError, GSSError, OSError).
        return AuthenticationError("%s: %s: %s" % (auth, type(e).__name__, _auth_text(auth, e)), **where)

    def _map_status(self, e: Any, auth: str, where: dict[str, str]) -> WSManError:
        """A non-200 HTTP status (pywinrm's WinRMTransportError)."""
        s = self.settings
        if e.code == 500:
            if s.scheme == "http" and not s.encrypts_messages(auth):
                return ProtocolError(
                    "the host refused an unencrypted message over HTTP (service AllowUnencrypted=false): "
                    "use HTTPS or an auth transport with message encryption (ntlm, kerberos, credssp)", **where)
            how = "an encrypted message" if s.encrypts_messages(auth) else "a message over HTTPS"
            return ProtocolError(
                "the host answered HTTP 500 without a WS-Man fault to %s, so this is not the AllowUnencrypted "
                "refusal (which only applies to plain HTTP bodies): the WinRM service failed to process the request; "
                "see the host's Microsoft-Windows-WinRM/Operational event log and retry" % how, **where)
        known = _HTTP_STATUS.get(e.code)
        if known:
            return ProtocolError(known % {"path": s.path, "path_var": s.variable("path")}, **where)
        return ProtocolError("unexpected HTTP status %s from the WinRM service" % e.code, **where)

    def _describe_proxy(self, e: Exception) -> str:
        s = self.settings
        text = str(e)
        proxy = printable(s.proxy or "(from the environment)", 120)
        if "Tunnel connection failed" in text:
            return ("the proxy %s refused to connect to %s:%d (%s): the WinRM host was not contacted; allow it on "
                    "the proxy, or unset %s to connect directly"
                    % (proxy, s.host, s.port, _short_reason(e), s.variable("proxy")))
        return ("cannot reach the proxy %s (%s): the WinRM host was not contacted; fix or unset %s"
                % (proxy, _short_reason(e), s.variable("proxy")))

    def close(self) -> None:
        """Close the HTTP session (keep-alive connection and auth context)."""
        if self._session is not None:
            try:
                self._session.close_session()
            finally:
                self._session = None


# The peer closed an accepted connection: not a refusal to connect.
_DROPPED = ("RemoteDisconnected", "Connection reset by peer", "BadStatusLine", "Connection aborted")


def _short_reason(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "No route to host",
                   "Network is unreachable", "Temporary failure in name resolution", "timed out", *_DROPPED):
        if marker in text:
            return marker
    return text[:160]


@functools.cache
def _guarded(base: type) -> type:
    """pywinrm's Transport with the wire guard installed under its session before every send.

    ``_send_message_request`` is pywinrm's one choke point: the message encryption
    handshake (an empty POST inside ``build_session``) and every message go through it,
    so the guard is in place before the first byte leaves.
    """

    def _send_message_request(self: Any, session: Any, prepared_request: Any) -> Any:
        guard = getattr(self, "wsman_guard", None)
        if guard is not None:
            install(session, guard)
            prepared_request.headers["Accept-Encoding"] = "identity"  # prepared before install could set it
        return base._send_message_request(self, session, prepared_request)  # type: ignore[attr-defined]

    return type("Guarded" + base.__name__, (base,), {"_send_message_request": _send_message_request})


def _auth_text(auth: str, error: BaseException) -> str:
    """An auth library's error for the message: Kerberos through the one KDC table, the rest shortened."""
    return kdc.explain(error) if auth == "kerberos" else shorten(str(error), 500)
