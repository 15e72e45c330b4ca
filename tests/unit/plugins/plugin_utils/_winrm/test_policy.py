# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm import policy as mp
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import REG_DWORD, REG_SZ
from ansible_collections.winauth.winrm.tests.unit.helpers import FakeRegistry

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
