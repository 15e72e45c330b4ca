# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CredSSP planning: exact delegate sets, Disable-WSManCredSSP clean-up, Get-WSManCredSSP lines."""

from __future__ import annotations

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm import credssp
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.delegation import (
    DelegationList,
    DelegationPolicy,
    RegWrite,
    plan_disable,
    plan_exact,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import SettingsError
from ansible_collections.winauth.winrm.tests.unit.helpers import make_config


def policy(values: dict[str, str] | None = None, flags: dict[str, int] | None = None,
           name: str = "AllowFreshCredentials") -> DelegationPolicy:
    if values is None:
        return DelegationPolicy(exists=bool(flags), flags=flags or {})
    ordered = tuple(sorted(values.items(), key=lambda kv: int(kv[0])))
    lst = DelegationList(name, True, True, tuple(t for _n, t in ordered), ordered)
    default_flags = {name: 1, "ConcatenateDefaults_AllowFresh": 1}
    return DelegationPolicy(True, {name: lst}, flags if flags is not None else default_flags)


def apply_writes(p: DelegationPolicy, writes: list[RegWrite], name: str = "AllowFreshCredentials") -> dict[str, str]:
    values = dict(p.lists[name].values) if name in p.lists else {}
    for w in writes:
        if w.list_name == name and w.op == "set_string":
            values[w.name or ""] = str(w.data)
        elif w.list_name == name and w.op == "delete_value":
            values.pop(w.name or "")
    return values


def test_exact_set_removes_stale_and_wildcards_keeps_termsrv_and_renumbers() -> None:
    p = policy({"1": "wsman/*", "2": "TERMSRV/rdp01", "3": "wsman/old01", "4": "wsman/jump01", "5": "TERMSRV/*"})
    writes = plan_exact(p, "AllowFreshCredentials", ["wsman/jump01", "wsman/jump02"])
    assert apply_writes(p, writes) == {"1": "TERMSRV/rdp01", "2": "wsman/jump01", "3": "TERMSRV/*",
                                       "4": "wsman/jump02"}
    assert not any(w.list_name is None for w in writes)  # flags already 1


def test_exact_set_on_a_host_without_policy_creates_list_and_flags() -> None:
    p = policy(None)
    writes = plan_exact(p, "AllowFreshCredentials", ["wsman/jump01"])
    assert [w.describe() for w in writes] == [
        "AllowFreshCredentials\\1 = 'wsman/jump01'",
        "AllowFreshCredentials = 1",
        "ConcatenateDefaults_AllowFresh = 1",
    ]


def test_exact_set_is_idempotent_and_case_insensitive() -> None:
    p = policy({"1": "WSMAN/Jump01", "2": "wsman/jump02"})
    assert plan_exact(p, "AllowFreshCredentials", ["wsman/jump01", "wsman/JUMP02"]) == []


def test_disable_removes_wsman_renumbers_rest() -> None:
    p = policy({"1": "wsman/a", "2": "TERMSRV/rdp01", "3": "wsman/b", "4": "TERMSRV/rdp02"})
    writes = plan_disable(p, "AllowFreshCredentials")
    assert apply_writes(p, writes) == {"1": "TERMSRV/rdp01", "2": "TERMSRV/rdp02"}
    assert not any(w.op == "delete_key" or w.list_name is None for w in writes)


def test_disable_deletes_flags_and_subkey_when_nothing_remains() -> None:
    p = policy({"1": "wsman/a", "2": "wsman/*"})
    writes = plan_disable(p, "AllowFreshCredentials")
    assert [w.describe() for w in writes] == [
        "delete AllowFreshCredentials\\1", "delete AllowFreshCredentials\\2",
        "delete subkey AllowFreshCredentials",
        "delete AllowFreshCredentials", "delete ConcatenateDefaults_AllowFresh",
    ]
    assert plan_disable(policy(None), "AllowFreshCredentials") == []


def test_writes_hold_only_when_a_fresh_read_shows_them() -> None:
    p = policy({"1": "wsman/a"})
    write = RegWrite("set_string", "AllowFreshCredentials", "2", "wsman/b")
    assert write.holds(p) is False
    assert write.holds(policy({"1": "wsman/a", "2": "wsman/b"})) is True
    assert RegWrite("delete_value", None, "AllowFreshCredentials").holds(policy(None)) is True
    assert RegWrite("set_dword", None, "AllowFreshCredentials", 1).holds(p) is True


@pytest.mark.parametrize(("names", "targets"), [
    (["jump01.corp.example"], ["wsman/jump01.corp.example"]),
    (["wsman/jump01", "WSMAN/JUMP01", " jump02 "], ["wsman/jump01", "wsman/jump02"]),
    (["10.0.0.5"], ["wsman/10.0.0.5"]),
])
def test_targets_from(names: list[str], targets: list[str]) -> None:
    assert credssp.targets_from(names, allow_wildcard=False) == targets


@pytest.mark.parametrize(("names", "message"), [
    (["*"], "is a wildcard: CredSSP hands the user's reusable password"),
    (["*.corp.example"], "allow_wildcard: true"),
    ([""], "empty entry"),
    (["TERMSRV/rdp01"], "not a computer name"),
    (["a b"], "not a computer name"),
])
def test_targets_from_refuses(names: list[str], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace("*", r"\*")):
        credssp.targets_from(names, allow_wildcard=False)


def test_wildcard_accepted_when_allowed() -> None:
    assert credssp.targets_from(["*.corp.example"], allow_wildcard=True) == ["wsman/*.corp.example"]


def test_get_wsmancredssp_lines() -> None:
    on = credssp.CredSSPState(make_config({"client.auth.credssp": False, "service.auth.credssp": True}),
                              policy({"1": "wsman/a", "2": "TERMSRV/x", "3": "WSMAN/b"}))
    assert on.get_wsmancredssp() == [
        "The machine is configured to allow delegating fresh credentials to the following target(s):"
        "wsman/a, WSMAN/b",
        "This computer is configured to receive credentials from a remote client computer.",
    ]
    off = credssp.CredSSPState(make_config({"service.auth.credssp": False}), policy(None))
    assert off.get_wsmancredssp() == [
        "The machine is not configured to allow delegating fresh credentials.",
        "This computer is not configured to receive credentials from a remote client computer.",
    ]
    assert on.as_dict() == {"client": {"enabled": False, "delegate_computers": ["wsman/a", "WSMAN/b"],
                                       "ntlm_only_delegate_computers": []}, "server": {"enabled": True}}
