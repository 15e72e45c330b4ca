# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Findings of ad_spn_info: the SPN a host's client asks for, its owner, and the host's delegation.

For internal collection use only; this is not a public API.

Pure rules over facts the action gathered (a :class:`HostFacts`); every finding names the
exact change that fixes it. Rows use the engine's :class:`Finding` shape, so they join the
``winrm_info`` findings; ``ENTRIES`` is their catalogue (docs/spn-trap.md lists them).

Delegation ``refs`` carry the names security tools use for the same fact, so the findings
join with their reports: PingCastle's rule ``P-UnconstrainedDelegation`` (confirmed in its
rule list) and, for DCs, ``P-DelegationDCt2a4d`` (protocol transition on a DC); BloodHound's
edges ``AllowedToDelegate`` (msDS-AllowedToDelegateTo) and ``AllowedToAct`` (RBCD) and its node
properties ``unconstraineddelegation`` / ``trustedtoauth``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.delegation import Delegation
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.spn import Owner, Resolution
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import Entry, Finding
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.names import ClientRequest
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.predict import is_ip

ENTRIES: tuple[Entry, ...] = (
    Entry("SPN-COLLISION", "high", "the SPN the client asks for is on another account than the host's",
          "`ansible_winrm_service: WSMAN`, or move the SPN (`ad_spn` `move: true`)"),
    Entry("SPN-DUPLICATE", "high", "two or more accounts hold the SPN (`setspn -X`)",
          "remove it from the account that is not the host's (`ad_spn` `state: absent`)"),
    Entry("SPN-MISSING", "high", "nobody holds the SPN and `HOST/` does not cover it",
          "the FQDN or `…_kerberos_hostname_override`, the other service class, or register it (`ad_spn`)"),
    Entry("SPN-NO-COMPUTER", "medium", "no computer account has the name as dNSHostName",
          "connect by the FQDN registered in AD; a workgroup host needs NTLM over HTTPS or a certificate"),
    Entry("SPN-HOST-DISABLED", "high", "the host's computer account is disabled",
          "enable it or rejoin the host (`Test-ComputerSecureChannel -Repair`)"),
    Entry("SPN-USER-PROTECTED", "high", "the connecting user is in Protected Users and Kerberos would fail",
          "fix the SPN finding: NTLM is refused for this user"),
    Entry("SPN-DUPLICATE-DOMAIN", "medium", "an SPN anywhere in the domain is held twice", "remove one holder"),
    Entry("DELEG-UNCONSTRAINED", "high", "the host is trusted for unconstrained delegation (not a DC)",
          "constrained or resource-based delegation", ("PingCastle P-UnconstrainedDelegation",
                                                       "BloodHound unconstraineddelegation")),
    Entry("DELEG-PROTOCOL-TRANSITION", "high", "constrained delegation with protocol transition (T2A4D)",
          "Kerberos-only constrained delegation, or RBCD",
          ("BloodHound AllowedToDelegate", "BloodHound trustedtoauth")),
    Entry("DELEG-CONSTRAINED", "medium", "constrained delegation (msDS-AllowedToDelegateTo)",
          "review the list", ("BloodHound AllowedToDelegate",)),
    Entry("DELEG-RESOURCE-BASED", "medium", "other accounts may delegate to the host (RBCD)",
          "review msDS-AllowedToActOnBehalfOfOtherIdentity", ("BloodHound AllowedToAct",)),
    Entry("DELEG-USER-NOT-DELEGABLE", "medium", "Kerberos delegation is asked for but the user cannot be delegated",
          "another account, or CredSSP with a dedicated account"),
)
REFS = {e.id: e.refs for e in ENTRIES}


@dataclass(frozen=True)
class Alternative:
    """Connection vars that change the SPN asked for, and how the directory answers for that SPN."""

    vars: dict[str, str]
    spn: str
    status: str


@dataclass(frozen=True)
class UserFacts:
    """The account the connection logs on with, when it is in the directory."""

    name: str
    protected_users: bool = False
    sensitive: bool = False
    delegation_asked: bool = False


@dataclass
class HostFacts:
    """Everything gathered about one host (the action fills it, the rules read it)."""

    request: ClientRequest
    spn: str
    kerberos_name: str
    resolution: Resolution
    computer: Owner | None
    delegation: Delegation | None
    alternatives: list[Alternative] = field(default_factory=list)
    user: UserFacts | None = None

    @property
    def alias(self) -> bool:
        """The name asked for is not the host's own dNSHostName (a CNAME, a short name)."""
        fqdn = self.computer.account.dns_host_name if self.computer is not None else None
        return bool(fqdn) and not is_ip(self.kerberos_name) and fqdn != self.kerberos_name.lower()


def alternatives_for(request: ClientRequest, kerberos_name: str, computer: Owner | None) -> list[tuple[dict[str, str],
                                                                                                       str]]:
    """Var changes worth checking, most specific first: the other service class, the host's FQDN, both.

    Returns (vars, SPN asked for with them) pairs; the action looks each SPN up.
    """
    other = "WSMAN" if request.service_class.upper() == "HTTP" else "HTTP"
    pairs: list[tuple[dict[str, str], str]] = [({request.service_var: other}, "%s/%s" % (other, kerberos_name))]
    fqdn = computer.account.dns_host_name if computer is not None else None
    if fqdn and fqdn.lower() != kerberos_name.lower():
        pairs.append(({request.override_var: fqdn}, "%s/%s" % (request.service_class, fqdn)))
        pairs.append(({request.service_var: other, request.override_var: fqdn}, "%s/%s" % (other, fqdn)))
    return pairs


def recommended_vars(facts: HostFacts) -> dict[str, str]:
    """The first alternative the directory answers ``ok`` for; {} when nothing needs changing or nothing helps."""
    if facts.resolution.status == "ok":
        return {}
    return next((dict(a.vars) for a in facts.alternatives if a.status == "ok"), {})


def _ad_spn(account: str, spn: str, extra: str = "") -> str:
    return "winauth.winrm.ad_spn: {account: %s, spns: [%s]%s}" % (account, spn, extra)


def _vars(values: dict[str, str]) -> str:
    return ", ".join("%s: %s" % kv for kv in values.items())


def spn_findings(facts: HostFacts) -> list[Finding]:
    """SPN-* findings for one host."""
    r, spn, req = facts.resolution, facts.spn, facts.request
    found: list[Finding] = []
    better = recommended_vars(facts)
    use = "connect with %s" % _vars(better) if better else ""
    computer = facts.computer
    if r.status == "collision" and r.owner is not None:
        host_name = computer.name if computer else "the host's computer account"
        fixes = [use] if use else []
        fixes.append("move it to the host: %s (the service running as %s then loses Kerberos for that name)"
                     % (_ad_spn(host_name, spn, ", move: true"), r.owner.name))
        fixes.append("Windows clients: register %s:%d on %s and connect with IncludePortInSPN"
                     % (spn, req.port or 5985, host_name))
        via = " (through HOST/ and sPNMappings)" if r.via == "host_mapping" else ""
        found.append(Finding(
            "SPN-COLLISION", "high", "servicePrincipalName", spn,
            "%s%s is registered on %s (%s), not on %s: the KDC encrypts the ticket with %s's key and the host "
            "rejects it (0x80090322, \"the credentials were rejected\")"
            % (spn, via, r.owner.name, r.owner.type, host_name, r.owner.name),
            "; or ".join(fixes)))
    elif r.status == "duplicate":
        others = [h for h in r.holders if not h.same(computer)] or list(r.holders[1:])
        fixes = ["remove it from %s: %s" % (o.name, _ad_spn(o.name, spn, ", state: absent")) for o in others]
        found.append(Finding(
            "SPN-DUPLICATE", "high", "servicePrincipalName", spn,
            "%s is held by %d accounts (%s): the KDC cannot tell which key to use and refuses the ticket "
            "(\"Server not found in Kerberos database\"); setspn -X lists it"
            % (spn, len(r.holders), ", ".join(h.name for h in r.holders)),
            "; ".join(fixes + ([use] if use else []))))
    elif r.status == "missing":
        found.extend(_missing(facts, use))
    if computer is not None and computer.account.uac.disabled:
        found.append(Finding(
            "SPN-HOST-DISABLED", "high", "userAccountControl", "ACCOUNTDISABLE",
            "%s is disabled: the host cannot check domain logons, so NTLM with a domain account fails; do not "
            "count on Kerberos either (a Windows KDC may refuse tickets for it)" % computer.name,
            "enable the account (Enable-ADComputer %s) or rejoin the host; Test-ComputerSecureChannel -Repair"
            % computer.name.rstrip("$")))
    user = facts.user
    if user is not None and user.protected_users and r.status != "ok":
        found.append(Finding(
            "SPN-USER-PROTECTED", "high", "ansible_user", user.name,
            "%s is in Protected Users: the DC refuses NTLM for it, so with Kerberos broken for %s there is no "
            "fallback at all" % (user.name, spn),
            "fix the SPN finding above (%s)" % (use or "see its fix")))
    return found


def _missing(facts: HostFacts, use: str) -> list[Finding]:
    spn, computer = facts.spn, facts.computer
    name = facts.kerberos_name
    owner = computer
    fixes = [use] if use else []
    if owner is not None:
        fixes.append("register it on %s: %s" % (owner.name, _ad_spn(owner.name, spn)))
    if is_ip(name):
        why = ("the client asks for %s because it connects by IP address and no account holds that SPN "
               "(\"Server not found in Kerberos database\")" % spn)
    elif facts.alias and computer is not None:
        why = ("%s is another name (an alias or a short name) of %s and the client asks for %s as given, which no "
               "account holds (\"Server not found in Kerberos database\")"
               % (name, computer.account.dns_host_name, spn))
    else:
        why = "no account holds %s and HOST/ does not cover %s/ (\"Server not found in Kerberos database\")" % (
            spn, spn.split("/", 1)[0])
    findings = [Finding("SPN-MISSING", "high", "servicePrincipalName", spn, why,
                        "; or ".join(fixes) or "connect by the host's FQDN as registered in AD")]
    if owner is None:
        findings.append(Finding(
            "SPN-NO-COMPUTER", "medium", "dNSHostName", name,
            "no computer account has dNSHostName %s: a workgroup host, an alias, or a short name" % name,
            "connect by the FQDN registered in AD; a host outside the domain needs NTLM over HTTPS or a certificate"))
    return findings


def delegation_findings(delegation: Delegation, account: str, user: UserFacts | None = None) -> list[Finding]:
    """DELEG-* findings for one computer account (and the connecting user, when known)."""
    found: list[Finding] = []

    def add(fid: str, severity: str, setting: str, value: Any, why: str, fix: str, extra: tuple[str, ...] = ()) -> None:
        found.append(Finding(fid, severity, setting, value, why, fix, REFS[fid] + extra))

    if delegation.unconstrained and not delegation.domain_controller:
        add("DELEG-UNCONSTRAINED", "high", "userAccountControl", "TRUSTED_FOR_DELEGATION",
            "%s is trusted for unconstrained delegation: every user who authenticates to it with Kerberos leaves a "
            "usable TGT there; whoever controls the host can act as them anywhere" % account,
            "clear 'Trust this computer for delegation to any service'; use constrained (Kerberos only) or "
            "resource-based delegation to the services it needs")
    if delegation.constrained and delegation.protocol_transition:
        add("DELEG-PROTOCOL-TRANSITION", "high", "msDS-AllowedToDelegateTo", list(delegation.constrained),
            "%s may obtain tickets for any user to %s without that user logging on (S4U2Self + S4U2Proxy, protocol "
            "transition)" % (account, ", ".join(delegation.constrained)),
            "switch to 'Use Kerberos only' (clear TRUSTED_TO_AUTH_FOR_DELEGATION) or RBCD on the target",
            ("PingCastle P-DelegationDCt2a4d",) if delegation.domain_controller else ())
    elif delegation.constrained:
        add("DELEG-CONSTRAINED", "medium", "msDS-AllowedToDelegateTo", list(delegation.constrained),
            "%s may forward users' Kerberos identities to %s" % (account, ", ".join(delegation.constrained)),
            "keep the list to the services this host really needs to reach on behalf of users")
    if delegation.resource_based:
        add("DELEG-RESOURCE-BASED", "medium", "msDS-AllowedToActOnBehalfOfOtherIdentity",
            list(delegation.resource_based),
            "%s may act as any user towards %s (resource-based constrained delegation)"
            % (", ".join(delegation.resource_based), account),
            "remove principals that do not need it (Set-ADComputer %s -PrincipalsAllowedToDelegateToAccount)"
            % account.rstrip("$"))
    if user is not None and user.delegation_asked and (user.sensitive or user.protected_users):
        why = "in Protected Users" if user.protected_users else "marked sensitive and cannot be delegated"
        add("DELEG-USER-NOT-DELEGABLE", "medium", "ansible_winrm_kerberos_delegation", True,
            "%s is %s: its TGT is never forwarded, so the second hop from %s fails" % (user.name, why, account),
            "run the double-hop work as another account, or use CredSSP with a dedicated service account "
            "(winauth.winrm.credssp_scoped)")
    return found


def host_record(facts: HostFacts) -> dict[str, Any]:
    """One host of ad_spn_info's ``hosts`` (the contract's shape)."""
    r, req = facts.resolution, facts.request
    findings = spn_findings(facts)
    if facts.delegation is not None and facts.computer is not None:
        findings += delegation_findings(facts.delegation, facts.computer.name, facts.user)
    computer = None
    if facts.computer is not None:
        a = facts.computer.account
        computer = {"name": a.sam_account_name, "dn": a.dn, "dns_host_name": a.dns_host_name,
                    "disabled": a.uac.disabled, "sid": facts.computer.sid, "spns": list(a.spns)}
    return {
        "target": req.target, "client": req.client, "service_class": req.service_class,
        "kerberos_name": facts.kerberos_name, "spn": facts.spn,
        "owner": r.owner.as_dict() if r.owner else None, "via": r.via, "status": r.status,
        "holders": [h.as_dict() for h in r.holders],
        "computer": computer,
        "delegation": facts.delegation.as_dict() if facts.delegation is not None else None,
        "findings": [f.as_dict(req.host) for f in findings],
        "recommended_vars": recommended_vars(facts),
    }


def duplicate_findings(duplicates: list[dict[str, Any]]) -> list[Finding]:
    """SPN-DUPLICATE-DOMAIN, one per SPN held twice anywhere in the domain."""
    return [Finding("SPN-DUPLICATE-DOMAIN", "medium", "servicePrincipalName", d["spn"],
                    "%s is held by %d accounts: %s. Kerberos to it fails for every client"
                    % (d["spn"], len(d["owners"]), "; ".join(d["owners"])),
                    "keep it on the account that runs the service; remove it from the others "
                    "(winauth.winrm.ad_spn with state: absent)") for d in duplicates]
