"""The `domain` part of a scenario: the Samba AD domain, its users and each member's computer account.

Scenario shape (see scenarios/domain.yml)::

    domain:
      enabled: true
      realm: LAB.TEST             # Kerberos realm; the DNS domain is lab.dns_suffix
      netbios: LAB
      dc: {name: dc1, host: 250}  # the DC listens on <lab network> + 250
      admin_password: ...         # LAB\\Administrator
      users:
        ansible: {password: ..., groups: [Domain Admins]}
        svc_iis: {password: ..., spns: ["HTTP/srv03.{domain}"]}
    hosts:
      srv01:
        domain_member: true
        computer:                 # its account in AD (all keys optional)
          spns: [...]             # replaces the joined-member default (JOINED_SPNS)
          extra_spns: [...]       # added to it
          enabled: true
          trusted_for_delegation: false          # unconstrained delegation
          trusted_to_auth_for_delegation: false  # protocol transition (S4U2Self)
          allowed_to_delegate_to: []             # constrained delegation (msDS-AllowedToDelegateTo)
          allowed_to_act: []                     # RBCD: accounts that may delegate to this one
          enctypes: 28                           # msDS-SupportedEncryptionTypes

SPN templates: ``{fqdn}`` (srv01.lab.test), ``{netbios}`` (SRV01), ``{domain}`` (lab.test).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

# What a real join plus a running WinRM service leave on the computer account:
# the join writes HOST/ and RestrictedKrbHost/ (FQDN and NetBIOS name), the WinRM
# service registers WSMAN/ itself when it starts. HTTP/ is not registered: Windows
# KDCs map it to HOST/ through sPNMappings (Samba's KDC does the same).
JOINED_SPNS = (
    "HOST/{fqdn}",
    "HOST/{netbios}",
    "RestrictedKrbHost/{fqdn}",
    "RestrictedKrbHost/{netbios}",
    "WSMAN/{fqdn}",
    "WSMAN/{netbios}",
)

# msDS-SupportedEncryptionTypes: RC4 | AES128 | AES256, what Windows members write at join.
DEFAULT_COMPUTER_ENCTYPES = 28
ADMIN_GROUPS = ("domain admins", "enterprise admins", "administrators")
_SPN = re.compile(r"^[A-Za-z][A-Za-z0-9-]*/[^/\s]+(/[^/\s]+)?$")


class DomainSpecError(ValueError):
    """The domain part of a scenario is not usable; the message says where."""


@dataclass
class DomainUser:
    name: str
    password: str
    groups: list[str] = field(default_factory=list)
    sensitive: bool = False  # "Account is sensitive and cannot be delegated" (NOT_DELEGATED)
    enabled: bool = True
    spns: list[str] = field(default_factory=list)
    enctypes: int | None = None
    description: str = ""
    # Every group the user is in, nested ones included (set by parse_domain from `groups:`).
    all_groups: list[str] = field(default_factory=list)

    @property
    def admin(self) -> bool:
        """Domain Admins (also through nested groups) are members of every member server's Administrators group."""
        return any(g.lower() in ADMIN_GROUPS for g in self.all_groups or self.groups)

    @property
    def protected(self) -> bool:
        return any(g.lower() == "protected users" for g in self.all_groups or self.groups)


@dataclass
class DomainGroup:
    """A global security group the scenario creates, and the groups it is itself a member of."""

    name: str
    groups: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class ComputerAccount:
    account: str  # sAMAccountName, e.g. SRV01$
    dns_host_name: str
    spns: list[str]
    enabled: bool = True
    trusted_for_delegation: bool = False
    trusted_to_auth_for_delegation: bool = False
    allowed_to_delegate_to: list[str] = field(default_factory=list)
    allowed_to_act: list[str] = field(default_factory=list)
    enctypes: int = DEFAULT_COMPUTER_ENCTYPES


@dataclass
class DomainSpec:
    realm: str
    netbios: str
    dns_domain: str
    dc_name: str
    dc_address: str
    admin_password: str
    users: list[DomainUser]
    groups: list[DomainGroup] = field(default_factory=list)

    @property
    def base_dn(self) -> str:
        return ",".join(f"DC={part}" for part in self.dns_domain.split("."))

    @property
    def dc_fqdn(self) -> str:
        return f"{self.dc_name}.{self.dns_domain}"


def _bool(raw: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise DomainSpecError(f"{where}: {key} must be true or false")
    return value


def _strings(raw: dict[str, Any], key: str, where: str) -> list[str]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DomainSpecError(f"{where}: {key} must be a list of strings")
    return list(value)


def _check_password(password: Any, where: str) -> str:
    if not isinstance(password, str) or not password:
        raise DomainSpecError(f"{where}: needs a password")
    if ":" in password:  # the NTLM user file is colon-separated
        raise DomainSpecError(f"{where}: a lab password must not contain ':'")
    return password


def expand_spn(template: str, fqdn: str, netbios: str, dns_domain: str, where: str) -> str:
    try:
        spn = template.format(fqdn=fqdn, netbios=netbios, domain=dns_domain)
    except (KeyError, IndexError, ValueError) as e:
        raise DomainSpecError(f"{where}: bad SPN template {template!r} (use {{fqdn}}, {{netbios}}, {{domain}})") from e
    if not _SPN.match(spn):
        raise DomainSpecError(f"{where}: {spn!r} is not an SPN (service/host[:port][/name])")
    return spn


def parse_domain(raw: dict[str, Any], network: ipaddress.IPv4Network, dns_suffix: str, where: str) -> DomainSpec:
    """The `domain:` mapping of an enabled domain."""
    realm = str(raw.get("realm", dns_suffix.upper()))
    if realm != realm.upper() or realm.lower() != dns_suffix.lower():
        raise DomainSpecError(f"{where}: realm {realm!r} must be the upper-case DNS suffix {dns_suffix.upper()!r}")
    netbios = str(raw.get("netbios", realm.split(".", maxsplit=1)[0])).upper()
    if not re.fullmatch(r"[A-Z0-9-]{1,15}", netbios):
        raise DomainSpecError(f"{where}: netbios {netbios!r} must be 1-15 letters, digits or '-'")
    dc = raw.get("dc") or {}
    dc_name = str(dc.get("name", "dc1")).lower()
    host = dc.get("host", 250)
    if not isinstance(host, int) or not 0 < host < network.num_addresses - 1:
        raise DomainSpecError(f"{where}: dc.host must be a host number inside {network}")
    users = []
    seen: set[str] = set()
    for name, info in (raw.get("users") or {}).items():
        uwhere = f"{where}: user {name}"
        info = info or {}
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,20}", str(name)) or str(name).lower() in seen:
            raise DomainSpecError(f"{uwhere}: needs a unique sAMAccountName of 1-20 characters")
        seen.add(str(name).lower())
        enctypes = info.get("enctypes")
        if enctypes is not None and not isinstance(enctypes, int):
            raise DomainSpecError(f"{uwhere}: enctypes must be an integer")
        users.append(DomainUser(
            name=str(name),
            password=_check_password(info.get("password"), uwhere),
            groups=_strings(info, "groups", uwhere),
            sensitive=_bool(info, "sensitive", False, uwhere),
            enabled=_bool(info, "enabled", True, uwhere),
            spns=[expand_spn(s, "", "", dns_suffix, uwhere) for s in _strings(info, "spns", uwhere)],
            enctypes=enctypes,
            description=str(info.get("description", "")),
        ))
    groups = []
    for name, info in (raw.get("groups") or {}).items():
        gwhere = f"{where}: group {name}"
        info = info or {}
        if not re.fullmatch(r"[A-Za-z0-9 ._-]{1,64}", str(name)):
            raise DomainSpecError(f"{gwhere}: needs a name of 1-64 letters, digits, spaces, '.', '_' or '-'")
        groups.append(DomainGroup(str(name), _strings(info, "groups", gwhere), str(info.get("description", ""))))
    parents = {g.name.lower(): g.groups for g in groups}
    for user in users:
        user.all_groups = _transitive(user.groups, parents)
    if "administrator" in seen:
        raise DomainSpecError(f"{where}: the domain Administrator is built in (set domain.admin_password)")
    return DomainSpec(
        realm=realm,
        netbios=netbios,
        dns_domain=dns_suffix.lower(),
        dc_name=dc_name,
        dc_address=str(network.network_address + host),
        admin_password=_check_password(raw.get("admin_password"), f"{where}: admin_password"),
        users=users,
        groups=groups,
    )


def _transitive(direct: list[str], parents: dict[str, list[str]]) -> list[str]:
    """``direct`` plus every group those are nested in (scenario groups only; built-in ones end the chain)."""
    found: list[str] = []
    todo = list(direct)
    while todo:
        group = todo.pop(0)
        if group.lower() in (g.lower() for g in found):
            continue
        found.append(group)
        todo.extend(parents.get(group.lower(), []))
    return found


def parse_computer(raw: dict[str, Any], name: str, fqdn: str, domain: DomainSpec, where: str) -> ComputerAccount:
    """The `computer:` mapping of a member host (its AD computer account)."""
    netbios = name.upper()
    raw = raw or {}
    unknown = set(raw) - {"spns", "extra_spns", "enabled", "trusted_for_delegation", "trusted_to_auth_for_delegation",
                          "allowed_to_delegate_to", "allowed_to_act", "enctypes"}
    if unknown:
        raise DomainSpecError(f"{where}: unknown computer keys {sorted(unknown)}")
    templates = _strings(raw, "spns", where) if "spns" in raw else list(JOINED_SPNS)
    templates += _strings(raw, "extra_spns", where)
    spns: list[str] = []
    for template in templates:
        spn = expand_spn(template, fqdn, netbios, domain.dns_domain, where)
        if spn.lower() not in (s.lower() for s in spns):
            spns.append(spn)
    enctypes = raw.get("enctypes", DEFAULT_COMPUTER_ENCTYPES)
    if not isinstance(enctypes, int) or not enctypes & 0x18:
        raise DomainSpecError(f"{where}: enctypes must include AES (8 and/or 16) so an AES keytab exports")
    delegate_to = [expand_spn(s, fqdn, netbios, domain.dns_domain, where)
                   for s in _strings(raw, "allowed_to_delegate_to", where)]
    return ComputerAccount(
        account=netbios + "$",
        dns_host_name=fqdn,
        spns=spns,
        enabled=_bool(raw, "enabled", True, where),
        trusted_for_delegation=_bool(raw, "trusted_for_delegation", False, where),
        trusted_to_auth_for_delegation=_bool(raw, "trusted_to_auth_for_delegation", False, where),
        allowed_to_delegate_to=delegate_to,
        allowed_to_act=[a.upper() for a in _strings(raw, "allowed_to_act", where)],
        enctypes=enctypes,
    )


def check_accounts(domain: DomainSpec, computers: list[ComputerAccount], where: str) -> None:
    """Cross-account rules: RBCD principals exist, no SPN is registered twice."""
    accounts = {c.account.upper() for c in computers} | {u.name.upper() for u in domain.users}
    owner: dict[str, str] = {}
    for computer in computers:
        for principal in computer.allowed_to_act:
            if principal not in accounts:
                raise DomainSpecError(f"{where}: {computer.account} allowed_to_act names unknown account {principal}")
    holders = [(c.account, c.spns) for c in computers] + [(u.name, u.spns) for u in domain.users]
    for account, spns in holders:
        for spn in spns:
            other = owner.setdefault(spn.lower(), account)
            if other != account:
                raise DomainSpecError(f"{where}: SPN {spn} is on both {other} and {account} (AD refuses duplicates)")
