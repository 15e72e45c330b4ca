# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._findings import hardening, winrm
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings import host as rules
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import Scope
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.listener import Listener
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.policy import OPTIONS, PolicyState
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.posture import Posture
from ansible_collections.winauth.winrm.tests.unit.helpers import HTTP_LISTENER, HTTPS_LISTENER, make_posture

REFERENCE = Path("/work/shared/REFERENCE.md")
# REFERENCE.md "Baselines": (key, value, wanted data, CIS 2022 v4 id). The test below checks this
# list against the page itself whenever the page is there.
BASELINE_ROWS = [
    ("WinRM\\Client", "AllowBasic", 0, "18.10.89.1.1"),
    ("WinRM\\Client", "AllowUnencryptedTraffic", 0, "18.10.89.1.2"),
    ("WinRM\\Client", "AllowDigest", 0, "18.10.89.1.3"),
    ("WinRM\\Service", "AllowBasic", 0, "18.10.89.2.1"),
    ("WinRM\\Service", "AllowAutoConfig", 0, "18.10.89.2.2"),
    ("WinRM\\Service", "AllowUnencryptedTraffic", 0, "18.10.89.2.3"),
    ("WinRM\\Service", "DisableRunAs", 1, "18.10.89.2.4"),
    ("WinRM\\Service\\WinRS", "AllowRemoteShellAccess", 0, "18.10.90.1"),
    ("CredSSP\\Parameters", "AllowEncryptionOracle", 0, "18.9.4.1"),
    ("CredentialsDelegation", "AllowProtectedCreds", 1, "18.9.4.2"),
    ("Policies\\System", "LocalAccountTokenFilterPolicy", 0, "18.4.1"),
]
# Where the profile follows another baseline than CIS on purpose.
DISAGREES = {"AllowAutoConfig"}


def _control_for(key: str, value: str) -> hardening.Control:
    found = [c for c in hardening.CONTROLS.values()
             if c.setting.lower().endswith(("\\%s\\%s" % (key, value)).lower())]
    assert len(found) == 1, (key, value, found)
    return found[0]


@pytest.mark.skipif(not REFERENCE.exists(), reason="the shared REFERENCE.md is not on this machine")
def test_the_baseline_rows_are_the_reference_pages_rows() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    table = text[text.index("## Baselines"):]
    rows = re.findall(r"^\| CIS ([\d.]+)[^|]*\| ([^|]+?) \| (\w+) \| (\d) \|$", table, re.M)
    assert [(k, v, int(w), cis) for cis, k, v, w in rows] == BASELINE_ROWS


@pytest.mark.parametrize(("key", "value", "want", "cis"), BASELINE_ROWS, ids=[r[1] for r in BASELINE_ROWS])
def test_every_baseline_row_has_a_control(key: str, value: str, want: int, cis: str) -> None:
    control = _control_for(key, value)
    assert any(ref == "CIS 2022 v4 " + cis for ref in control.refs), control.refs
    option = OPTIONS[control.option or ""]
    assert control.module == "winauth.winrm.winrm_policy" and option.path == control.setting
    if value in DISAGREES:
        assert "CIS" not in control.follows, control.follows
    else:
        assert option.to_data(control.want) == want and control.follows.startswith("CIS 2022 v4")


def test_ours_are_there_too() -> None:
    settings = set(hardening.CONTROLS)
    assert {"client.trusted_hosts", "service.root_sddl", "listeners", "service.auth.credssp"} <= settings
    assert OPTIONS["service_cbt_hardening_level"].path in settings


def test_rows_have_every_contract_field_and_unique_ids() -> None:
    ids = [c.id for c in hardening.CONTROLS.values()]
    assert len(ids) == len(set(ids))
    for setting, control in hardening.CONTROLS.items():
        assert control.setting == setting and control.title and control.follows
        assert control.profile in hardening.PROFILES
        assert control.id.startswith("WINRM-")
        if control.module == "winauth.winrm.winrm_policy":
            assert control.option in OPTIONS


def test_a_control_reported_by_a_flag_rule_is_that_flag_rule() -> None:
    flags = {flag.id: flag for flag in winrm.FLAGS}
    catalogue = {entry.id for rule in rules.RULES for entry in rule.entries}
    for control in hardening.CONTROLS.values():
        assert (control.finding or control.id) in catalogue or not control.severity, control.id
        if control.finding is not None:
            assert control.finding in catalogue, control.finding
        flag = flags.get(control.finding or "")
        if flag is not None and control.option in OPTIONS:
            # The same check: the flag's leaf is the option's leaf and both want the same value.
            assert OPTIONS[control.option or ""].leaf == flag.key and control.want is flag.want, control.id


# --------------------------------------------------------------------------- compliance


def _rows(posture: Posture, profile: str = "baseline", scope: Scope | None = None) -> dict[str, dict[str, Any]]:
    return {row["control"]: row for row in hardening.compliance(posture, profile, scope)}


HARDENED_POLICY = {
    "service_allow_auto_config": True, "service_disable_run_as": True,
    "allow_encryption_oracle": "force_updated_clients", "allow_protected_creds": True,
    "local_account_token_filter_policy": False,
}

FILTERS = {"service.ipv4_filter": "*", "service.ipv6_filter": "*"}


def _with_policy(posture: Posture, values: dict[str, Any], gpo: dict[str, str] | None = None) -> Posture:
    return replace(posture, policy=PolicyState({**{n: None for n in OPTIONS}, **values}, gpo=gpo or {}))


def test_a_hardened_host_passes_every_baseline_control() -> None:
    posture = _with_policy(make_posture(FILTERS), HARDENED_POLICY)
    rows = _rows(posture)
    assert {c: r["status"] for c, r in rows.items() if r["status"] != "pass"} == {}
    assert "WINRM-WINRS-SHELL" not in rows and "WINRM-SVC-CREDSSP" not in rows
    row = rows["WINRM-SVC-BASIC"]
    assert set(row) == {"control", "title", "setting", "want", "actual", "follows", "refs", "profile", "status",
                        "source", "module", "option", "also"}
    assert row["module"] == "winauth.winrm.winrm_policy" and row["option"] == "service_allow_basic"


def test_strict_wants_more() -> None:
    posture = _with_policy(make_posture(FILTERS, listeners=(HTTP_LISTENER, HTTPS_LISTENER)), HARDENED_POLICY)
    rows = _rows(posture, "strict")
    failing = {c for c, r in rows.items() if r["status"] == "fail"}
    # Relaxed CBT, a TrustedHosts entry, an HTTP listener, AllowAutoConfig on, remote shells on.
    assert failing == {"WINRM-SVC-CBT", "WINRM-CLI-TRUSTEDHOSTS", "WINRM-LISTENER-HTTPS", "WINRM-SVC-AUTOCONFIG",
                       "WINRM-WINRS-SHELL"}
    assert rows["WINRM-SVC-AUTOCONFIG"]["want"] is None and "strict" in rows["WINRM-SVC-AUTOCONFIG"]["follows"]
    assert rows["WINRM-SVC-AUTOCONFIG"]["also"] == {}  # deleting it needs no filter
    assert _rows(posture)["WINRM-SVC-AUTOCONFIG"]["also"] == {"service_ipv4_filter": "*", "service_ipv6_filter": "*"}
    assert rows["WINRM-SVC-CBT"]["want"] == "strict" and rows["WINRM-SVC-CBT"]["actual"] == "relaxed"
    # Strict channel binding passes the baseline's "relaxed" control.
    strict_cbt = _with_policy(make_posture({"service.auth.cbt_hardening_level": "Strict"}), HARDENED_POLICY)
    assert _rows(strict_cbt)["WINRM-SVC-CBT"]["status"] == "pass"


def test_sources_default_local_and_gpo() -> None:
    posture = _with_policy(make_posture({"service.auth.basic": True}, gpo={"service.auth.basic"}),
                           {"service_allow_basic": True, "local_account_token_filter_policy": True},
                           gpo={"service_allow_basic": "WinRM legacy"})
    rows = _rows(posture)
    assert (rows["WINRM-SVC-BASIC"]["status"], rows["WINRM-SVC-BASIC"]["source"]) == ("gpo", "gpo")
    assert (rows["WINRM-UAC-LOCAL-ACCOUNTS"]["status"], rows["WINRM-UAC-LOCAL-ACCOUNTS"]["source"]) == ("fail", "local")
    assert (rows["WINRM-SVC-RUNAS"]["actual"], rows["WINRM-SVC-RUNAS"]["source"]) == (False, "default")
    assert rows["WINRM-CREDSSP-ORACLE"]["actual"] == "mitigated"  # the default of an updated Windows
    # A GPO-delivered value that is already right is a pass.
    good = _with_policy(make_posture(gpo={"service.auth.basic"}), {"service_allow_basic": False},
                        gpo={"service_allow_basic": "WinRM"})
    assert _rows(good)["WINRM-SVC-BASIC"]["status"] == "pass"


def test_credssp_server_passes_on_declared_jump_hosts_only() -> None:
    posture = _with_policy(make_posture({"service.auth.credssp": True}), HARDENED_POLICY)
    assert _rows(posture, "strict")["WINRM-SVC-CREDSSP"]["status"] == "fail"
    scope = Scope(names=frozenset({"jump01"}), jump_hosts=frozenset({"jump01"}))
    assert _rows(posture, "strict", scope)["WINRM-SVC-CREDSSP"]["status"] == "pass"


@pytest.mark.parametrize(("value", "baseline", "strict"), [
    ("", "pass", "pass"), ("a.lab.test", "pass", "fail"), ("*", "fail", "fail"), ("*.lab.test", "fail", "fail"),
    ("a,10.0.0.*", "fail", "fail"),
])
def test_trusted_hosts_control(value: str, baseline: str, strict: str) -> None:
    posture = _with_policy(make_posture({"client.trusted_hosts": value}), HARDENED_POLICY)
    assert _rows(posture)["WINRM-CLI-TRUSTEDHOSTS"]["status"] == baseline
    assert _rows(posture, "strict")["WINRM-CLI-TRUSTEDHOSTS"]["status"] == strict


@pytest.mark.parametrize(("listeners", "baseline", "strict"), [
    ((HTTPS_LISTENER,), "pass", "pass"),
    ((HTTP_LISTENER, HTTPS_LISTENER), "pass", "fail"),
    ((HTTP_LISTENER,), "fail", "fail"),
    ((HTTP_LISTENER, Listener("*", "HTTPS", 5986, enabled=False)), "fail", "fail"),
])
def test_listener_control(listeners: tuple[Listener, ...], baseline: str, strict: str) -> None:
    posture = _with_policy(make_posture(listeners=listeners), HARDENED_POLICY)
    assert _rows(posture)["WINRM-LISTENER-HTTPS"]["status"] == baseline
    assert _rows(posture, "strict")["WINRM-LISTENER-HTTPS"]["status"] == strict


# --------------------------------------------------------------------------- findings from the controls

BROAD = "O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;AU)S:P(AU;FA;GA;;;WD)"


def _ids(posture: Posture) -> set[str]:
    return {f.id for f in rules.evaluate(posture)}


def test_control_findings_need_the_policy_read() -> None:
    posture = make_posture({"client.trusted_hosts": "*.lab.test", "service.root_sddl": BROAD})
    assert not _ids(posture) & {"WINRM-CLI-TRUSTEDHOSTS-WILDCARD", "WINRM-SVC-ROOTSDDL-BROAD"}
    judged = _with_policy(posture, HARDENED_POLICY)
    found = {f.id: f for f in rules.evaluate(judged)}
    assert found["WINRM-CLI-TRUSTEDHOSTS-WILDCARD"].value == ["*.lab.test"]
    assert found["WINRM-SVC-ROOTSDDL-BROAD"].value == ["Authenticated Users (S-1-5-11: GA)"]
    assert found["WINRM-SVC-ROOTSDDL-BROAD"].severity == "medium"


def test_a_bare_star_is_reported_once() -> None:
    posture = _with_policy(make_posture({"client.trusted_hosts": "*"}), HARDENED_POLICY)
    ids = [f.id for f in rules.evaluate(posture) if f.setting == "client.trusted_hosts"]
    assert ids == ["WINRM-CLI-TRUSTEDHOSTS-ANY"]


def test_generated_findings_fire_on_configured_values_not_on_defaults() -> None:
    defaults = _with_policy(make_posture(), {})
    assert not _ids(defaults) & {"WINRM-SVC-RUNAS", "WINRM-CREDSSP-ORACLE", "WINRM-UAC-LOCAL-ACCOUNTS",
                                 "WINRM-CREDSSP-PROTECTED-CREDS"}
    configured = _with_policy(make_posture(), {"service_disable_run_as": False, "allow_encryption_oracle": "vulnerable",
                                               "local_account_token_filter_policy": True,
                                               "allow_protected_creds": False})
    found = {f.id: f for f in rules.evaluate(configured)}
    assert found["WINRM-UAC-LOCAL-ACCOUNTS"].severity == "medium" and found["WINRM-UAC-LOCAL-ACCOUNTS"].value is True
    assert found["WINRM-CREDSSP-ORACLE"].value == "vulnerable"
    assert found["WINRM-CREDSSP-ORACLE"].fix == "winauth.winrm.winrm_policy: {allow_encryption_oracle: " \
                                                "force_updated_clients}"
    assert {"WINRM-SVC-RUNAS", "WINRM-CREDSSP-PROTECTED-CREDS"} <= set(found)
    delivered = _with_policy(make_posture(), {"local_account_token_filter_policy": True},
                             gpo={"local_account_token_filter_policy": "Old GPO"})
    finding = next(f for f in rules.evaluate(delivered) if f.id == "WINRM-UAC-LOCAL-ACCOUNTS")
    assert finding.source == "gpo" and "Group Policy object" in finding.fix
