# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WinRM, CredSSP and remote-UAC policy registry values, as typed options.

For internal collection use only; this is not a public API.

The effective config already says *which* values policy controls (``Source="GPO"``);
this model reads the policy values themselves, including those with no config leaf
(AllowAutoConfig, DisableRunAs, CBTHardeningLevelStatus). :data:`OPTIONS` is the one table
of what ``winrm_policy`` manages: option name, key, value name, type and mapping; reading,
planning, writing and the compliance report all go through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import LEAVES, POLICY_ROOT, WinRMConfig
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.delegation import DELEGATION_KEY, DelegationPolicy
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import (
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_SZ,
    Registry,
    RegistryError,
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


# -- the values winrm_policy manages ----------------------------------------------------------------
WINRM_SERVICE = POLICY_ROOT + "\\Service"
WINRM_WINRS = POLICY_ROOT + "\\Service\\WinRS"
WINRM_CLIENT = POLICY_ROOT + "\\Client"
POLICIES_SYSTEM = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System"
CREDSSP_PARAMETERS = POLICIES_SYSTEM + "\\CredSSP\\Parameters"

OptionValue = bool | str | None
_BOOL: dict[OptionValue, int | str] = {True: 1, False: 0}
_CBT: dict[OptionValue, int | str] = {"none": "None", "relaxed": "Relaxed", "strict": "Strict"}
_ORACLE: dict[OptionValue, int | str] = {"force_updated_clients": 0, "mitigated": 1, "vulnerable": 2}


@dataclass(frozen=True)
class Option:
    """One ``winrm_policy`` option: the registry value it writes and how its value maps to the data.

    Attributes:
        name: the option name (``service_allow_basic``).
        key: the registry key below HKLM.
        value: the value name.
        kind: ``REG_DWORD`` or ``REG_SZ``.
        mapping: option value -> registry data; None for free text (written as given).
        leaf: the config leaf the value controls (it then reads ``Source="GPO"``), or None.
        switch: a DWORD the policy sets to 1 next to the data (``CBTHardeningLevelStatus``), written
            and deleted with it; Windows ignores the data while the switch is not 1.
        default: what the host does when the value is not configured (for compliance).
        confirmed: False when the value name is not yet checked against WindowsRemoteManagement.admx.
    """

    name: str
    key: str
    value: str
    kind: int
    mapping: dict[OptionValue, int | str] | None
    leaf: str | None = None
    switch: str | None = None
    default: OptionValue = None
    confirmed: bool = True

    @property
    def path(self) -> str:
        return "HKLM\\%s\\%s" % (self.key, self.value)

    @property
    def choices(self) -> list[str] | None:
        """The allowed option values of a choice option (None for bool and free text)."""
        if self.mapping is None or self.mapping is _BOOL:
            return None
        return [str(k) for k in self.mapping]

    def to_data(self, wanted: OptionValue) -> int | str:
        """The registry data for an option value (choices compare case-insensitively)."""
        if self.mapping is None:
            return str(wanted)
        if isinstance(wanted, str):
            wanted = wanted.lower()
        return self.mapping[wanted]

    def from_data(self, data: int | str) -> OptionValue | int:
        """The option value of registry data; data outside the mapping comes back as it is."""
        if self.mapping is None:
            return str(data)
        for option_value, mapped in self.mapping.items():
            if mapped == data or (isinstance(mapped, str) and isinstance(data, str) and mapped.lower() == data.lower()):
                return option_value
        return data


# One row per option. The AllowKerberos/AllowNegotiate Group Policies are named "Disallow …"; the
# registry value keeps the Allow… name with 1 = allowed (confirmed for AllowKerberos in the
# ADMX_WindowsRemoteManagement CSP page); which data the *enabled* Disallow policy writes is not.
_ROWS: tuple[Option, ...] = (
    Option("service_allow_basic", WINRM_SERVICE, "AllowBasic", REG_DWORD, _BOOL, "service.auth.basic"),
    Option("service_allow_unencrypted", WINRM_SERVICE, "AllowUnencryptedTraffic", REG_DWORD, _BOOL,
           "service.allow_unencrypted"),
    Option("service_allow_credssp", WINRM_SERVICE, "AllowCredSSP", REG_DWORD, _BOOL, "service.auth.credssp"),
    Option("service_allow_kerberos", WINRM_SERVICE, "AllowKerberos", REG_DWORD, _BOOL, "service.auth.kerberos"),
    Option("service_allow_negotiate", WINRM_SERVICE, "AllowNegotiate", REG_DWORD, _BOOL, "service.auth.negotiate"),
    # UNCONFIRMED value names: IPv4Filter / IPv6Filter (the filter elements of AllowAutoConfig). They come before
    # it: written in table order, AllowAutoConfig=1 with no filter yet would listen nowhere.
    Option("service_ipv4_filter", WINRM_SERVICE, "IPv4Filter", REG_SZ, None, "service.ipv4_filter", confirmed=False),
    Option("service_ipv6_filter", WINRM_SERVICE, "IPv6Filter", REG_SZ, None, "service.ipv6_filter", confirmed=False),
    # "Allow remote server management through WinRM": 1 with the filters makes the service listen
    # on HTTP itself; Microsoft's explain text says that with the policy disabled the service does
    # not answer remote requests at all.
    Option("service_allow_auto_config", WINRM_SERVICE, "AllowAutoConfig", REG_DWORD, _BOOL),
    Option("service_disable_run_as", WINRM_SERVICE, "DisableRunAs", REG_DWORD, _BOOL, default=False),
    Option("service_cbt_hardening_level", WINRM_SERVICE, "CbtHardeningLevel", REG_SZ, _CBT,
           "service.auth.cbt_hardening_level", switch="CBTHardeningLevelStatus"),
    Option("winrs_allow_remote_shell_access", WINRM_WINRS, "AllowRemoteShellAccess", REG_DWORD, _BOOL,
           "winrs.allow_remote_shell_access"),
    Option("client_allow_basic", WINRM_CLIENT, "AllowBasic", REG_DWORD, _BOOL, "client.auth.basic"),
    Option("client_allow_unencrypted", WINRM_CLIENT, "AllowUnencryptedTraffic", REG_DWORD, _BOOL,
           "client.allow_unencrypted"),
    Option("client_allow_digest", WINRM_CLIENT, "AllowDigest", REG_DWORD, _BOOL, "client.auth.digest"),
    Option("client_allow_credssp", WINRM_CLIENT, "AllowCredSSP", REG_DWORD, _BOOL, "client.auth.credssp"),
    Option("client_allow_kerberos", WINRM_CLIENT, "AllowKerberos", REG_DWORD, _BOOL, "client.auth.kerberos"),
    Option("client_allow_negotiate", WINRM_CLIENT, "AllowNegotiate", REG_DWORD, _BOOL, "client.auth.negotiate"),
    # UNCONFIRMED value name: TrustedHostsList (the list element of the TrustedHosts policy, whose
    # own DWORD TrustedHosts=1 is the switch).
    Option("client_trusted_hosts", WINRM_CLIENT, "TrustedHostsList", REG_SZ, None, "client.trusted_hosts",
           switch="TrustedHosts", confirmed=False),
    # CVE-2018-0886; with no value, updated Windows behaves as "mitigated".
    Option("allow_encryption_oracle", CREDSSP_PARAMETERS, "AllowEncryptionOracle", REG_DWORD, _ORACLE,
           default="mitigated"),
    Option("allow_protected_creds", DELEGATION_KEY, "AllowProtectedCreds", REG_DWORD, _BOOL, default=False),
    # Remote UAC: 1 gives local administrators their full token over the network (off by default).
    Option("local_account_token_filter_policy", POLICIES_SYSTEM, "LocalAccountTokenFilterPolicy", REG_DWORD, _BOOL,
           default=False),
)
OPTIONS: dict[str, Option] = {row.name: row for row in _ROWS}


@dataclass(frozen=True)
class PolicyState:
    """The configured value of each option that was read.

    Attributes:
        values: option name -> option value, None when the policy is not configured.
        keys: the registry keys (below HKLM, lower case) that exist.
        gpo: option name -> the GPO that delivers it (domain Group Policy, from RSoP).
    """

    values: dict[str, OptionValue | int]
    keys: frozenset[str] = frozenset()
    gpo: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> OptionValue | int:
        return self.values.get(name)

    def as_dict(self) -> dict[str, OptionValue | int]:
        return dict(sorted(self.values.items()))


def _configured(option: Option, present: dict[str, int | str]) -> OptionValue | int:
    """The option's value from the key's values (lower-case names), None when not configured."""
    if option.switch is not None and present.get(option.switch.lower()) != 1:
        return None  # Windows ignores the data while the switch is off
    data = present.get(option.value.lower())
    return None if data is None else option.from_data(data)


def _read_key(registry: Registry, key: str, wanted: set[str]) -> dict[str, int | str] | None:
    """One EnumValues, then one Get per wanted value that exists; None when the key does not."""
    listed = registry.enum_values(key)
    if listed is None:
        return None
    present: dict[str, int | str] = {}
    for name, kind in listed.items():
        if name.lower() not in wanted:
            continue
        data: int | str | None = None
        if kind == REG_DWORD:
            data = registry.get_dword(key, name)
        elif kind in (REG_SZ, REG_EXPAND_SZ):
            data = registry.get_string(key, name)
        if data is not None:  # a value of another type Windows ignores too
            present[name.lower()] = data
    return present


def read_policy(registry: Registry, options: list[Option] | None = None) -> PolicyState:
    """Read ``options`` (default: all) from the registry: one EnumValues per key, one Get per present value.

    Args:
        registry: StdRegProv access to the host.
        options: the options to read.
    """
    chosen = options if options is not None else list(OPTIONS.values())
    by_key: dict[str, list[Option]] = {}
    for option in chosen:
        by_key.setdefault(option.key, []).append(option)
    values: dict[str, OptionValue | int] = {}
    keys: set[str] = set()
    for key, group in by_key.items():
        wanted = {o.value.lower() for o in group} | {o.switch.lower() for o in group if o.switch}
        present = _read_key(registry, key, wanted)
        if present is not None:
            keys.add(key.lower())
        for option in group:
            values[option.name] = _configured(option, present or {})
    return PolicyState(values, frozenset(keys))


def read_policy_for_audit(registry: Registry, config: WinRMConfig, delegation: DelegationPolicy) -> PolicyState:
    """Every option's configured value at the least cost, for the compliance report.

    An option with a config leaf needs no registry read: the config Get already says whether a
    policy controls the leaf (``Source="GPO"``) and the value it forces. AllowProtectedCreds comes
    with the delegation policy read. What is left costs one EnumValues of WinRM\\Service (plus a
    Get per leafless value present there) and one GetDWORDValue for each of the two single values
    under Policies\\System -- three requests on a host with none of them configured.
    """
    values: dict[str, OptionValue | int] = {}
    for option in OPTIONS.values():
        if option.leaf is not None:
            values[option.name] = _from_leaf(option, config) if config.is_gpo(option.leaf) else None
    service = [o for o in OPTIONS.values() if o.leaf is None and o.key == WINRM_SERVICE]
    values.update(read_policy(registry, service).values)
    values["allow_protected_creds"] = (None if "AllowProtectedCreds" not in delegation.flags
                                       else OPTIONS["allow_protected_creds"].from_data(
                                           delegation.flags["AllowProtectedCreds"]))
    for name in ("allow_encryption_oracle", "local_account_token_filter_policy"):
        option = OPTIONS[name]
        try:
            data = registry.get_dword(option.key, option.value)
        except RegistryError:
            data = None  # a value of another type (type mismatch), which Windows ignores too
        values[name] = None if data is None else option.from_data(data)
    return PolicyState(values)


def _from_leaf(option: Option, config: WinRMConfig) -> OptionValue | int:
    value = config.value(option.leaf or "")
    if isinstance(value, bool) or value is None:
        return value
    return option.from_data(value) if option.mapping is not None else str(value)


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "(not configured)" if value is None else repr(value) if isinstance(value, str) else str(value)


def same(current: object, wanted: object) -> bool:
    """Whether a configured value already is the wanted one (choices compare case-insensitively)."""
    if isinstance(current, bool) or isinstance(wanted, bool):
        return current is wanted
    if isinstance(current, str) and isinstance(wanted, str):
        return current == wanted or current.lower() == wanted.lower()
    return current == wanted


@dataclass(frozen=True)
class PolicyWrite:
    """Set (or, with ``after`` None, delete) one option's registry value(s)."""

    option: Option
    before: OptionValue | int
    after: OptionValue

    def describe(self) -> str:
        what = "delete" if self.after is None else "= %r" % (self.option.to_data(self.after),)
        return "%s: %s -> %s (%s %s)" % (self.option.name, _show(self.before), _show(self.after),
                                         self.option.path, what)

    def holds(self, state: PolicyState) -> bool:
        """Whether a fresh read shows this write."""
        return same(state.value(self.option.name), self.after)

    def run(self, registry: Registry) -> None:
        """The StdRegProv calls: the data then the switch when setting, the switch first when deleting."""
        option = self.option
        if self.after is None:
            if option.switch:
                registry.delete_value(option.key, option.switch)
            registry.delete_value(option.key, option.value)
            return
        data = option.to_data(self.after)
        if isinstance(data, int):
            registry.set_dword(option.key, option.value, data)
        else:
            registry.set_string(option.key, option.value, data)
        if option.switch:
            registry.set_dword(option.key, option.switch, 1)


def validate(name: str, wanted: object) -> OptionValue:
    """Check one wanted option value against its row.

    Raises:
        ValueError: naming the option and what it accepts.
    """
    option = OPTIONS[name]
    if option.mapping is _BOOL:
        if not isinstance(wanted, bool):
            raise ValueError("%s must be true or false, got %r" % (name, wanted))
        return wanted
    if not isinstance(wanted, str):
        raise ValueError("%s must be a string, got %r" % (name, wanted))
    if option.choices is not None and wanted.lower() not in option.choices:
        raise ValueError("%s must be one of %s, got %r" % (name, ", ".join(option.choices), wanted))
    return wanted.lower() if option.choices is not None else wanted


def plan_policy(state: PolicyState, desired: dict[str, OptionValue], absent: list[str]) -> list[PolicyWrite]:
    """The writes that reach ``desired`` (None = not managed) and delete the ``absent`` options.

    Args:
        state: a :func:`read_policy` of (at least) the options involved.
        desired: option name -> wanted value (already :func:`validate`-d).
        absent: option names whose policy value is deleted.
    """
    writes = []
    for name, wanted in desired.items():
        if wanted is not None and not same(state.value(name), wanted):
            writes.append(PolicyWrite(OPTIONS[name], state.value(name), wanted))
    order = list(OPTIONS)
    for name in sorted(absent, key=order.index, reverse=True):  # AllowAutoConfig goes before its filters
        if state.value(name) is not None:
            writes.append(PolicyWrite(OPTIONS[name], state.value(name), None))
    return writes


def missing_keys(state: PolicyState, writes: list[PolicyWrite]) -> list[str]:
    """Keys a set-write needs that do not exist yet (StdRegProv Set*Value does not create keys)."""
    needed = []
    for write in writes:
        if write.after is not None and write.option.key.lower() not in state.keys and write.option.key not in needed:
            needed.append(write.option.key)
    return needed
