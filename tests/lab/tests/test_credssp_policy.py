"""The lab's reading of the Credentials Delegation policy (pure logic, no lab running)."""

from __future__ import annotations

from typing import Any

import pytest
from winlab import credssp_policy, registry

KEY = credssp_policy.KEY


def reg_with(values: dict[str, dict[str, Any]]) -> registry.Registry:
    reg = registry.Registry({})
    for path, named in values.items():
        key = reg.create_path(path)
        for name, spec in named.items():
            registry.set_value(key, name, *registry.coerce(spec))
    return reg


@pytest.mark.parametrize(("pattern", "spn", "expected"), [
    ("wsman/*", "WSMAN/win01", True),
    ("wsman/*", "WSMAN/10.0.0.1", True),
    ("WSMAN/*.lab.test", "wsman/win01.lab.test", True),
    ("wsman/*.lab.test", "WSMAN/win01", False),
    ("wsman/*.lab.test", "WSMAN/lab.test", False),
    ("wsman/win01.lab.test", "WSMAN/WIN01.LAB.TEST", True),
    ("wsman/win01", "WSMAN/win01.lab.test", False),
    ("TERMSRV/*", "WSMAN/win01", False),
    ("wsman/*.*.test", "WSMAN/a.b.test", False),  # more than one wildcard: ignored
    ("wsman/", "WSMAN/win01", False),
])
def test_spn_matching(pattern: str, spn: str, expected: bool) -> None:
    assert credssp_policy.spn_matches(pattern, spn) is expected


def test_flag_enables_the_list_and_the_right_list_decides() -> None:
    reg = reg_with({
        KEY: {"AllowFreshCredentials": 1, "AllowFreshCredentialsWhenNTLMOnly": 1},
        KEY + r"\AllowFreshCredentials": {"1": "TERMSRV/*", "2": "wsman/srv01.lab.test"},
        KEY + r"\AllowFreshCredentialsWhenNTLMOnly": {"1": "wsman/win01"},
    })
    assert credssp_policy.fresh_credentials(reg, "WSMAN/srv01.lab.test", ntlm_only=False) == credssp_policy.Decision(
        True, "AllowFreshCredentials", "wsman/srv01.lab.test")
    assert not credssp_policy.fresh_credentials(reg, "WSMAN/srv01.lab.test", ntlm_only=True).allowed
    assert credssp_policy.fresh_credentials(reg, "WSMAN/win01", ntlm_only=True).allowed


def test_list_without_its_flag_or_with_flag_zero_allows_nothing() -> None:
    sub = {KEY + r"\AllowFreshCredentials": {"1": "wsman/*"}}
    assert credssp_policy.entries(reg_with(sub), "AllowFreshCredentials") is None
    assert credssp_policy.entries(reg_with({**sub, KEY: {"AllowFreshCredentials": 0}}), "AllowFreshCredentials") is None
    assert credssp_policy.entries(reg_with({KEY: {"AllowFreshCredentials": 1}}), "AllowFreshCredentials") == []
    # A REG_SZ "1" is not the DWORD Group Policy writes.
    as_string = reg_with({**sub, KEY: {"AllowFreshCredentials": "1"}})
    assert credssp_policy.entries(as_string, "AllowFreshCredentials") is None
    assert not credssp_policy.fresh_credentials(registry.Registry({}), "WSMAN/x", ntlm_only=False).allowed


def test_deny_list_wins() -> None:
    reg = reg_with({
        KEY: {"AllowFreshCredentials": 1, "DenyFreshCredentials": 1},
        KEY + r"\AllowFreshCredentials": {"1": "wsman/*"},
        KEY + r"\DenyFreshCredentials": {"1": "wsman/dc1.lab.test"},
    })
    assert credssp_policy.fresh_credentials(reg, "WSMAN/srv01.lab.test", ntlm_only=False).allowed
    denied = credssp_policy.fresh_credentials(reg, "WSMAN/dc1.lab.test", ntlm_only=False)
    assert not denied.allowed and denied.matched == "wsman/dc1.lab.test"
