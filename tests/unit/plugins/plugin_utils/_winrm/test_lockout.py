# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import socket
from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.change import Change
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import LEAVES, Value
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.listener import Listener, Wanted, plan
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.lockout import cut_reasons, listener_cut_reasons
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import build_settings

HTTP: dict[str, Any] = dict(port=5985)
HTTPS: dict[str, Any] = dict(port=5986)


def reasons(auth: str, key: str, after: Value, **conn: Any) -> list[str]:
    settings = build_settings("win01.lab.test", username="LAB\\ansible", password="pw", transport=auth, **conn)
    return cut_reasons(settings, auth, [Change(key, not after if isinstance(after, bool) else "Relaxed", after,
                                               False)])


# (auth used, change key, new value, connection, cut?)
TABLE: list[tuple[str, str, Value, dict[str, Any], bool]] = [
    # disabling the scheme in use
    ("basic", "service.auth.basic", False, HTTPS, True),
    ("basic", "service.auth.basic", True, HTTPS, False),
    ("basic", "service.auth.negotiate", False, HTTPS, False),
    ("ntlm", "service.auth.negotiate", False, HTTP, True),
    ("ntlm", "service.auth.kerberos", False, HTTP, False),
    ("ntlm", "service.auth.basic", False, HTTP, False),
    ("kerberos", "service.auth.negotiate", False, HTTP, True),
    ("kerberos", "service.auth.kerberos", False, HTTPS, True),
    ("kerberos", "service.auth.basic", False, HTTPS, False),
    ("credssp", "service.auth.credssp", False, HTTPS, True),
    ("credssp", "service.auth.negotiate", False, HTTPS, False),
    # AllowUnencrypted=false
    ("basic", "service.allow_unencrypted", False, HTTP, True),
    ("ntlm", "service.allow_unencrypted", False, HTTP, False),  # message encryption (auto over HTTP)
    ("kerberos", "service.allow_unencrypted", False, HTTP, False),
    ("ntlm", "service.allow_unencrypted", False, dict(port=5985, message_encryption="never"), True),
    ("basic", "service.allow_unencrypted", False, HTTPS, False),  # TLS protects it
    ("basic", "service.allow_unencrypted", True, HTTP, False),
    # CbtHardeningLevel=Strict
    ("ntlm", "service.auth.cbt_hardening_level", "Strict", HTTP, True),
    ("kerberos", "service.auth.cbt_hardening_level", "strict", HTTP, True),
    ("ntlm", "service.auth.cbt_hardening_level", "Strict", HTTPS, False),
    ("kerberos", "service.auth.cbt_hardening_level", "Strict", HTTPS, False),
    ("basic", "service.auth.cbt_hardening_level", "Strict", HTTPS, True),
    ("ntlm", "service.auth.cbt_hardening_level", "Strict", dict(port=5986, send_cbt=False), True),
    ("ntlm", "service.auth.cbt_hardening_level", "Relaxed", HTTP, False),
    ("ntlm", "service.auth.cbt_hardening_level", "None", HTTPS, False),
    # client-side settings never cut the controller's path to the service
    ("basic", "client.auth.basic", False, HTTP, False),
    ("ntlm", "client.auth.negotiate", False, HTTP, False),
    ("kerberos", "client.auth.kerberos", False, HTTP, False),
    ("credssp", "client.auth.credssp", False, HTTPS, False),
    ("basic", "client.allow_unencrypted", False, HTTP, False),
]


@pytest.mark.parametrize(("auth", "key", "after", "conn", "cut"), TABLE,
                         ids=["%s-%s=%s-%s" % (r[0], r[1], r[2], r[3].get("port")) for r in TABLE])
def test_cut_reasons_truth_table(auth: str, key: str, after: Value, conn: dict[str, Any], cut: bool) -> None:
    found = reasons(auth, key, after, **conn)
    assert bool(found) is cut, found
    if cut:
        assert len(found) == 1


def test_no_client_leaf_ever_cuts() -> None:
    for key, leaf in LEAVES.items():
        if not key.startswith("client."):
            continue
        after: Value = False if leaf.kind == "bool" else "x"
        for auth in ("basic", "ntlm", "kerberos", "credssp", "certificate"):
            for conn in (HTTP, HTTPS):
                settings = build_settings("h", username="u", transport=auth, cert_pem="/c", cert_key_pem="/k",
                                          **conn)
                assert cut_reasons(settings, auth, [Change(key, True, after, False)]) == [], (key, auth, conn)


def test_reason_texts() -> None:
    (scheme,) = reasons("ntlm", "service.auth.negotiate", False, **HTTP)
    assert scheme == ("service.auth.negotiate=false would disable the scheme this connection authenticates with "
                      "(ntlm over HTTP)")
    (unenc,) = reasons("basic", "service.allow_unencrypted", False, **HTTP)
    assert "basic over HTTP without message encryption" in unenc
    assert "switch to HTTPS" in unenc
    (cbt_http,) = reasons("ntlm", "service.auth.cbt_hardening_level", "Strict", **HTTP)
    assert "HTTP has no TLS channel to bind" in cbt_http
    (cbt_nocbt,) = reasons("ntlm", "service.auth.cbt_hardening_level", "Strict", port=5986, send_cbt=False)
    assert "ntlm over HTTPS, send_cbt=false" in cbt_nocbt
    (cbt_basic,) = reasons("basic", "service.auth.cbt_hardening_level", "Strict", **HTTPS)
    assert "sends none (basic over HTTPS)" in cbt_basic


def test_several_changes_several_reasons() -> None:
    settings = build_settings("h", port=5985, username="u", transport="basic")
    changes = [
        Change("service.auth.basic", True, False, False),
        Change("service.allow_unencrypted", True, False, False),
        Change("service.auth.cbt_hardening_level", "Relaxed", "Strict", False),
        Change("client.auth.basic", True, False, False),
    ]
    assert len(cut_reasons(settings, "basic", changes)) == 3
    assert cut_reasons(settings, "basic", []) == []


def test_unknown_auth_used_only_checks_transport_independent_rules() -> None:
    settings = build_settings("h", port=5985, username="u", transport="basic")
    assert cut_reasons(settings, "", [Change("service.auth.basic", True, False, False)]) == []
    assert len(cut_reasons(settings, "", [Change("service.allow_unencrypted", True, False, False)])) == 1


# --------------------------------------------------------------------------- listeners

HTTPS_ANY = Listener(address="*", transport="HTTPS", port=5986, hostname="win01", certificate_thumbprint="AB" * 20)
HTTP_ANY = Listener(address="*", transport="HTTP", port=5985)
ADDR = frozenset({"10.0.0.5"})


def listener_reasons(listeners: list[Listener], want: Wanted, scheme_port: int = 5986,
                     addresses: frozenset[str] | None = ADDR) -> list[str]:
    settings = build_settings("10.0.0.5", port=scheme_port, username="u", password="pw", transport="ntlm")
    return listener_cut_reasons(settings, "ntlm", plan(listeners, want), addresses)


# (listeners, wanted, connection port, cut?)
LISTENER_TABLE: list[tuple[list[Listener], Wanted, int, bool]] = [
    ([HTTP_ANY, HTTPS_ANY], Wanted("HTTPS", "*", present=False), 5986, True),
    ([HTTP_ANY, HTTPS_ANY], Wanted("HTTPS", "*", port=5986, enabled=False), 5986, True),
    ([HTTP_ANY, HTTPS_ANY], Wanted("HTTPS", "*", port=443), 5986, True),
    ([HTTP_ANY, HTTPS_ANY], Wanted("HTTPS", "*", port=5986, hostname="other"), 5986, False),
    ([HTTP_ANY, HTTPS_ANY], Wanted("HTTP", "*", present=False), 5986, False),  # the other transport
    ([HTTP_ANY, HTTPS_ANY], Wanted("HTTP", "*", port=5985, enabled=False), 5986, False),
    ([HTTP_ANY, HTTPS_ANY], Wanted("HTTP", "*", present=False), 5985, True),
    ([HTTP_ANY], Wanted("HTTPS", "*", port=5986, certificate_thumbprint="AB" * 20), 5985, False),  # create
    # a listener on another address does not carry a connection to 10.0.0.5
    ([Listener(address="IP:10.0.0.9", transport="HTTPS", port=5986)], Wanted("HTTPS", "IP:10.0.0.9", present=False),
     5986, False),
    ([Listener(address="IP:10.0.0.5", transport="HTTPS", port=5986)], Wanted("HTTPS", "IP:10.0.0.5", present=False),
     5986, True),
    # a MAC listener may carry it: refused
    ([Listener(address="MAC:00-15-5D-01-02-03", transport="HTTPS", port=5986)],
     Wanted("HTTPS", "MAC:00-15-5D-01-02-03", present=False), 5986, True),
    # already disabled: it carries nothing
    ([Listener(address="*", transport="HTTPS", port=5986, enabled=False)], Wanted("HTTPS", "*", present=False),
     5986, False),
    # another port than the connection's
    ([Listener(address="*", transport="HTTPS", port=443)], Wanted("HTTPS", "*", present=False), 5986, False),
]


@pytest.mark.parametrize(("listeners", "want", "port", "cut"), LISTENER_TABLE)
def test_listener_cut_truth_table(listeners: list[Listener], want: Wanted, port: int, cut: bool) -> None:
    assert bool(listener_reasons(listeners, want, port)) is cut


def test_unresolvable_target_counts_every_address_form(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*_args: object, **_kw: object) -> None:
        raise socket.gaierror("no such host")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    ip_listener = [Listener(address="IP:10.0.0.9", transport="HTTPS", port=5986)]
    settings = build_settings("win01.invalid", port=5986, username="u", password="pw", transport="ntlm")
    change = plan(ip_listener, Wanted("HTTPS", "IP:10.0.0.9", present=False))
    assert listener_cut_reasons(settings, "ntlm", change)  # cannot tell where it connects: refuse
    # A target given as an IP address needs no lookup.
    settings = build_settings("10.0.0.5", port=5986, username="u", password="pw", transport="ntlm")
    assert listener_cut_reasons(settings, "ntlm", change) == []


def test_listener_reason_texts() -> None:
    (deleted,) = listener_reasons([HTTP_ANY, HTTPS_ANY], Wanted("HTTPS", "*", present=False))
    assert deleted == ("deleting the HTTPS listener *:5986 would cut the connection this task runs on (ntlm over HTTPS "
                       "to https://10.0.0.5:5986/wsman)")
    disabled, moved = listener_reasons([HTTPS_ANY], Wanted("HTTPS", "*", port=443, enabled=False))
    assert disabled.startswith("disabling the HTTPS listener *:5986")
    assert moved.startswith("moving the HTTPS listener *:5986 to port 443") and "create the new listener first" in moved


# --------------------------------------------------------------------------- policy values with no config leaf

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.lockout import (  # noqa: E402
    auto_config_reasons,
    shell_and_service_reasons,
)


@pytest.mark.parametrize(("user", "cut"), [
    ("localadmin", True), (".\\localadmin", True), ("Administrator", False), ("WIN01\\Administrator", False),
    ("LAB\\ansible", False), ("ansible@LAB.TEST", False),
])
def test_remote_uac_on_cuts_local_accounts_other_than_the_builtin_administrator(user: str, cut: bool) -> None:
    settings = build_settings("win01", username=user, password="pw", transport="ntlm", port=5986)
    change = Change("policy.local_account_token_filter_policy", True, False, False)
    found = shell_and_service_reasons(settings, [change])
    assert bool(found) is cut, found
    # Nothing changes for anyone when the value was not on before.
    assert shell_and_service_reasons(settings, [Change(change.key, None, False, False)]) == []


def test_remote_shells_and_auto_config_off_always_cut() -> None:
    settings = build_settings("win01", username="LAB\\ansible", password="pw", transport="kerberos", port=5986)
    found = shell_and_service_reasons(settings, [
        Change("winrs.allow_remote_shell_access", True, False, False),
        Change("policy.service_allow_auto_config", None, False, False),
        Change("policy.service_allow_auto_config", False, None, False),  # deleting it is the way out
        Change("winrs.allow_remote_shell_access", False, True, False),
    ])
    assert len(found) == 2 and "remote shell" in found[0] and "AllowAutoConfig=0" in found[1]


@pytest.mark.parametrize(("auto", "ipv4", "cut"), [
    (True, None, True), (True, "", True), (True, " ", True), (True, "*", False), (True, "10.0.0.1-10.0.0.9", False),
    (False, None, False), (None, None, False),
])
def test_auto_config_needs_an_ipv4_filter(auto: object, ipv4: object, cut: bool) -> None:
    assert bool(auto_config_reasons(auto, ipv4)) is cut
