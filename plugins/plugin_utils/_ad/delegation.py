# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kerberos delegation of one account, as a security review reads it.

For internal collection use only; this is not a public API.

Sources (MS-ADTS 2.2.16 userAccountControl, MS-SFU): TRUSTED_FOR_DELEGATION is unconstrained
delegation; msDS-AllowedToDelegateTo is constrained delegation (S4U2Proxy), with protocol
transition (S4U2Self to any user, no Kerberos logon needed) when TRUSTED_TO_AUTH_FOR_DELEGATION
is set too; msDS-AllowedToActOnBehalfOfOtherIdentity (a security descriptor on the *target*)
is resource-based constrained delegation: the accounts its ACEs name may delegate to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.accounts import Account


@dataclass(frozen=True)
class Delegation:
    """What one account may do with (or have done with) other users' Kerberos identities.

    Attributes:
        unconstrained: any service ticket sent to it carries the user's TGT.
        constrained: SPNs it may delegate to (msDS-AllowedToDelegateTo).
        protocol_transition: it may get tickets for any user without their logon (S4U2Self).
        resource_based: accounts allowed to delegate *to* it (RBCD).
        sensitive: "Account is sensitive and cannot be delegated".
        protected_users: in Protected Users (never delegated, no NTLM).
        domain_controller: DCs have unconstrained delegation by design.
    """

    unconstrained: bool = False
    constrained: tuple[str, ...] = ()
    protocol_transition: bool = False
    resource_based: tuple[str, ...] = ()
    sensitive: bool = False
    protected_users: bool = False
    domain_controller: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, account: Account, resource_based: list[str] | None = None) -> Delegation:
        """From an account; ``resource_based`` names the RBCD principals (None: only whether any exist)."""
        rbcd: tuple[str, ...] = tuple(resource_based or ())
        notes: tuple[str, ...] = ()
        if resource_based is None and account.rbcd:
            rbcd, notes = ("(present, principals not read)",), ("the RBCD security descriptor was not read",)
        return cls(
            unconstrained=account.uac.unconstrained_delegation,
            constrained=tuple(account.allowed_to_delegate_to),
            protocol_transition=account.uac.protocol_transition,
            resource_based=rbcd,
            sensitive=account.uac.sensitive,
            protected_users=account.protected_users,
            domain_controller=account.uac.domain_controller,
            notes=notes,
        )

    def as_dict(self) -> dict[str, Any]:
        return {"unconstrained": self.unconstrained, "constrained": list(self.constrained),
                "protocol_transition": self.protocol_transition, "resource_based": list(self.resource_based),
                "sensitive": self.sensitive, "protected_users": self.protected_users}
