# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Predicting the protocol a WinRM connection will really negotiate, and why.

For internal collection use only; this is not a public API.

Pure rules over facts gathered elsewhere (DNS, AD, the KDC): no I/O here, so every rule
is unit-tested. The rules follow pywinrm as Ansible uses it: its ``kerberos`` transport
never falls back to NTLM; a transport list (or psrp's ``negotiate``) tries the next one.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.accounts import Account

# Service classes a Windows KDC maps onto HOST/ through sPNMappings (default list, abridged
# to those a WinRM client asks for). WSMAN is not among them: WinRM registers WSMAN/ itself.
HOST_ALIASES = frozenset({"http", "www", "host"})


@dataclass(frozen=True)
class TargetFacts:
    """What is known about one connection before it is made."""

    target: str  # ansible_host (or the inventory name)
    transports: tuple[str, ...]  # in the order tried
    service: str = "HTTP"
    hostname_override: str | None = None
    username: str | None = None
    resolves: bool | None = None  # None: not checked
    directory: bool = False  # AD facts below were looked up
    spn_owner: Account | None = None  # account holding <service>/<kerberos name>
    host_account: Account | None = None  # computer account whose dNSHostName is the name
    wsman_spn_on_host: bool = False  # host account holds WSMAN/<name>
    ticket_error: str | None = None  # KDC answer when a ticket was requested; "" = ticket issued
    kdc_error: str | None = None  # no TGT at all (KDC unreachable, clock skew, bad password)
    kinit_managed: bool = False  # the winrm plugin runs kinit with the password before any transport
    host: str | None = None  # the inventory name (or term) the facts are for


@dataclass(frozen=True)
class Plan:
    """The prediction for one target."""

    target: str
    protocol: str  # kerberos | ntlm | credssp | basic | certificate | fail
    reason: str
    kerberos_name: str
    spn: str
    fix: dict[str, Any] = field(default_factory=dict)

    host: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "host": self.host or self.target,
            "target": self.target,
            "protocol": self.protocol,
            "reason": self.reason,
            "spn": self.spn,
            "fix": dict(self.fix),
        }


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def account_kind(username: str | None) -> str:
    """``local`` (``.\\user``), ``upn`` (user@REALM), ``domain`` (DOMAIN\\user), ``plain`` (user) or ``none``."""
    if not username:
        return "none"
    if username.startswith(".\\"):
        return "local"
    if "@" in username:
        return "upn"
    if "\\" in username:
        return "domain"
    return "plain"


def spn_status(spn: str, owner: Account | None, host_account: Account | None) -> str:
    """``collision`` (another account holds the SPN), ``missing`` (nobody does, HOST/ does not cover it) or ``ok``."""
    if owner is not None and host_account is not None and owner.dn.lower() != host_account.dn.lower():
        return "collision"
    if owner is None:
        service, _sep, name = spn.partition("/")
        if not (host_account is not None and service.lower() in HOST_ALIASES
                and host_account.has_spn("HOST/%s" % name)):
            return "missing"
    return "ok"


def _kerberos_blocker(f: TargetFacts, name: str, spn: str) -> tuple[str, dict[str, Any]] | None:
    """Why Kerberos to ``spn`` would fail, with the vars that fix it; None when it should work."""
    kind = account_kind(f.username)
    if kind == "local":
        return ("%s is a local account: local accounts cannot get Kerberos tickets" % f.username,
                {"ansible_user": "a domain account (user@REALM)"})
    if f.kdc_error:
        return ("no Kerberos ticket for %s: %s" % (f.username or "the current user", f.kdc_error), {})
    # A ticket the KDC issued proves the SPN exists, whatever the directory search found
    # (an alias SPN, sPNMappings, an SPN on an account outside the search base).
    issued = f.ticket_error == ""
    if is_ip(name) and not issued and not (f.directory and f.spn_owner is not None):
        fix: dict[str, Any] = {}
        if f.host_account is not None and f.host_account.dns_host_name:
            fix = {"ansible_host": f.host_account.dns_host_name}
        return ("the target is an IP address: Kerberos needs the host's name, there is no SPN %s "
                "(\"Server not found in Kerberos database\")" % spn,
                fix or {"ansible_winrm_kerberos_hostname_override": "<the host's FQDN>"})
    if f.directory:
        if f.host_account is None and f.spn_owner is None and not issued:
            return ("no computer account in the domain has dNSHostName %s and no account holds %s: a "
                    "workgroup host, an alias, or the short name instead of the FQDN" % (name, spn),
                    {"ansible_host": "<the FQDN registered in AD>"} if "." not in name else {})
        if f.host_account is not None and f.host_account.uac.disabled and not issued:
            return ("the computer account %s is disabled" % f.host_account.sam_account_name, {})
        status = spn_status(spn, f.spn_owner, f.host_account)
        fix = {"ansible_winrm_service": "WSMAN"} if f.wsman_spn_on_host else {}
        if status == "collision" and f.spn_owner is not None and f.host_account is not None:
            return ("%s is registered on %s, not on the host's account %s: the ticket is encrypted for the "
                    "wrong account and the host rejects it (0x80090322, \"credentials were rejected\")"
                    % (spn, f.spn_owner.sam_account_name, f.host_account.sam_account_name), fix)
        if status == "missing" and not issued:
            service = spn.split("/", 1)[0].lower()
            return ("no account holds %s%s (\"Server not found in Kerberos database\")"
                    % (spn, "" if service in HOST_ALIASES else ", and HOST/ does not cover %s/" % service.upper()),
                    fix)
    if f.ticket_error:
        return ("the KDC refused a ticket for %s: %s" % (spn, f.ticket_error), {})
    return None


def predict(f: TargetFacts) -> Plan:
    """Apply the rules to one target."""
    name = (f.hostname_override or f.target).lower()
    spn = "%s/%s" % (f.service, name)
    first = f.transports[0] if f.transports else "basic"

    def plan(protocol: str, reason: str, fix: dict[str, Any] | None = None) -> Plan:
        return Plan(f.target, protocol, reason, name, spn, dict(fix or {}), f.host)

    simple = {
        "basic": "ansible_winrm_transport is basic: the password is sent with every request",
        "ntlm": "ansible_winrm_transport is ntlm: NTLM is used as asked, Kerberos is never tried",
        "certificate": "ansible_winrm_transport is certificate: TLS client certificate mapping",
    }
    if f.resolves is False:
        return plan("fail", "%s does not resolve in DNS: no transport can connect to it" % f.target)
    if first in simple:
        return plan(first, simple[first])
    if f.kdc_error and f.kinit_managed and first == "kerberos":
        # Ansible's winrm plugin runs kinit with the password when it reaches the kerberos
        # transport; a failed kinit ends the connection attempt, whatever transports follow.
        return plan("fail", "the winrm connection runs kinit for %s before trying Kerberos and it fails: %s"
                    % (f.username or "(no ansible_user)", f.kdc_error))
    if first == "credssp":
        blocker = _kerberos_blocker(f, name, spn)
        inner = "NTLM inside CredSSP (%s)" % blocker[0] if blocker else "Kerberos inside CredSSP"
        return plan("credssp", "CredSSP delegates the password to the host; authenticates with " + inner)
    blocker = _kerberos_blocker(f, name, spn)
    if blocker is None:
        notes = []
        if f.ticket_error == "":
            notes.append("the KDC issued a ticket for %s" % spn)
        if f.host_account is not None and f.host_account.uac.disabled:
            notes.append("the computer account is disabled: domain NTLM logons to it will fail")
        return plan("kerberos", "Kerberos to %s%s" % (spn, " (%s)" % "; ".join(notes) if notes else ""))
    reason, fix = blocker
    rest = f.transports[1:]
    disabled = f.host_account is not None and f.host_account.uac.disabled
    if rest and rest[0] == "ntlm" and disabled and account_kind(f.username) != "local":
        return plan("fail", "Kerberos would fail (%s) and so would NTLM with a domain account: the host's computer "
                    "account is disabled, so it cannot check domain logons" % reason, fix)
    if rest:
        return plan(rest[0], "Kerberos would fail (%s); %s is tried next" % (reason, rest[0]), fix)
    return plan("fail", "Kerberos will fail and pywinrm's kerberos transport has no fallback: " + reason, fix)
