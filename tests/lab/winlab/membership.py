"""What a domain member knows about its domain: the accounts that may log on, its keytab, its trust.

Built by the server from hosts.json (``domain`` section + the host's ``computer`` entry).
A member's logons of domain accounts follow Windows:

- Kerberos: accepted with the machine account's keys (its keytab), no DC needed.
- NTLM: a real member passes it to the DC over its secure channel. The lab checks the
  password itself (NTLM_USER_FILE) and refuses when the secure channel is broken
  (computer account disabled) or the DC would refuse (Protected Users, disabled user).
- Authorization: Domain Admins are in the member's Administrators group (elevated,
  UAC remote restrictions do not filter domain accounts); other users get AccessDenied.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DomainAccount:
    name: str
    admin: bool
    enabled: bool
    protected: bool


@dataclass(frozen=True)
class Membership:
    realm: str  # LAB.TEST
    netbios: str  # LAB
    dns_domain: str  # lab.test
    account: str  # the host's computer account, SRV01$
    account_enabled: bool
    keytab: Path
    users: dict[str, DomainAccount]  # lower-case name -> account

    @property
    def secure_channel(self) -> bool:
        """A disabled computer account cannot set up its Netlogon secure channel to the DC."""
        return self.account_enabled

    def is_domain(self, qualifier: str) -> bool:
        """Whether DOMAIN in DOMAIN\\user or user@DOMAIN names this domain."""
        return qualifier.upper() in (self.netbios, self.realm, self.dns_domain.upper())

    def account_of(self, user: str) -> DomainAccount | None:
        return self.users.get(user.lower())


def from_hosts_json(domain: dict[str, Any] | None, host: dict[str, Any]) -> Membership | None:
    """The membership of one hosts.json host entry (None for workgroup hosts)."""
    computer = host.get("computer")
    if not domain or not host.get("domain_member") or not computer:
        return None
    return Membership(
        realm=domain["realm"],
        netbios=domain["netbios"],
        dns_domain=domain["dns_domain"],
        account=computer["account"],
        account_enabled=bool(computer["enabled"]),
        keytab=Path(computer["keytab"]),
        users={name.lower(): DomainAccount(name, bool(u["admin"]), bool(u["enabled"]), bool(u["protected"]))
               for name, u in domain["users"].items()},
    )
