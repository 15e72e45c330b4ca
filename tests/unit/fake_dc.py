# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A scripted domain controller in memory, speaking real LDAP (sansldap's server session), and a fake pyspnego.

``_ad.ldap``'s two I/O seams, ``open_socket`` and ``wrap_tls``, are pointed at a
:class:`FakeDC` by :func:`install`; everything above them (message framing, StartTLS, binds,
SASL wrapping, paging, rootDSE) runs as in production against bytes the fake DC parses and
answers. No network.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import sansldap
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from sansldap._messages import PackingOptions  # only to pack a SearchResultDone with referral URLs

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad import ldap as _ad_ldap

SUCCESS = sansldap.LDAPResultCode.SUCCESS
IN_PROGRESS = sansldap.LDAPResultCode.SASL_BIND_IN_PROGRESS
SEALED = b"SEALED:"  # what the fake security context's wrap() puts before the plaintext


def dc_certificate(common_name: str = "dc1.lab.test") -> tuple[bytes, bytes]:
    """A self-signed DC certificate: (DER, PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).serial_number(1)
            .public_key(key.public_key()).not_valid_before(start).not_valid_after(start + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER), cert.public_bytes(serialization.Encoding.PEM)


DC_CERT, DC_PEM = dc_certificate()


@dataclass
class Reply:
    """One scripted LDAP result: code, DC diagnostic text, SASL token, paged cookie, referral URLs."""

    code: int = SUCCESS
    message: str = ""
    creds: bytes | None = None
    cookie: bytes | None = None
    referrals: list[str] | None = None

    def __post_init__(self) -> None:
        self.code = sansldap.LDAPResultCode(self.code)  # sansldap packs the enum (unknown codes included)


def entry(dn: str, **attributes: list[str] | list[bytes]) -> tuple[str, str, dict[str, Any]]:
    """A SearchResultEntry to script in a page."""
    return ("entry", dn, attributes)


def reference(*uris: str) -> tuple[str, list[str]]:
    """A SearchResultReference (continuation reference) to script in a page."""
    return ("reference", list(uris))


def page(items: list[Any], cookie: bytes | None = None, done: Reply | None = None) -> list[Any]:
    """Entries/references, then the SearchResultDone (success with ``cookie`` unless ``done`` says otherwise)."""
    return [*items, done or Reply(cookie=cookie)]


@dataclass
class Host:
    """What one DC does. An exception instead of a value is raised at that step."""

    connect: BaseException | None = None  # open_socket raises it
    tls: BaseException | None = None  # the TLS handshake raises it
    start_tls: Reply | BaseException | bytes = field(default_factory=Reply)  # bytes: sent as the answer
    simple: Reply = field(default_factory=Reply)  # the answer to a simple bind
    unbind: BaseException | None = None  # sending the unbind raises it


class FakeSocket:
    """The client's socket to one fake DC: bytes in are parsed by the DC, its answers queued for recv."""

    def __init__(self, dc: FakeDC, host: str, port: int, timeout: float) -> None:
        self.dc = dc
        self.host = host
        self.port = port
        self.timeout = timeout
        self.server = sansldap.LDAPServer()
        self.inbox = bytearray()
        self.tls = False
        self.sealed = False
        self.closed = False
        self.asked: list[bool] = []  # getpeercert(binary_form) calls
        self.recv_error: BaseException | None = None
        self.pending: list[Any] = []  # the DC's own bytes, sent as given (hostile replies)

    # -- the socket API _ad.ldap uses
    def sendall(self, data: bytes) -> None:
        if self.sealed:
            assert data[4:4 + len(SEALED)] == SEALED, "a message after a sign/seal bind was sent unwrapped"
            assert int.from_bytes(data[:4], "big") == len(data) - 4
            data = data[4 + len(SEALED):]
        try:
            messages = self.server.receive(data)
        except sansldap.ProtocolError as e:
            if isinstance(e.request, sansldap.UnbindRequest):
                self.dc.events.append(("unbind", self.host))
                if self.dc.hosts.get(self.host, Host()).unbind is not None:
                    raise self.dc.hosts[self.host].unbind from None
                return
            raise
        for message in messages:
            self.dc.requests.append(message)
            self.dc.handle(self, message)
            self._flush()

    def _flush(self) -> None:
        out = self.server.data_to_send()
        if out and self.sealed:
            token = SEALED + out
            out = len(token).to_bytes(4, "big") + token
        self.inbox.extend(out)

    def raw(self, data: bytes) -> None:
        """Queue bytes as the DC would send them, unframed (hostile or broken replies)."""
        self.inbox.extend(data)

    def recv(self, size: int) -> bytes:
        if self.recv_error is not None:
            raise self.recv_error
        data = bytes(self.inbox[:size])
        del self.inbox[:size]
        return data

    def getpeercert(self, binary_form: bool = False) -> bytes | None:
        assert self.tls, "getpeercert on a plain socket"
        self.asked.append(binary_form)
        return self.dc.peer_cert

    def close(self) -> None:
        self.closed = True


class FakeDC:
    """Scripted DCs by host name; records events, every request and every TLS context used.

    ``sasl`` scripts the SASL bind replies in order; ``pages`` the search results (one list of
    items per SearchRequest, :func:`page`); the rootDSE answers from ``root_dse``.
    """

    def __init__(self) -> None:
        self.hosts: dict[str, Host] = {}
        self.events: list[tuple[str, str]] = []
        self.requests: list[Any] = []
        self.sockets: list[FakeSocket] = []
        self.tls_contexts: list[tuple[Any, str]] = []
        self.peer_cert: bytes | None = DC_CERT
        self.sasl: list[Reply | BaseException] = []  # an exception: the read of the reply raises it
        self.sasl_sent: list[tuple[str, bytes]] = []
        self.pages: list[list[Any]] = []
        self.root_dse: dict[str, list[str]] = {"defaultNamingContext": ["DC=lab,DC=test"]}
        self.after_bind: Callable[[FakeSocket], None] | None = None

    def host(self, name: str) -> Host:
        return self.hosts.setdefault(name, Host())

    # -- the seams
    def open_socket(self, host: str, port: int, timeout: float) -> FakeSocket:
        self.events.append(("open", host))
        error = self.host(host).connect
        if error is not None:
            raise error
        sock = FakeSocket(self, host, port, timeout)
        self.sockets.append(sock)
        return sock

    def wrap_tls(self, context: Any, sock: FakeSocket, host: str) -> FakeSocket:
        self.events.append(("tls", host))
        self.tls_contexts.append((context, host))
        error = self.host(host).tls
        if error is not None:
            raise error
        sock.tls = True
        return sock

    # -- answers
    def handle(self, sock: FakeSocket, message: Any) -> None:
        server = sock.server
        host = self.host(sock.host)
        if isinstance(message, sansldap.ExtendedRequest):
            self.events.append(("start_tls", sock.host))
            if isinstance(host.start_tls, BaseException):
                sock.recv_error = host.start_tls
                return
            if isinstance(host.start_tls, bytes):
                sock.raw(host.start_tls)
                return
            server.extended_response(message.message_id, result_code=host.start_tls.code,
                                     diagnostics_message=host.start_tls.message)
        elif isinstance(message, sansldap.BindRequest):
            auth = message.authentication
            if isinstance(auth, sansldap.SimpleCredential):
                self.events.append(("bind", sock.host))
                reply = host.simple
            else:
                self.events.append(("sasl", sock.host))
                self.sasl_sent.append((auth.mechanism, auth.credentials or b""))
                if not self.sasl:
                    raise AssertionError("unexpected SASL round trip %r" % (auth.credentials,))
                reply = self.sasl.pop(0)
                if isinstance(reply, BaseException):
                    sock.recv_error = reply
                    return
            server.bind_response(message.message_id, sasl_creds=reply.creds, result_code=reply.code,
                                 diagnostics_message=reply.message)
            if reply.code == SUCCESS and not isinstance(auth, sansldap.SimpleCredential) and not sock.tls:
                sock._flush()  # the bind response itself is not wrapped
                sock.sealed = True
        elif isinstance(message, sansldap.SearchRequest):
            if message.base_object == "" and message.scope == sansldap.SearchScope.BASE:
                attributes = [sansldap.PartialAttribute(k, [v.encode() for v in vs])
                              for k, vs in self.root_dse.items() if k in message.attributes]
                server.search_result_entry(message.message_id, "", attributes)
                server.search_result_done(message.message_id)
                return
            if not self.pages:
                raise AssertionError("unexpected search %r" % message)
            for item in self.pages.pop(0):
                self._answer(sock, message.message_id, item)
        else:
            raise AssertionError("unexpected request %r" % message)

    def _answer(self, sock: FakeSocket, message_id: int, item: Any) -> None:
        server = sock.server
        if isinstance(item, BaseException):
            sock.recv_error = item
        elif isinstance(item, bytes):
            sock._flush()
            sock.raw(item)
        elif isinstance(item, Reply):
            if item.referrals is not None:
                result = sansldap.LDAPResult(sansldap.LDAPResultCode(item.code), "", item.message, item.referrals)
                done = sansldap.SearchResultDone(message_id=message_id, controls=[], result=result)
                sock._flush()
                sock.inbox.extend(done.pack(PackingOptions()))
                return
            controls: list[sansldap.LDAPControl] = []
            if item.cookie is not None:
                controls.append(sansldap.PagedResultControl(False, 0, item.cookie))
            server.search_result_done(message_id, result_code=item.code, diagnostics_message=item.message,
                                      controls=controls)
        elif item[0] == "entry":
            _kind, dn, attributes = item
            server.search_result_entry(message_id, dn, [
                sansldap.PartialAttribute(k, [v if isinstance(v, bytes) else v.encode() for v in vs])
                for k, vs in attributes.items()])
        elif item[0] == "reference":
            server.search_result_reference(message_id, item[1])

    # -- what the client sent
    def searches(self) -> list[Any]:
        """The SearchRequests, rootDSE reads left out."""
        return [r for r in self.requests if isinstance(r, sansldap.SearchRequest) and r.base_object != ""]


class FakeSpnego:
    """pyspnego's ``spnego.client`` as the bind drives it; records the arguments, steps and wraps.

    A Kerberos context sends ``AP-REQ`` and completes on the DC's ``AP-REP``; an NTLM context
    sends ``NTLM-1`` (NEGOTIATE), and ``NTLM-2`` (AUTHENTICATE) on the challenge, then is
    complete. ``step_errors[n]`` makes the n-th step (1-based) raise.
    """

    def __init__(self) -> None:
        self.args: list[tuple[Any, dict[str, Any]]] = []
        self.steps: list[bytes | None] = []
        self.step_errors: dict[int, BaseException] = {}
        self.contexts: list[Any] = []

    def client(self, credential: Any = None, password: Any = None, **kwargs: Any) -> Any:
        assert password is None, "the password goes inside the credential object"
        self.args.append((credential, kwargs))
        fake = self
        ntlm = kwargs.get("protocol") == "ntlm"

        class Context:
            complete = False
            _context_req = 0xFFFF  # pyspnego's internal NTLM flags (see _no_key_exchange)

            def step(self, token: bytes | None = None) -> bytes | None:
                fake.steps.append(token)
                if len(fake.steps) in fake.step_errors:
                    raise fake.step_errors[len(fake.steps)]
                assert not self.complete, "step() on a complete context"
                if token is None:
                    return b"NTLM-1" if ntlm else b"AP-REQ"
                self.complete = True
                return b"NTLM-2" if ntlm else None

            def wrap(self, data: bytes, encrypt: bool = True) -> Any:
                assert encrypt and self.complete
                return type("Wrapped", (), {"data": SEALED + data})()

            def unwrap(self, data: bytes) -> Any:
                assert data.startswith(SEALED)
                return type("Unwrapped", (), {"data": data[len(SEALED):]})()

        context = Context()
        self.contexts.append(context)
        return context

    def one(self) -> tuple[Any, dict[str, Any]]:
        """The arguments of the one context made."""
        assert len(self.args) == 1, self.args
        return self.args[0]


# The DC's answers to a Kerberos bind it accepts: success with the AP-REP (mutual authentication).
KERBEROS_ACCEPTED = [Reply(creds=b"AP-REP")]
# And to an NTLM bind: the CHALLENGE, then success.
NTLM_ACCEPTED = [Reply(code=IN_PROGRESS, creds=b"CHALLENGE"), Reply()]


def install(monkeypatch: pytest.MonkeyPatch) -> tuple[FakeDC, FakeSpnego]:
    """Point ``_ad.ldap``'s socket and TLS seams at a :class:`FakeDC` and pyspnego at a :class:`FakeSpnego`."""
    import spnego

    dc = FakeDC()
    fake_spnego = FakeSpnego()
    monkeypatch.setattr(_ad_ldap, "open_socket", dc.open_socket)
    monkeypatch.setattr(_ad_ldap, "wrap_tls", dc.wrap_tls)
    monkeypatch.setattr(spnego, "client", fake_spnego.client)

    def no_dns(domain: str, timeout: float = 5.0) -> list[str]:
        raise AssertionError("no DNS discovery expected")

    monkeypatch.setattr(_ad_ldap, "discover_dcs", no_dns)
    return dc, fake_spnego
