# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WinRM Group Policy registry values (HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\…).

For internal collection use only; this is not a public API.

The effective config already says *which* values policy controls (``Source="GPO"``);
this model reads the policy values themselves, including those with no config leaf
(AllowAutoConfig, DisableRunAs, CBTHardeningLevelStatus).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import LEAVES, POLICY_ROOT
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import (
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_SZ,
    Registry,
)

POLICY_KEYS = ("Service", "Service\\WinRS", "Client")


@dataclass(frozen=True)
class PolicyValue:
    """One value under a WinRM policy key."""

    key: str  # "Service", "Service\\WinRS" or "Client"
    name: str
    data: int | str | None
    leaf: str | None  # the config leaf it controls, when there is one

    @property
    def path(self) -> str:
        return "HKLM\\%s\\%s\\%s" % (POLICY_ROOT, self.key, self.name)


@dataclass(frozen=True)
class WinRMPolicy:
    """Every WinRM policy value present on the host."""

    values: tuple[PolicyValue, ...] = field(default_factory=tuple)

    def get(self, key: str, name: str) -> PolicyValue | None:
        """The value ``key\\name`` (names compare case-insensitively, as the registry does)."""
        for value in self.values:
            if value.key.lower() == key.lower() and value.name.lower() == name.lower():
                return value
        return None

    def as_dict(self) -> dict[str, dict[str, int | str | None]]:
        out: dict[str, dict[str, int | str | None]] = {}
        for value in self.values:
            out.setdefault(value.key, {})[value.name] = value.data
        return out


def _leaf_for(key: str, name: str) -> str | None:
    for leaf in LEAVES.values():
        if leaf.policy and leaf.policy[0].lower() == key.lower() and leaf.policy[1].lower() == name.lower():
            return leaf.key
    return None


def read_winrm_policy(registry: Registry) -> WinRMPolicy:
    """Read the three WinRM policy keys: one EnumValues per key plus one Get per value.

    Args:
        registry: StdRegProv access to the host.
    """
    found: list[PolicyValue] = []
    for key in POLICY_KEYS:
        path = "%s\\%s" % (POLICY_ROOT, key)
        for name, kind in sorted((registry.enum_values(path) or {}).items()):
            data: int | str | None
            if kind == REG_DWORD:
                data = registry.get_dword(path, name)
            elif kind in (REG_SZ, REG_EXPAND_SZ):
                data = registry.get_string(path, name)
            else:
                data = None  # no WinRM policy uses other types
            found.append(PolicyValue(key, name, data, _leaf_for(key, name)))
    return WinRMPolicy(tuple(found))
