# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import datetime
import enum
import hashlib
import ssl
import sys
import types
from dataclasses import dataclass
from typing import Any

import ldap3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.x509.oid import NameOID
from ldap3.core import exceptions as ldap_exc

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad import ldap as _ad_ldap
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.errors import (
    ADBindError,
    ADConnectError,
    ADError,
    ADSearchError,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.ldap import PAGE_SIZE, ADConnection, _gss_text
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.settings import build_ad_settings

PASSWORD = "Pa55w0rd!ldap-secret"
PAGED_OID = "1.2.840.113556.1.4.319"
CERT_FAILED = ("socket ssl wrapping error: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
               "self-signed certificate in certificate chain (_ssl.c:1006)")
INVALID_CREDENTIALS = {"result": 49, "description": "invalidCredentials",
                       "message": "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, "
                                  "data 52e, v4563"}
STRONGER_AUTH = {"result": 8, "description": "strongerAuthRequired",
                 "message": "00002028: LdapErr: DSID-0C090259, comment: The server requires binds to turn on "
                            "integrity checking if SSL\\TLS are not already active on the connection"}
NO_CREDENTIALS = ("Major (851968): Unspecified GSS failure, Minor (2529639053): No Kerberos credentials "
                  "available (default cache: FILE:/tmp/krb5cc_1000)")
# sha256WithRSAEncryption; its last byte 0x05 is sha1WithRSAEncryption, 0x04 md5WithRSAEncryption.
SHA256_WITH_RSA = bytes.fromhex("06092a864886f70d01010b")


# --------------------------------------------------------------------------- certificates


def certificate(algorithm: str = "sha256") -> bytes:
    """DER of a DC certificate signed with ``algorithm`` (sha1/md5: the signature OID rewritten, not re-signed)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dc1.lab.test")])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).serial_number(1)
               .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=365)))
    if algorithm == "ed25519":
        ed_key = ed25519.Ed25519PrivateKey.generate()
        return builder.public_key(ed_key.public_key()).sign(ed_key, None).public_bytes(serialization.Encoding.DER)
    key = _RSA_KEY
    hash_algorithm: Any = {"sha384": hashes.SHA384(), "sha512": hashes.SHA512()}.get(algorithm, hashes.SHA256())
    der = builder.public_key(key.public_key()).sign(key, hash_algorithm).public_bytes(serialization.Encoding.DER)
    if algorithm in ("sha1", "md5"):
        assert der.count(SHA256_WITH_RSA) == 2  # TBSCertificate.signature and Certificate.signatureAlgorithm
        der = der.replace(SHA256_WITH_RSA, SHA256_WITH_RSA[:-1] + (b"\x05" if algorithm == "sha1" else b"\x04"))
    return der


_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
DC_CERT = certificate()


def end_point(der: bytes, algorithm: str = "sha256") -> bytes:
    """RFC 5929 tls-server-end-point application data, computed independently of the code under test."""
    return b"tls-server-end-point:" + hashlib.new(algorithm, der).digest()


class TLSSocket:
    """An ssl.SSLSocket as far as channel bindings go."""

    def __init__(self, der: bytes | None) -> None:
        self.der = der
        self.asked: list[bool] = []

    def getpeercert(self, binary_form: bool = False) -> bytes | None:
        self.asked.append(binary_form)
        return self.der


class PlainSocket:
    """A socket.socket: no getpeercert at all."""


# --------------------------------------------------------------------------- fake ldap3


class FakeServer:
    def __init__(self, host: str, **kwargs: Any) -> None:
        self.host = host
        self.kwargs = kwargs


class FakeConnection:
    """ldap3.Connection as _ad_ldap drives it; behaviour per host comes from the :class:`FakeLDAP`."""

    def __init__(self, ldap: FakeLDAP, server: FakeServer, **kwargs: Any) -> None:
        self.ldap = ldap
        self.server = server
        self.kwargs = kwargs
        self.behaviour = ldap.hosts.get(server.host, {})
        self.authentication = kwargs.get("authentication")
        self.sasl_mechanism: Any = None
        self.sasl_credentials: Any = None
        self.user: Any = None
        self.password: Any = None
        self.result: Any = None
        self.response: Any = None
        self.bound = False
        self.unbound = False
        self.searches: list[dict[str, Any]] = []
        self.socket: Any = None
        ldap.connections.append(self)

    def open(self) -> None:
        self.ldap.events.append(("open", self.server.host))
        error = self.behaviour.get("open")
        if error is not None:
            raise error
        self.socket = TLSSocket(self.ldap.peer_cert) if self.server.kwargs.get("use_ssl") else PlainSocket()

    def start_tls(self) -> bool:
        self.ldap.events.append(("start_tls", self.server.host))
        outcome = self.behaviour.get("start_tls", True)
        if isinstance(outcome, BaseException):
            raise outcome
        if not outcome:
            self.result = {"result": 2, "description": "protocolError", "message": "unsupported extended operation"}
        else:
            self.socket = TLSSocket(self.ldap.peer_cert)  # ldap3 swaps in the wrapped socket
        return bool(outcome)

    def bind(self) -> bool:
        self.ldap.events.append(("bind", self.server.host))
        outcome = self.behaviour.get("bind", True)
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome is True:
            self.bound = True
            self.result = {"result": 0, "description": "success"}
            return True
        self.result = outcome
        return False

    def search(self, search_base: str, search_filter: str, **kwargs: Any) -> bool:
        self.searches.append({"base": search_base, "filter": search_filter, **kwargs})
        page = self.ldap.pages.pop(0)
        if isinstance(page, BaseException):
            raise page
        ok, self.result, self.response = page
        return ok

    def unbind(self) -> None:
        self.ldap.events.append(("unbind", self.server.host))
        self.unbound = True
        if self.behaviour.get("unbind") is not None:
            raise self.behaviour["unbind"]


class FakeLDAP:
    """Installed over ldap3.Server/ldap3.Connection; ``hosts`` scripts each DC, ``pages`` the searches."""

    def __init__(self) -> None:
        self.hosts: dict[str, dict[str, Any]] = {}
        self.pages: list[Any] = []
        self.connections: list[FakeConnection] = []
        self.servers: list[FakeServer] = []
        self.events: list[tuple[str, str]] = []
        self.peer_cert: bytes | None = DC_CERT  # what the DC's TLS socket presents

    def server(self, host: str, **kwargs: Any) -> FakeServer:
        srv = FakeServer(host, **kwargs)
        self.servers.append(srv)
        return srv

    def connection(self, server: FakeServer, **kwargs: Any) -> FakeConnection:
        return FakeConnection(self, server, **kwargs)


@pytest.fixture
def ldap(monkeypatch: pytest.MonkeyPatch) -> FakeLDAP:
    fake = FakeLDAP()
    monkeypatch.setattr(_ad_ldap.ldap3, "Server", fake.server)
    monkeypatch.setattr(_ad_ldap.ldap3, "Connection", fake.connection)

    def no_dns(domain: str, timeout: float = 5.0) -> list[str]:
        raise AssertionError("no DNS discovery expected")

    monkeypatch.setattr(_ad_ldap, "discover_dcs", no_dns)
    return fake


def simple(**kwargs: Any) -> Any:
    base: dict[str, Any] = {"domain": "lab.test", "server": "dc1.lab.test", "auth": "simple",
                            "username": "reader@lab.test", "password": PASSWORD}
    base.update(kwargs)
    return build_ad_settings(**base)


def entry(dn: str, **attributes: Any) -> dict[str, Any]:
    return {"type": "searchResEntry", "dn": dn, "attributes": attributes}


def page(entries: list[dict[str, Any]], cookie: bytes | None) -> tuple[bool, dict[str, Any], list[dict[str, Any]]]:
    controls = {PAGED_OID: {"description": "", "criticality": False, "value": {"size": 0, "cookie": cookie}}}
    return True, {"result": 0, "description": "success", "controls": controls}, entries


def bound(ldap: FakeLDAP, **kwargs: Any) -> ADConnection:
    conn = ADConnection(simple(**kwargs))
    conn.open()
    return conn


# --------------------------------------------------------------------------- fake python-gssapi and SASL round trips


class RequirementFlag(enum.IntFlag):
    """gssapi.RequirementFlag: same names and values."""

    delegate_to_peer = 1
    mutual_authentication = 2
    replay_detection = 4
    out_of_sequence_detection = 8
    confidentiality = 16
    integrity = 32


class GSSError(Exception):
    """gssapi.raw.GSSError."""


@dataclass(frozen=True)
class GssName:
    """gssapi.Name(base, name_type)."""

    base: str
    name_type: str


@dataclass(frozen=True)
class ChannelBindings:
    """gssapi.raw.ChannelBindings (keyword arguments as python-gssapi spells them)."""

    initiator_address_type: Any = None
    initiator_address: Any = None
    acceptor_address_type: Any = None
    acceptor_address: Any = None
    application_data: Any = None


KRB5_MECH = "1.2.840.113554.1.2.2"
SERVER_LAYERS = b"\x07\x00\x10\x00"  # the DC offers every layer, 4 KiB
NO_SECURITY_LAYER = bytes([1, 0, 0, 0])


class FakeGssapi:
    """python-gssapi as _ad_ldap drives it, put in sys.modules; records every context and call.

    The Kerberos context sends ``AP-REQ``, completes on the DC's ``AP-REP`` (mutual
    authentication) and afterwards unwraps/wraps the RFC 4752 security-layer messages.
    ``step_errors[n]`` makes the n-th step (1-based) raise; ``logon_error`` fails the password logon.
    """

    def __init__(self) -> None:
        self.contexts: list[dict[str, Any]] = []
        self.calls: list[tuple[Any, ...]] = []
        self.step_errors: dict[int, Exception] = {}
        self.logon_error: Exception | None = None
        fake = self

        class SecurityContext:
            def __init__(self, **kwargs: Any) -> None:
                fake.contexts.append(kwargs)
                self.complete = False
                self.steps = 0

            def step(self, token: bytes | None = None) -> bytes | None:
                fake.calls.append(("step", token))
                self.steps += 1
                if self.steps in fake.step_errors:
                    raise fake.step_errors[self.steps]
                if self.complete:
                    raise AssertionError("step() on a complete context")
                if token is None:
                    return b"AP-REQ"
                self.complete = True
                return None

            def unwrap(self, message: bytes) -> Any:
                fake.calls.append(("unwrap", message))
                assert self.complete, "unwrap() before the context is complete"
                return types.SimpleNamespace(message=SERVER_LAYERS, encrypted=False, qop=0)

            def wrap(self, message: bytes, encrypt: bool) -> Any:
                fake.calls.append(("wrap", message, encrypt))
                assert self.complete, "wrap() before the context is complete"
                return types.SimpleNamespace(message=b"WRAPPED(" + message + b")", encrypted=encrypt)

        def acquire_cred_with_password(name: GssName, password: bytes, lifetime: Any = None, mechs: Any = None,
                                       usage: str = "both") -> Any:
            fake.calls.append(("acquire_cred_with_password", name, password, usage))
            if fake.logon_error is not None:
                raise fake.logon_error
            return types.SimpleNamespace(creds="TGT of %s" % name.base, mechs=None, lifetime=36000)

        self.raw = types.ModuleType("gssapi.raw")
        self.raw.ChannelBindings = ChannelBindings  # type: ignore[attr-defined]
        self.raw.GSSError = GSSError  # type: ignore[attr-defined]
        self.raw.acquire_cred_with_password = acquire_cred_with_password  # type: ignore[attr-defined]
        self.module = types.ModuleType("gssapi")
        self.module.raw = self.raw  # type: ignore[attr-defined]
        self.module.SecurityContext = SecurityContext  # type: ignore[attr-defined]
        self.module.Name = GssName  # type: ignore[attr-defined]
        self.module.NameType = types.SimpleNamespace(  # type: ignore[attr-defined]
            user="user", hostbased_service="hostbased_service",
        )
        self.module.MechType = types.SimpleNamespace(kerberos=KRB5_MECH)  # type: ignore[attr-defined]
        self.module.RequirementFlag = RequirementFlag  # type: ignore[attr-defined]

    def context(self) -> dict[str, Any]:
        """The one security context made."""
        assert len(self.contexts) == 1, self.contexts
        return self.contexts[0]


class FakeSASL:
    """Stands in for ``send_sasl_negotiation``: records (mechanism, token), answers from ``replies``."""

    def __init__(self, ldap: FakeLDAP, replies: list[dict[str, Any]]) -> None:
        self.ldap = ldap
        self.replies = replies
        self.sent: list[tuple[str, bytes]] = []

    def send(self, conn: FakeConnection, controls: Any, payload: bytes) -> dict[str, Any]:
        assert controls is None
        assert isinstance(payload, bytes)
        self.ldap.events.append(("sasl", conn.server.host))
        self.sent.append((conn.sasl_mechanism, payload))
        if not self.replies:
            raise AssertionError("unexpected SASL round trip %r" % (payload,))
        return self.replies.pop(0)


# A Kerberos bind a DC accepts: AP-REP (in progress), the security-layer offer (in progress), success.
KERBEROS_ACCEPTED = [{"result": 14, "description": "saslBindInProgress", "saslCreds": b"AP-REP"},
                     {"result": 14, "description": "saslBindInProgress", "saslCreds": b"LAYER-OFFER"},
                     {"result": 0, "description": "success", "saslCreds": None}]
KERBEROS_TOKENS = [("GSSAPI", b"AP-REQ"), ("GSSAPI", b""), ("GSSAPI", b"WRAPPED(\x01\x00\x00\x00)")]
KERBEROS_CALLS = [("step", None), ("step", b"AP-REP"), ("unwrap", b"LAYER-OFFER"), ("wrap", NO_SECURITY_LAYER, False)]
WITH_TLS = RequirementFlag.mutual_authentication | RequirementFlag.out_of_sequence_detection
WITHOUT_TLS = WITH_TLS | RequirementFlag.integrity


@dataclass
class Kerberos:
    gss: FakeGssapi
    sasl: FakeSASL


@pytest.fixture
def kerberos(ldap: FakeLDAP, monkeypatch: pytest.MonkeyPatch) -> Kerberos:
    """A fake python-gssapi and a DC that accepts the Kerberos bind (change ``sasl.replies`` to refuse)."""
    gss = FakeGssapi()
    monkeypatch.setitem(sys.modules, "gssapi", gss.module)
    monkeypatch.setitem(sys.modules, "gssapi.raw", gss.raw)
    sasl = FakeSASL(ldap, [dict(reply) for reply in KERBEROS_ACCEPTED])
    monkeypatch.setattr(_ad_ldap, "send_sasl_negotiation", sasl.send)
    return Kerberos(gss, sasl)


# --------------------------------------------------------------------------- open: servers, TLS


def test_open_tries_servers_in_order_and_binds_the_first_reachable(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1"] = {"open": ldap_exc.LDAPSocketOpenError("socket connection error while opening: "
                                                              "[Errno 111] Connection refused")}
    ldap.hosts["dc2"] = {"open": ldap_exc.LDAPSocketOpenError("socket connection error while opening: timed out")}
    conn = ADConnection(simple(server="dc1, dc2, dc3"))
    conn.open()
    assert conn.server_name == "dc3"
    assert ldap.events == [("open", "dc1"), ("open", "dc2"), ("open", "dc3"), ("bind", "dc3")]


def test_open_reports_every_failure(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1"] = {"open": ldap_exc.LDAPSocketOpenError("[Errno 111] Connection refused")}
    ldap.hosts["dc2"] = {"open": ldap_exc.LDAPSocketOpenError("[Errno 113] No route to host")}
    with pytest.raises(ADConnectError) as caught:
        ADConnection(simple(server="dc1,dc2")).open()
    text = str(caught.value)
    assert text.startswith("no domain controller reachable: ")
    assert "dc1:636 unreachable ([Errno 111] Connection refused)" in text
    assert "dc2:636 unreachable ([Errno 113] No route to host)" in text
    assert text.index("dc1") < text.index("dc2")
    assert ("bind", "dc1") not in ldap.events and ("bind", "dc2") not in ldap.events


def test_certificate_failure_mentions_ca_cert(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"open": ldap_exc.LDAPSocketOpenError(CERT_FAILED)}
    with pytest.raises(ADConnectError) as caught:
        ADConnection(simple()).open()
    text = str(caught.value)
    assert "dc1.lab.test:636" in text
    assert "TLS certificate not trusted or does not match the name" in text
    assert "ca_cert" in text
    assert "CERTIFICATE_VERIFY_FAILED" in text


def test_hostname_mismatch_mentions_ca_cert(ldap: FakeLDAP) -> None:
    ldap.hosts["10.0.0.5"] = {"open": ldap_exc.LDAPSocketOpenError(
        "socket ssl wrapping error: certificate {...} doesn't match any name in ['10.0.0.5'] ")}
    with pytest.raises(ADConnectError, match="ca_cert"):
        ADConnection(simple(server="10.0.0.5")).open()


def test_long_error_text_cut(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"open": ldap_exc.LDAPSocketOpenError("x" * 1000)}
    with pytest.raises(ADConnectError) as caught:
        ADConnection(simple()).open()
    assert "x" * 200 + "…" in str(caught.value)
    assert "x" * 201 not in str(caught.value)


def test_other_ldap_errors_while_connecting(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"open": ldap_exc.LDAPSessionTerminatedByServerError("session terminated")}
    with pytest.raises(ADConnectError, match=r"dc1.lab.test:636: session terminated"):
        ADConnection(simple()).open()


def test_ldaps_server_and_tls_arguments(ldap: FakeLDAP) -> None:
    conn = bound(ldap, timeout=7, port=3269)
    srv = ldap.servers[0]
    assert srv.host == "dc1.lab.test"
    assert srv.kwargs["port"] == 3269
    assert srv.kwargs["use_ssl"] is True
    assert srv.kwargs["connect_timeout"] == 7
    assert srv.kwargs["get_info"] == ldap3.NONE
    tls = srv.kwargs["tls"]
    assert tls.validate == ssl.CERT_REQUIRED
    c = ldap.connections[0]
    assert c.kwargs["authentication"] == ldap3.ANONYMOUS
    assert c.kwargs["receive_timeout"] == 7
    assert c.kwargs["raise_exceptions"] is False
    assert c.kwargs["read_only"] is True
    assert ("start_tls", "dc1.lab.test") not in ldap.events
    assert conn.server_name == "dc1.lab.test"


def test_validate_certs_false_and_ca_cert(ldap: FakeLDAP, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[dict[str, Any]] = []

    def tls(**kwargs: Any) -> dict[str, Any]:
        made.append(kwargs)
        return kwargs

    monkeypatch.setattr(_ad_ldap.ldap3, "Tls", tls)
    bound(ldap, validate_certs=False, ca_cert="/etc/pki/lab-ca.pem")
    assert made[0]["validate"] == ssl.CERT_NONE
    assert made[0]["ca_certs_file"] == "/etc/pki/lab-ca.pem"
    bound(ldap)
    assert made[1]["validate"] == ssl.CERT_REQUIRED
    assert made[1]["ca_certs_file"] is None


def test_starttls_started_before_bind(ldap: FakeLDAP) -> None:
    bound(ldap, tls_mode="starttls")
    assert ldap.servers[0].kwargs["use_ssl"] is False
    assert ldap.servers[0].kwargs["port"] == 389
    assert ldap.events == [("open", "dc1.lab.test"), ("start_tls", "dc1.lab.test"), ("bind", "dc1.lab.test")]


def test_starttls_refused(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"start_tls": False}
    with pytest.raises(ADConnectError) as caught:
        ADConnection(simple(tls_mode="starttls")).open()
    assert "dc1.lab.test:389 refused StartTLS" in str(caught.value)


def test_no_tls_mode_none_skips_starttls(ldap: FakeLDAP, kerberos: Kerberos) -> None:
    conn = ADConnection(build_ad_settings(server="dc1", tls_mode="none"))
    conn.open()
    assert ldap.events == [("open", "dc1"), ("sasl", "dc1"), ("sasl", "dc1"), ("sasl", "dc1")]
    assert ldap.servers[0].kwargs["use_ssl"] is False
    assert ldap.servers[0].kwargs["port"] == 389
    assert ldap.connections[0].bound is True


def test_starttls_certificate_failure_mentions_ca_cert(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"start_tls": ldap_exc.LDAPStartTLSError(
        "wrap socket error: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate")}
    with pytest.raises(ADConnectError) as caught:
        ADConnection(simple(tls_mode="starttls")).open()
    assert "ca_cert" in str(caught.value)


def test_discovery_when_no_server(ldap: FakeLDAP, kerberos: Kerberos, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, float]] = []

    def discover(domain: str, timeout: float = 5.0) -> list[str]:
        asked.append((domain, timeout))
        return ["dc2.lab.test", "dc1.lab.test"]

    monkeypatch.setattr(_ad_ldap, "discover_dcs", discover)
    conn = ADConnection(build_ad_settings(domain="LAB.TEST", timeout=4))
    conn.open()
    assert asked == [("lab.test", 4)]
    assert conn.server_name == "dc2.lab.test"
    assert kerberos.gss.context()["name"] == GssName("ldap@dc2.lab.test", "hostbased_service")
    assert ("open", "dc1.lab.test") not in ldap.events


def test_discovery_error_propagates(ldap: FakeLDAP, monkeypatch: pytest.MonkeyPatch) -> None:
    def discover(domain: str, timeout: float = 5.0) -> list[str]:
        raise ADConnectError("no domain controller found: set server")

    monkeypatch.setattr(_ad_ldap, "discover_dcs", discover)
    with pytest.raises(ADConnectError, match="set server"):
        ADConnection(build_ad_settings(domain="lab.test")).open()


def test_without_ldap3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ad_ldap, "HAS_LDAP3", False)
    with pytest.raises(ADError, match="pip install ldap3"):
        ADConnection(simple())


# --------------------------------------------------------------------------- bind


def test_simple_bind_sets_user_and_password(ldap: FakeLDAP) -> None:
    bound(ldap)
    c = ldap.connections[0]
    assert c.authentication == ldap3.SIMPLE
    assert (c.user, c.password) == ("reader@lab.test", PASSWORD)


def test_bind_invalid_credentials_quotes_the_dc(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"bind": dict(INVALID_CREDENTIALS)}
    with pytest.raises(ADBindError) as caught:
        ADConnection(simple()).open()
    text = str(caught.value)
    assert text == ("simple bind to dc1.lab.test refused: invalid credentials for reader@lab.test (the DC said: "
                    "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563)")
    assert PASSWORD not in text


def test_bind_requires_signing_quotes_the_dc(ldap: FakeLDAP, kerberos: Kerberos) -> None:
    kerberos.sasl.replies[-1] = dict(STRONGER_AUTH)  # refused at the security-layer answer
    with pytest.raises(ADBindError) as caught:
        ADConnection(build_ad_settings(server="dc1", tls_mode="none")).open()
    assert str(caught.value) == (
        "kerberos bind to dc1 refused: the DC requires signing or TLS for this bind: use tls_mode ldaps/starttls "
        "or auth kerberos (the DC said: 00002028: LdapErr: DSID-0C090259, comment: The server requires binds to "
        "turn on integrity checking if SSL\\TLS are not already active on the connection)"
    )
    assert kerberos.sasl.sent == KERBEROS_TOKENS
    assert ldap.connections[0].result == STRONGER_AUTH
    assert ldap.connections[0].bound is False


@pytest.mark.parametrize(("reply", "said"), [
    ({"result": 49, "description": "invalidCredentials", "message": "  data 775  "}, " (the DC said: data 775)"),
    ({"result": 49, "description": "invalidCredentials", "message": ""}, " (the DC said: invalidCredentials)"),
    ({"result": 49, "message": "   "}, ""),
    ({"result": 49}, ""),
    ({"result": 8, "description": "strongerAuthRequired"}, " (the DC said: strongerAuthRequired)"),
])
def test_bind_dc_text_only_when_there_is_some(ldap: FakeLDAP, reply: dict[str, Any], said: str) -> None:
    ldap.hosts["dc1.lab.test"] = {"bind": reply}
    with pytest.raises(ADBindError) as caught:
        ADConnection(simple()).open()
    cause = ("invalid credentials for reader@lab.test" if reply["result"] == 49 else
             "the DC requires signing or TLS for this bind: use tls_mode ldaps/starttls or auth kerberos")
    assert str(caught.value) == "simple bind to dc1.lab.test refused: %s%s" % (cause, said)


def test_bind_other_refusal_keeps_description_and_message(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"bind": {"result": 53, "description": "unwillingToPerform",
                                           "message": "0000052D: SvcErr: DSID-031A1256"}}
    with pytest.raises(ADBindError) as caught:
        ADConnection(simple()).open()
    # The message is already the cause: not repeated as "the DC said".
    assert str(caught.value) == ("simple bind to dc1.lab.test refused: unwillingToPerform "
                                 "0000052D: SvcErr: DSID-031A1256")


def test_bind_refusal_without_result(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"bind": None}
    with pytest.raises(ADBindError) as caught:
        ADConnection(simple()).open()
    assert str(caught.value) == "simple bind to dc1.lab.test refused: error"


def test_bind_refusal_does_not_try_next_server(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1"] = {"bind": {"result": 49, "description": "invalidCredentials", "message": ""}}
    with pytest.raises(ADBindError):
        ADConnection(simple(server="dc1,dc2")).open()
    assert ("open", "dc2") not in ldap.events


# --------------------------------------------------------------------------- Kerberos: SASL GSSAPI (RFC 4752)


def test_kerberos_bind_from_ticket_cache(ldap: FakeLDAP, kerberos: Kerberos) -> None:
    conn = ADConnection(build_ad_settings(server="dc1.lab.test"))
    conn.open()
    ctx = kerberos.gss.context()
    assert ctx == {
        "name": GssName("ldap@dc1.lab.test", "hostbased_service"),
        "mech": KRB5_MECH,
        "creds": None,  # the default ticket cache
        "usage": "initiate",
        "flags": WITH_TLS,
        "channel_bindings": ChannelBindings(application_data=end_point(DC_CERT)),
    }
    assert [c for c in kerberos.gss.calls if c[0] == "acquire_cred_with_password"] == []
    assert kerberos.sasl.sent == KERBEROS_TOKENS
    assert kerberos.gss.calls == KERBEROS_CALLS
    c = ldap.connections[0]
    assert c.bound is True
    assert c.sasl_mechanism == "GSSAPI"
    assert c.authentication == ldap3.ANONYMOUS  # ldap3's own bind() is not used
    assert ("bind", "dc1.lab.test") not in ldap.events
    assert conn.server_name == "dc1.lab.test"


@pytest.mark.parametrize("password", [PASSWORD, "Pässwörd-ü"])
def test_kerberos_bind_with_password(ldap: FakeLDAP, kerberos: Kerberos, password: str) -> None:
    ADConnection(build_ad_settings(server="dc1.lab.test", username="reader@LAB.TEST", password=password)).open()
    assert kerberos.gss.calls[0] == ("acquire_cred_with_password", GssName("reader@LAB.TEST", "user"),
                                     password.encode("utf-8"), "initiate")
    assert kerberos.gss.calls[1:] == KERBEROS_CALLS
    assert kerberos.gss.context()["creds"] == "TGT of reader@LAB.TEST"
    assert kerberos.sasl.sent == KERBEROS_TOKENS
    assert ldap.connections[0].bound is True


def test_kerberos_username_without_password_uses_the_cache(ldap: FakeLDAP, kerberos: Kerberos) -> None:
    ADConnection(build_ad_settings(server="dc1.lab.test", username="reader@LAB.TEST")).open()
    assert kerberos.gss.context()["creds"] is None
    assert kerberos.gss.calls == KERBEROS_CALLS


def test_kerberos_logon_failure_explained(ldap: FakeLDAP, kerberos: Kerberos) -> None:
    kerberos.gss.logon_error = GSSError("Major (851968): Unspecified GSS failure, Minor (2529638936): "
                                        "Preauthentication failed")
    with pytest.raises(ADBindError) as caught:
        ADConnection(build_ad_settings(server="dc1", username="reader@LAB.TEST", password=PASSWORD)).open()
    # Raised as is, not wrapped again into "kerberos bind to dc1 failed: …".
    assert str(caught.value) == "Kerberos logon of reader@LAB.TEST failed: wrong password (Preauthentication failed)"
    assert caught.value.__cause__ is None
    assert PASSWORD not in str(caught.value)
    assert kerberos.gss.contexts == []
    assert kerberos.sasl.sent == []


def test_kerberos_logon_failure_propagates_unwrapped(ldap: FakeLDAP, kerberos: Kerberos,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def creds(username: str, password: str) -> str:
        raise ADBindError("Kerberos logon of reader@LAB.TEST failed: unknown principal")

    monkeypatch.setattr(_ad_ldap, "_password_credentials", creds)
    with pytest.raises(ADBindError) as caught:
        ADConnection(build_ad_settings(server="dc1", username="reader@LAB.TEST", password=PASSWORD)).open()
    assert str(caught.value) == "Kerberos logon of reader@LAB.TEST failed: unknown principal"


def test_kerberos_without_tls_asks_integrity_and_binds_no_channel(ldap: FakeLDAP, kerberos: Kerberos) -> None:
    ADConnection(build_ad_settings(server="dc1", tls_mode="none")).open()
    ctx = kerberos.gss.context()
    assert ctx["flags"] == WITHOUT_TLS
    assert not ctx["flags"] & RequirementFlag.confidentiality
    assert ctx["channel_bindings"] is None
    # Still "no security layer": the integrity flag only makes the context usable for it.
    assert kerberos.gss.calls == KERBEROS_CALLS
    assert kerberos.sasl.sent == KERBEROS_TOKENS


def test_kerberos_over_starttls_binds_the_upgraded_channel(ldap: FakeLDAP, kerberos: Kerberos) -> None:
    ADConnection(build_ad_settings(server="dc1", tls_mode="starttls")).open()
    ctx = kerberos.gss.context()
    assert ctx["flags"] == WITH_TLS
    assert ctx["channel_bindings"] == ChannelBindings(application_data=end_point(DC_CERT))
    assert ldap.events == [("open", "dc1"), ("start_tls", "dc1"), ("sasl", "dc1"), ("sasl", "dc1"), ("sasl", "dc1")]
    assert ldap.connections[0].socket.asked == [True]  # the DER form


@pytest.mark.parametrize(("signed_with", "digest"), [
    ("sha256", "sha256"),
    ("sha384", "sha384"),
    ("sha512", "sha512"),
    ("sha1", "sha256"),  # RFC 5929: MD5 and SHA-1 are replaced by SHA-256
    ("md5", "sha256"),
    ("ed25519", "sha256"),  # no single signature hash: SHA-256
])
def test_channel_binding_hash_follows_rfc_5929(ldap: FakeLDAP, kerberos: Kerberos, signed_with: str,
                                               digest: str) -> None:
    der = certificate(signed_with)
    ldap.peer_cert = der
    ADConnection(build_ad_settings(server="dc1")).open()
    bindings = kerberos.gss.context()["channel_bindings"]
    assert bindings == ChannelBindings(application_data=end_point(der, digest))
    assert len(bindings.application_data) == len(b"tls-server-end-point:") + hashlib.new(digest).digest_size


@pytest.mark.parametrize("peer_cert", [None, b""])
def test_no_peer_certificate_means_no_channel_binding(ldap: FakeLDAP, kerberos: Kerberos,
                                                      peer_cert: bytes | None) -> None:
    ldap.peer_cert = peer_cert
    ADConnection(build_ad_settings(server="dc1")).open()
    ctx = kerberos.gss.context()
    assert ctx["channel_bindings"] is None
    assert ctx["flags"] == WITHOUT_TLS


def test_kerberos_bind_exception_explained(ldap: FakeLDAP, kerberos: Kerberos) -> None:
    kerberos.gss.step_errors[1] = GSSError(NO_CREDENTIALS)
    with pytest.raises(ADBindError) as caught:
        ADConnection(build_ad_settings(server="dc1")).open()
    assert str(caught.value) == ("kerberos bind to dc1 failed: no ticket: run kinit, or give username and "
                                 "password (No Kerberos credentials)")
    assert caught.value.__cause__ is None
    assert kerberos.sasl.sent == []


def test_kerberos_mutual_authentication_failure_stops_the_exchange(ldap: FakeLDAP, kerberos: Kerberos) -> None:
    kerberos.gss.step_errors[2] = GSSError("Major (393216): Defective token detected, Minor (100005): "
                                           "A token was invalid")
    with pytest.raises(ADBindError) as caught:
        ADConnection(build_ad_settings(server="dc1")).open()
    assert str(caught.value) == ("kerberos bind to dc1 failed: Major (393216): Defective token detected, "
                                 "Minor (100005): A token was invalid")
    assert kerberos.sasl.sent == [("GSSAPI", b"AP-REQ")]
    assert ldap.connections[0].bound is False


@pytest.mark.parametrize(("username", "password", "who"), [
    (None, None, "the ticket's user"),
    ("reader@LAB.TEST", PASSWORD, "reader@LAB.TEST"),
])
def test_kerberos_bind_refused_stops_and_quotes_the_dc(ldap: FakeLDAP, kerberos: Kerberos, username: str | None,
                                                       password: str | None, who: str) -> None:
    kerberos.sasl.replies = [dict(INVALID_CREDENTIALS)]
    with pytest.raises(ADBindError) as caught:
        ADConnection(build_ad_settings(server="dc1.lab.test", username=username, password=password)).open()
    assert str(caught.value) == (
        "kerberos bind to dc1.lab.test refused: invalid credentials for %s (the DC said: 80090308: LdapErr: "
        "DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563)" % who
    )
    assert kerberos.sasl.sent == [("GSSAPI", b"AP-REQ")]
    assert [c for c in kerberos.gss.calls if c[0] != "acquire_cred_with_password"] == [("step", None)]
    assert ldap.connections[0].result == INVALID_CREDENTIALS
    assert ldap.connections[0].bound is False


def test_kerberos_sasl_transport_error_explained(ldap: FakeLDAP, kerberos: Kerberos,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def send(conn: Any, controls: Any, payload: bytes) -> dict[str, Any]:
        raise ldap_exc.LDAPSocketReceiveError("error receiving data: timed out")

    monkeypatch.setattr(_ad_ldap, "send_sasl_negotiation", send)
    with pytest.raises(ADBindError) as caught:
        ADConnection(build_ad_settings(server="dc1")).open()
    assert str(caught.value) == "kerberos bind to dc1 failed: error receiving data: timed out"


# --------------------------------------------------------------------------- NTLM: SASL GSS-SPNEGO (pyspnego)


class FakeSpnego:
    def __init__(self) -> None:
        self.steps: list[bytes | None] = []
        self.args: Any = None

    def client(self, username: str, password: str, **kwargs: Any) -> Any:
        self.args = (username, password, kwargs)
        fake = self

        class Context:
            def step(self, token: bytes | None = None) -> bytes:
                fake.steps.append(token)
                return b"NTLM-%d" % len(fake.steps)

        return Context()


def install_ntlm(ldap: FakeLDAP, monkeypatch: pytest.MonkeyPatch,
                 replies: list[dict[str, Any]]) -> tuple[FakeSpnego, FakeSASL]:
    import spnego

    fake = FakeSpnego()
    monkeypatch.setattr(spnego, "client", fake.client)
    sasl = FakeSASL(ldap, replies)
    monkeypatch.setattr(_ad_ldap, "send_sasl_negotiation", sasl.send)
    return fake, sasl


def ntlm_kwargs(binding: bytes | None) -> dict[str, Any]:
    import spnego
    from spnego.channel_bindings import GssChannelBindings

    return {"hostname": "dc1.lab.test", "service": "ldap", "protocol": "ntlm",
            "context_req": spnego.ContextReq.none,
            "channel_bindings": GssChannelBindings(application_data=binding) if binding is not None else None}


@pytest.mark.parametrize("tls_mode", ["ldaps", "starttls"])
def test_ntlm_bind_through_spnego(ldap: FakeLDAP, monkeypatch: pytest.MonkeyPatch, tls_mode: str) -> None:
    import spnego

    fake, sasl = install_ntlm(ldap, monkeypatch, [{"result": 14, "saslCreds": b"CHALLENGE"}, {"result": 0}])
    conn = ADConnection(simple(auth="ntlm", username="LAB\\reader", tls_mode=tls_mode))
    conn.open()
    assert fake.args == ("LAB\\reader", PASSWORD, ntlm_kwargs(end_point(DC_CERT)))
    assert fake.args[2]["context_req"] == spnego.ContextReq.none  # no sign/seal inside TLS
    assert sasl.sent == [("GSS-SPNEGO", b"NTLM-1"), ("GSS-SPNEGO", b"NTLM-2")]
    assert fake.steps == [None, b"CHALLENGE"]
    assert ldap.connections[0].bound is True
    assert ("bind", "dc1.lab.test") not in ldap.events


def test_ntlm_without_peer_certificate_has_no_channel_binding(ldap: FakeLDAP,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    ldap.peer_cert = None
    fake, _unused = install_ntlm(ldap, monkeypatch, [{"result": 14, "saslCreds": b"CHALLENGE"}, {"result": 0}])
    ADConnection(simple(auth="ntlm", username="LAB\\reader")).open()
    assert fake.args == ("LAB\\reader", PASSWORD, ntlm_kwargs(None))


def test_ntlm_bind_refused(ldap: FakeLDAP, monkeypatch: pytest.MonkeyPatch) -> None:
    fake, sasl = install_ntlm(ldap, monkeypatch, [{"result": 14, "saslCreds": b"CHALLENGE"},
                                                  {"result": 49, "description": "invalidCredentials",
                                                   "message": "data 52e"}])
    with pytest.raises(ADBindError) as caught:
        ADConnection(simple(auth="ntlm", username="LAB\\reader")).open()
    assert str(caught.value) == ("ntlm bind to dc1.lab.test refused: invalid credentials for LAB\\reader "
                                 "(the DC said: data 52e)")
    assert PASSWORD not in str(caught.value)
    assert len(sasl.sent) == 2
    assert fake.steps == [None, b"CHALLENGE"]
    assert ldap.connections[0].bound is False


def test_ntlm_refused_at_the_first_message(ldap: FakeLDAP, monkeypatch: pytest.MonkeyPatch) -> None:
    fake, sasl = install_ntlm(ldap, monkeypatch, [{"result": 53, "description": "unwillingToPerform",
                                                   "message": "00002029: LdapErr: DSID-0C09059D, comment: "
                                                              "Sign or Seal are not allowed if TLS is used"}])
    with pytest.raises(ADBindError) as caught:
        ADConnection(simple(auth="ntlm", username="LAB\\reader")).open()
    assert str(caught.value) == ("ntlm bind to dc1.lab.test refused: unwillingToPerform 00002029: LdapErr: "
                                 "DSID-0C09059D, comment: Sign or Seal are not allowed if TLS is used")
    assert sasl.sent == [("GSS-SPNEGO", b"NTLM-1")]
    assert fake.steps == [None]


@pytest.mark.parametrize(("text", "hint"), [
    ("Preauthentication failed", "wrong password"),
    ("Client not found in Kerberos database", "unknown principal"),
    ("Cannot find KDC for realm \"LAB.TEST\"", "krb5.conf"),
    ("Cannot contact any KDC for realm", "does not answer"),
    ("Clock skew too great", "5 minutes"),
    ("No Kerberos credentials available", "kinit"),
    ("Configuration file does not specify default realm", "user@REALM"),
])
def test_gss_text_known(text: str, hint: str) -> None:
    explained = _gss_text(Exception("Minor (1): %s" % text))
    assert hint in explained
    assert explained.endswith(")")


def test_gss_text_unknown_cut() -> None:
    assert _gss_text(Exception("y" * 400)) == "y" * 300


# --------------------------------------------------------------------------- search


def test_search_follows_paging_cookie(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    ldap.pages = [
        page([entry("CN=WIN01,DC=lab,DC=test", dNSHostName=["win01.lab.test"]),
              {"type": "searchResRef", "uri": ["ldap://ForestDnsZones.lab.test/DC=ForestDnsZones,DC=lab,DC=test"]},
              entry("CN=WIN02,DC=lab,DC=test", dNSHostName=["win02.lab.test"])], b"cookie-1"),
        page([entry("CN=WIN03,DC=lab,DC=test", dNSHostName=["win03.lab.test"])], b"cookie-2"),
        page([], b""),
    ]
    found = list(conn.search("(objectClass=computer)", ["dNSHostName"]))
    assert found == [
        {"dn": "CN=WIN01,DC=lab,DC=test", "dNSHostName": ["win01.lab.test"]},
        {"dn": "CN=WIN02,DC=lab,DC=test", "dNSHostName": ["win02.lab.test"]},
        {"dn": "CN=WIN03,DC=lab,DC=test", "dNSHostName": ["win03.lab.test"]},
    ]
    searches = ldap.connections[0].searches
    assert [s["paged_cookie"] for s in searches] == [None, b"cookie-1", b"cookie-2"]
    assert all(s["paged_size"] == PAGE_SIZE for s in searches)
    assert all(s["base"] == "DC=lab,DC=test" for s in searches)
    assert all(s["filter"] == "(objectClass=computer)" for s in searches)
    assert all(s["search_scope"] == ldap3.SUBTREE for s in searches)
    assert all(s["attributes"] == ["dNSHostName"] for s in searches)


def test_search_single_page_without_controls(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    ldap.pages = [(True, {"result": 0, "description": "success"}, [entry("CN=A,DC=lab,DC=test")])]
    assert list(conn.search("(cn=A)", [])) == [{"dn": "CN=A,DC=lab,DC=test"}]
    assert len(ldap.connections[0].searches) == 1


def test_search_is_lazy_per_page(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    ldap.pages = [page([entry("CN=A,DC=lab,DC=test")], b"more"), page([entry("CN=B,DC=lab,DC=test")], None)]
    first = next(iter(conn.search("(cn=*)", [])))
    assert first["dn"] == "CN=A,DC=lab,DC=test"
    assert len(ldap.connections[0].searches) == 1


@pytest.mark.parametrize(("scope", "expected"), [("subtree", ldap3.SUBTREE), ("onelevel", ldap3.LEVEL),
                                                 ("base", ldap3.BASE)])
def test_search_scope_base_and_page_size(ldap: FakeLDAP, scope: str, expected: str) -> None:
    conn = bound(ldap, search_base="OU=Servers,DC=lab,DC=test")
    ldap.pages = [page([], None), page([], None)]
    list(conn.search("(cn=*)", ["cn"], scope=scope, page_size=50))
    list(conn.search("(cn=*)", ["cn"], base="CN=Computers,DC=lab,DC=test"))
    first, second = ldap.connections[0].searches
    assert (first["base"], first["search_scope"], first["paged_size"]) == ("OU=Servers,DC=lab,DC=test", expected, 50)
    assert second["base"] == "CN=Computers,DC=lab,DC=test"


def test_search_invalid_filter(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    ldap.pages = [ldap_exc.LDAPInvalidFilterError("malformed filter")]
    with pytest.raises(ADSearchError) as caught:
        list(conn.search("(objectClass=computer", ["cn"]))
    assert str(caught.value) == "invalid LDAP filter '(objectClass=computer': malformed filter"
    assert caught.value.__cause__ is None


def test_search_base_does_not_exist(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    ldap.pages = [(False, {"result": 32, "description": "noSuchObject",
                           "message": "0000208D: NameErr: DSID-03100245, problem 2001 (NO_OBJECT)"}, [])]
    with pytest.raises(ADSearchError) as caught:
        list(conn.search("(cn=*)", ["cn"], base="OU=Nope,DC=lab,DC=test"))
    assert str(caught.value) == "search base 'OU=Nope,DC=lab,DC=test' does not exist in this domain"


def test_search_other_failure(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    ldap.pages = [(False, {"result": 50, "description": "insufficientAccessRights", "message": "no read"}, [])]
    with pytest.raises(ADSearchError, match=r"search '\(cn=\*\)' failed: insufficientAccessRights no read"):
        list(conn.search("(cn=*)", ["cn"]))


def test_search_not_ok_but_success_code_yields_nothing(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    ldap.pages = [(False, {"result": 0, "description": "success"}, [])]
    assert list(conn.search("(cn=nobody)", ["cn"])) == []


def test_search_ldap_exception(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    ldap.pages = [ldap_exc.LDAPSocketReceiveError("error receiving data: timed out")]
    with pytest.raises(ADSearchError) as caught:
        list(conn.search("(cn=*)", ["cn"]))
    assert str(caught.value) == "search '(cn=*)' under DC=lab,DC=test failed: error receiving data: timed out"


def test_search_without_base(ldap: FakeLDAP) -> None:
    conn = ADConnection(build_ad_settings(server="dc1", auth="simple", username="u", password=PASSWORD))
    conn.open()
    with pytest.raises(ADSearchError, match="no search base: set search_base or domain"):
        list(conn.search("(cn=*)", ["cn"]))
    assert ldap.connections[0].searches == []


# --------------------------------------------------------------------------- lifetime


def test_context_manager_opens_and_closes(ldap: FakeLDAP) -> None:
    with ADConnection(simple()) as conn:
        assert conn.server_name == "dc1.lab.test"
        assert ldap.connections[0].bound
    assert ldap.connections[0].unbound
    assert conn._conn is None


def test_close_twice_and_close_unopened(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    conn.close()
    conn.close()
    assert ldap.events.count(("unbind", "dc1.lab.test")) == 1
    ADConnection(simple()).close()  # nothing to do


def test_close_forgets_connection_even_when_unbind_fails(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"unbind": ldap_exc.LDAPSocketReceiveError("gone")}
    conn = bound(ldap)
    with pytest.raises(ldap_exc.LDAPSocketReceiveError):
        conn.close()
    assert conn._conn is None


def test_no_key_exchange_clears_the_flag_and_tolerates_other_objects() -> None:
    from spnego._ntlm_raw.messages import NegotiateFlags

    class Proxy:
        _context_req = NegotiateFlags.key_exch | NegotiateFlags.ntlm | NegotiateFlags.unicode

    proxy = Proxy()
    _ad_ldap._no_key_exchange(proxy)
    assert not proxy._context_req & NegotiateFlags.key_exch
    assert proxy._context_req & NegotiateFlags.ntlm and proxy._context_req & NegotiateFlags.unicode
    _ad_ldap._no_key_exchange(object())  # an object without the attribute is left alone, no error
