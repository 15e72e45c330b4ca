# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.modules.winrm_policy import ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm import policy as mp
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import LEAVES, POLICY_ROOT
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.delegation import DelegationPolicy
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import REG_DWORD, REG_SZ
from ansible_collections.winauth.winrm.tests.unit.helpers import FakeRegistry, make_config

ROOT = "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM"


def test_no_policy_costs_one_call_per_key() -> None:
    fake = FakeRegistry({})
    policy = mp.read_winrm_policy(fake)  # type: ignore[arg-type]
    assert policy.values == ()
    assert [c[0] for c in fake.calls] == ["EnumValues"] * 3
    assert policy.as_dict() == {}


def test_values_are_typed_and_mapped_to_their_config_leaf() -> None:
    fake = FakeRegistry({
        ROOT + "\\Service": {"AllowBasic": (REG_DWORD, 0), "DisableRunAs": (REG_DWORD, 1)},
        ROOT + "\\Service\\WinRS": {"AllowRemoteShellAccess": (REG_DWORD, 0)},
        ROOT + "\\Client": {"TrustedHosts": (REG_DWORD, 1), "TrustedHostsList": (REG_SZ, "a.lab.test,b")},
    })
    policy = mp.read_winrm_policy(fake)  # type: ignore[arg-type]
    basic = policy.get("service", "allowbasic")
    assert basic is not None and basic.data == 0 and basic.leaf == "service.auth.basic"
    assert basic.path == "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service\\AllowBasic"
    run_as = policy.get("Service", "DisableRunAs")
    assert run_as is not None and run_as.data == 1 and run_as.leaf is None  # no config leaf for it
    winrs = policy.get("Service\\WinRS", "AllowRemoteShellAccess")
    assert winrs is not None and winrs.leaf == "winrs.allow_remote_shell_access"
    hosts = policy.get("Client", "TrustedHostsList")
    assert hosts is not None and hosts.data == "a.lab.test,b" and hosts.leaf == "client.trusted_hosts"
    assert policy.as_dict()["Client"] == {"TrustedHosts": 1, "TrustedHostsList": "a.lab.test,b"}
    assert policy.get("Client", "AllowDigest") is None


# --------------------------------------------------------------------------- the OPTIONS table


def test_the_module_has_one_option_per_row() -> None:
    assert set(ARGUMENT_SPEC) - {"absent", "force"} == set(mp.OPTIONS)
    for name, option in mp.OPTIONS.items():
        spec = ARGUMENT_SPEC[name]
        assert spec["type"] == ("bool" if option.mapping is mp._BOOL else "str"), name
        assert spec.get("choices") == option.choices, name


def test_rows_with_a_leaf_write_the_policy_value_the_leaf_table_names() -> None:
    for option in mp.OPTIONS.values():
        if option.leaf is None:
            continue
        subkey, value = LEAVES[option.leaf].policy or ("", "")
        assert option.key == POLICY_ROOT + "\\" + subkey and option.value == value, option.name


def test_unconfirmed_value_names_are_marked() -> None:
    assert {o.value for o in mp.OPTIONS.values() if not o.confirmed} == {"IPv4Filter", "IPv6Filter",
                                                                         "TrustedHostsList"}


@pytest.mark.parametrize(("name", "value", "data"), [
    ("service_allow_basic", False, 0), ("service_allow_basic", True, 1),
    ("service_cbt_hardening_level", "Strict", "Strict"), ("service_cbt_hardening_level", "relaxed", "Relaxed"),
    ("allow_encryption_oracle", "force_updated_clients", 0), ("allow_encryption_oracle", "vulnerable", 2),
    ("client_trusted_hosts", "a.lab.test,b", "a.lab.test,b"),
])
def test_mapping_both_ways(name: str, value: Any, data: Any) -> None:
    option = mp.OPTIONS[name]
    assert option.to_data(value) == data
    back = option.from_data(data)
    assert back == (value.lower() if option.choices else value)


def test_data_outside_the_mapping_comes_back_raw_so_it_is_rewritten() -> None:
    option = mp.OPTIONS["service_allow_basic"]
    assert option.from_data(7) == 7
    state = mp.PolicyState({"service_allow_basic": 7})
    assert [w.after for w in mp.plan_policy(state, {"service_allow_basic": True}, [])] == [True]


@pytest.mark.parametrize(("name", "value", "error"), [
    ("service_allow_basic", "no", "true or false"),
    ("service_cbt_hardening_level", "max", "none, relaxed, strict"),
    ("allow_encryption_oracle", True, "must be a string"),
])
def test_validate_names_the_option(name: str, value: Any, error: str) -> None:
    with pytest.raises(ValueError, match=name) as info:
        mp.validate(name, value)
    assert error in str(info.value)


# --------------------------------------------------------------------------- reading


SERVICE = mp.WINRM_SERVICE


def test_read_policy_one_enumvalues_per_key_and_one_get_per_present_value() -> None:
    fake = FakeRegistry({
        SERVICE: {"AllowBasic": (REG_DWORD, 0), "CbtHardeningLevel": (REG_SZ, "Strict"),
                  "CBTHardeningLevelStatus": (REG_DWORD, 1), "Unrelated": (REG_DWORD, 5)},
        mp.WINRM_CLIENT: {"TrustedHostsList": (REG_SZ, "a")},  # the switch is missing: not configured
    })
    state = mp.read_policy(fake)  # type: ignore[arg-type]
    enums = [c[1] for c in fake.calls if c[0] == "EnumValues"]
    assert len(enums) == len(set(enums)) == len({o.key for o in mp.OPTIONS.values()})
    gets = sorted(c[2] for c in fake.calls if c[0].startswith("Get"))
    assert gets == ["AllowBasic", "CBTHardeningLevelStatus", "CbtHardeningLevel", "TrustedHostsList"]
    assert state.value("service_allow_basic") is False
    assert state.value("service_cbt_hardening_level") == "strict"
    assert state.value("client_trusted_hosts") is None
    assert state.keys == {SERVICE.lower(), mp.WINRM_CLIENT.lower()}


def test_audit_read_takes_leaf_values_from_the_config_and_costs_three_requests() -> None:
    config = make_config({"service.auth.basic": False, "client.auth.digest": True}, gpo={"service.auth.basic"})
    fake = FakeRegistry({})
    state = mp.read_policy_for_audit(fake, config, DelegationPolicy(exists=True, flags={"AllowProtectedCreds": 1}))  # type: ignore[arg-type]
    assert len(fake.calls) == 3
    assert [c[0] for c in fake.calls] == ["EnumValues", "GetDWORDValue", "GetDWORDValue"]
    assert state.value("service_allow_basic") is False  # policy (Source="GPO")
    assert state.value("client_allow_digest") is None  # a local value, no policy
    assert state.value("allow_protected_creds") is True
    assert state.value("service_disable_run_as") is None


# --------------------------------------------------------------------------- planning and writing


def test_plan_sets_and_deletes_and_skips_what_matches() -> None:
    state = mp.PolicyState({"service_allow_basic": False, "service_cbt_hardening_level": "relaxed",
                            "service_allow_auto_config": True, "service_ipv4_filter": "*"})
    writes = mp.plan_policy(state, {"service_allow_basic": False, "service_cbt_hardening_level": "strict",
                                    "client_allow_basic": False},
                            ["service_ipv4_filter", "service_allow_auto_config", "service_disable_run_as"])
    assert [(w.option.name, w.after) for w in writes] == [
        ("service_cbt_hardening_level", "strict"), ("client_allow_basic", False),
        # AllowAutoConfig is deleted before its filter, or the service would listen nowhere in between.
        ("service_allow_auto_config", None), ("service_ipv4_filter", None)]
    assert writes[0].describe() == ("service_cbt_hardening_level: 'relaxed' -> 'strict' "
                                    "(HKLM\\%s\\CbtHardeningLevel = 'Strict')" % SERVICE)
    assert mp.missing_keys(state, writes) == [SERVICE, mp.WINRM_CLIENT]


def test_filters_are_written_before_auto_config() -> None:
    order = [n for n in mp.OPTIONS if n.startswith("service_ip") or n == "service_allow_auto_config"]
    assert order == ["service_ipv4_filter", "service_ipv6_filter", "service_allow_auto_config"]


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def __getattr__(self, method: str) -> Any:
        return lambda *args: self.calls.append((method, *args))


def test_write_runs_data_then_switch_and_deletes_switch_first() -> None:
    option = mp.OPTIONS["service_cbt_hardening_level"]
    rec = _Recorder()
    mp.PolicyWrite(option, None, "strict").run(rec)  # type: ignore[arg-type]
    mp.PolicyWrite(option, "strict", None).run(rec)  # type: ignore[arg-type]
    assert rec.calls == [
        ("set_string", SERVICE, "CbtHardeningLevel", "Strict"), ("set_dword", SERVICE, "CBTHardeningLevelStatus", 1),
        ("delete_value", SERVICE, "CBTHardeningLevelStatus"), ("delete_value", SERVICE, "CbtHardeningLevel")]
    assert mp.PolicyWrite(option, None, "strict").holds(mp.PolicyState({option.name: "strict"}))
    assert not mp.PolicyWrite(option, None, None).holds(mp.PolicyState({option.name: "strict"}))
