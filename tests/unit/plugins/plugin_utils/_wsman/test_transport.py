# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests.exceptions as rex
from winrm.exceptions import InvalidCredentialsError, WinRMError, WinRMTransportError

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import transport as _transport
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import (
    AuthenticationError,
    MissingLibraryError,
    ProtocolError,
    TLSError,
    UnreachableError,
    WSManError,
    WSManTimeoutError,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.faults import AccessDeniedFault
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import WSManSettings, build_settings
from ansible_collections.winauth.winrm.tests.unit.helpers import envelope, fault_body

PASSWORD = "Tr0ub4dor&3-secret"
REPLY = b"<s:Envelope/>"

Outcome = Any  # bytes to return, or an exception instance to raise


class FakePyWinRM:
    """Replaces winrm.transport.Transport: each auth method answers from its own script."""

    script: dict[str, list[Outcome]] = {}
    instances: list[FakePyWinRM] = []

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.auth = kwargs["auth_method"]
        self.read_timeout_sec: Any = kwargs.get("read_timeout_sec")
        self.payloads: list[bytes] = []
        self.closed = False
        self.session: Any = None
        type(self).instances.append(self)

    def build_session(self) -> Any:
        self.session = type("Session", (), {"trust_env": True})()
        return self.session

    def send_message(self, message: bytes) -> bytes:
        self.payloads.append(message)
        outcome = type(self).script[self.auth].pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome  # type: ignore[no-any-return]

    def close_session(self) -> None:
        self.closed = True


Install = Callable[..., type[FakePyWinRM]]


@pytest.fixture
def fake_winrm(monkeypatch: pytest.MonkeyPatch) -> Install:
    """``fake_winrm(ntlm=[REPLY], kerberos=[exc])`` installs a fresh fake class and returns it."""

    def install(**script: list[Outcome]) -> type[FakePyWinRM]:
        cls = type("FakePyWinRMInstance", (FakePyWinRM,), {"script": dict(script), "instances": []})
        monkeypatch.setattr(_transport, "_PyWinRMTransport", cls)
        return cls

    return install


def settings(**kwargs: Any) -> WSManSettings:
    args: dict[str, Any] = dict(host="win01.lab.test", username="LAB\\ansible", password=PASSWORD, transport="ntlm")
    args.update(kwargs)
    return build_settings(**args)


# --------------------------------------------------------------------------- success path


def test_send_passes_settings_to_pywinrm(fake_winrm: Install) -> None:
    cls = fake_winrm(kerberos=[REPLY])
    s = settings(port=5986, transport="kerberos", service="WSMAN", kerberos_delegation=True,
                 kerberos_hostname_override="alias.lab.test", server_cert_validation="ignore",
                 ca_trust_path="/ca.pem", message_encryption="always", send_cbt=False, proxy="http://p:3128",
                 connection_timeout=7, read_timeout=45, operation_timeout=30)
    t = _transport.WSManTransport(s)
    assert t.send(b"<payload/>", "Get config") == (200, REPLY)
    (inst,) = cls.instances
    kw = inst.kwargs
    assert kw["endpoint"] == "https://win01.lab.test:5986/wsman"
    assert kw["auth_method"] == "kerberos"
    assert (kw["username"], kw["password"]) == ("LAB\\ansible", PASSWORD)
    assert kw["service"] == "WSMAN"
    assert kw["kerberos_delegation"] is True
    assert kw["kerberos_hostname_override"] == "alias.lab.test"
    assert kw["server_cert_validation"] == "ignore"
    assert kw["ca_trust_path"] == "/ca.pem"
    assert kw["message_encryption"] == "always"
    assert kw["send_cbt"] is False
    assert kw["proxy"] == "http://p:3128"
    # requests gets (connect, read): an unreachable host fails after the connect timeout
    assert inst.read_timeout_sec == (7, 45)
    assert inst.payloads == [b"<payload/>"]
    assert t.auth_used == "kerberos"
    assert t.round_trips == 1


def test_session_is_reused_and_counted(fake_winrm: Install) -> None:
    cls = fake_winrm(ntlm=[b"1", b"2", b"3"])
    t = _transport.WSManTransport(settings())
    assert [t.send(b"x", "op")[1] for _round in range(3)] == [b"1", b"2", b"3"]
    assert len(cls.instances) == 1
    assert t.round_trips == 3


def test_close(fake_winrm: Install) -> None:
    cls = fake_winrm(ntlm=[REPLY, REPLY])
    t = _transport.WSManTransport(settings())
    t.close()  # nothing open yet: no error
    t.send(b"x", "op")
    t.close()
    assert cls.instances[0].closed is True
    t.send(b"x", "op")  # a new session after close
    assert len(cls.instances) == 2


def test_missing_pywinrm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_transport, "HAS_PYWINRM", False)
    monkeypatch.setattr(_transport, "PYWINRM_IMPORT_ERROR", ImportError("No module named 'winrm'"))
    with pytest.raises(MissingLibraryError, match="pip install 'pywinrm") as info:
        _transport.WSManTransport(settings())
    assert "No module named 'winrm'" in str(info.value)


# --------------------------------------------------------------------------- error mapping

CASES: list[tuple[str, dict[str, Any], Outcome, type[WSManError], list[str]]] = [
    ("401-ntlm", {}, InvalidCredentialsError("the specified credentials were rejected by the server"),
     AuthenticationError, ["ntlm authentication as 'LAB\\\\ansible' was rejected", "HTTP 401", "Negotiate=true"]),
    ("401-basic", {"transport": "basic"}, InvalidCredentialsError("rejected"),
     AuthenticationError, ["basic authentication", "Basic=true"]),
    ("401-kerberos", {"transport": "kerberos"}, InvalidCredentialsError("rejected"),
     AuthenticationError, ["kerberos authentication", "SPN HTTP/win01.lab.test", "klist"]),
    ("401-kerberos-override", {"transport": "kerberos", "service": "WSMAN", "kerberos_hostname_override": "alias"},
     InvalidCredentialsError("rejected"), AuthenticationError, ["SPN WSMAN/alias"]),
    ("401-credssp", {"transport": "credssp"}, InvalidCredentialsError("rejected"),
     AuthenticationError, ["credssp authentication", "CredSSP server role"]),
    ("500-empty-http-basic", {"transport": "basic"}, WinRMTransportError("http", 500, ""),
     ProtocolError, ["unencrypted message over HTTP", "AllowUnencrypted=false", "HTTPS"]),
    ("500-empty-http-never", {"message_encryption": "never"}, WinRMTransportError("http", 500, ""),
     ProtocolError, ["AllowUnencrypted=false"]),
    ("500-empty-http-encrypted", {}, WinRMTransportError("http", 500, ""),
     ProtocolError, ["HTTP 500 without a WS-Man fault"]),
    ("500-empty-https-basic", {"port": 5986, "transport": "basic"}, WinRMTransportError("http", 500, "  "),
     ProtocolError, ["HTTP 500 without a WS-Man fault"]),
    ("503", {}, WinRMTransportError("http", 503, "busy"), ProtocolError, ["unexpected HTTP status 503"]),
    ("tls-untrusted", {"port": 5986},
     rex.SSLError("HTTPSConnectionPool(host='win01', port=5986): [SSL: CERTIFICATE_VERIFY_FAILED] "
                  "certificate verify failed: self-signed certificate"),
     TLSError, ["not trusted", "CERTIFICATE_VERIFY_FAILED", "ansible_winrm_ca_trust_path"]),
    ("tls-expired", {"port": 5986},
     rex.SSLError("HTTPSConnectionPool(host='win01', port=5986): Max retries exceeded with url: /wsman (Caused by "
                  "SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                  "certificate has expired (_ssl.c:1006)')))"),
     TLSError, ["not trusted (CERTIFICATE_VERIFY_FAILED: certificate has expired): renew the certificate"]),
    ("tls-misnamed", {"port": 5986},
     rex.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is "
                  "not valid for 'win01'. (_ssl.c:1006)"),
     TLSError, ["(CERTIFICATE_VERIFY_FAILED: Hostname mismatch, certificate is not valid for 'win01'): connect by"]),
    ("tls-version", {"port": 5986}, rex.SSLError("[SSL: UNSUPPORTED_PROTOCOL] unsupported protocol"),
     TLSError, ["TLS handshake failed", "UNSUPPORTED_PROTOCOL", "HTTPS listener"]),
    ("tls-http-port", {"port": 5985, "scheme": "https"}, rex.SSLError("[SSL: WRONG_VERSION_NUMBER] wrong version"),
     TLSError, ["TLS handshake failed", "WRONG_VERSION_NUMBER"]),
    ("tls-other", {"port": 5986}, rex.SSLError("EOF occurred in violation of protocol"),
     TLSError, ["TLS handshake failed: EOF occurred"]),
    ("connect-timeout", {"connection_timeout": 4}, rex.ConnectTimeout("connect timed out"),
     WSManTimeoutError, ["no connection within 4 s", "port 5985", "firewall"]),
    ("read-timeout", {"read_timeout": 33}, rex.ReadTimeout("read timed out"),
     WSManTimeoutError, ["did not answer within 33 s"]),
    ("refused", {}, rex.ConnectionError("HTTPConnectionPool(host='win01.lab.test', port=5985): Max retries "
                                        "exceeded ([Errno 111] Connection refused)"),
     UnreachableError, ["cannot connect to win01.lab.test:5985 (Connection refused)", "listening"]),
    ("dns", {}, rex.ConnectionError("Failed to resolve: [Errno -2] Name or service not known"),
     UnreachableError, ["(Name or service not known)"]),
    ("connection-other", {}, rex.ConnectionError("RemoteDisconnected('closed')"),
     UnreachableError, ["RemoteDisconnected"]),
    ("kerberos-exchange", {"transport": "kerberos"}, rex.RequestException("Kerberos exchange failed: Server not "
                                                                          "found in Kerberos database"),
     AuthenticationError, ["kerberos: ", "Server not found in Kerberos database"]),
    ("missing-lib", {"transport": "kerberos"},
     WinRMError("requested auth method is kerberos, but pykerberos is not installed"),
     MissingLibraryError, ["pykerberos is not installed"]),
    ("winrm-error", {"message_encryption": "always", "transport": "basic"},
     WinRMError("message encryption is set to 'always' but the selected auth method basic does not support it"),
     AuthenticationError, ["basic: message encryption is set to 'always'"]),
    ("generic", {}, OSError("SpnegoError: NTLM logon failure"), AuthenticationError,
     ["ntlm: OSError: SpnegoError: NTLM logon failure"]),
]


@pytest.mark.parametrize(("kwargs", "outcome", "cls", "needles"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_mapping(fake_winrm: Install, kwargs: dict[str, Any], outcome: Outcome, cls: type[WSManError],
                       needles: list[str]) -> None:
    s = settings(**kwargs)
    fake_winrm(**{t: [outcome] for t in s.transports})
    t = _transport.WSManTransport(s)
    with pytest.raises(WSManError) as info:
        t.send(b"<payload/>", "Get config")
    err = info.value
    assert err.__class__ is cls, (type(err), str(err))
    text = str(err)
    for needle in needles:
        assert needle in text, (needle, text)
    assert err.target == s.endpoint
    assert err.operation == "Get config"
    assert text.startswith("Get config on %s: " % s.endpoint)
    assert PASSWORD not in text
    assert PASSWORD not in repr(err)
    # the library's exception is not chained: its repr could carry request details
    assert err.__cause__ is None
    assert t.round_trips == 1


def test_500_with_fault_body_is_returned_for_the_fault_parser(fake_winrm: Install) -> None:
    fault = envelope(fault_body(reason="Access is denied.", subcode="w:AccessDenied", wsman_code=5)).decode()
    fake_winrm(ntlm=[WinRMTransportError("http", 500, fault)])
    t = _transport.WSManTransport(settings())
    status, body = t.send(b"x", "Get config")
    assert status == 500
    assert body == fault.encode("utf-8")
    assert t.auth_used == "ntlm"


def test_500_fault_becomes_typed_exception_through_client(fake_winrm: Install) -> None:
    fault = envelope(fault_body(reason="Access is denied.", subcode="w:AccessDenied", wsman_code=5)).decode()
    fake_winrm(ntlm=[WinRMTransportError("http", 500, fault)])
    s = settings()
    client = WSManClient(_transport.WSManTransport(s), s.endpoint)
    with pytest.raises(AccessDeniedFault) as info:
        client.get("http://schemas.microsoft.com/wbem/wsman/1/config")
    assert info.value.operation == "Get config"
    assert client.round_trips == 1


# --------------------------------------------------------------------------- transport fallback


def test_fallback_to_second_transport(fake_winrm: Install) -> None:
    cls = fake_winrm(kerberos=[InvalidCredentialsError("rejected")], ntlm=[b"first", b"second"])
    t = _transport.WSManTransport(settings(transport=["kerberos", "ntlm"]))
    assert t.send(b"x", "Get config") == (200, b"first")
    assert t.auth_used == "ntlm"
    assert t.round_trips == 1  # one WS-Man request, whatever the auth attempts
    assert [i.auth for i in cls.instances] == ["kerberos", "ntlm"]
    assert t.send(b"y", "Enumerate config/listener") == (200, b"second")
    assert t.round_trips == 2
    assert len(cls.instances) == 2  # the ntlm session is kept
    assert cls.instances[1].payloads == [b"x", b"y"]


def test_fallback_on_any_authentication_error(fake_winrm: Install) -> None:
    fake_winrm(kerberos=[rex.RequestException("Kerberos exchange failed")], ntlm=[REPLY])
    t = _transport.WSManTransport(settings(transport=["kerberos", "ntlm"]))
    assert t.send(b"x", "op") == (200, REPLY)
    assert t.auth_used == "ntlm"


def test_all_transports_rejected(fake_winrm: Install) -> None:
    fake_winrm(kerberos=[InvalidCredentialsError("rejected")], ntlm=[InvalidCredentialsError("rejected")])
    t = _transport.WSManTransport(settings(transport=["kerberos", "ntlm"]))
    with pytest.raises(AuthenticationError) as info:
        t.send(b"x", "Get config")
    text = str(info.value)
    assert "kerberos: kerberos authentication" in text
    assert "; ntlm: ntlm authentication" in text
    assert PASSWORD not in text
    assert t.auth_used is None
    assert t.round_trips == 1


def test_single_transport_rejected_keeps_its_message(fake_winrm: Install) -> None:
    fake_winrm(ntlm=[InvalidCredentialsError("rejected")])
    with pytest.raises(AuthenticationError) as info:
        _transport.WSManTransport(settings()).send(b"x", "Get config")
    assert info.value.message.startswith("ntlm authentication as")


def test_no_fallback_on_network_error(fake_winrm: Install) -> None:
    cls = fake_winrm(kerberos=[rex.ConnectionError("Connection refused")], ntlm=[REPLY])
    t = _transport.WSManTransport(settings(transport=["kerberos", "ntlm"]))
    with pytest.raises(UnreachableError):
        t.send(b"x", "Get config")
    assert [i.auth for i in cls.instances] == ["kerberos"]


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(transport="ntlm", password=None),
        dict(port=5986, transport="certificate", cert_pem="/nonexistent/c.pem", cert_key_pem="/nonexistent/k.pem"),
    ],
    ids=["no-password", "cert-file-missing"],
)
def test_pywinrm_constructor_errors_are_typed(kwargs: dict[str, Any]) -> None:
    # the real pywinrm Transport: its constructor refuses these before any network I/O
    s = settings(host="127.0.0.1", **kwargs)
    t = _transport.WSManTransport(s)
    with pytest.raises(WSManError) as info:
        t.send(b"x", "Get config")
    assert info.value.target == s.endpoint


# --------------------------------------------------------------------------- issue 7: texts that name the cause
# The exceptions are the libraries' own classes with the text they really carry (the hostile-peer
# tests in test_wire.py raise each of them on a real socket).

import socket  # noqa: E402

from requests_credssp.exceptions import NTStatusException  # noqa: E402

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import SettingsError  # noqa: E402

CAUSE_CASES: list[tuple[str, dict[str, Any], Outcome, type[WSManError], list[str], list[str]]] = [
    ("credssp-logon-denied", {"transport": "credssp"}, NTStatusException(0x8009030C),
     AuthenticationError, ["credssp authentication as 'LAB\\\\ansible' failed", "SEC_E_LOGON_DENIED", "0x8009030C",
                           "ansible_password"], ["UNKOWN_STATUS"]),
    ("credssp-disabled", {"transport": "credssp"}, NTStatusException(0xC0000072),
     AuthenticationError, ["STATUS_ACCOUNT_DISABLED", "0xC0000072"], []),
    ("proxy-dead", {"proxy": "http://proxy.lab.test:3128"},
     rex.ProxyError("HTTPConnectionPool(host='proxy.lab.test', port=3128): Max retries exceeded (Caused by "
                    "ProxyError('Unable to connect to proxy', NewConnectionError('Failed to establish a new "
                    "connection: [Errno 111] Connection refused')))"),
     UnreachableError, ["cannot reach the proxy http://proxy.lab.test:3128 (Connection refused)",
                        "the WinRM host was not contacted", "ansible_winrm_proxy"], ["is WinRM listening there"]),
    ("proxy-tunnel-refused", {"port": 5986, "proxy": "http://proxy.lab.test:3128"},
     rex.ProxyError("Unable to connect to proxy: Tunnel connection failed: 403 Forbidden"),
     UnreachableError, ["refused to connect to win01.lab.test:5986", "unset ansible_winrm_proxy"], []),
    ("body-truncated", {}, rex.ChunkedEncodingError("('Connection broken: IncompleteRead(100 bytes read, 900 "
                                                    "more expected)', IncompleteRead(...))"),
     ProtocolError, ["truncated reply"], ["cannot connect", "ntlm:"]),
    ("body-read-timeout", {}, rex.ConnectionError("HTTPConnectionPool(host='win01', port=5985): Read timed out."),
     WSManTimeoutError, ["stopped", "not an unreachable one", "ansible_winrm_read_timeout_sec"], ["cannot connect"]),
    ("dropped-on-http", {"port": 5986, "scheme": "http"},
     rex.ConnectionError("('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))"),
     UnreachableError, ["closed it without an HTTP answer", "set ansible_winrm_scheme: https"], ["cannot connect"]),
    ("ca-bundle-missing", {"port": 5986, "ca_trust_path": "/nowhere/ca.pem"},
     OSError("Could not find a suitable TLS CA certificate bundle, invalid path: /nowhere/ca.pem"),
     SettingsError, ["'/nowhere/ca.pem' does not exist", "set ansible_winrm_ca_trust_path"], []),
    ("https-to-http-port", {"port": 5985, "scheme": "https"},
     rex.SSLError("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"),
     TLSError, ["answered in plain HTTP, not TLS", "set ansible_winrm_scheme: http"], []),
    ("404-path", {"path": "/wsmanx"}, WinRMTransportError("http", 404, ""),
     ProtocolError, ["no WinRM service at path /wsmanx", "HTTP 404", "set ansible_winrm_path"], []),
    ("500-empty-encrypted", {}, WinRMTransportError("http", 500, ""),
     ProtocolError, ["HTTP 500 without a WS-Man fault", "not the AllowUnencrypted refusal", "an encrypted message",
                     "Microsoft-Windows-WinRM/Operational"], ["refused an unencrypted"]),
    ("500-empty-https", {"port": 5986, "transport": "basic"}, WinRMTransportError("http", 500, ""),
     ProtocolError, ["not the AllowUnencrypted refusal", "a message over HTTPS"], []),
    ("invalid-url", {}, rex.InvalidURL("Failed to parse: http://win01.lab.test:5985/wsman"),
     SettingsError, ["is not a valid URL", "ansible_host"], []),
]


@pytest.mark.parametrize(("kwargs", "outcome", "cls", "needles", "absent"), [c[1:] for c in CAUSE_CASES],
                         ids=[c[0] for c in CAUSE_CASES])
def test_error_texts_name_cause_and_fix(fake_winrm: Install, kwargs: dict[str, Any], outcome: Outcome,
                                        cls: type[WSManError], needles: list[str], absent: list[str]) -> None:
    s = settings(**kwargs)
    fake_winrm(**{t: [outcome] for t in s.transports})
    with pytest.raises(WSManError) as info:
        _transport.WSManTransport(s).send(b"<payload/>", "Get config")
    err = info.value
    assert err.__class__ is cls, (type(err), str(err))
    text = str(err)
    for needle in needles:
        assert needle in text, (needle, text)
    for needle in absent:
        assert needle not in text, (needle, text)
    assert (err.target, err.operation) == (s.endpoint, "Get config")
    assert PASSWORD not in text and err.__cause__ is None


def test_psrp_host_gets_psrp_variable_names(fake_winrm: Install) -> None:
    s = settings(path="/x", connection="psrp")
    fake_winrm(ntlm=[WinRMTransportError("http", 404, "")])
    with pytest.raises(ProtocolError, match="set ansible_psrp_path"):
        _transport.WSManTransport(s).send(b"x", "Get config")


def test_guard_is_installed_under_pywinrm_before_the_first_send() -> None:
    # The real pywinrm Transport (subclassed): NTLM over HTTP sends its first, empty POST
    # inside build_session (to set up message encryption), and that send is already guarded.
    from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import wire

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    pywinrm = _transport.WSManTransport(settings(host="127.0.0.1", port=port, scheme="http"))._new("ntlm")
    with pytest.raises(rex.ConnectionError):
        pywinrm.build_session()
    session = pywinrm.session
    for prefix in ("http://x/", "https://x/"):
        assert isinstance(session.get_adapter(prefix), wire.GuardedAdapter)
    assert session.max_redirects == 0 and session.trust_env is False
    assert session.headers["Accept-Encoding"] == "identity"
