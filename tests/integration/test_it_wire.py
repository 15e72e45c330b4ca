"""Trust nothing on the wire (issue 7), through ansible-playbook: redirects between lab hosts,
a drip-feeding and an oversized peer (tests/unit/hostile.py), and error texts that name the
real cause, each checked on the text Ansible returns."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from winlab.client import Lab

from ansible_collections.winauth.winrm.tests.unit import hostile
from ansible_collections.winauth.winrm.tests.unit.hostile import Hostile

SCHEME = {"win01": "https", "win02": "http", "win03": "https"}  # as conftest.CONNECTIONS reaches them

REDIRECTS = [
    # (id, source host, its overrides, target host, redirect once authenticated)
    ("ntlm-http-before-auth", "win02", {}, "win01", False),
    ("ntlm-http-encrypted-after-auth", "win02", {}, "win01", True),
    ("ntlm-https-after-auth", "win03", {}, "win02", True),
    ("basic-https-after-auth", "win01", {}, "win03", True),
    ("credssp-https-after-auth", "win01", {"ansible_winrm_transport": "credssp"}, "win02", True),
]


@pytest.mark.parametrize(("source", "overrides", "target", "after_auth"), [c[1:] for c in REDIRECTS],
                         ids=[c[0] for c in REDIRECTS])
def test_redirect_to_another_lab_host_reaches_nothing_there(fresh: Lab, playbook, source: str,
                                                            overrides: dict[str, Any], target: str,
                                                            after_auth: bool) -> None:
    location = fresh.endpoint(target, SCHEME[source])
    before = {name: fresh.state_bytes(name) for name in fresh.hosts}
    fresh.redirect(source, location, 307, after_auth=after_auth)
    # A write that both hosts would accept: had the redirect been followed, the target would change.
    run = playbook("winrm_auth", {"client": {"basic": False}}, hosts={source: overrides})
    result = run.results[source]
    assert result.get("failed") and not result.get("changed"), result
    assert "HTTP 307 redirecting to %s" % location in result["msg"], result["msg"]
    assert "nothing was sent there" in result["msg"]
    assert "Traceback" not in run.output
    # No request, no credential and no write reached the redirect target.
    stats = fresh.stats(target)
    assert (stats["requests"], stats["http_requests"], stats["logons"]) == (0, 0, []), stats
    assert {name: fresh.state_bytes(name) for name in fresh.hosts} == before
    source_stats = fresh.stats(source)
    assert source_stats["http_requests"] >= 1 and "Put" not in source_stats["by_action"]
    if after_auth:
        assert source_stats["logons"], "the client authenticated to the source before its redirect"


def test_redirected_audit_reports_no_facts(fresh: Lab, playbook) -> None:
    location = fresh.endpoint("win01", "http")
    fresh.redirect("win02", location)
    run = playbook("winrm_info", hosts={"win02": {}})
    result = run.results["win02"]
    assert result.get("failed") and "ansible_facts" not in result, result
    assert "redirecting to %s" % location in result["msg"]
    assert fresh.stats("win01")["http_requests"] == 0


def test_drip_feeding_peer_fails_within_the_deadline_plus_one_second(playbook) -> None:
    with Hostile(hostile.drip(interval=2.0)) as peer:
        run = playbook("winrm_info", hosts={"win02": {
            "ansible_host": hostile.LOOPBACK, "ansible_port": peer.port, "ansible_winrm_transport": "basic",
            "ansible_winrm_read_timeout_sec": 3, "ansible_winrm_operation_timeout_sec": 2}})
        held = [request.held for request in peer.seen]
    result = run.results["win02"]
    assert result.get("unreachable"), result
    assert "request deadline of 3 s (ansible_winrm_read_timeout_sec)" in result["msg"], result["msg"]
    assert "raise ansible_winrm_read_timeout_sec" in result["msg"]
    assert len(held) == 1 and held[0] is not None and held[0] < 3 + 1, held


def test_oversized_peer_is_refused(playbook) -> None:
    with Hostile(hostile.oversized(200 * 1024 * 1024, announce=False)) as peer:
        run = playbook("winrm_info", hosts={"win02": {
            "ansible_host": hostile.LOOPBACK, "ansible_port": peer.port, "ansible_winrm_transport": "basic"}})
        sent = peer.seen[0].held
    result = run.results["win02"]
    assert result.get("failed") and "ansible_facts" not in result, result
    assert "the reply is larger than" in result["msg"] and "refused without reading the rest" in result["msg"]
    assert sent is not None and sent < 5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((hostile.LOOPBACK, 0))
        return int(sock.getsockname()[1])


CAUSES = [
    # (id, host, overrides, texts the message must hold, unreachable)
    ("connection-timeout-zero", "win03", {"ansible_winrm_connection_timeout": 0},
     ["ansible_winrm_connection_timeout", "must be at least 1, got 0", "refused, not replaced by a default"], False),
    ("wrong-path-404", "win03", {"ansible_winrm_path": "/wsman-typo"},
     ["no WinRM service at path /wsman-typo", "HTTP 404", "set ansible_winrm_path"], False),
    ("missing-ca-file", "win03", {"ansible_winrm_ca_trust_path": "/nonexistent/lab-ca.pem"},
     ["'/nonexistent/lab-ca.pem' does not exist", "set ansible_winrm_ca_trust_path"], False),
    ("http-to-https-port", "win03", {"ansible_winrm_scheme": "http"},
     ["closed it without an HTTP answer", "set ansible_winrm_scheme: https"], True),
    ("https-to-http-port", "win02", {"ansible_winrm_scheme": "https"},
     ["answered in plain HTTP, not TLS", "ansible_winrm_scheme: http"], True),
    ("non-admin", "win03", {"ansible_user": "auditor", "ansible_password": "AUDITOR"},
     ["Access is denied", "local Administrators", "Remote Management Users", "RootSDDL"], False),
    ("overlong-host-name", "win03", {"ansible_host": "h" * 64 + ".lab.test"},
     ["has a label of 64 characters", "set ansible_host"], False),
    ("credssp-wrong-password", "win01", {"ansible_winrm_transport": "credssp", "ansible_password": "not-it"},
     ["credssp authentication as 'Administrator' failed", "SEC_E_LOGON_DENIED", "0x8009030C"], True),
    ("dead-proxy", "win02", {"ansible_winrm_proxy": "FREE"},
     ["cannot reach the proxy", "the WinRM host was not contacted", "ansible_winrm_proxy"], True),
]


@pytest.mark.parametrize(("host", "overrides", "needles", "unreachable"), [c[1:] for c in CAUSES],
                         ids=[c[0] for c in CAUSES])
def test_error_names_cause_and_fix(fresh: Lab, playbook, host: str, overrides: dict[str, Any], needles: list[str],
                                   unreachable: bool) -> None:
    overrides = dict(overrides)
    if overrides.get("ansible_password") == "AUDITOR":
        overrides["ansible_password"] = fresh.hosts[host]["users"]["auditor"]["password"]
    if overrides.get("ansible_winrm_proxy") == "FREE":
        overrides["ansible_winrm_proxy"] = "http://127.0.0.1:%d" % _free_port()
    state = fresh.state_bytes(host)
    run = playbook("winrm_info", hosts={host: overrides})
    result = run.results[host]
    assert result.get("failed") or result.get("unreachable"), result
    assert bool(result.get("unreachable")) is unreachable, result
    for needle in needles:
        assert needle in result["msg"], (needle, result["msg"])
    assert "Traceback" not in run.output
    assert fresh.state_bytes(host) == state
