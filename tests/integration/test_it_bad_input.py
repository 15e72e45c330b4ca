"""Every bad input ends in one clear error and leaves the host unchanged."""

from __future__ import annotations

import socket

import pytest
from winlab.client import Lab


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


CASES = [
    # (id, module, args, host overrides, expected text, unreachable)
    ("unknown-option", "winrm_auth", {"service": {"bogus": True}}, {}, "Unsupported parameters", False),
    ("invalid-cbt-level", "winrm_auth", {"service": {"cbt_hardening_level": "Bogus"}}, {},
     "cbt_hardening_level must be one of: None, Relaxed, Strict", False),
    ("not-a-bool", "winrm_auth", {"service": {"basic": "maybe"}}, {}, "unable to convert to bool", False),
    ("nothing-to-enforce", "winrm_auth", {}, {}, "one of the following is required: service, client", False),
    ("invalid-fail-on", "winrm_info", {"fail_on": "critical"}, {}, "fail_on must be one of: none, low, medium, high",
     False),
    ("unreachable-port", "winrm_info", {}, {"ansible_port": "FREE"}, "Connection refused", True),
    ("wrong-password", "winrm_auth", {"client": {"basic": False}}, {"ansible_password": "not-the-password"},
     "ntlm authentication as 'Administrator' was rejected by the host (HTTP 401)", True),
    ("tls-untrusted", "winrm_info", {}, {"ansible_winrm_ca_trust_path": None, "REQUESTS_CA_BUNDLE": "system"},
     "CERTIFICATE_VERIFY_FAILED", True),
    ("non-admin-access-denied", "winrm_auth", {"client": {"basic": False}},
     {"ansible_user": "auditor", "ansible_password": "AUDITOR"},
     "Access is denied. (WSManFault 5 / 0x00000005). The account is not an administrator of the host", False),
    ("unknown-transport", "winrm_info", {}, {"ansible_winrm_transport": "telepathy"},
     "unsupported transport 'telepathy'", False),
    ("bad-cert-validation", "winrm_info", {}, {"ansible_winrm_server_cert_validation": "maybe"},
     "server_cert_validation must be validate or ignore", False),
    ("unencrypted-http-refused", "winrm_auth", {"client": {"basic": False}},
     {"ansible_port": "HTTP", "ansible_winrm_scheme": "http", "ansible_winrm_message_encryption": "never"},
     "refused an unencrypted message over HTTP", False),
    ("wrong-connection-plugin", "winrm_info", {}, {"ansible_connection": "local"},
     "set ansible_connection to ansible.builtin.winrm", False),
    ("read-timeout-not-above-operation", "winrm_info", {},
     {"ansible_winrm_read_timeout_sec": 10, "ansible_winrm_operation_timeout_sec": 20},
     "read_timeout (10 s) must exceed operation_timeout (20 s)", False),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input(case, fresh: Lab, playbook, monkeypatch: pytest.MonkeyPatch) -> None:
    name, module, args, overrides, expected, unreachable = case
    host = "win03"  # NTLM over HTTPS; win03 allows nothing unencrypted
    overrides = dict(overrides)
    if overrides.get("ansible_port") == "FREE":
        overrides["ansible_port"] = _free_port()
        overrides["ansible_host"] = "127.0.0.1"
    if overrides.get("ansible_port") == "HTTP":
        overrides["ansible_port"] = fresh.hosts[host]["http_port"]
    if overrides.get("ansible_password") == "AUDITOR":
        overrides["ansible_password"] = fresh.hosts[host]["users"]["auditor"]["password"]
    if overrides.pop("REQUESTS_CA_BUNDLE", None):
        # Without a CA path the system store decides, and it does not know the lab CA.
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    state = fresh.state_bytes(host)

    run = playbook(module, args, hosts={host: overrides})
    result = run.results[host]
    assert result.get("failed") or result.get("unreachable"), result
    assert bool(result.get("unreachable")) is unreachable, result
    assert expected in result["msg"], result["msg"]
    assert "Traceback" not in run.output and "Traceback" not in result["msg"]
    assert fresh.state_bytes(host) == state, "%s changed the host" % name
    assert "Put" not in fresh.stats(host)["by_action"]
