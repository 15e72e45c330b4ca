# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm import delegation as md
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import REG_DWORD, REG_SZ
from ansible_collections.winauth.winrm.tests.unit.helpers import FakeRegistry, RegValue

KEY = md.DELEGATION_KEY


def test_absent_key_is_one_call() -> None:
    fake = FakeRegistry({})
    policy = md.read_delegation(fake)  # type: ignore[arg-type]
    assert policy == md.DelegationPolicy(exists=False)
    assert fake.calls == [("EnumValues", KEY)]
    assert policy.as_dict() == {"configured": False, "lists": {}, "flags": {}}


def test_lists_sorted_numerically_with_flags() -> None:
    fresh = KEY + "\\AllowFreshCredentials"
    values: dict[str, RegValue] = {str(i): (REG_SZ, "wsman/host%02d.lab.test" % i) for i in (1, 2, 10, 11, 3)}
    values["extra"] = (REG_SZ, "wsman/named-value")
    values["4"] = (REG_SZ, "")  # empty strings are skipped
    fake = FakeRegistry({
        KEY: {
            "AllowFreshCredentials": (REG_DWORD, 1),
            "ConcatenateDefaults_AllowFresh": (REG_DWORD, 1),
            "AllowProtectedCreds": (REG_DWORD, 1),
            "AllowFreshCredentialsWhenNTLMOnly": (REG_DWORD, 0),
            "Unrelated": (REG_DWORD, 7),
            "AllowSavedCredentials": (REG_SZ, "not a dword"),
        },
        fresh: values,
        KEY + "\\AllowFreshCredentialsWhenNTLMOnly": {"1": (REG_SZ, "wsman/*")},
        KEY + "\\SomethingElse": {"1": (REG_SZ, "ignored")},
    })
    policy = md.read_delegation(fake)  # type: ignore[arg-type]
    assert policy.exists is True
    assert policy.flags == {
        "AllowFreshCredentials": 1,
        "ConcatenateDefaults_AllowFresh": 1,
        "AllowProtectedCreds": 1,
        "AllowFreshCredentialsWhenNTLMOnly": 0,
    }
    assert set(policy.lists) == {"AllowFreshCredentials", "AllowFreshCredentialsWhenNTLMOnly"}
    fresh_list = policy.lists["AllowFreshCredentials"]
    assert fresh_list.entries == (
        "wsman/host01.lab.test", "wsman/host02.lab.test", "wsman/host03.lab.test",
        "wsman/host10.lab.test", "wsman/host11.lab.test", "wsman/named-value",
    )
    assert fresh_list.enabled is True
    assert fresh_list.concatenate_defaults is True
    ntlm_only = policy.lists["AllowFreshCredentialsWhenNTLMOnly"]
    assert ntlm_only.enabled is False
    assert ntlm_only.concatenate_defaults is None
    assert ntlm_only.entries == ("wsman/*",)
    # no DWORD read for values that are not delegation flags
    assert ("GetDWORDValue", KEY, "Unrelated") not in fake.calls
    assert ("GetDWORDValue", KEY, "AllowSavedCredentials") not in fake.calls
    assert not any(len(call) > 1 and call[1].endswith("SomethingElse") for call in fake.calls)
    assert not any(call[0] == "EnumKey" for call in fake.calls)  # lists are found through their flags
    assert policy.as_dict()["lists"] == {
        "AllowFreshCredentials": {"enabled": True, "concatenate_defaults": True, "entries": list(fresh_list.entries)},
        "AllowFreshCredentialsWhenNTLMOnly": {"enabled": False, "concatenate_defaults": None,
                                              "entries": ["wsman/*"]},
    }


def test_flag_name_matched_case_insensitively() -> None:
    fake = FakeRegistry({
        KEY: {"allowfreshcredentials": (REG_DWORD, 1)},
        KEY + "\\AllowFreshCredentials": {"1": (REG_SZ, "wsman/a")},
    })
    policy = md.read_delegation(fake)  # type: ignore[arg-type]
    assert policy.lists["AllowFreshCredentials"].entries == ("wsman/a",)
    assert policy.lists["AllowFreshCredentials"].enabled is True
    assert policy.flags == {"AllowFreshCredentials": 1}


def test_key_without_lists() -> None:
    fake = FakeRegistry({KEY: {"AllowProtectedCreds": (REG_DWORD, 1)}})
    policy = md.read_delegation(fake)  # type: ignore[arg-type]
    assert policy.exists is True
    assert policy.lists == {}
    assert policy.flags == {"AllowProtectedCreds": 1}


def test_list_without_its_flag_is_ignored_like_windows_does() -> None:
    # A list subkey without its flag value is "Not Configured": Windows does not apply it.
    fake = FakeRegistry({KEY: {}, KEY + "\\AllowDefaultCredentials": {"1": (REG_SZ, "TERMSRV/*")}})
    policy = md.read_delegation(fake)  # type: ignore[arg-type]
    assert policy.lists == {}
    assert fake.calls == [("EnumValues", KEY)]


@pytest.mark.parametrize(
    ("entries", "wsman"),
    [
        (
            ["wsman/a.lab.test", "TERMSRV/*", "WSMAN/b", "*", " * ", "http/*"],
            ["wsman/a.lab.test", "WSMAN/b", "*", " * "],
        ),
        ([], []),
        (["TERMSRV/x"], []),
    ],
)
def test_wsman_entries(entries: list[str], wsman: list[str]) -> None:
    lst = md.DelegationList("AllowFreshCredentials", True, True, tuple(entries))
    assert lst.wsman_entries == wsman
