# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._findings import engine, winrm
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings import host as rules
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import LEAVES
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.listener import Listener
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.posture import Posture
from ansible_collections.winauth.winrm.tests.unit.helpers import (
    HTTP_LISTENER,
    HTTPS_LISTENER,
    delegation,
    make_posture,
)

POLICY = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\"


def ids(findings: list[engine.Finding]) -> list[str]:
    return [f.id for f in findings]


def only(posture: Posture, fid: str) -> engine.Finding:
    found = [f for f in rules.evaluate(posture) if f.id == fid]
    assert len(found) == 1, found
    return found[0]


def test_hardened_host_has_no_findings() -> None:
    assert rules.evaluate(make_posture()) == []


# (override, finding id, severity, setting, refs)
FLAG_RULES: list[tuple[dict[str, Any], str, str, str, tuple[str, ...]]] = [
    ({"service.auth.basic": True}, "WINRM-SVC-BASIC", "high", "service.auth.basic",
     ("CIS 18.10.89.2.1", "STIG WN22-CC-000500")),
    ({"client.auth.basic": True}, "WINRM-CLI-BASIC", "high", "client.auth.basic",
     ("CIS 18.10.89.1.1", "STIG WN22-CC-000470")),
    ({"service.allow_unencrypted": True}, "WINRM-SVC-UNENCRYPTED", "medium", "service.allow_unencrypted",
     ("CIS 18.10.89.2.3", "STIG WN22-CC-000510")),
    ({"client.allow_unencrypted": True}, "WINRM-CLI-UNENCRYPTED", "medium", "client.allow_unencrypted",
     ("CIS 18.10.89.1.2", "STIG WN22-CC-000480")),
    ({"client.auth.digest": True}, "WINRM-CLI-DIGEST", "medium", "client.auth.digest",
     ("CIS 18.10.89.1.3", "STIG WN22-CC-000490")),
    ({"service.auth.credssp": True}, "WINRM-SVC-CREDSSP", "medium", "service.auth.credssp", ()),
    ({"service.auth.kerberos": False}, "WINRM-SVC-KERBEROS-OFF", "medium", "service.auth.kerberos", ()),
]


@pytest.mark.parametrize(("override", "fid", "severity", "setting", "refs"), FLAG_RULES,
                         ids=[r[1] for r in FLAG_RULES])
def test_flag_rules_fire(override: dict[str, Any], fid: str, severity: str, setting: str,
                         refs: tuple[str, ...]) -> None:
    findings = rules.evaluate(make_posture(override))
    assert ids(findings) == [fid]
    f = findings[0]
    assert (f.severity, f.setting, f.value, f.refs, f.source) == (severity, setting, override[setting], refs, "local")
    assert f.why
    assert f.fix.startswith("winauth.winrm.winrm_auth")


@pytest.mark.parametrize(("override", "fid"), [(r[0], r[1]) for r in FLAG_RULES], ids=[r[1] for r in FLAG_RULES])
def test_flag_rules_silent_when_value_absent(override: dict[str, Any], fid: str) -> None:
    # older hosts may not report a value at all: no finding rather than a guess
    (key,) = override
    assert fid not in ids(rules.evaluate(make_posture({key: None})))


def test_gpo_controlled_value_fix_names_policy_path() -> None:
    posture = make_posture({"service.auth.basic": True}, gpo={"service.auth.basic"})
    f = only(posture, "WINRM-SVC-BASIC")
    assert f.source == "gpo"
    assert POLICY + "Service\\AllowBasic" in f.fix
    assert "Group Policy" in f.fix and "gpupdate" in f.fix
    assert "winrm_auth" not in f.fix
    info = only(posture, "WINRM-GPO-CONTROLLED")
    assert (info.severity, info.setting, info.value, info.source) == ("info", "service.auth.basic", True, "gpo")
    assert POLICY + "Service\\AllowBasic" in info.fix
    assert "0x8033808A" in info.why


def test_gpo_finding_for_every_policy_value_even_when_compliant() -> None:
    posture = make_posture(gpo={"service.auth.basic", "client.auth.digest"})
    findings = rules.evaluate(posture)
    assert ids(findings) == ["WINRM-GPO-CONTROLLED", "WINRM-GPO-CONTROLLED"]
    assert [f.setting for f in findings] == ["client.auth.digest", "service.auth.basic"]
    assert all(f.severity == "info" for f in findings)


@pytest.mark.parametrize(("value", "fires"), [("None", True), ("none", True), ("Relaxed", False), ("Strict", False),
                                              (None, False)])
def test_cbt_none(value: str | None, fires: bool) -> None:
    findings = rules.evaluate(make_posture({"service.auth.cbt_hardening_level": value}))
    assert ("WINRM-SVC-CBT-NONE" in ids(findings)) is fires
    if fires:
        f = findings[0]
        assert (f.severity, f.setting, f.value) == ("medium", "service.auth.cbt_hardening_level", value)
        assert "cbt_hardening_level: Relaxed" in f.fix


def test_cbt_none_under_gpo() -> None:
    posture = make_posture({"service.auth.cbt_hardening_level": "None"}, gpo={"service.auth.cbt_hardening_level"})
    f = only(posture, "WINRM-SVC-CBT-NONE")
    assert f.source == "gpo"
    assert POLICY + "Service\\CbtHardeningLevel" in f.fix


@pytest.mark.parametrize(
    ("value", "fires"),
    [("*", True), ("jump01.lab.test, *", True), (" * ", True), ("*.lab.test", False), ("", False),
     ("a.lab.test,b.lab.test", False)],
)
def test_trusted_hosts_any(value: str, fires: bool) -> None:
    findings = rules.evaluate(make_posture({"client.trusted_hosts": value}))
    assert ids(findings) == (["WINRM-CLI-TRUSTEDHOSTS-ANY"] if fires else [])
    if fires:
        assert findings[0].severity == "medium"
        assert findings[0].value == ",".join(p.strip() for p in value.split(","))


def test_trusted_hosts_under_gpo_names_list_policy() -> None:
    f = only(make_posture({"client.trusted_hosts": "*"}, gpo={"client.trusted_hosts"}),
             "WINRM-CLI-TRUSTEDHOSTS-ANY")
    assert POLICY + "Client\\TrustedHostsList" in f.fix
    assert f.source == "gpo"


# --------------------------------------------------------------------------- CredSSP delegation wildcards


@pytest.mark.parametrize(
    ("entry", "client_credssp", "severity"),
    [
        ("wsman/*", True, "high"),
        ("*", True, "high"),
        ("WSMAN/*", True, "high"),
        ("wsman/*.lab.test", True, "medium"),
        ("wsman/web*", True, "medium"),
        ("wsman/*", False, "low"),
        ("wsman/*.lab.test", False, "low"),
    ],
)
def test_credssp_wildcard_severity(entry: str, client_credssp: bool, severity: str) -> None:
    posture = make_posture({"client.auth.credssp": client_credssp},
                           policy=delegation(AllowFreshCredentials=(True, ["wsman/jump01.lab.test", entry])))
    f = only(posture, "WINRM-CLI-CREDSSP-WILDCARD")
    assert f.severity == severity
    assert f.setting == "credential_delegation.AllowFreshCredentials"
    assert f.value == ["wsman/jump01.lab.test", entry]
    assert repr(entry) in f.why
    if not client_credssp:
        assert "leftover" in f.why
    assert "exact targets" in f.fix


def test_credssp_ntlm_only_list_and_flag_unknown() -> None:
    posture = make_posture({"client.auth.credssp": True},
                           policy=delegation(AllowFreshCredentialsWhenNTLMOnly=(None, ["wsman/*"])))
    f = only(posture, "WINRM-CLI-CREDSSP-WILDCARD")
    assert f.setting == "credential_delegation.AllowFreshCredentialsWhenNTLMOnly"
    assert f.severity == "high"


@pytest.mark.parametrize(
    "policy",
    [
        delegation(AllowFreshCredentials=(False, ["wsman/*"])),  # list disabled
        delegation(AllowFreshCredentials=(True, ["wsman/jump01.lab.test", "wsman/jump02.lab.test"])),
        delegation(AllowFreshCredentials=(True, ["TERMSRV/*"])),  # not WinRM
        delegation(AllowDefaultCredentials=(True, ["wsman/*"])),  # not a list the rule judges
        delegation(),
    ],
    ids=["disabled", "exact", "termsrv", "other-list", "none"],
)
def test_credssp_wildcard_silent(policy: Any) -> None:
    posture = make_posture({"client.auth.credssp": True}, policy=policy)
    assert "WINRM-CLI-CREDSSP-WILDCARD" not in ids(rules.evaluate(posture))


def test_credssp_one_finding_per_wildcard_entry() -> None:
    posture = make_posture({"client.auth.credssp": True},
                           policy=delegation(AllowFreshCredentials=(True, ["wsman/*", "wsman/*.lab.test"])))
    findings = [f for f in rules.evaluate(posture) if f.id == "WINRM-CLI-CREDSSP-WILDCARD"]
    assert [f.severity for f in findings] == ["high", "medium"]


# --------------------------------------------------------------------------- listeners


@pytest.mark.parametrize(
    ("listeners", "fires", "value"),
    [
        ((HTTP_LISTENER,), True, ["HTTP:5985"]),
        ((), True, []),
        ((HTTP_LISTENER, Listener("*", "HTTPS", 5986, enabled=False)), True, ["HTTP:5985", "HTTPS:5986"]),
        ((HTTPS_LISTENER,), False, None),
        ((HTTP_LISTENER, HTTPS_LISTENER), False, None),
    ],
    ids=["http-only", "none", "https-disabled", "https-only", "both"],
)
def test_https_listener(listeners: tuple[Listener, ...], fires: bool, value: list[str] | None) -> None:
    findings = rules.evaluate(make_posture(listeners=listeners))
    assert ids(findings) == (["WINRM-LISTENER-NO-HTTPS"] if fires else [])
    if fires:
        assert findings[0].severity == "medium"
        assert findings[0].value == value
        assert "Transport=HTTPS" in findings[0].fix


# --------------------------------------------------------------------------- ordering and thresholds


def _everything() -> list[engine.Finding]:
    posture = make_posture(
        {"service.auth.basic": True, "client.auth.basic": True, "client.auth.digest": True,
         "service.allow_unencrypted": True, "service.auth.cbt_hardening_level": "None", "client.auth.credssp": False},
        gpo={"client.auth.digest"},
        listeners=(HTTP_LISTENER,),
        policy=delegation(AllowFreshCredentials=(True, ["wsman/*"])),
    )
    return rules.evaluate(posture)


def test_ordering_by_severity_then_id() -> None:
    findings = _everything()
    order = {s: i for i, s in enumerate(engine.SEVERITIES)}
    keys = [(-order[f.severity], f.id, f.setting) for f in findings]
    assert keys == sorted(keys)
    assert [f.severity for f in findings] == ["high", "high", "medium", "medium", "medium", "medium", "low", "info"]
    assert ids(findings)[:2] == ["WINRM-CLI-BASIC", "WINRM-SVC-BASIC"]
    assert ids(findings)[-1] == "WINRM-GPO-CONTROLLED"


@pytest.mark.parametrize(
    ("fail_on", "severities"),
    [
        ("none", []),
        ("high", ["high", "high"]),
        ("medium", ["high", "high", "medium", "medium", "medium", "medium"]),
        ("low", ["high", "high", "medium", "medium", "medium", "medium", "low"]),
        ("info", ["high", "high", "medium", "medium", "medium", "medium", "low"]),  # info never fails a run
    ],
)
def test_exceeds(fail_on: str, severities: list[str]) -> None:
    assert [f.severity for f in engine.exceeds(_everything(), fail_on)] == severities


def test_exceeds_info_only() -> None:
    findings = rules.evaluate(make_posture(gpo={"service.auth.basic"}))
    assert ids(findings) == ["WINRM-GPO-CONTROLLED"]
    for level in engine.FAIL_ON:
        assert engine.exceeds(findings, level) == []


def test_finding_as_dict() -> None:
    f = only(make_posture({"service.auth.basic": True}), "WINRM-SVC-BASIC")
    d = f.as_dict("win01")
    assert d["host"] == "win01"
    assert d["refs"] == ["CIS 18.10.89.2.1", "STIG WN22-CC-000500"]
    assert set(d) == {"id", "severity", "setting", "value", "why", "fix", "refs", "source", "host"}


def test_rules_registered_once() -> None:
    names = [e.id for r in rules.RULES for e in r.entries]
    assert len(names) == len(set(names))
    assert {"WINRM-SVC-BASIC", "WINRM-CLI-CREDSSP-WILDCARD", "WINRM-LISTENER-NO-HTTPS",
            "WINRM-GPO-CONTROLLED"} <= set(names)


def test_findings_doc_is_the_rule_catalogue() -> None:
    """docs/findings.md lists exactly the rules, as the rules describe themselves."""
    doc = (Path(__file__).resolve().parents[5] / "docs" / "findings.md").read_text(encoding="utf-8")
    table = engine.catalogue_markdown(rules.RULES)
    assert table in doc, "docs/findings.md is out of date; its table must be:\n" + table
    # Every catalogue row of the doc is a rule's: WINRM-* and the listener certificate rows (LISTENER-*).
    assert doc.count("\n| WINRM-") + doc.count("\n| LISTENER-") == sum(len(r.entries) for r in rules.RULES)


def test_flag_rule_fix_comes_from_the_leaf_table() -> None:
    for flag in winrm.FLAGS:
        f = only(make_posture({flag.key: not flag.want}), flag.id)
        assert f.fix.startswith(LEAVES[flag.key].fix(flag.want) or "?")
