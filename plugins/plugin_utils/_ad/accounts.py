# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed Active Directory account records: SPNs, userAccountControl and delegation.

For internal collection use only; this is not a public API.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

UAC_ACCOUNTDISABLE = 0x2
UAC_WORKSTATION_TRUST = 0x1000
UAC_SERVER_TRUST = 0x2000
UAC_TRUSTED_FOR_DELEGATION = 0x80000
UAC_NOT_DELEGATED = 0x100000
UAC_TRUSTED_TO_AUTH_FOR_DELEGATION = 0x1000000
PROTECTED_USERS_RID = 525

# Attributes every account search asks for.
ACCOUNT_ATTRIBUTES = [
    "sAMAccountName", "dNSHostName", "servicePrincipalName", "userAccountControl",
    "msDS-AllowedToDelegateTo", "msDS-AllowedToActOnBehalfOfOtherIdentity",
    "msDS-SupportedEncryptionTypes", "memberOf", "objectClass", "operatingSystem",
]
# What the inventory needs per computer: no memberOf/objectClass (the filter implies them) and no
# security descriptors (RBCD presence comes from a dn-only search), to keep 10,000 hosts cheap.
COMPUTER_ATTRIBUTES = [
    "sAMAccountName", "dNSHostName", "servicePrincipalName", "userAccountControl",
    "msDS-AllowedToDelegateTo", "msDS-SupportedEncryptionTypes", "operatingSystem",
]
SPN_OWNER_ATTRIBUTES = ["sAMAccountName", "servicePrincipalName", "userAccountControl"]
ENCTYPES = {0x1: "DES-CBC-CRC", 0x2: "DES-CBC-MD5", 0x4: "RC4-HMAC", 0x8: "AES128", 0x10: "AES256"}


@dataclass(frozen=True)
class UserAccountControl:
    """Decoded userAccountControl flags."""

    value: int

    @property
    def disabled(self) -> bool:
        return bool(self.value & UAC_ACCOUNTDISABLE)

    @property
    def domain_controller(self) -> bool:
        return bool(self.value & UAC_SERVER_TRUST)

    @property
    def workstation_or_server(self) -> bool:
        return bool(self.value & UAC_WORKSTATION_TRUST)

    @property
    def unconstrained_delegation(self) -> bool:
        return bool(self.value & UAC_TRUSTED_FOR_DELEGATION)

    @property
    def protocol_transition(self) -> bool:
        return bool(self.value & UAC_TRUSTED_TO_AUTH_FOR_DELEGATION)

    @property
    def sensitive(self) -> bool:
        """NOT_DELEGATED: "Account is sensitive and cannot be delegated"."""
        return bool(self.value & UAC_NOT_DELEGATED)


def _one(values: Mapping[str, Any], name: str) -> Any:
    value = values.get(name)
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _many(values: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = values.get(name)
    if value is None or value == []:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return (str(value),)


def decode_enctypes(value: int | None) -> list[str]:
    """msDS-SupportedEncryptionTypes → names; unset means RC4 only on a DC."""
    if not value:
        return ["RC4-HMAC (default: attribute not set)"]
    return [name for bit, name in ENCTYPES.items() if value & bit]


@dataclass(frozen=True)
class Account:
    """A user or computer account with what matters for Kerberos and delegation."""

    dn: str
    sam_account_name: str
    dns_host_name: str | None
    spns: tuple[str, ...]
    uac: UserAccountControl
    allowed_to_delegate_to: tuple[str, ...] = field(default_factory=tuple)
    rbcd: bool = False
    supported_enctypes: int | None = None
    protected_users: bool = False
    is_computer: bool = False
    operating_system: str | None = None

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any], rbcd: bool | None = None, computer: bool | None = None) -> Account:
        """Build from an LDAP entry (``{"dn": …, attribute: value}`` as the search yields).

        ``rbcd``/``computer`` override what the entry's attributes say, for searches that did not fetch them.
        """
        uac_raw = _one(entry, "userAccountControl")
        enc_raw = _one(entry, "msDS-SupportedEncryptionTypes")
        groups = _many(entry, "memberOf")
        classes = {c.lower() for c in _many(entry, "objectClass")}
        return cls(
            dn=str(entry.get("dn", "")),
            sam_account_name=str(_one(entry, "sAMAccountName") or ""),
            dns_host_name=(str(_one(entry, "dNSHostName")).lower() if _one(entry, "dNSHostName") else None),
            spns=_many(entry, "servicePrincipalName"),
            uac=UserAccountControl(int(uac_raw or 0)),
            allowed_to_delegate_to=_many(entry, "msDS-AllowedToDelegateTo"),
            rbcd=bool(_one(entry, "msDS-AllowedToActOnBehalfOfOtherIdentity")) if rbcd is None else rbcd,
            supported_enctypes=int(enc_raw) if enc_raw not in (None, "") else None,
            protected_users=any(g.lower().startswith("cn=protected users,") for g in groups),
            is_computer="computer" in classes if computer is None else computer,
            operating_system=_one(entry, "operatingSystem"),
        )

    @functools.cached_property
    def _spns_lower(self) -> frozenset[str]:
        # Built once per account: the inventory asks several SPNs of each of 10,000 computers.
        return frozenset(s.lower() for s in self.spns)

    def has_spn(self, spn: str) -> bool:
        """Case-insensitive SPN membership, as the KDC compares."""
        return spn.lower() in self._spns_lower

    def as_dict(self) -> dict[str, Any]:
        return {
            "dn": self.dn,
            "sam_account_name": self.sam_account_name,
            "dns_host_name": self.dns_host_name,
            "spns": list(self.spns),
            "disabled": self.uac.disabled,
            "domain_controller": self.uac.domain_controller,
            "unconstrained_delegation": self.uac.unconstrained_delegation,
            "protocol_transition": self.uac.protocol_transition,
            "constrained_delegation_to": list(self.allowed_to_delegate_to),
            "resource_based_delegation": self.rbcd,
            "sensitive": self.uac.sensitive,
            "protected_users": self.protected_users,
            "supported_enctypes": decode_enctypes(self.supported_enctypes),
        }
