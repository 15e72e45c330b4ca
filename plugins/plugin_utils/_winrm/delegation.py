# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CredSSP credential-delegation policy (what Enable-WSManCredSSP -Role Client writes).

For internal collection use only; this is not a public API.

Layout under HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation:
a DWORD per list (``AllowFreshCredentials`` = 1 enables it), a DWORD
``ConcatenateDefaults_<suffix>`` and a subkey of the list's name holding string values
"1", "2", … each a target such as ``wsman/host.example.com``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import REG_DWORD, Registry

DELEGATION_KEY = "SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation"
# list name -> its ConcatenateDefaults flag
LISTS: dict[str, str] = {
    "AllowFreshCredentials": "ConcatenateDefaults_AllowFresh",
    "AllowFreshCredentialsWhenNTLMOnly": "ConcatenateDefaults_AllowFreshNTLMOnly",
    "AllowDefaultCredentials": "ConcatenateDefaults_AllowDefault",
    "AllowDefCredentialsWhenNTLMOnly": "ConcatenateDefaults_AllowDefNTLMOnly",
    "AllowSavedCredentials": "ConcatenateDefaults_AllowSaved",
    "AllowSavedCredentialsWhenNTLMOnly": "ConcatenateDefaults_AllowSavedNTLMOnly",
}
OTHER_FLAGS = ("AllowProtectedCreds", "RestrictedRemoteAdministration")


@dataclass(frozen=True)
class DelegationList:
    """One delegation list, e.g. AllowFreshCredentials."""

    name: str
    enabled: bool | None
    concatenate_defaults: bool | None
    entries: tuple[str, ...]

    @property
    def wsman_entries(self) -> list[str]:
        """Entries that apply to WinRM (``wsman/…``, or a bare ``*`` that matches every SPN)."""
        return [e for e in self.entries if e.lower().startswith("wsman/") or e.strip() == "*"]

    def as_dict(self) -> dict[str, object]:
        return {
            "enabled": self.enabled,
            "concatenate_defaults": self.concatenate_defaults,
            "entries": list(self.entries),
        }


@dataclass(frozen=True)
class DelegationPolicy:
    """Every delegation list present on the host, plus the related flags."""

    exists: bool
    lists: dict[str, DelegationList] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "configured": self.exists,
            "lists": {name: lst.as_dict() for name, lst in sorted(self.lists.items())},
            "flags": dict(sorted(self.flags.items())),
        }


def _number_order(name: str) -> tuple[int, str]:
    return (int(name), name) if name.isdigit() else (1 << 30, name)


def read_delegation(registry: Registry) -> DelegationPolicy:
    """Read the policy: one round trip when no policy exists; else one per flag, list and entry.

    Args:
        registry: StdRegProv access to the host.

    Returns:
        The policy as configured in the registry (local or GPO-delivered alike).
    """
    values = registry.enum_values(DELEGATION_KEY)
    if values is None:
        return DelegationPolicy(exists=False)
    known = {n.lower(): n for n in (*LISTS, *LISTS.values(), *OTHER_FLAGS)}
    flags: dict[str, int] = {}
    for name, kind in values.items():
        if kind == REG_DWORD and name.lower() in known:
            number = registry.get_dword(DELEGATION_KEY, name)
            if number is not None:
                flags[known[name.lower()]] = number
    lists: dict[str, DelegationList] = {}
    # Windows reads a list only when its flag value exists (policy configured), so a
    # subkey without its flag is ignored here too: no EnumKey round trip needed.
    for canonical in LISTS:
        if canonical not in flags:
            continue
        path = "%s\\%s" % (DELEGATION_KEY, canonical)
        entries: list[str] = []
        for value_name in sorted((registry.enum_values(path) or {}), key=_number_order):
            text = registry.get_string(path, value_name)
            if text:
                entries.append(text)
        enabled = flags.get(canonical)
        concat = flags.get(LISTS[canonical])
        lists[canonical] = DelegationList(
            name=canonical,
            enabled=None if enabled is None else enabled == 1,
            concatenate_defaults=None if concat is None else concat == 1,
            entries=tuple(entries),
        )
    return DelegationPolicy(exists=True, lists=lists, flags=flags)
