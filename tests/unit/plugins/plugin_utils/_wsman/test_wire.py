# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WS-Man core against a hostile peer (tests/unit/hostile.py), through the real
WSManTransport / WSManClient, pywinrm, requests and the auth libraries: nothing mocked
but a Kerberos ticket."""

from __future__ import annotations

import importlib.util
import socket
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import wire
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import MAX_VALUE_CHARS, WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import (
    DeadlineExceededError,
    ProtocolError,
    RedirectRefusedError,
    ReplyTooLargeError,
    SettingsError,
    TLSError,
    UnreachableError,
    WSManError,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import WSManSettings, build_settings
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.transport import WSManTransport
from ansible_collections.winauth.winrm.tests.unit import hostile
from ansible_collections.winauth.winrm.tests.unit.hostile import Hostile

PASSWORD = "Hostile-Test-Secr3t!"
CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config"


def _lab_pki() -> Any:
    """tests/lab/winlab/pki.py by its path: it needs only cryptography, and ``ansible-test units``
    (which runs these tests with its own pytest configuration) does not put the lab on sys.path."""
    path = Path(__file__).resolve().parents[4] / "lab" / "winlab" / "pki.py"
    spec = importlib.util.spec_from_file_location("winauth_unit_lab_pki", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate (the lab's PKI code)."""
    CertificateAuthority = _lab_pki().CertificateAuthority

    directory = tmp_path_factory.mktemp("pki")
    ca = CertificateAuthority.create(directory)
    server = ca.issue(directory, "server", "localhost", "localhost", hostile.LOOPBACK)
    client = ca.issue(directory, "client", "ansible", "ansible", None)
    return {"ca": directory / "ca.pem", "cert": server.cert_file, "key": server.key_file,
            "client_cert": client.cert_file, "client_key": client.key_file}


def settings_for(peer: Hostile | None, scheme: str = "http", port: int | None = None, **kwargs: Any) -> WSManSettings:
    args: dict[str, Any] = dict(host=hostile.LOOPBACK, port=port if port is not None else peer.port if peer else 1,
                                scheme=scheme, username="ansible", password=PASSWORD, transport="basic")
    args.update(kwargs)
    return build_settings(**args)


def client_for(s: WSManSettings) -> WSManClient:
    return WSManClient(WSManTransport(s), s.endpoint)


def fails(s: WSManSettings) -> WSManError:
    """Get config through the real client; return the error it ends in."""
    transport = WSManTransport(s)
    with pytest.raises(WSManError) as info:
        WSManClient(transport, s.endpoint).get(CONFIG)
    transport.close()
    err = info.value
    assert PASSWORD not in str(err) and PASSWORD not in repr(err)
    assert err.target == s.endpoint and err.operation == "Get config"
    return err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((hostile.LOOPBACK, 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- redirects

REDIRECT_CASES = [
    ("basic-http", "http", dict(transport="basic")),
    ("basic-https", "https", dict(transport="basic")),
    ("ntlm-http-encrypted", "http", dict(transport="ntlm")),
    ("ntlm-https", "https", dict(transport="ntlm")),
    ("credssp-https", "https", dict(transport="credssp")),
    ("credssp-http-encrypted", "http", dict(transport="credssp")),
    ("certificate-https", "https", dict(transport="certificate")),
    ("kerberos-http", "http", dict(transport="kerberos")),
    ("kerberos-https", "https", dict(transport="kerberos")),
]


@pytest.fixture
def fake_ticket(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kerberos without a KDC: the preemptive token is a stand-in, everything else is real."""
    from winrm.vendor.requests_kerberos import kerberos_

    monkeypatch.setattr(kerberos_.HTTPKerberosAuth, "generate_request_header",
                        lambda self, response, host, is_preemptive=False: "Kerberos ZmFrZS10b2tlbg==")


@pytest.mark.parametrize(("scheme", "kwargs"), [c[1:] for c in REDIRECT_CASES], ids=[c[0] for c in REDIRECT_CASES])
@pytest.mark.parametrize("status", [307, 302, 301, 308])
def test_redirect_is_refused_and_nothing_reaches_its_target(scheme: str, kwargs: dict[str, Any], status: int,
                                                            pki: dict[str, Path], fake_ticket: None) -> None:
    tls = (pki["cert"], pki["key"]) if scheme == "https" else None
    with Hostile(hostile.reply(200, b"target answered"), tls=tls) as target:
        with Hostile(hostile.redirect(target.endpoint(), status), tls=tls) as source:
            if kwargs["transport"] == "certificate":
                kwargs = dict(kwargs, cert_pem=str(pki["client_cert"]), cert_key_pem=str(pki["client_key"]))
            s = settings_for(source, scheme, ca_trust_path=str(pki["ca"]), **kwargs)
            err = fails(s)
            assert isinstance(err, RedirectRefusedError), (type(err), str(err))
            assert err.location == target.endpoint()
            text = str(err)
            assert "HTTP %d redirecting to %s" % (status, target.endpoint()) in text
            assert "nothing was sent there" in text and "ansible_host" in text
            assert source.requests >= 1
            # No request at all reached the redirect target: no credential, no body.
            assert target.requests == 0


def test_redirect_location_is_shown_safely() -> None:
    nasty = "http://evil.example/\r\nSet-Cookie: x" + "A" * 500
    guard = wire.RequestGuard(settings_for(None))
    err = guard.redirect_error(307, nasty)
    assert "\r" not in str(err) and "\n" not in str(err)
    assert "...(%d characters)" % len(nasty) in str(err)
    assert err.location == nasty
    assert "(no Location header)" in str(guard.redirect_error(302, None))


def test_redirect_is_not_retried_with_the_next_transport(fake_ticket: None) -> None:
    with Hostile(hostile.reply(200, b"x")) as target, Hostile(hostile.redirect(target.endpoint())) as source:
        err = fails(settings_for(source, transport="kerberos,ntlm,basic"))
        assert isinstance(err, RedirectRefusedError)
        assert source.requests == 1  # the first transport met the redirect; no other was tried
        assert target.requests == 0


# --------------------------------------------------------------------------- deadlines

# read 3 s: a 3 s deadline; the per-read timeout (also 3 s) never trips on a 2 s drip.
DRIP_TIMEOUTS = dict(connection_timeout=1, read_timeout=3, operation_timeout=2)


@pytest.mark.parametrize("after_headers", [False, True], ids=["status-line", "body"])
def test_drip_feed_fails_within_the_deadline(after_headers: bool) -> None:
    with Hostile(hostile.drip(interval=2.0, after_headers=after_headers)) as peer:
        s = settings_for(peer, **DRIP_TIMEOUTS)
        assert s.request_deadline == 3
        started = time.monotonic()
        err = fails(s)
        elapsed = time.monotonic() - started
    assert isinstance(err, DeadlineExceededError), (type(err), str(err))
    assert elapsed < s.request_deadline + 1, elapsed
    text = str(err)
    assert "request deadline of 3 s (ansible_winrm_read_timeout_sec)" in text
    assert "raise ansible_winrm_read_timeout_sec" in text


@pytest.mark.parametrize(
    ("kwargs", "variable"),
    [
        (dict(connection="psrp"), "ansible_psrp_read_timeout"),
        (dict(timeouts_from_connection_timeout=True), "ansible_winrm_connection_timeout"),
    ],
)
def test_deadline_names_the_variable_of_the_connection(kwargs: dict[str, Any], variable: str) -> None:
    guard = wire.RequestGuard(settings_for(None, **DRIP_TIMEOUTS, **kwargs))
    guard.start(0.01)
    guard.check()  # not armed before the request waits for an answer
    guard.watch(None)
    time.sleep(0.05)
    with pytest.raises(DeadlineExceededError, match="raise %s" % variable):
        guard.check()
    guard.stop()


def test_drip_during_an_ntlm_handshake_leg_fails_within_the_deadline() -> None:
    # NTLM over HTTP: pywinrm's first (empty) POST opens the handshake; the drip holds it.
    with Hostile(hostile.drip(interval=2.0)) as peer:
        s = settings_for(peer, transport="ntlm", **DRIP_TIMEOUTS)
        started = time.monotonic()
        err = fails(s)
        assert time.monotonic() - started < s.request_deadline + 1
    assert isinstance(err, DeadlineExceededError)


def test_body_stall_is_a_timeout_not_cannot_connect() -> None:
    with Hostile(hostile.stall_body(sent=300, stall=8)) as peer:
        s = settings_for(peer, connection_timeout=5, read_timeout=2, operation_timeout=1)
        started = time.monotonic()
        err = fails(s)
        assert time.monotonic() - started < s.request_deadline + 1
    assert isinstance(err, DeadlineExceededError), (type(err), str(err))
    text = str(err)
    assert "it had sent its headers (HTTP 200) but not the whole body" in text
    assert "the host is not unreachable" in text
    assert "cannot connect" not in text
    assert "raise ansible_winrm_read_timeout_sec" in text


def test_no_answer_at_all_names_the_read_timeout() -> None:
    with Hostile(hostile.hang(8)) as peer:
        err = fails(settings_for(peer, connection_timeout=5, read_timeout=2, operation_timeout=1))
    assert isinstance(err, DeadlineExceededError)
    assert "request deadline of 2 s (ansible_winrm_read_timeout_sec)" in str(err)
    assert "had not sent (all of) the status line and headers" in str(err)


def test_stall_texts_of_the_backstop_paths() -> None:
    # The body reader's own messages, for a socket timeout that beats the deadline.
    guard = wire.RequestGuard(settings_for(None, read_timeout=7, operation_timeout=1))
    assert "nothing more of its body within the 7 s read timeout, after 12 bytes" in str(guard.stall_error("12 bytes"))
    assert "not an unreachable one" in str(guard.stall_error())
    assert "truncated reply: IncompleteRead" in str(guard.truncated_error("5 bytes", "IncompleteRead"))
    assert guard.cap((4, 7)) == (4, 8.0)  # the socket timeout is a backstop behind the deadline


def test_deadline_is_rearmed_for_each_request() -> None:
    with Hostile(hostile.echo("<x:Y xmlns:x='urn:x'/>"), one_per_connection=False) as peer:
        s = settings_for(peer, connection_timeout=1, read_timeout=2, operation_timeout=1)
        client = client_for(s)
        for _round in range(3):
            assert client.get(CONFIG).tag == "{urn:x}Y"
            time.sleep(1.1)  # 3.3 s in all: past one 2 s deadline, within each request's
    assert peer.requests == 3


# --------------------------------------------------------------------------- size limits


def test_oversized_reply_with_content_length_is_refused_before_reading() -> None:
    with Hostile(hostile.oversized(200 * 1024 * 1024, announce=True)) as peer:
        started = time.monotonic()
        err = fails(settings_for(peer))
        assert time.monotonic() - started < 2
    assert isinstance(err, ReplyTooLargeError)
    text = str(err)
    assert "announced a reply of 209715200 bytes (Content-Length)" in text
    assert "refused before reading it" in text
    assert "%d bytes this client accepts" % wire.reply_limit() in text


@pytest.mark.parametrize("announce", [False, True], ids=["chunked", "content-length"])
def test_oversized_reply_memory_stays_bounded(announce: bool) -> None:
    """The stated bound: refusing a 200 MB reply holds at most reply_limit() + CHUNK bytes of it;
    the whole request's peak traced allocation stays under 2 MiB (the reply alone: ~240 KiB)."""
    bound = 2 * 1024 * 1024
    assert wire.reply_limit() + wire.CHUNK < bound / 4
    with Hostile(hostile.oversized(200 * 1024 * 1024, announce=announce)) as peer:
        s = settings_for(peer)
        transport = WSManTransport(s)
        client = WSManClient(transport, s.endpoint)
        tracemalloc.start()
        try:
            started = time.monotonic()
            with pytest.raises(ReplyTooLargeError):
                client.get(CONFIG)
            elapsed = time.monotonic() - started
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            transport.close()
    assert peak < bound, peak
    assert elapsed < 5, elapsed


def test_reply_just_within_the_limit_is_accepted() -> None:
    # A Windows reply of the full MaxEnvelopeSize (no encryption) passes the transport.
    value = "v" * (MAX_VALUE_CHARS - 10)
    with Hostile(hostile.echo("<x:Y xmlns:x='urn:x'>%s</x:Y>" % value)) as peer:
        elem = client_for(settings_for(peer)).get(CONFIG)
    assert elem.text == value


def test_overlong_value_never_reaches_a_model() -> None:
    value = "h" * (MAX_VALUE_CHARS + 1)
    body = "<cfg:Config xmlns:cfg='%s'><cfg:Client><cfg:TrustedHosts>%s</cfg:TrustedHosts></cfg:Client>" \
           "</cfg:Config>" % (CONFIG, value)
    with Hostile(hostile.echo(body)) as peer:
        err = fails(settings_for(peer))
    assert isinstance(err, ProtocolError)
    assert "(TrustedHosts) is %d characters long, above the %d allowed" % (len(value), MAX_VALUE_CHARS) in str(err)


def test_truncated_reply() -> None:
    with Hostile(hostile.truncated(announced=5000, sent=1200)) as peer:
        err = fails(settings_for(peer))
    assert isinstance(err, ProtocolError)
    assert "truncated reply" in str(err)
    assert "cannot connect" not in str(err)


def test_compressed_reply_is_refused() -> None:
    with Hostile(hostile.reply(200, b"\x1f\x8b" + b"x" * 100, extra=[("Content-Encoding", "gzip")])) as peer:
        err = fails(settings_for(peer))
        assert peer.seen[0].headers.get("accept-encoding") == "identity"
    assert isinstance(err, ProtocolError)
    assert "Content-Encoding: gzip" in str(err)


# --------------------------------------------------------------------------- replies of the wrong kind


@pytest.mark.parametrize(
    ("behaviour", "needles"),
    [
        (hostile.soap11(), ["SOAP 1.1 envelope", "SOAP 1.2"]),
        (hostile.html(), ["HTML page ('Welcome to nginx!')", "instead of the WinRM service"]),
        (hostile.unrelated(), ["RelatesTo uuid:NOT-YOURS does not match", "not used"]),
        (hostile.unrelated(relates_to=None), ["no a:RelatesTo", "not used"]),
        (hostile.reply(200, b""), ["HTTP 200 with an empty body"]),
        (hostile.reply(200, b"<x:Y xmlns:x='urn:x'/>"), ["not a SOAP envelope (root element {urn:x}Y)"]),
    ],
    ids=["soap11", "html", "unrelated", "no-relates-to", "empty", "other-xml"],
)
def test_reply_of_the_wrong_kind_is_named(behaviour: hostile.Behaviour, needles: list[str]) -> None:
    with Hostile(behaviour) as peer:
        err = fails(settings_for(peer))
    assert isinstance(err, ProtocolError), (type(err), str(err))
    text = str(err)
    for needle in needles:
        assert needle in text, (needle, text)
    assert "empty body" not in text or "HTTP 200 with an empty body" in text


def test_unrelated_fault_is_refused_too() -> None:
    fault = ("<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text xml:lang='en-US'>Other"
             "</s:Text></s:Reason></s:Fault>")
    with Hostile(hostile.unrelated(fault, relates_to="uuid:SOMEONE-ELSE")) as peer:
        err = fails(settings_for(peer))
    assert err.__class__ is ProtocolError
    assert "does not match" in str(err) and "it was a fault: Other" in str(err)


# --------------------------------------------------------------------------- error texts on the real wire


def test_http_to_an_https_port_says_so(pki: dict[str, Path]) -> None:
    with Hostile(hostile.reply(200, b"x"), tls=(pki["cert"], pki["key"])) as peer:
        err = fails(settings_for(peer, "http", port=peer.port))
    assert isinstance(err, UnreachableError), (type(err), str(err))
    text = str(err)
    assert "closed it without an HTTP answer" in text
    assert "set ansible_winrm_scheme: https" in text


def test_https_to_an_http_port_says_so() -> None:
    with Hostile(hostile.reply(200, b"x")) as peer:
        err = fails(settings_for(peer, "https"))
    assert isinstance(err, TLSError), (type(err), str(err))
    assert "answered in plain HTTP, not TLS" in str(err) and "ansible_winrm_scheme: http" in str(err)


def test_missing_ca_file_is_a_settings_error() -> None:
    with Hostile(hostile.reply(200, b"x")) as peer:
        err = fails(settings_for(peer, "https", ca_trust_path="/nonexistent/lab-ca.pem"))
        assert peer.requests == 0
    assert err.__class__ is SettingsError, (type(err), str(err))
    assert "'/nonexistent/lab-ca.pem' does not exist" in str(err)
    assert "set ansible_winrm_ca_trust_path" in str(err)


def test_missing_ca_file_under_every_transport_stays_a_settings_error() -> None:
    err = fails(settings_for(None, "https", port=_free_port(), transport="ntlm,basic",
                             ca_trust_path="/nonexistent/ca.pem"))
    assert err.__class__ is SettingsError
    assert "ansible_psrp_ca_cert" in str(fails(settings_for(None, "https", port=_free_port(), connection="psrp",
                                                            ca_trust_path="/nonexistent/ca.pem")))


def test_dead_proxy_is_not_the_host_refusing() -> None:
    with Hostile(hostile.reply(200, b"x")) as peer:
        proxy = "http://127.0.0.1:%d" % _free_port()
        err = fails(settings_for(peer, proxy=proxy))
        assert peer.requests == 0
    assert isinstance(err, UnreachableError)
    text = str(err)
    assert "cannot reach the proxy %s (Connection refused)" % proxy in text
    assert "the WinRM host was not contacted" in text and "ansible_winrm_proxy" in text
    assert "is WinRM listening there" not in text


def test_proxy_refusing_the_tunnel() -> None:
    with Hostile(hostile.reply(502, b"no", "text/plain")) as proxy:
        err = fails(settings_for(None, "https", port=5986, proxy=proxy.endpoint().rsplit("/", 1)[0]))
    assert isinstance(err, UnreachableError)
    assert "refused to connect to 127.0.0.1:5986" in str(err)


def test_404_names_the_path_variable() -> None:
    with Hostile(hostile.reply(404, b"", "text/html")) as peer:
        err = fails(settings_for(peer, path="/wrong"))
        assert peer.seen[0].path == "/wrong"
    assert isinstance(err, ProtocolError)
    assert "no WinRM service at path /wrong" in str(err) and "set ansible_winrm_path" in str(err)


def test_empty_500_on_an_encrypted_connection_is_not_allow_unencrypted() -> None:
    with Hostile(hostile.reply(500, b"", "text/plain")) as peer:
        err = fails(settings_for(peer, transport="ntlm"))
    assert isinstance(err, ProtocolError)
    text = str(err)
    assert "not the AllowUnencrypted refusal" in text and "an encrypted message" in text
    assert "refused an unencrypted message" not in text


def test_empty_500_on_plain_http_is_allow_unencrypted() -> None:
    with Hostile(hostile.reply(500, b"", "text/plain")) as peer:
        err = fails(settings_for(peer, transport="basic"))
    assert "refused an unencrypted message over HTTP (service AllowUnencrypted=false)" in str(err)


def test_unreachable_port_still_says_cannot_connect() -> None:
    err = fails(settings_for(None, port=_free_port()))
    assert isinstance(err, UnreachableError)
    assert "cannot connect to 127.0.0.1" in str(err) and "Connection refused" in str(err)


@pytest.fixture(autouse=True)
def _no_thread_left() -> Iterator[None]:
    """Every deadline timer is cancelled or has fired once its request is over."""
    import threading

    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        timers = [t for t in threading.enumerate() if isinstance(t, threading.Timer) and t.is_alive()]
        if not timers:
            return
        time.sleep(0.05)
    raise AssertionError("deadline timers still running: %r" % timers)
