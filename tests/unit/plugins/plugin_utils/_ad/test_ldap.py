# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ADConnection against a scripted DC that speaks real LDAP (tests/unit/fake_dc.py), pyspnego faked."""

from __future__ import annotations

import datetime
import hashlib
import socket
import ssl
from pathlib import Path
from typing import Any

import pytest
import sansldap
import spnego
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.x509.oid import NameOID
from sansldap._messages import PackingOptions  # to pack a notice of disconnection, which no session sends
from spnego.channel_bindings import GssChannelBindings

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad import ldap as _ad_ldap
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.errors import (
    ADBindError,
    ADConnectError,
    ADError,
    ADSearchError,
    ADSettingsError,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.ldap import PAGE_SIZE, ADConnection, result_name
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.settings import build_ad_settings
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import kdc
from ansible_collections.winauth.winrm.tests.unit import fake_dc, fake_gssapi
from ansible_collections.winauth.winrm.tests.unit.fake_dc import (
    IN_PROGRESS,
    KERBEROS_ACCEPTED,
    NTLM_ACCEPTED,
    FakeDC,
    FakeSpnego,
    Reply,
    entry,
    page,
    reference,
)

PASSWORD = "Pa55w0rd!ldap-secret"
CERT_FAILED = ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate "
               "chain (_ssl.c:1006)")
INVALID_CREDENTIALS = Reply(code=49, message="80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext "
                                             "error, data 52e, v4563")
STRONGER_AUTH = Reply(code=8, message="00002028: LdapErr: DSID-0C090259, comment: The server requires binds to turn "
                                      "on integrity checking if SSL\\TLS are not already active on the connection")
NO_CREDENTIALS = ("Major (851968): Unspecified GSS failure, Minor (2529639053): No Kerberos credentials "
                  "available (default cache: FILE:/tmp/krb5cc_1000)")
# sha256WithRSAEncryption; its last byte 0x05 is sha1WithRSAEncryption, 0x04 md5WithRSAEncryption.
SHA256_WITH_RSA = bytes.fromhex("06092a864886f70d01010b")
INSIDE_TLS = spnego.ContextReq.mutual_auth | spnego.ContextReq.no_integrity
SIGN_AND_SEAL = (spnego.ContextReq.mutual_auth | spnego.ContextReq.sequence_detect | spnego.ContextReq.integrity
                 | spnego.ContextReq.confidentiality)


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


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def dc(monkeypatch: pytest.MonkeyPatch) -> FakeDC:
    fake, spnego_fake = fake_dc.install(monkeypatch)
    fake.peer_cert = DC_CERT
    fake.spnego = spnego_fake  # type: ignore[attr-defined]
    return fake


@pytest.fixture
def sp(dc: FakeDC) -> FakeSpnego:
    """The fake pyspnego of the ``dc`` fixture."""
    return dc.spnego  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def gss(monkeypatch: pytest.MonkeyPatch) -> fake_gssapi.FakeGSSAPI:
    return fake_gssapi.install(monkeypatch)


def simple(**kwargs: Any) -> Any:
    base: dict[str, Any] = {"domain": "lab.test", "server": "dc1.lab.test", "auth": "simple",
                            "username": "reader@lab.test", "password": PASSWORD}
    base.update(kwargs)
    return build_ad_settings(**base)


def bound(dc: FakeDC, **kwargs: Any) -> ADConnection:
    conn = ADConnection(simple(**kwargs))
    conn.open()
    return conn


def kerberos(dc: FakeDC, **kwargs: Any) -> ADConnection:
    """A Kerberos bind the DC accepts (unless ``dc.sasl`` is scripted otherwise first)."""
    if not dc.sasl:
        dc.sasl = [Reply(r.code, r.message, r.creds) for r in KERBEROS_ACCEPTED]
    conn = ADConnection(build_ad_settings(**{"server": "dc1", **kwargs}))
    conn.open()
    return conn


def binds(dc: FakeDC) -> list[Any]:
    return [r for r in dc.requests if isinstance(r, sansldap.BindRequest)]


# --------------------------------------------------------------------------- open: servers, TLS


def test_open_tries_servers_in_order_and_binds_the_first_reachable(dc: FakeDC) -> None:
    dc.host("dc1").connect = ConnectionRefusedError(111, "Connection refused")
    dc.host("dc2").connect = TimeoutError("timed out")
    conn = ADConnection(simple(server="dc1, dc2, dc3"))
    conn.open()
    assert conn.server_name == "dc3"
    assert dc.events == [("open", "dc1"), ("open", "dc2"), ("open", "dc3"), ("tls", "dc3"), ("bind", "dc3")]


def test_open_reports_every_failure(dc: FakeDC) -> None:
    dc.host("dc1").connect = ConnectionRefusedError(111, "Connection refused")
    dc.host("dc2").connect = OSError(113, "No route to host")
    with pytest.raises(ADConnectError) as caught:
        ADConnection(simple(server="dc1,dc2")).open()
    text = str(caught.value)
    assert text.startswith("no domain controller reachable: ")
    assert "dc1:636 unreachable ([Errno 111] Connection refused)" in text
    assert "dc2:636 unreachable ([Errno 113] No route to host)" in text
    assert text.index("dc1") < text.index("dc2")
    assert ("bind", "dc1") not in dc.events and ("bind", "dc2") not in dc.events


def test_certificate_failure_mentions_ca_cert(dc: FakeDC) -> None:
    dc.host("dc1.lab.test").tls = ssl.SSLCertVerificationError(1, CERT_FAILED)
    with pytest.raises(ADConnectError) as caught:
        ADConnection(simple()).open()
    text = str(caught.value)
    assert "dc1.lab.test:636" in text
    assert "TLS certificate not trusted or does not match the name" in text
    assert "ca_cert" in text
    assert "CERTIFICATE_VERIFY_FAILED" in text
    assert dc.sockets[0].closed


def test_hostname_mismatch_mentions_ca_cert(dc: FakeDC) -> None:
    dc.host("10.0.0.5").tls = ssl.SSLCertVerificationError(
        1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP address mismatch, certificate is not "
           "valid for '10.0.0.5'. (_ssl.c:1006)")
    with pytest.raises(ADConnectError, match="ca_cert"):
        ADConnection(simple(server="10.0.0.5")).open()


def test_long_error_text_cut(dc: FakeDC) -> None:
    dc.host("dc1.lab.test").connect = OSError("x" * 1000)
    with pytest.raises(ADConnectError) as caught:
        ADConnection(simple()).open()
    assert "x" * 200 + "…" in str(caught.value)
    assert "x" * 201 not in str(caught.value)


def test_other_ldap_errors_while_connecting(dc: FakeDC) -> None:
    notice = sansldap.ExtendedResponse(
        message_id=0, controls=[], name=sansldap.ExtendedOperations.LDAP_NOTICE_OF_DISCONNECTION.value, value=None,
        result=sansldap.LDAPResult(sansldap.LDAPResultCode.UNAVAILABLE, "", "session terminated"))
    dc.host("dc1.lab.test").start_tls = notice.pack(PackingOptions())
    with pytest.raises(ADConnectError) as caught:
        ADConnection(simple(tls_mode="starttls")).open()
    assert "dc1.lab.test:389: Peer has sent a NoticeOfDisconnect response UNAVAILABLE: session terminated" \
        in str(caught.value)
    assert dc.sockets[0].closed


def test_ldaps_socket_and_tls_arguments(dc: FakeDC) -> None:
    conn = bound(dc, timeout=7, port=3269)
    sock = dc.sockets[0]
    assert (sock.host, sock.port, sock.timeout) == ("dc1.lab.test", 3269, 7)
    context, host = dc.tls_contexts[0]
    assert host == "dc1.lab.test"  # the name the certificate must carry
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname is True
    assert ("start_tls", "dc1.lab.test") not in dc.events
    assert conn.server_name == "dc1.lab.test"


def test_validate_certs_false_and_ca_cert(dc: FakeDC, tmp_path: Path) -> None:
    ca = tmp_path / "lab-ca.pem"
    ca.write_bytes(fake_dc.DC_PEM)
    bound(dc, validate_certs=False, ca_cert=str(ca))
    context = dc.tls_contexts[0][0]
    assert context.verify_mode == ssl.CERT_NONE and context.check_hostname is False
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "dc1.lab.test"),),)]
    bound(dc)
    context = dc.tls_contexts[1][0]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname is True
    assert ((("commonName", "dc1.lab.test"),),) not in [c["subject"] for c in context.get_ca_certs()]


@pytest.mark.parametrize("content", [None, b"not a certificate\n"])
def test_unusable_ca_cert_is_a_settings_error(dc: FakeDC, tmp_path: Path, content: bytes | None) -> None:
    ca = tmp_path / "ca.pem"
    if content is not None:
        ca.write_bytes(content)
    with pytest.raises(ADSettingsError) as caught:
        ADConnection(simple(ca_cert=str(ca))).open()
    assert "ca_cert %r cannot be used" % str(ca) in str(caught.value)
    assert "PEM file of the CA" in str(caught.value)
    assert dc.events == []  # nothing was sent anywhere


def test_starttls_started_before_bind(dc: FakeDC) -> None:
    bound(dc, tls_mode="starttls")
    assert dc.sockets[0].port == 389
    assert dc.events == [("open", "dc1.lab.test"), ("start_tls", "dc1.lab.test"), ("tls", "dc1.lab.test"),
                         ("bind", "dc1.lab.test")]
    assert dc.requests[0].name == _ad_ldap.START_TLS_OID


def test_starttls_refused(dc: FakeDC) -> None:
    dc.host("dc1.lab.test").start_tls = Reply(code=2, message="unsupported extended operation")
    with pytest.raises(ADConnectError) as caught:
        ADConnection(simple(tls_mode="starttls")).open()
    assert "dc1.lab.test:389 refused StartTLS: protocolError unsupported extended operation" in str(caught.value)
    assert ("tls", "dc1.lab.test") not in dc.events


def test_no_tls_mode_none_skips_starttls(dc: FakeDC, sp: FakeSpnego) -> None:
    kerberos(dc, tls_mode="none")
    assert dc.events == [("open", "dc1"), ("sasl", "dc1")]
    assert dc.sockets[0].port == 389
    assert dc.sockets[0].tls is False and dc.sockets[0].sealed is True


def test_starttls_certificate_failure_mentions_ca_cert(dc: FakeDC) -> None:
    dc.host("dc1.lab.test").tls = ssl.SSLCertVerificationError(
        1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate")
    with pytest.raises(ADConnectError) as caught:
        ADConnection(simple(tls_mode="starttls")).open()
    assert "ca_cert" in str(caught.value)


def test_discovery_when_no_server(dc: FakeDC, sp: FakeSpnego, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, float]] = []

    def discover(domain: str, timeout: float = 5.0) -> list[str]:
        asked.append((domain, timeout))
        return ["dc2.lab.test", "dc1.lab.test"]

    monkeypatch.setattr(_ad_ldap, "discover_dcs", discover)
    dc.sasl = list(KERBEROS_ACCEPTED)
    conn = ADConnection(build_ad_settings(domain="LAB.TEST", timeout=4))
    conn.open()
    assert asked == [("lab.test", 4)]
    assert conn.server_name == "dc2.lab.test"
    assert sp.one()[1]["hostname"] == "dc2.lab.test" and sp.one()[1]["service"] == "ldap"
    assert ("open", "dc1.lab.test") not in dc.events


def test_discovery_error_propagates(dc: FakeDC, monkeypatch: pytest.MonkeyPatch) -> None:
    def discover(domain: str, timeout: float = 5.0) -> list[str]:
        raise ADConnectError("no domain controller found: set server")

    monkeypatch.setattr(_ad_ldap, "discover_dcs", discover)
    with pytest.raises(ADConnectError, match="set server"):
        ADConnection(build_ad_settings(domain="lab.test")).open()


def test_without_sansldap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ad_ldap, "HAS_SANSLDAP", False)
    with pytest.raises(ADError, match="pip install sansldap"):
        ADConnection(simple())


# --------------------------------------------------------------------------- simple bind


def test_simple_bind_sends_user_and_password(dc: FakeDC) -> None:
    bound(dc)
    (request,) = binds(dc)
    assert request.name == "reader@lab.test"
    assert isinstance(request.authentication, sansldap.SimpleCredential)
    assert request.authentication.password == PASSWORD


def test_bind_invalid_credentials_quotes_the_dc(dc: FakeDC) -> None:
    dc.host("dc1.lab.test").simple = INVALID_CREDENTIALS
    with pytest.raises(ADBindError) as caught:
        ADConnection(simple()).open()
    text = str(caught.value)
    assert text == ("simple bind to dc1.lab.test refused: invalid credentials for reader@lab.test (the DC said: "
                    "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563)")
    assert PASSWORD not in text


def test_bind_requires_signing_quotes_the_dc(dc: FakeDC, sp: FakeSpnego) -> None:
    dc.sasl = [STRONGER_AUTH]
    with pytest.raises(ADBindError) as caught:
        kerberos(dc, tls_mode="none")
    assert str(caught.value) == (
        "kerberos bind to dc1 refused: the DC requires signing or TLS for this bind: use tls_mode ldaps/starttls "
        "or auth kerberos (the DC said: 00002028: LdapErr: DSID-0C090259, comment: The server requires binds to "
        "turn on integrity checking if SSL\\TLS are not already active on the connection)"
    )
    assert dc.sasl_sent == [("GSS-SPNEGO", b"AP-REQ")]
    assert dc.sockets[0].sealed is False  # nothing is wrapped after a refused bind


@pytest.mark.parametrize(("reply", "said"), [
    (Reply(49, "  data 775  "), " (the DC said: data 775)"),
    (Reply(49, ""), " (the DC said: invalidCredentials)"),
    (Reply(49, "   "), " (the DC said: invalidCredentials)"),  # blank text is not quoted: the code's name is
    (Reply(8, ""), " (the DC said: strongerAuthRequired)"),
])
def test_bind_dc_text_only_when_there_is_some(dc: FakeDC, reply: Reply, said: str) -> None:
    dc.host("dc1.lab.test").simple = reply
    with pytest.raises(ADBindError) as caught:
        ADConnection(simple()).open()
    cause = ("invalid credentials for reader@lab.test" if reply.code == 49 else
             "the DC requires signing or TLS for this bind: use tls_mode ldaps/starttls or auth kerberos")
    assert str(caught.value) == "simple bind to dc1.lab.test refused: %s%s" % (cause, said)


def test_bind_other_refusal_keeps_description_and_message(dc: FakeDC) -> None:
    dc.host("dc1.lab.test").simple = Reply(53, "0000052D: SvcErr: DSID-031A1256")
    with pytest.raises(ADBindError) as caught:
        ADConnection(simple()).open()
    # The message is already the cause: not repeated as "the DC said".
    assert str(caught.value) == ("simple bind to dc1.lab.test refused: unwillingToPerform "
                                 "0000052D: SvcErr: DSID-031A1256")


def test_bind_refusal_with_an_unknown_code(dc: FakeDC) -> None:
    # sansldap 0.1.0 turns an unknown code into a member whose int() is 0 and which equals SUCCESS.
    dc.host("dc1.lab.test").simple = Reply(99, "")
    with pytest.raises(ADBindError) as caught:
        ADConnection(simple()).open()
    assert str(caught.value) == "simple bind to dc1.lab.test refused: error 99"


def test_bind_refusal_does_not_try_next_server(dc: FakeDC) -> None:
    dc.host("dc1").simple = Reply(49, "")
    conn = ADConnection(simple(server="dc1,dc2"))
    with pytest.raises(ADBindError):
        conn.open()
    assert ("open", "dc2") not in dc.events
    assert dc.sockets[0].closed and conn._conn is None  # open() raised: no close() will follow


def test_without_pyspnego_sasl_binds_are_refused_simple_ones_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ad_ldap, "HAS_SPNEGO", False)
    with pytest.raises(ADError, match=r"pyspnego is required for kerberos binds: pip install 'pyspnego\[kerberos\]'"):
        ADConnection(build_ad_settings(server="dc1"))
    ADConnection(simple())


@pytest.mark.parametrize(("code", "name"), [(0, "success"), (8, "strongerAuthRequired"), (10, "referral"),
                                            (49, "invalidCredentials"), (50, "insufficientAccessRights"),
                                            (53, "unwillingToPerform"), (99, "error 99")])
def test_result_names_are_rfc_4511(code: int, name: str) -> None:
    assert result_name(code) == name


# --------------------------------------------------------------------------- Kerberos (SASL GSS-SPNEGO, pyspnego)


def test_kerberos_bind_from_ticket_cache(dc: FakeDC, sp: FakeSpnego, gss: fake_gssapi.FakeGSSAPI) -> None:
    conn = kerberos(dc, server="dc1.lab.test")
    credential, kwargs = sp.one()
    assert credential is None  # the default ticket cache
    assert kwargs == {"hostname": "dc1.lab.test", "service": "ldap", "protocol": "kerberos",
                      "context_req": INSIDE_TLS,
                      "channel_bindings": GssChannelBindings(application_data=end_point(DC_CERT))}
    assert gss.calls == []  # no password logon
    assert dc.sasl_sent == [("GSS-SPNEGO", b"AP-REQ")]
    assert sp.steps == [None, b"AP-REP"]  # the DC's AP-REP checked: mutual authentication
    assert sp.contexts[0].complete
    assert ("bind", "dc1.lab.test") not in dc.events  # no simple bind
    assert conn.server_name == "dc1.lab.test"


@pytest.mark.parametrize("password", [PASSWORD, "Pässwörd-ü"])
def test_kerberos_bind_with_password_uses_the_kdc_modules_ticket(dc: FakeDC, sp: FakeSpnego,
                                                                 gss: fake_gssapi.FakeGSSAPI, password: str) -> None:
    kerberos(dc, server="dc1.lab.test", username="reader@LAB.TEST", password=password)
    assert gss.calls[1] == ("acquire_cred_with_password", ("reader@LAB.TEST", "user"), password.encode("utf-8"),
                            "initiate")
    (ccache,) = gss.stores
    assert gss.stores[ccache] == "TGT for reader@LAB.TEST"
    credential, _kwargs = sp.one()
    assert credential == spnego.KerberosCCache(ccache=ccache)  # the in-memory TGT, not the password
    assert dc.sasl_sent == [("GSS-SPNEGO", b"AP-REQ")]


def test_kerberos_username_without_password_uses_the_cache(dc: FakeDC, sp: FakeSpnego,
                                                           gss: fake_gssapi.FakeGSSAPI) -> None:
    kerberos(dc, server="dc1.lab.test", username="reader@LAB.TEST")
    assert sp.one()[0] is None
    assert gss.calls == []


def test_kerberos_logon_failure_explained(dc: FakeDC, sp: FakeSpnego, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_gssapi.install(monkeypatch, fail_password="Major (851968): Unspecified GSS failure, Minor (2529638936): "
                                                   "Preauthentication failed")
    with pytest.raises(ADBindError) as caught:
        kerberos(dc, username="reader@LAB.TEST", password=PASSWORD)
    # Raised as is, not wrapped again into "kerberos bind to dc1 failed: …".
    assert str(caught.value) == "Kerberos logon of reader@LAB.TEST failed: wrong password (Preauthentication failed)"
    assert caught.value.__cause__ is None
    assert PASSWORD not in str(caught.value)
    assert sp.args == []
    assert dc.sasl_sent == []


def test_kerberos_logon_failure_propagates_unwrapped(dc: FakeDC, monkeypatch: pytest.MonkeyPatch) -> None:
    def logon(username: str, password: str) -> str:
        raise kdc.KerberosError("unknown user principal (Client not found in Kerberos database)")

    monkeypatch.setattr(kdc, "memory_ccache", logon)
    with pytest.raises(ADBindError) as caught:
        kerberos(dc, username="reader@LAB.TEST", password=PASSWORD)
    assert str(caught.value) == ("Kerberos logon of reader@LAB.TEST failed: unknown user principal "
                                 "(Client not found in Kerberos database)")


def test_kerberos_without_tls_signs_seals_and_binds_no_channel(dc: FakeDC, sp: FakeSpnego) -> None:
    conn = kerberos(dc, tls_mode="none")
    _credential, kwargs = sp.one()
    assert kwargs["context_req"] == SIGN_AND_SEAL
    assert not kwargs["context_req"] & spnego.ContextReq.no_integrity
    assert kwargs["channel_bindings"] is None
    assert dc.sasl_sent == [("GSS-SPNEGO", b"AP-REQ")]
    # Every message after the bind is wrapped (FakeSocket asserts the framing) and every reply unwrapped.
    dc.pages = [page([entry("CN=A,DC=lab,DC=test", cn=["A"])])]
    assert list(conn.search("(cn=A)", ["cn"])) == [{"dn": "CN=A,DC=lab,DC=test", "cn": ["A"]}]
    conn.close()
    assert ("unbind", "dc1") in dc.events  # the unbind is wrapped too


def test_kerberos_over_starttls_binds_the_upgraded_channel(dc: FakeDC, sp: FakeSpnego) -> None:
    kerberos(dc, tls_mode="starttls")
    _credential, kwargs = sp.one()
    assert kwargs["context_req"] == INSIDE_TLS
    assert kwargs["channel_bindings"] == GssChannelBindings(application_data=end_point(DC_CERT))
    assert dc.events == [("open", "dc1"), ("start_tls", "dc1"), ("tls", "dc1"), ("sasl", "dc1")]
    assert dc.sockets[0].asked == [True]  # the DER form
    assert dc.sockets[0].sealed is False  # TLS protects the rest


@pytest.mark.parametrize(("signed_with", "digest"), [
    ("sha256", "sha256"),
    ("sha384", "sha384"),
    ("sha512", "sha512"),
    ("sha1", "sha256"),  # RFC 5929: MD5 and SHA-1 are replaced by SHA-256
    ("md5", "sha256"),
    ("ed25519", "sha256"),  # no single signature hash: SHA-256
])
def test_channel_binding_hash_follows_rfc_5929(dc: FakeDC, sp: FakeSpnego, signed_with: str, digest: str) -> None:
    der = certificate(signed_with)
    dc.peer_cert = der
    kerberos(dc)
    bindings = sp.one()[1]["channel_bindings"]
    assert bindings == GssChannelBindings(application_data=end_point(der, digest))
    assert len(bindings.application_data) == len(b"tls-server-end-point:") + hashlib.new(digest).digest_size


@pytest.mark.parametrize("peer_cert", [None, b""])
def test_no_peer_certificate_means_no_channel_binding(dc: FakeDC, sp: FakeSpnego, peer_cert: bytes | None) -> None:
    dc.peer_cert = peer_cert
    kerberos(dc)
    _credential, kwargs = sp.one()
    assert kwargs["channel_bindings"] is None
    assert kwargs["context_req"] == INSIDE_TLS  # still inside TLS: no sign/seal


def test_kerberos_bind_exception_explained(dc: FakeDC, sp: FakeSpnego) -> None:
    sp.step_errors[1] = fake_gssapi.FakeGSSError(NO_CREDENTIALS)
    with pytest.raises(ADBindError) as caught:
        kerberos(dc)
    assert str(caught.value) == ("kerberos bind to dc1 failed: no ticket: run kinit, or give username and "
                                 "password (No Kerberos credentials)")
    assert caught.value.__cause__ is None
    assert dc.sasl_sent == []


def test_kerberos_mutual_authentication_failure_stops_the_exchange(dc: FakeDC, sp: FakeSpnego) -> None:
    sp.step_errors[2] = fake_gssapi.FakeGSSError("Major (393216): Defective token detected, Minor (100005): "
                                                 "A token was invalid")
    with pytest.raises(ADBindError) as caught:
        kerberos(dc)
    assert str(caught.value) == ("kerberos bind to dc1 failed: Major (393216): Defective token detected, "
                                 "Minor (100005): A token was invalid")
    assert dc.sasl_sent == [("GSS-SPNEGO", b"AP-REQ")]


def test_kerberos_success_without_mutual_authentication_is_refused(dc: FakeDC, sp: FakeSpnego) -> None:
    dc.sasl = [Reply()]  # success, but no AP-REP: the DC was never authenticated
    with pytest.raises(ADBindError, match="accepted the bind before mutual authentication completed"):
        kerberos(dc)


def test_sasl_in_progress_without_a_token_is_refused(dc: FakeDC, sp: FakeSpnego) -> None:
    dc.sasl = [Reply(code=IN_PROGRESS)]
    with pytest.raises(ADBindError, match="the DC wants another round but sent no token"):
        kerberos(dc)


@pytest.mark.parametrize(("username", "password", "who"), [
    (None, None, "the ticket's user"),
    ("reader@LAB.TEST", PASSWORD, "reader@LAB.TEST"),
])
def test_kerberos_bind_refused_stops_and_quotes_the_dc(dc: FakeDC, sp: FakeSpnego, gss: fake_gssapi.FakeGSSAPI,
                                                       username: str | None, password: str | None, who: str) -> None:
    dc.sasl = [INVALID_CREDENTIALS]
    with pytest.raises(ADBindError) as caught:
        kerberos(dc, server="dc1.lab.test", username=username, password=password)
    assert str(caught.value) == (
        "kerberos bind to dc1.lab.test refused: invalid credentials for %s (the DC said: 80090308: LdapErr: "
        "DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563)" % who
    )
    assert dc.sasl_sent == [("GSS-SPNEGO", b"AP-REQ")]
    assert sp.steps == [None]


def test_kerberos_sasl_transport_error_explained(dc: FakeDC, sp: FakeSpnego) -> None:
    dc.sasl = [TimeoutError("timed out")]
    with pytest.raises(ADBindError) as caught:
        kerberos(dc)
    assert str(caught.value) == "kerberos bind to dc1 failed: timed out"


def test_dc_closing_the_connection_during_the_bind(dc: FakeDC, sp: FakeSpnego) -> None:
    dc.sasl = [ConnectionResetError(104, "Connection reset by peer")]
    with pytest.raises(ADBindError, match=r"^kerberos bind to dc1 failed: \[Errno 104\] Connection reset by peer$"):
        kerberos(dc)


# --------------------------------------------------------------------------- Negotiate and NTLM


@pytest.mark.parametrize("tls_mode", ["ldaps", "starttls"])
def test_ntlm_bind_through_spnego(dc: FakeDC, sp: FakeSpnego, tls_mode: str) -> None:
    dc.sasl = list(NTLM_ACCEPTED)
    conn = ADConnection(simple(auth="ntlm", username="LAB\\reader", tls_mode=tls_mode))
    conn.open()
    credential, kwargs = sp.one()
    assert credential == spnego.Password("LAB\\reader", PASSWORD)
    assert kwargs == {"hostname": "dc1.lab.test", "service": "ldap", "protocol": "ntlm", "context_req": INSIDE_TLS,
                      "channel_bindings": GssChannelBindings(application_data=end_point(DC_CERT))}
    assert dc.sasl_sent == [("GSS-SPNEGO", b"NTLM-1"), ("GSS-SPNEGO", b"NTLM-2")]
    assert sp.steps == [None, b"CHALLENGE"]
    from spnego._ntlm_raw.messages import NegotiateFlags

    assert not sp.contexts[0]._context_req & NegotiateFlags.key_exch  # see _no_key_exchange
    assert ("bind", "dc1.lab.test") not in dc.events


def test_ntlm_without_tls_signs_and_seals(dc: FakeDC, sp: FakeSpnego) -> None:
    dc.sasl = list(NTLM_ACCEPTED)
    conn = ADConnection(simple(auth="ntlm", username="LAB\\reader", tls_mode="none"))
    conn.open()
    _credential, kwargs = sp.one()
    assert kwargs["context_req"] == SIGN_AND_SEAL
    assert kwargs["channel_bindings"] is None
    assert sp.contexts[0]._context_req == 0xFFFF  # key exchange kept: it protects the sealing key
    dc.pages = [page([entry("CN=A,DC=lab,DC=test")])]
    assert [e["dn"] for e in conn.search("(cn=A)", [])] == ["CN=A,DC=lab,DC=test"]


def test_ntlm_without_peer_certificate_has_no_channel_binding(dc: FakeDC, sp: FakeSpnego) -> None:
    dc.peer_cert = None
    dc.sasl = list(NTLM_ACCEPTED)
    ADConnection(simple(auth="ntlm", username="LAB\\reader")).open()
    assert sp.one()[1]["channel_bindings"] is None


def test_ntlm_bind_refused(dc: FakeDC, sp: FakeSpnego) -> None:
    dc.sasl = [Reply(IN_PROGRESS, creds=b"CHALLENGE"), Reply(49, "data 52e")]
    with pytest.raises(ADBindError) as caught:
        ADConnection(simple(auth="ntlm", username="LAB\\reader")).open()
    assert str(caught.value) == ("ntlm bind to dc1.lab.test refused: invalid credentials for LAB\\reader "
                                 "(the DC said: data 52e)")
    assert PASSWORD not in str(caught.value)
    assert len(dc.sasl_sent) == 2
    assert sp.steps == [None, b"CHALLENGE"]


def test_ntlm_refused_at_the_first_message(dc: FakeDC, sp: FakeSpnego) -> None:
    dc.sasl = [Reply(53, "00002029: LdapErr: DSID-0C09059D, comment: Sign or Seal are not allowed if TLS is used")]
    with pytest.raises(ADBindError) as caught:
        ADConnection(simple(auth="ntlm", username="LAB\\reader")).open()
    assert str(caught.value) == ("ntlm bind to dc1.lab.test refused: unwillingToPerform 00002029: LdapErr: "
                                 "DSID-0C09059D, comment: Sign or Seal are not allowed if TLS is used")
    assert dc.sasl_sent == [("GSS-SPNEGO", b"NTLM-1")]
    assert sp.steps == [None]


def test_negotiate_offers_the_kdc_ticket_and_the_password(dc: FakeDC, sp: FakeSpnego,
                                                          gss: fake_gssapi.FakeGSSAPI) -> None:
    kerberos(dc, auth="negotiate", username="reader@LAB.TEST", password=PASSWORD)
    credential, kwargs = sp.one()
    (ccache,) = gss.stores
    assert credential == [spnego.KerberosCCache(ccache=ccache), spnego.Password("reader@LAB.TEST", PASSWORD)]
    assert kwargs["protocol"] == "negotiate"


def test_negotiate_falls_back_to_the_password_when_the_logon_fails(dc: FakeDC, sp: FakeSpnego,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    fake_gssapi.install(monkeypatch, fail_password="Cannot contact any KDC for realm 'LAB.TEST'")
    kerberos(dc, auth="negotiate", username="LAB\\reader", password=PASSWORD)
    assert sp.one()[0] == spnego.Password("LAB\\reader", PASSWORD)  # SPNEGO can still pick NTLM


@pytest.mark.parametrize(("text", "hint"), [
    ("Preauthentication failed", "wrong password"),
    ("Client not found in Kerberos database", "unknown user principal"),
    ("Cannot find KDC for realm \"LAB.TEST\"", "krb5.conf"),
    ("Cannot contact any KDC for realm", "does not answer"),
    ("Clock skew too great", "5 minutes"),
    ("No Kerberos credentials available", "kinit"),
    ("Configuration file does not specify default realm", "user@REALM"),
])
def test_bind_errors_use_the_kerberos_modules_wording(dc: FakeDC, sp: FakeSpnego, text: str, hint: str) -> None:
    sp.step_errors[1] = fake_gssapi.FakeGSSError("Minor (1): %s" % text)
    with pytest.raises(ADBindError) as caught:
        kerberos(dc)
    explained = str(caught.value)
    assert explained == "kerberos bind to dc1 failed: %s" % kdc.explain(text)
    assert hint in explained
    assert explained.endswith(")")


def test_unknown_bind_error_cut() -> None:
    assert kdc.explain(Exception("y" * 400)) == "y" * 300


# --------------------------------------------------------------------------- search


def test_search_follows_paging_cookie(dc: FakeDC) -> None:
    conn = bound(dc)
    dc.pages = [
        page([entry("CN=WIN01,DC=lab,DC=test", dNSHostName=["win01.lab.test"]),
              reference("ldap://ForestDnsZones.lab.test/DC=ForestDnsZones,DC=lab,DC=test"),
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
    searches = dc.searches()
    controls = [s.controls[0] for s in searches]
    assert all(isinstance(c, sansldap.PagedResultControl) for c in controls)
    assert [c.cookie for c in controls] == [b"", b"cookie-1", b"cookie-2"]
    assert all(c.size == PAGE_SIZE for c in controls)
    assert all(s.base_object == "DC=lab,DC=test" for s in searches)
    assert all(s.filter == sansldap.FilterEquality("objectClass", b"computer") for s in searches)
    assert all(s.scope == sansldap.SearchScope.SUBTREE for s in searches)
    assert all(s.attributes == ["dNSHostName"] for s in searches)


def test_search_single_page_without_controls(dc: FakeDC) -> None:
    conn = bound(dc)
    dc.pages = [page([entry("CN=A,DC=lab,DC=test")])]
    assert list(conn.search("(cn=A)", [])) == [{"dn": "CN=A,DC=lab,DC=test"}]
    assert len(dc.searches()) == 1


def test_search_is_lazy_per_page(dc: FakeDC) -> None:
    conn = bound(dc)
    dc.pages = [page([entry("CN=A,DC=lab,DC=test")], b"more"), page([entry("CN=B,DC=lab,DC=test")])]
    first = next(iter(conn.search("(cn=*)", [])))
    assert first["dn"] == "CN=A,DC=lab,DC=test"
    assert len(dc.searches()) == 1


def test_search_read_ahead_asks_for_the_next_page_before_the_caller_sees_this_one(dc: FakeDC) -> None:
    conn = bound(dc)
    dc.pages = [page([entry("CN=A,DC=lab,DC=test")], b"p2"), page([entry("CN=B,DC=lab,DC=test")], b"p3"),
                page([entry("CN=C,DC=lab,DC=test")])]
    found = iter(conn.search("(cn=*)", [], read_ahead=True))
    assert next(found)["dn"] == "CN=A,DC=lab,DC=test"
    assert [s.controls[0].cookie for s in dc.searches()] == [b"", b"p2"]  # one page ahead, not more
    assert [e["dn"] for e in found] == ["CN=B,DC=lab,DC=test", "CN=C,DC=lab,DC=test"]
    assert [s.controls[0].cookie for s in dc.searches()] == [b"", b"p2", b"p3"]


def test_search_read_ahead_raises_the_dc_refusal(dc: FakeDC) -> None:
    conn = bound(dc)
    dc.pages = [page([entry("CN=A,DC=lab,DC=test")], b"p2"), page([], done=Reply(50, "no read"))]
    found = iter(conn.search("(cn=*)", [], read_ahead=True))
    assert next(found)["dn"] == "CN=A,DC=lab,DC=test"
    with pytest.raises(ADSearchError, match="no read"):
        next(found)


def test_an_abandoned_search_does_not_confuse_the_next(dc: FakeDC) -> None:
    conn = bound(dc)
    dc.pages = [page([entry("CN=A,DC=lab,DC=test"), entry("CN=B,DC=lab,DC=test")]),
                page([entry("CN=C,DC=lab,DC=test")])]
    next(iter(conn.search("(cn=*)", [])))
    assert [e["dn"] for e in conn.search("(cn=C)", [])] == ["CN=C,DC=lab,DC=test"]


@pytest.mark.parametrize(("scope", "expected"), [("subtree", sansldap.SearchScope.SUBTREE),
                                                 ("onelevel", sansldap.SearchScope.ONE_LEVEL),
                                                 ("base", sansldap.SearchScope.BASE)])
def test_search_scope_base_and_page_size(dc: FakeDC, scope: str, expected: Any) -> None:
    conn = bound(dc, search_base="OU=Servers,DC=lab,DC=test")
    dc.pages = [page([]), page([])]
    list(conn.search("(cn=*)", ["cn"], scope=scope, page_size=50))
    list(conn.search("(cn=*)", ["cn"], base="CN=Computers,DC=lab,DC=test"))
    first, second = dc.searches()
    assert (first.base_object, first.scope, first.controls[0].size) == ("OU=Servers,DC=lab,DC=test", expected, 50)
    assert second.base_object == "CN=Computers,DC=lab,DC=test"


def test_search_values_as_text_binary_as_base64(dc: FakeDC) -> None:
    conn = bound(dc)
    sid = bytes.fromhex("010500000000000515000000a1b2c3d4e5f60718293a4b5c51040000")
    dc.pages = [page([entry("CN=WIN01,DC=lab,DC=test", cn=["WIN01"], objectSid=[sid],
                            description=["Ünïcode"])])]
    (found,) = conn.search("(cn=WIN01)", ["cn", "objectSid", "description"])
    assert found == {"dn": "CN=WIN01,DC=lab,DC=test", "cn": ["WIN01"],
                     "objectSid": ["AQUAAAAAAAUVAAAAobLD1OX2BxgpOktcUQQAAA=="], "description": ["Ünïcode"]}


def test_search_invalid_filter(dc: FakeDC) -> None:
    conn = bound(dc)
    with pytest.raises(ADSearchError) as caught:
        list(conn.search("(objectClass=computer", ["cn"]))
    assert str(caught.value) == ("invalid LDAP filter '(objectClass=computer': Unbalanced starting '(' without a "
                                 "closing ')'")
    assert caught.value.__cause__ is None
    assert dc.searches() == []


def test_search_base_does_not_exist(dc: FakeDC) -> None:
    conn = bound(dc)
    dc.pages = [page([], done=Reply(32, "0000208D: NameErr: DSID-03100245, problem 2001 (NO_OBJECT)"))]
    with pytest.raises(ADSearchError) as caught:
        list(conn.search("(cn=*)", ["cn"], base="OU=Nope,DC=lab,DC=test"))
    assert str(caught.value) == "search base 'OU=Nope,DC=lab,DC=test' does not exist in this domain"


def test_search_other_failure(dc: FakeDC) -> None:
    conn = bound(dc)
    dc.pages = [page([], done=Reply(50, "no read"))]
    with pytest.raises(ADSearchError, match=r"search '\(cn=\*\)' failed: insufficientAccessRights no read"):
        list(conn.search("(cn=*)", ["cn"]))


def test_search_referral_refused_naming_it(dc: FakeDC) -> None:
    conn = bound(dc)
    referral = "ldap://child.lab.test/DC=child,DC=lab,DC=test"
    dc.pages = [page([], done=Reply(10, "0000202B: RefErr", referrals=[referral]))]
    with pytest.raises(ADSearchError) as caught:
        list(conn.search("(cn=*)", ["cn"], base="DC=child,DC=lab,DC=test"))
    text = str(caught.value)
    assert text.startswith("the DC referred the search under DC=child,DC=lab,DC=test elsewhere "
                           "(ldap://child.lab.test/DC=child,DC=lab,DC=test): referrals are not followed")
    assert "set search_base" in text and "server" in text
    assert len(dc.searches()) == 1  # nothing was followed


def test_search_with_no_match_yields_nothing(dc: FakeDC) -> None:
    conn = bound(dc)
    dc.pages = [page([])]
    assert list(conn.search("(cn=nobody)", ["cn"])) == []


def test_search_timeout(dc: FakeDC) -> None:
    conn = bound(dc)
    dc.pages = [[TimeoutError("timed out")]]
    with pytest.raises(ADSearchError) as caught:
        list(conn.search("(cn=*)", ["cn"]))
    assert str(caught.value) == "search '(cn=*)' under DC=lab,DC=test failed: timed out"


def test_search_reply_that_is_not_ldap(dc: FakeDC) -> None:
    conn = bound(dc)
    dc.pages = [[b"HTTP/1.1 400 Bad Request\r\n\r\n"]]
    with pytest.raises(ADSearchError, match=r"^search '\(cn=\*\)' under DC=lab,DC=test failed: Received invalid"):
        list(conn.search("(cn=*)", ["cn"]))


def test_search_oversized_message_refused_before_it_is_whole(dc: FakeDC, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ad_ldap, "MAX_MESSAGE", 4096)
    conn = bound(dc)
    # An LDAPMessage SEQUENCE announcing 100 MB, of which 8 KiB arrive.
    dc.pages = [[b"\x30\x84\x05\xf5\xe1\x00" + b"\x02\x01\x02" + b"A" * 8192]]
    with pytest.raises(ADSearchError, match="the DC sent an LDAP message over 4096 bytes"):
        list(conn.search("(cn=*)", ["cn"]))


def test_sasl_frame_over_the_limit_refused(dc: FakeDC, sp: FakeSpnego) -> None:
    conn = kerberos(dc, tls_mode="none")
    dc.pages = [[(_ad_ldap.MAX_MESSAGE + 1).to_bytes(4, "big") + b"SEALED:"]]
    with pytest.raises(ADSearchError, match=r"the DC sent a \d+-byte SASL frame \(limit \d+\)"):
        list(conn.search("(cn=*)", ["cn"]))


def test_search_without_base_uses_the_rootdse_naming_context(dc: FakeDC) -> None:
    conn = ADConnection(build_ad_settings(server="dc1", auth="simple", username="u", password=PASSWORD))
    conn.open()
    dc.pages = [page([]), page([])]
    list(conn.search("(cn=*)", ["cn"]))
    list(conn.search("(cn=*)", ["cn"]))
    assert [s.base_object for s in dc.searches()] == ["DC=lab,DC=test", "DC=lab,DC=test"]
    root = [r for r in dc.requests if isinstance(r, sansldap.SearchRequest) and r.base_object == ""]
    assert len(root) == 1  # read once
    assert root[0].scope == sansldap.SearchScope.BASE and root[0].attributes == ["defaultNamingContext"]
    assert root[0].controls == []  # the rootDSE is not paged


def test_search_without_base_and_no_naming_context(dc: FakeDC) -> None:
    dc.root_dse = {}
    conn = ADConnection(build_ad_settings(server="dc1", auth="simple", username="u", password=PASSWORD))
    conn.open()
    with pytest.raises(ADSearchError, match="no search base: .*defaultNamingContext; set search_base or domain"):
        list(conn.search("(cn=*)", ["cn"]))
    assert dc.searches() == []


def test_search_before_open() -> None:
    with pytest.raises(ADError, match=r"not connected: call open\(\) first"):
        list(ADConnection(simple()).search("(cn=*)", ["cn"]))


# --------------------------------------------------------------------------- lifetime


def test_context_manager_opens_and_closes(dc: FakeDC) -> None:
    with ADConnection(simple()) as conn:
        assert conn.server_name == "dc1.lab.test"
    assert ("unbind", "dc1.lab.test") in dc.events
    assert dc.sockets[0].closed
    assert conn._conn is None


def test_close_twice_and_close_unopened(dc: FakeDC) -> None:
    conn = bound(dc)
    conn.close()
    conn.close()
    assert dc.events.count(("unbind", "dc1.lab.test")) == 1
    ADConnection(simple()).close()  # nothing to do


def test_close_forgets_connection_even_when_unbind_fails(dc: FakeDC) -> None:
    dc.host("dc1.lab.test").unbind = OSError("gone")
    conn = bound(dc)
    with pytest.raises(OSError, match="gone"):
        conn.close()
    assert conn._conn is None
    assert dc.sockets[0].closed


def test_no_key_exchange_clears_the_flag_and_tolerates_other_objects() -> None:
    from spnego._ntlm_raw.messages import NegotiateFlags

    class Proxy:
        _context_req = NegotiateFlags.key_exch | NegotiateFlags.ntlm | NegotiateFlags.unicode

    proxy = Proxy()
    _ad_ldap._no_key_exchange(proxy)
    assert not proxy._context_req & NegotiateFlags.key_exch
    assert proxy._context_req & NegotiateFlags.ntlm and proxy._context_req & NegotiateFlags.unicode
    _ad_ldap._no_key_exchange(object())  # an object without the attribute is left alone, no error


def test_open_socket_is_a_plain_tcp_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[tuple[Any, ...]] = []
    monkeypatch.setattr(socket, "create_connection", lambda address, timeout: made.append((address, timeout)))
    _ad_ldap.open_socket("dc1.lab.test", 636, 7)
    assert made == [(("dc1.lab.test", 636), 7)]
