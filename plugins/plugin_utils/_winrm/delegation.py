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
    # (value name, target) in number order, as stored: "1" -> "wsman/host".
    values: tuple[tuple[str, str], ...] = ()

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
        stored: list[tuple[str, str]] = []
        for value_name in sorted((registry.enum_values(path) or {}), key=_number_order):
            text = registry.get_string(path, value_name)
            if text:
                stored.append((value_name, text))
        enabled = flags.get(canonical)
        concat = flags.get(LISTS[canonical])
        lists[canonical] = DelegationList(
            name=canonical,
            enabled=None if enabled is None else enabled == 1,
            concatenate_defaults=None if concat is None else concat == 1,
            entries=tuple(text for _name, text in stored),
            values=tuple(stored),
        )
    return DelegationPolicy(exists=True, lists=lists, flags=flags)


# -- writes -------------------------------------------------------------------------------------
# Exactly as PowerShell's CredSSP.cs: targets are REG_SZ values "1", "2", … in the list's subkey;
# enabling a list sets its DWORD to 1 and ConcatenateDefaults_<suffix> to 1; disabling removes the
# wsman/ targets, renumbers what is left from 1, and deletes both DWORDs and the subkey when nothing
# is left.


def is_wsman(entry: str) -> bool:
    """Whether a delegation target concerns WinRM: ``wsman/…``, or a bare ``*`` (every service)."""
    return entry.strip().lower().startswith("wsman/") or entry.strip() == "*"


@dataclass(frozen=True)
class RegWrite:
    """One registry write on the delegation policy, and how to check it in a fresh read.

    Attributes:
        op: ``set_string``, ``set_dword``, ``delete_value`` or ``delete_key``.
        list_name: the list whose subkey it writes (None for the DWORD flags on the policy key).
        name: the value name (``"2"``, ``AllowFreshCredentials``); None for ``delete_key``.
        data: the value written (None for deletes).
    """

    op: str
    list_name: str | None
    name: str | None = None
    data: str | int | None = None

    @property
    def key(self) -> str:
        return DELEGATION_KEY if self.list_name is None else "%s\\%s" % (DELEGATION_KEY, self.list_name)

    def describe(self) -> str:
        where = "%s\\%s" % (self.list_name, self.name) if self.list_name else str(self.name)
        if self.op == "delete_key":
            return "delete subkey %s" % self.list_name
        if self.op == "delete_value":
            return "delete %s" % where
        return "%s = %r" % (where, self.data)

    def holds(self, policy: DelegationPolicy) -> bool:
        """Whether ``policy`` (read after the write) shows this write."""
        if self.list_name is None:
            current: object = policy.flags.get(self.name or "")
        elif self.op == "delete_key":
            lst = policy.lists.get(self.list_name)
            return lst is None or not lst.values
        else:
            lst = policy.lists.get(self.list_name)
            current = dict(lst.values).get(self.name or "") if lst else None
        return current is None if self.op == "delete_value" else current == self.data

    def run(self, registry: Registry) -> None:
        if self.op == "set_string":
            registry.create_key(self.key)
            registry.set_string(self.key, self.name or "", str(self.data))
        elif self.op == "set_dword":
            registry.create_key(self.key)
            registry.set_dword(self.key, self.name or "", int(self.data or 0))
        elif self.op == "delete_value":
            registry.delete_value(self.key, self.name or "")
        else:
            registry.delete_key(self.key)


def _renumber(policy: DelegationPolicy, list_name: str, targets: list[str]) -> list[RegWrite]:
    """Writes that leave the list's subkey holding exactly ``targets`` as "1".."n"."""
    lst = policy.lists.get(list_name)
    current = dict(lst.values) if lst else {}
    wanted = {str(number): text for number, text in enumerate(targets, start=1)}
    writes = [RegWrite("set_string", list_name, name, text) for name, text in wanted.items()
              if current.get(name) != text]
    writes += [RegWrite("delete_value", list_name, name) for name in current if name not in wanted]
    return writes


def _flags(policy: DelegationPolicy, list_name: str, value: int | None) -> list[RegWrite]:
    """Set the list's DWORD and its ConcatenateDefaults flag to ``value`` (None = delete them)."""
    writes = []
    for flag in (list_name, LISTS[list_name]):
        current = policy.flags.get(flag)
        if value is None and current is not None:
            writes.append(RegWrite("delete_value", None, flag))
        elif value is not None and current != value:
            writes.append(RegWrite("set_dword", None, flag, value))
    return writes


def plan_exact(policy: DelegationPolicy, list_name: str, targets: list[str]) -> list[RegWrite]:
    """Writes that make the list's WinRM targets exactly ``targets`` and enable the list.

    Other targets (``TERMSRV/…``) keep their place; kept WinRM targets keep theirs; new ones
    are appended; the numbering is closed up from 1, as Disable-WSManCredSSP leaves it.

    Args:
        policy: the policy as read.
        list_name: a key of :data:`LISTS`.
        targets: ``wsman/<name>`` entries, already validated.
    """
    lst = policy.lists.get(list_name)
    wanted = {t.lower(): t for t in targets}
    kept = [e for e in (lst.entries if lst else ()) if not is_wsman(e) or e.lower() in wanted]
    have = {e.lower() for e in kept}
    final = kept + [t for low, t in wanted.items() if low not in have]
    return _renumber(policy, list_name, final) + _flags(policy, list_name, 1)


def plan_disable(policy: DelegationPolicy, list_name: str) -> list[RegWrite]:
    """Writes that remove the list's WinRM targets as Disable-WSManCredSSP does."""
    lst = policy.lists.get(list_name)
    if lst is None:
        return []
    rest = [e for e in lst.entries if not is_wsman(e)]
    if rest:
        return _renumber(policy, list_name, rest)
    writes = _renumber(policy, list_name, [])
    if lst.values:
        writes.append(RegWrite("delete_key", list_name))
    return writes + _flags(policy, list_name, None)


def preview(policy: DelegationPolicy, writes: list[RegWrite], names: tuple[str, ...]) -> dict[str, list[str]]:
    """The targets of the lists ``names`` once ``writes`` are applied (no writes: as they are), for diffs.

    Lists that end up empty are left out, as the registry leaves them.
    """
    lists = {name: dict(policy.lists[name].values) for name in names if name in policy.lists}
    for w in writes:
        if w.list_name not in names:
            continue
        values = lists.setdefault(w.list_name, {})
        if w.op == "set_string":
            values[w.name or ""] = str(w.data)
        elif w.op == "delete_value":
            values.pop(w.name or "", None)
    return {name: [values[n] for n in sorted(values, key=_number_order)] for name, values in lists.items() if values}
