# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP(S) transport for WS-Man messages, built on pywinrm.

For internal collection use only; this is not a public API.

pywinrm already does what we need on the wire (Basic, NTLM, Kerberos, CredSSP,
certificate auth, channel binding and WinRM message encryption); this module adds
what it lacks for configuration work: one round-trip counter, transports tried in
order like Ansible's winrm plugin, connect vs read timeouts, and errors that say
what to fix instead of "Bad HTTP response returned from server".
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._explain import match
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

try:
    import requests.exceptions as _rex
    from winrm.exceptions import InvalidCredentialsError, WinRMError, WinRMTransportError
    from winrm.transport import Transport as _PyWinRMTransport
    HAS_PYWINRM = True
    PYWINRM_IMPORT_ERROR: Exception | None = None
except ImportError as _e:  # pragma: no cover - surfaced via missing_required_lib
    HAS_PYWINRM = False
    PYWINRM_IMPORT_ERROR = _e

_HINTS = {
    "basic": "check ansible_user/ansible_password; Basic works only for local accounts and needs service Basic=true "
    "(and AllowUnencrypted=true over HTTP)",
    "ntlm": "check ansible_user/ansible_password (DOMAIN\\user or a local account) and that service Negotiate=true",
    "kerberos": "check the ticket (klist), the SPN %(service)s/%(host)s and that the host is named by its DNS name",
    "credssp": "check ansible_user/ansible_password and that the CredSSP server role is enabled on the host",
    "certificate": "check the client certificate mapping on the host and service Certificate=true",
}


def _describe_tls(exc: BaseException) -> str:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        # Keep OpenSSL's reason (expired, hostname mismatch, self-signed ...): the fix depends on it,
        # and the explain table (shared with winrm_probe) knows the fix for each.
        m = re.search(r"certificate verify failed: (.*?)(?: \(_ssl\.c:\d+\))?['\")]*$", text)
        reason = shorten(m.group(1).rstrip(". "), 120) if m else ""
        row = match(text)
        fix = row.fix if row is not None and row.layer == "tls" else (
            "point ansible_winrm_ca_trust_path at the issuing CA bundle, or fix the listener certificate")
        return "the host's TLS certificate is not trusted (CERTIFICATE_VERIFY_FAILED%s): %s" % (
            ": " + reason if reason else "", fix)
    if "UNSUPPORTED_PROTOCOL" in text or "WRONG_VERSION_NUMBER" in text:
        return "TLS handshake failed (%s): is the port an HTTPS listener and the TLS version supported?" % text[:200]
    return "TLS handshake failed: %s" % text[:300]


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
        return transport

    def _construct(self, auth: str, ca_trust_path: str | None) -> Any:
        s = self.settings
        return _PyWinRMTransport(
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
        if self._session is not None:
            return self._send_once(self._session, self.auth_used or "", payload, operation)
        failures: list[str] = []
        last: WSManError | None = None
        for auth in self.settings.transports:
            if auth == "kerberos" and self.before_kerberos is not None:
                self.before_kerberos()
            try:
                session = self._new(auth)
                result = self._send_once(session, auth, payload, operation)
            except (AuthenticationError, MissingLibraryError, SettingsError) as e:
                # Like Ansible's winrm plugin: a transport that cannot work hands over to the next.
                failures.append("%s: %s" % (auth, e.message))
                last = e
                continue
            self._session, self.auth_used = session, auth
            return result
        if len(failures) == 1 and last is not None:
            raise last
        raise AuthenticationError("; ".join(failures) or "no transport configured",
                                  target=self.settings.endpoint, operation=operation)

    def _send_once(self, session: Any, auth: str, payload: bytes, operation: str) -> tuple[int, bytes]:
        s = self.settings
        where = dict(target=s.endpoint, operation=operation)
        try:
            if session.session is None:
                # Proxies and CA are fixed at build time; without this, requests re-scans
                # os.environ for proxy settings on every request (15% of our CPU per host).
                session.build_session().trust_env = False
            return 200, session.send_message(payload)
        except InvalidCredentialsError:
            hint = _HINTS.get(auth, "") % {"service": s.service, "host": s.kerberos_hostname_override or s.host}
            raise AuthenticationError(
                "%s authentication as %r was rejected by the host (HTTP 401): %s" % (auth, s.username, hint), **where
            ) from None
        except WinRMTransportError as e:
            body = (e.response_text or "").encode("utf-8")
            if e.code == 500 and body.strip():
                return 500, body
            if e.code == 500:
                unencrypted = s.scheme == "http" and not s.encrypts_messages(auth)
                cause = (
                    "the host refused an unencrypted message over HTTP (service AllowUnencrypted=false): "
                    "use HTTPS or an auth transport with message encryption (ntlm, kerberos, credssp)"
                    if unencrypted
                    else "the host answered HTTP 500 without a WS-Man fault"
                )
                raise ProtocolError(cause, **where) from None
            raise ProtocolError("unexpected HTTP status %s from the WinRM service" % e.code, **where) from None
        except WinRMError as e:
            text = str(e)
            if "not installed" in text:
                raise MissingLibraryError(text, **where) from None
            raise AuthenticationError("%s: %s" % (auth, text), **where) from None
        except _rex.SSLError as e:
            raise TLSError(_describe_tls(e), **where) from None
        except _rex.ConnectTimeout:
            raise WSManTimeoutError(
                "no connection within %d s: check the address, port %d and firewall" % (s.connection_timeout, s.port),
                **where,
            ) from None
        except _rex.ReadTimeout:
            raise WSManTimeoutError("the host did not answer within %d s" % s.read_timeout, **where) from None
        except _rex.ConnectionError as e:
            raise UnreachableError(
                "cannot connect to %s:%d (%s): is WinRM listening there and the port open?"
                % (s.host, s.port, _short_reason(e)),
                **where,
            ) from None
        except _rex.RequestException as e:
            # Kerberos exchange failures from requests_kerberos land here.
            raise AuthenticationError("%s: %s" % (auth, str(e)[:500]), **where) from None
        except Exception as e:  # auth libraries raise assorted types (SpnegoError, GSSError, OSError)
            raise AuthenticationError("%s: %s: %s" % (auth, type(e).__name__, str(e)[:500]), **where) from None

    def close(self) -> None:
        """Close the HTTP session (keep-alive connection and auth context)."""
        if self._session is not None:
            try:
                self._session.close_session()
            finally:
                self._session = None


def _short_reason(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "No route to host",
                   "Network is unreachable", "Temporary failure in name resolution", "timed out"):
        if marker in text:
            return marker
    return text[:160]
