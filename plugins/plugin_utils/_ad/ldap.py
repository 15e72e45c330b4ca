# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""LDAP connection to a domain controller: TLS, bind, paged search; sansldap + pyspnego.

For internal collection use only; this is not a public API.

sansldap builds and parses the LDAP messages (it does no I/O); this module owns the socket,
TLS and the SASL security layer, as microsoft.ad's ``plugin_utils/_ldap`` does:

- Kerberos (default), Negotiate and NTLM bind with SASL ``GSS-SPNEGO`` through pyspnego. A
  Kerberos password becomes a ticket in memory through the one Kerberos module (``_kerberos.kdc``).
- Inside TLS (LDAPS, StartTLS) the bind carries the RFC 5929 ``tls-server-end-point`` channel
  binding and asks for no signing or sealing: a DC refuses sign/seal inside TLS ("Sign or Seal
  are not allowed if TLS is used").
- On plain LDAP (389) the bind asks for signing and sealing, and every later message is wrapped
  (RFC 4752 framing: a 4-byte big-endian length, then the GSS wrap token), as a DC that
  requires LDAP signing insists.
- A simple bind only over TLS (the settings refuse it otherwise).
- Searches are paged (RFC 2696); referrals are refused with an error, never followed.

Everything read from the socket is untrusted: a message or SASL frame larger than
:data:`MAX_MESSAGE` ends the connection before it is buffered whole.
"""

from __future__ import annotations

import base64
import socket
import ssl
from collections.abc import Generator, Iterator
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad import ber
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.discovery import discover_dcs
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.errors import (
    ADBindError,
    ADConnectError,
    ADError,
    ADSearchError,
    ADSettingsError,
    ADWriteError,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.ldapwrite import Modification, send_modify
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.settings import ADSettings
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import kdc

try:
    import sansldap
    HAS_SANSLDAP = True
except ImportError:  # pragma: no cover - reported when AD is used
    HAS_SANSLDAP = False
try:
    import spnego
    from spnego.channel_bindings import GssChannelBindings
    HAS_SPNEGO = True
except ImportError:  # pragma: no cover - reported when a SASL bind is asked for
    HAS_SPNEGO = False

PAGE_SIZE = 1000
PAGED_RESULTS_OID = "1.2.840.113556.1.4.319"
START_TLS_OID = "1.3.6.1.4.1.1466.20037"
SASL_MECHANISM = "GSS-SPNEGO"
# A DC's own limit for one request is 10 MB (MaxReceiveBuffer); a reply page of 1000 computers
# is well under 8 MiB. Anything larger is refused instead of buffered.
MAX_MESSAGE = 32 * 1024 * 1024

RESULT_SUCCESS = 0
RESULT_STRONGER_AUTH = 8
RESULT_REFERRAL = 10
RESULT_SASL_IN_PROGRESS = 14
RESULT_NO_SUCH_OBJECT = 32
RESULT_INVALID_CREDENTIALS = 49
RESULT_INSUFFICIENT_ACCESS = 50
# RFC 4511 names where they differ from sansldap's enum member spelled in camelCase.
_RESULT_NAMES = {RESULT_STRONGER_AUTH: "strongerAuthRequired"}

SCOPES = {"subtree": 2, "onelevel": 1, "base": 0}  # RFC 4511 SearchRequest.scope


def result_name(code: int) -> str:
    """RFC 4511 name of an LDAP result code (``invalidCredentials``), ``error N`` when unknown."""
    if code in _RESULT_NAMES:
        return _RESULT_NAMES[code]
    name = sansldap.LDAPResultCode(code).name if HAS_SANSLDAP else ""
    if not name or name.startswith("UNKNOWN"):
        return "error %d" % code
    head, *rest = name.lower().split("_")
    return head + "".join(part.capitalize() for part in rest)


def tls_context(settings: ADSettings) -> ssl.SSLContext:
    """The TLS client context: the system trust store or ``ca_cert``, host name checked unless told not to.

    Raises:
        ADSettingsError: ``ca_cert`` cannot be read or holds no certificate.
    """
    try:
        context = ssl.create_default_context(cafile=settings.ca_cert)
    except (OSError, ssl.SSLError) as e:
        raise ADSettingsError("ca_cert %r cannot be used (%s): give the path of the PEM file of the CA that "
                              "issued the DC's certificate" % (settings.ca_cert, e.strerror or e)) from None
    if not settings.validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def tls_server_end_point(der: bytes | None) -> bytes | None:
    """RFC 5929 ``tls-server-end-point`` application data for a peer certificate, None without one.

    The hash is the certificate's signature hash; MD5 and SHA-1 (and signatures without a
    single hash, such as Ed25519) use SHA-256.
    """
    if not der:
        return None
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    algorithm = x509.load_der_x509_certificate(der).signature_hash_algorithm
    if algorithm is None or algorithm.name in ("md5", "sha1"):
        algorithm = hashes.SHA256()
    digest = hashes.Hash(algorithm)
    digest.update(der)
    return b"tls-server-end-point:" + digest.finalize()


def open_socket(host: str, port: int, timeout: float) -> Any:
    """TCP connection to a DC (the seam the unit tests replace with a fake DC)."""
    return socket.create_connection((host, port), timeout=timeout)


def wrap_tls(context: ssl.SSLContext, sock: Any, host: str) -> Any:
    """TLS over ``sock`` with ``host`` as the name the certificate must carry."""
    return context.wrap_socket(sock, server_hostname=host)


def _text(value: bytes) -> str:
    """An attribute value as text: UTF-8 (every string in AD), else base64 (SIDs, GUIDs, descriptors)."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(value).decode("ascii")


class _Wire:
    """One LDAP session on one socket: sends sansldap's bytes, reads replies, wraps after a sign/seal bind."""

    def __init__(self, sock: Any) -> None:
        self.sock = sock
        self.protocol = sansldap.LDAPClient()
        self.tls = False  # LDAPS, or StartTLS done
        self.security: Any = None  # the pyspnego context once messages are signed and sealed
        self._frames = bytearray()  # received SASL frames not yet complete
        self._pending = 0  # bytes given to sansldap since its last complete message
        self._raw: bytearray | None = bytearray()  # plain bytes not yet a whole message (ber.py framing)

    def send(self) -> None:
        data = self.protocol.data_to_send()
        if self.security is not None:
            token = self.security.wrap(data, encrypt=True).data
            data = len(token).to_bytes(4, "big") + token
        self.sock.sendall(data)

    def _read(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the DC closed the connection")
        return bytes(data)

    def _messages(self) -> list[Any]:
        """Read from the socket until at least one whole LDAP message is there."""
        while True:
            data = self._read()
            if self.security is not None:
                self._frames.extend(data)
                plain = bytearray()
                while len(self._frames) >= 4:
                    size = int.from_bytes(self._frames[:4], "big")
                    if size > MAX_MESSAGE:
                        raise ConnectionError("the DC sent a %d-byte SASL frame (limit %d)" % (size, MAX_MESSAGE))
                    if len(self._frames) < 4 + size:
                        break
                    plain.extend(self.security.unwrap(bytes(self._frames[4:4 + size])).data)
                    del self._frames[:4 + size]
                data = bytes(plain)
                if not data:
                    continue
            self._pending += len(data)
            messages = self._decode(data)
            if messages:
                self._pending = 0
                return messages
            if self._pending > MAX_MESSAGE:
                raise ConnectionError("the DC sent an LDAP message over %d bytes" % MAX_MESSAGE)

    def _decode(self, data: bytes) -> list[Any]:
        """The whole messages received so far: search entries through ber.py's fast path, the rest by sansldap."""
        if self._raw is None:  # the stream left the fast path once: sansldap frames from then on
            return list(self.protocol.receive(data))
        self._raw.extend(data)
        try:
            whole, used = ber.split(self._raw, MAX_MESSAGE)
        except ber.FrameError:
            # Not what the fast path understands: hand everything to sansldap, whose errors are the reference.
            rest, self._raw = bytes(self._raw), None
            return list(self.protocol.receive(rest))
        del self._raw[:used]
        messages: list[Any] = []
        for raw in whole:
            entry = ber.search_entry(raw)
            messages.extend([entry] if entry is not None else self.protocol.receive(raw))
        return messages

    def replies(self, message_id: int) -> Iterator[Any]:
        """Replies to ``message_id`` as they arrive (those of an abandoned earlier request are skipped)."""
        while True:
            for message in self._messages():
                if message.message_id == message_id:
                    yield message

    def one(self, message_id: int) -> Any:
        return next(self.replies(message_id))

    def close(self) -> None:
        try:
            if self.protocol.state != sansldap.SessionState.CLOSED:
                self.protocol.unbind()
                self.send()
        finally:
            self.sock.close()


class ADConnection:
    """One bound LDAP connection to a DC of the domain.

    Args:
        settings: validated AD settings.

    Raises:
        ADError: sansldap (or, for a SASL bind, pyspnego) is not installed.
    """

    def __init__(self, settings: ADSettings) -> None:
        if not HAS_SANSLDAP:
            raise ADError("sansldap is required for Active Directory access: pip install sansldap")
        if settings.auth != "simple" and not HAS_SPNEGO:
            raise ADError("pyspnego is required for %s binds: pip install 'pyspnego[kerberos]'" % settings.auth)
        self.settings = settings
        self.server_name: str | None = None
        self._conn: _Wire | None = None
        self._naming_context: str | None = None

    def __enter__(self) -> ADConnection:
        self.open()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Find a DC (explicit servers, else DNS SRV), connect, start TLS if asked, bind.

        Raises:
            ADConnectError: no DC reachable, each one's cause named.
            ADBindError: the first reachable DC refused the bind (no other DC is tried).
        """
        s = self.settings
        servers = list(s.servers) or discover_dcs(s.domain or "", timeout=s.timeout)
        errors: list[str] = []
        for host in servers:
            try:
                self._conn = self._connect(host)
            except ADConnectError as e:
                errors.append(str(e))
                continue
            self.server_name = host
            try:
                self._bind(host)
            except ADError:
                # open() raised, so no __exit__/close() follows: do not leave the socket behind.
                _discard(self._wire().sock)
                self._conn = None
                raise
            return
        raise ADConnectError(
            "no domain controller reachable: %s. Check the DC names (server/domain), that they resolve in DNS and "
            "that port %d is open from this controller" % ("; ".join(errors), s.port)
        )

    def _connect(self, host: str) -> _Wire:
        s = self.settings
        context = tls_context(s) if s.tls_mode != "none" else None
        sock: Any = None
        try:
            sock = open_socket(host, s.port, s.timeout)
            if context is not None and s.tls_mode == "ldaps":
                sock = wrap_tls(context, sock, host)
            wire = _Wire(sock)
            wire.tls = s.tls_mode == "ldaps"
            if context is not None and s.tls_mode == "starttls":
                self._start_tls(wire, host, context)
            return wire
        except ssl.SSLCertVerificationError as e:
            _discard(sock)
            raise ADConnectError(
                "%s:%d: TLS certificate not trusted or does not match the name (%s): set ca_cert to the issuing "
                "CA, or use the DC's host name as in its certificate" % (host, s.port, _short(str(e)))
            ) from None
        except ADConnectError:
            _discard(sock)
            raise
        except OSError as e:  # refused, no route, DNS, timeout, TLS handshake, closed by the DC
            _discard(sock)
            raise ADConnectError("%s:%d unreachable (%s)" % (host, s.port, _short(str(e) or type(e).__name__))) \
                from None
        except sansldap.LDAPError as e:  # a reply that is not LDAP, a notice of disconnection
            _discard(sock)
            raise ADConnectError("%s:%d: %s" % (host, s.port, _short(str(e)))) from None

    def _start_tls(self, wire: _Wire, host: str, context: ssl.SSLContext) -> None:
        """StartTLS (RFC 4511 4.14) on the plain connection, then TLS on the same socket."""
        message_id = wire.protocol.extended_request(START_TLS_OID)
        wire.send()
        reply = wire.one(message_id)
        if _code(reply.result) != RESULT_SUCCESS:
            raise ADConnectError("%s:%d refused StartTLS: %s" % (host, self.settings.port, _said(reply.result)))
        wire.sock = wrap_tls(context, wire.sock, host)
        wire.tls = True

    def _bind(self, host: str) -> None:
        s = self.settings
        wire = self._wire()
        try:
            if s.auth == "simple":
                message_id = wire.protocol.bind_simple(s.username, s.password)
                wire.send()
                refusal = _refused(wire.one(message_id).result)
            else:
                refusal = self._sasl_bind(wire, host)
        except ADError:
            raise
        except Exception as e:  # pyspnego, gssapi, sockets and sansldap raise assorted types
            raise ADBindError("%s bind to %s failed: %s" % (s.auth, host, kdc.explain(e))) from None
        if refusal is not None:
            raise ADBindError("%s bind to %s refused: %s" % (s.auth, host, self._refusal(refusal)))

    def _security_context(self, wire: _Wire, host: str) -> Any:
        """The pyspnego client context for this bind: who, how (inside TLS or signed and sealed), bound to what."""
        s = self.settings
        binding = tls_server_end_point(wire.sock.getpeercert(True)) if wire.tls else None
        if wire.tls:
            # Inside TLS a DC refuses GSS integrity/confidentiality; no_integrity also keeps
            # Kerberos from offering them in the authenticator.
            context_req = spnego.ContextReq.mutual_auth | spnego.ContextReq.no_integrity
        else:
            context_req = (spnego.ContextReq.mutual_auth | spnego.ContextReq.sequence_detect
                           | spnego.ContextReq.integrity | spnego.ContextReq.confidentiality)
        ctx = spnego.client(_spnego_credentials(s), hostname=host, service="ldap", protocol=s.auth,
                            context_req=context_req,
                            channel_bindings=GssChannelBindings(application_data=binding) if binding else None)
        if s.auth == "ntlm" and wire.tls:
            _no_key_exchange(ctx)
        return ctx

    def _sasl_bind(self, wire: _Wire, host: str) -> Any:
        """SASL GSS-SPNEGO round trips until the DC says success; the refusal result, or None when bound.

        The last BindResponse (success) may carry the DC's final token (Kerberos AP-REP, the SPNEGO
        accept-complete): it is given to the context, which checks mutual authentication.
        """
        ctx = self._security_context(wire, host)
        token = ctx.step()
        while True:
            message_id = wire.protocol.bind_sasl(SASL_MECHANISM, cred=token or b"")
            wire.send()
            reply = wire.one(message_id)
            code = _code(reply.result)
            if code not in (RESULT_SUCCESS, RESULT_SASL_IN_PROGRESS):
                return reply.result
            if reply.server_sasl_creds and not ctx.complete:
                token = ctx.step(reply.server_sasl_creds)
            elif code == RESULT_SASL_IN_PROGRESS:
                raise ADBindError("%s bind to %s failed: the DC wants another round but sent no token"
                                  % (self.settings.auth, host))
            if code == RESULT_SUCCESS:
                break
        if not ctx.complete:
            raise ADBindError("%s bind to %s failed: the DC accepted the bind before mutual authentication "
                              "completed" % (self.settings.auth, host))
        if not wire.tls:
            wire.security = ctx  # signed and sealed from now on
        return None

    def _refusal(self, result: Any) -> str:
        """Why a bind was refused, quoting the DC's diagnostic where it adds to the cause."""
        s = self.settings
        code = _code(result)
        name = result_name(code)
        text = (result.diagnostics_message or "").strip()
        if code == RESULT_INVALID_CREDENTIALS:
            cause = "invalid credentials for %s" % (s.username or "the ticket's user")
        elif code == RESULT_STRONGER_AUTH:
            cause = "the DC requires signing or TLS for this bind: use tls_mode ldaps/starttls or auth kerberos"
        else:
            return ("%s %s" % (name, text)).strip()
        said = text or name
        return "%s (the DC said: %s)" % (cause, said)

    def _wire(self) -> _Wire:
        if self._conn is None:
            raise ADError("not connected: call open() first")
        return self._conn

    def naming_context(self) -> str:
        """The domain's DN from the DC's rootDSE ``defaultNamingContext`` (read once).

        Raises:
            ADSearchError: the rootDSE names none.
        """
        if self._naming_context is None:
            found = ""
            for entry in self._search("(objectClass=*)", ["defaultNamingContext"], "", "base", paged=False):
                found = (entry.get("defaultNamingContext") or [""])[0]
            if not found:
                raise ADSearchError("no search base: the DC's rootDSE names no defaultNamingContext; "
                                    "set search_base or domain")
            self._naming_context = found
        return self._naming_context

    def search(self, search_filter: str, attributes: list[str], base: str | None = None,
               scope: str = "subtree", page_size: int = PAGE_SIZE,
               read_ahead: bool = False) -> Iterator[dict[str, Any]]:
        """Paged search; yields ``{"dn": …, attribute: [values]}`` per entry, values as text.

        Without a base the search_base/domain setting is used, else the DC's naming context.
        Continuation references (RFC 4511 4.5.3, e.g. to ForestDnsZones) are skipped, not followed.
        Pages are asked for one at a time as the caller reaches them; with ``read_ahead`` a page is
        read whole and the next one asked for before the caller sees it, so the DC builds page N+1
        while the caller works on page N (for a caller that reads every page, as the inventory does).

        Raises:
            ADSearchError: invalid filter or base, a referral, the DC's refusal, a broken connection.
        """
        base = base or self.settings.default_base or self.naming_context()
        return self._search(search_filter, attributes, base, scope, paged=True, page_size=page_size,
                            read_ahead=read_ahead)

    def _search(self, search_filter: str, attributes: list[str], base: str, scope: str, paged: bool,
                page_size: int = PAGE_SIZE, read_ahead: bool = False) -> Iterator[dict[str, Any]]:
        try:
            parsed = sansldap.LDAPFilter.from_string(search_filter)
        except ValueError as e:
            raise ADSearchError("invalid LDAP filter %r: %s" % (search_filter, e)) from None
        return self._pages(search_filter, parsed, attributes, base, scope, paged, page_size, read_ahead)

    def _pages(self, search_filter: str, parsed: Any, attributes: list[str], base: str, scope: str, paged: bool,
               page_size: int, read_ahead: bool) -> Iterator[dict[str, Any]]:
        wire = self._wire()

        def request(cookie: bytes) -> int:
            controls: list[sansldap.LDAPControl] = []
            if paged:
                controls.append(sansldap.PagedResultControl(True, page_size, cookie))
            message_id: int = wire.protocol.search_request(base_object=base, scope=SCOPES[scope], filter=parsed,
                                                           attributes=attributes, controls=controls)
            wire.send()
            return message_id

        try:
            message_id = request(b"")
        except (OSError, sansldap.LDAPError) as e:
            raise _search_failed(search_filter, base, e) from None
        while True:
            reader = self._page(wire, message_id, search_filter, base)
            entries: list[dict[str, Any]] = []
            if read_ahead:
                cookie = _drain(reader, entries)
            else:
                cookie = yield from reader
            if not paged:
                cookie = b""
            if cookie:
                try:
                    message_id = request(cookie)
                except (OSError, sansldap.LDAPError) as e:
                    raise _search_failed(search_filter, base, e) from None
            yield from entries
            if not cookie:
                return

    @staticmethod
    def _page(wire: _Wire, message_id: int, search_filter: str, base: str) -> Generator[dict[str, Any], None, bytes]:
        """Yields the entries of one reply to ``message_id`` as they arrive; returns the paging cookie (b"": last).

        Raises:
            ADSearchError: the connection broke or the DC refused the search.
        """
        done = None
        try:
            for reply in wire.replies(message_id):
                if isinstance(reply, sansldap.SearchResultEntry):
                    yield _entry(reply)
                elif isinstance(reply, sansldap.SearchResultDone):
                    done = reply
                    break
        except (OSError, sansldap.LDAPError) as e:
            raise _search_failed(search_filter, base, e) from None
        if done is None:  # replies() ends only at SearchResultDone or raises
            raise ADSearchError("search %r under %s: the DC closed the connection without finishing"
                                % (search_filter, base or "the rootDSE"))
        _check_done(search_filter, base, done.result)
        cookie: bytes = next((c.cookie for c in done.controls if isinstance(c, sansldap.PagedResultControl)), b"")
        return cookie

    def root_dse(self, attributes: list[str]) -> dict[str, Any]:
        """The DC's rootDSE entry with ``attributes`` (e.g. ``configurationNamingContext``).

        Raises:
            ADSearchError: the search failed.
        """
        for entry in self._search("(objectClass=*)", attributes, "", "base", paged=False):
            return entry
        return {}

    def modify(self, dn: str, changes: list[Modification]) -> None:
        """One LDAP ModifyRequest on ``dn``: the DC applies every change or none (RFC 4511 4.6).

        Raises:
            ADWriteError: the DC refused (the result name and its diagnostic, with what to do for missing rights).
            ADSearchError: the connection broke before the DC answered (whether it applied is unknown).
        """
        wire = self._wire()
        try:
            message_id = send_modify(wire.protocol, dn, changes)
            wire.send()
            reply = wire.one(message_id)
        except (OSError, sansldap.LDAPError) as e:
            raise ADSearchError("modify of %s: the connection to the DC broke before it answered (%s); read the "
                                "object again to see whether the change was applied"
                                % (dn, _short(str(e) or type(e).__name__))) from None
        code = _code(reply.result)
        if code == RESULT_SUCCESS:
            return
        said = _said(reply.result)
        if code == RESULT_INSUFFICIENT_ACCESS:
            raise ADWriteError("the DC refused to modify %s: %s. The bind account (%s) lacks the right to write "
                               "it: bind as an account allowed to (a Domain Admin, or one delegated 'Write "
                               "servicePrincipalName' on the object)"
                               % (dn, said, self.settings.username or "the ticket's user"), code)
        raise ADWriteError("the DC refused to modify %s: %s" % (dn, said), code)

    def close(self) -> None:
        """Unbind and close the socket; safe to call twice or before open()."""
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


def _spnego_credentials(s: ADSettings) -> Any:
    """What pyspnego authenticates with: for Kerberos the ticket the one Kerberos module got.

    Kerberos with a password: the TGT from :func:`kdc.memory_ccache` (a logon failure is an
    error of its own, before any LDAP round trip); without one the default ticket cache.
    Negotiate: that ticket for its Kerberos half and the password for its NTLM half; when the
    logon fails, the password alone, so SPNEGO can still fall back to NTLM. NTLM: the password.
    """
    if s.auth == "ntlm" or not (s.username and s.password):
        return spnego.Password(s.username, s.password) if s.username and s.password else None
    try:
        ticket = spnego.KerberosCCache(ccache=kdc.memory_ccache(s.username, s.password))
    except kdc.KerberosError as e:
        if s.auth == "negotiate":
            return spnego.Password(s.username, s.password)
        raise ADBindError("Kerberos logon of %s failed: %s" % (s.username, e.message)) from None
    return [ticket, spnego.Password(s.username, s.password)] if s.auth == "negotiate" else ticket


def _entry(reply: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"dn": reply.object_name}
    for attribute in reply.attributes:
        entry.setdefault(attribute.name, []).extend(_text(v) for v in attribute.values)
    return entry


def _drain(reader: Generator[dict[str, Any], None, bytes], into: list[dict[str, Any]]) -> bytes:
    """Append every entry ``reader`` yields to ``into``; return what it returns (the paging cookie)."""
    while True:
        try:
            into.append(next(reader))
        except StopIteration as stop:
            cookie: bytes = stop.value
            return cookie


def _search_failed(search_filter: str, base: str, error: Exception) -> ADSearchError:
    """The error for a search whose connection broke (or whose reply sansldap could not read)."""
    return ADSearchError("search %r under %s failed: %s"
                         % (search_filter, base or "the rootDSE", _short(str(error) or type(error).__name__)))


def _check_done(search_filter: str, base: str, result: Any) -> None:
    """Raise for a SearchResultDone that is not success, naming what to fix."""
    code = _code(result)
    if code == RESULT_SUCCESS:
        return
    if code == RESULT_REFERRAL:
        raise ADSearchError(
            "the DC referred the search under %s elsewhere (%s): referrals are not followed; set search_base to "
            "a DN of this domain, or server to a DC of the domain that holds it"
            % (base, ", ".join(result.referrals or []) or "no URL given")
        )
    if code == RESULT_NO_SUCH_OBJECT:
        raise ADSearchError("search base %r does not exist in this domain" % base)
    raise ADSearchError("search %r failed: %s" % (search_filter, _said(result)))


def _code(result: Any) -> int:
    """The numeric result code. Not ``int(result_code)``: sansldap 0.1.0 makes codes it does not know
    (e.g. 99) pseudo-members whose int() is 0 and which compare equal to SUCCESS; ``.value`` is right."""
    return int(result.result_code.value)


def _refused(result: Any) -> Any:
    return None if _code(result) == RESULT_SUCCESS else result


def _said(result: Any) -> str:
    return ("%s %s" % (result_name(_code(result)), (result.diagnostics_message or "").strip())).strip()


def _discard(sock: Any) -> None:
    """Close a socket of a connection that failed (the first error is the one reported)."""
    if sock is not None:
        try:
            sock.close()
        except OSError:
            pass


def _no_key_exchange(ctx: Any) -> None:
    """Do not ask for NTLM key exchange inside TLS, where nothing is signed or sealed.

    With KEY_EXCH negotiated but neither sign nor seal, pyspnego sends a 1-byte placeholder
    as the encrypted session key (MS-NLMP allows it); Samba's DC insists on 16 bytes and
    refuses with INVALID_PARAMETER ("data 57"). pyspnego has no public switch for this flag,
    hence the edit of its internal one, guarded: without the attribute the bind goes ahead
    with pyspnego's default.
    """
    try:
        from spnego._ntlm_raw.messages import NegotiateFlags

        ctx._context_req &= ~NegotiateFlags.key_exch
    except (ImportError, AttributeError, TypeError):
        pass


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:200] + "…"
