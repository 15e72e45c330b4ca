# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Predicting the protocol a WinRM connection will really negotiate, and why.

For internal collection use only; this is not a public API.

Pure rules over facts gathered elsewhere (DNS, AD, the KDC): no I/O here, so every rule
is unit-tested. The rules follow pywinrm as Ansible uses it: its ``kerberos`` transport
never falls back to NTLM; a transport list (or psrp's ``negotiate``) tries the next one.
"""

from __future__ import annotations

import dataclasses
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
    host_account: Account | None = None  # the host's computer account (by name, short name or address)
    wsman_spn_on_host: bool = False  # host account holds WSMAN/<name>
    ticket_error: str | None = None  # KDC answer when a ticket was requested; "" = ticket issued
    kdc_error: str | None = None  # no TGT at all (KDC unreachable, clock skew, bad password)
    kinit_managed: bool = False  # the winrm plugin runs kinit with the password before any transport
    host: str | None = None  # the inventory name (or term) the facts are for
    # The name the Kerberos client puts in the SPN after krb5.conf's rules (dns_canonicalize_hostname,
    # rdns, qualify_shortname); None: the override or target as given.
    kerberos_name: str | None = None
    alias_of: str | None = None  # the CNAME target of the name, when the client does not follow it
    user_account: Account | None = None  # the connecting domain account, when looked up
    realm: str | None = None  # the directory's realm (upper case), for fixes that name a UPN
    cert: bool | None = None  # a client certificate (cert_pem and cert_key_pem) is configured; None: unknown
    scheme: str | None = None  # http | https, when known


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
    remedy: str = ""  # the action that removes the failure (vars or a change in AD / on the host)

    def as_dict(self) -> dict[str, Any]:
        return {
            "host": self.host or self.target,
            "target": self.target,
            "protocol": self.protocol,
            "reason": self.reason,
            "spn": self.spn,
            "fix": dict(self.fix),
            "remedy": self.remedy,
        }


@dataclass(frozen=True)
class _Blocker:
    """Why one transport would fail, and what would make the connection work."""

    reason: str
    fix: dict[str, Any] = field(default_factory=dict)
    remedy: str = ""


def is_ip(name: str) -> bool:
    """An IPv4 or IPv6 address (brackets allowed), as Kerberos sees a target: no host name to put in an SPN."""
    if ":" not in name and not name.replace(".", "").isdigit():
        return False  # the common case, a host name: no exception raised per call (inventory: 10,000 hosts)
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


def _upn(f: TargetFacts) -> str | None:
    """The user as user@REALM (the form a Kerberos login needs), when the realm is known."""
    user = f.username or ""
    kind = account_kind(user)
    if kind == "upn":
        name, _at, realm = user.partition("@")
        return "%s@%s" % (name, realm.upper())
    if kind == "domain" and f.realm:
        return "%s@%s" % (user.split("\\", 1)[1], f.realm.upper())
    return None


def _to_kerberos(f: TargetFacts) -> dict[str, Any]:
    """The vars that switch this connection to Kerberos (a UPN, since kinit needs one)."""
    fix: dict[str, Any] = {"ansible_winrm_transport": "kerberos"}
    upn = _upn(f)
    if upn and upn != f.username:
        fix["ansible_user"] = upn
    return fix


def _kerberos_fix(f: TargetFacts, name: str, spn: str) -> dict[str, Any]:
    """The vars that move a connection another transport cannot make onto Kerberos; {} when Kerberos cannot work."""
    blocker = _kerberos_blocker(f, name, spn)
    if blocker is None:
        return _to_kerberos(f)
    if blocker.fix and not any("<" in str(v) for v in blocker.fix.values()) and "ansible_winrm_transport" \
            not in blocker.fix:
        return {**_to_kerberos(f), **blocker.fix}
    return {}


def _kdc_blocker(f: TargetFacts) -> _Blocker:
    """No TGT: the fix depends on what the KDC said."""
    error = f.kdc_error or ""
    who = f.username or "the current user"
    reason = "no Kerberos ticket for %s: %s" % (who, error)
    kind = account_kind(f.username)
    realm = (f.username or "").partition("@")[2]
    upn = _upn(f)
    if kind == "local":
        return _Blocker(reason, {"ansible_winrm_transport": "ntlm"},
                        "%s is a local account: it has no Kerberos principal; use ansible_winrm_transport: ntlm, or "
                        "a domain account (user@REALM) for Kerberos" % f.username)
    if kind == "domain" and upn:
        # kinit takes a principal: DOMAIN\user is not one (it becomes "DOMAIN\user@REALM").
        return _Blocker(reason, {"ansible_user": upn}, "log on with the principal name: ansible_user: %s" % upn)
    if kind == "upn" and realm and realm != realm.upper():
        # MIT (and Windows) realms are case-sensitive names: LAB.TEST, never lab.test.
        upn = _upn(f)
        return _Blocker(reason, {"ansible_user": upn}, "write the realm in upper case: ansible_user: %s" % upn)
    lowered = error.lower()
    if "skew" in lowered:
        return _Blocker(reason, {}, "synchronise this controller's clock with the domain's time source "
                                    "(chrony/ntp against a DC); Kerberos allows 5 minutes of skew")
    if "password" in lowered or "preauth" in lowered:
        return _Blocker(reason, {}, "check ansible_password for %s (or kinit again)" % who)
    return _Blocker(reason, {}, "make the KDC reachable from this controller (krb5.conf realm, port 88 to a DC)")


def _kerberos_blocker(f: TargetFacts, name: str, spn: str) -> _Blocker | None:
    """Why Kerberos to ``spn`` would fail, with the vars that fix it; None when it should work."""
    kind = account_kind(f.username)
    if kind == "local":
        return _Blocker("%s is a local account: local accounts cannot get Kerberos tickets" % f.username,
                        {"ansible_winrm_transport": "ntlm"},
                        "connect with a domain account (user@REALM), or use ansible_winrm_transport: ntlm")
    if f.kdc_error:
        return _kdc_blocker(f)
    if f.user_account is not None and f.user_account.uac.disabled:
        return _Blocker("the account %s is disabled in AD" % f.user_account.sam_account_name, {},
                        "enable %s or use another account" % f.user_account.sam_account_name)
    # A ticket the KDC issued proves the SPN exists, whatever the directory search found
    # (an alias SPN, sPNMappings, an SPN on an account outside the search base).
    issued = f.ticket_error == ""
    host = f.host_account
    if is_ip(name) and not issued and not (f.directory and f.spn_owner is not None):
        fix: dict[str, Any] = {}
        if host is not None and host.dns_host_name:
            fix = {"ansible_host": host.dns_host_name}
        return _Blocker("the target is an IP address: Kerberos needs the host's name, there is no SPN %s "
                        "(\"Server not found in Kerberos database\")" % spn,
                        fix or {"ansible_winrm_kerberos_hostname_override": "<the host's FQDN>"},
                        "connect by the host's FQDN%s, or register %s on the host's account (setspn -S %s %s)"
                        % (" (%s)" % host.dns_host_name if host is not None and host.dns_host_name else "", spn,
                           spn, host.sam_account_name if host is not None else "<HOST>$"))
    if f.directory:
        if host is None and f.spn_owner is None and not issued:
            if f.alias_of:
                return _alias_blocker(f, name, spn)
            return _Blocker("no computer account in the domain has dNSHostName %s and no account holds %s: a "
                            "workgroup host, an alias, or the short name instead of the FQDN" % (name, spn),
                            {"ansible_host": "<the FQDN registered in AD>"} if "." not in name else {},
                            "join the host to the domain, or connect with a local account over ntlm")
        if host is not None and host.uac.disabled and not issued:
            return _Blocker("the computer account %s is disabled" % host.sam_account_name, {},
                            "enable the computer account %s (or rejoin the host)" % host.sam_account_name)
        status = spn_status(spn, f.spn_owner, host)
        fix = {"ansible_winrm_service": "WSMAN"} if f.wsman_spn_on_host else {}
        if status == "collision" and f.spn_owner is not None and host is not None:
            return _Blocker(
                "%s is registered on %s, not on the host's account %s: the ticket is encrypted for the "
                "wrong account and the host rejects it (0x80090322, \"credentials were rejected\")"
                % (spn, f.spn_owner.sam_account_name, host.sam_account_name), fix,
                "%smove %s to %s (setspn -D %s %s; setspn -S %s %s)"
                % ("use ansible_winrm_service: WSMAN, or " if fix else "", spn, host.sam_account_name, spn,
                   f.spn_owner.sam_account_name, spn, host.sam_account_name))
        if status == "missing" and not issued:
            if f.alias_of and f.spn_owner is None:
                return _alias_blocker(f, name, spn)
            service = spn.split("/", 1)[0].lower()
            covered = service in HOST_ALIASES
            account = host.sam_account_name if host is not None else "<HOST>$"
            if not covered and host is not None and host.has_spn("HOST/%s" % name):
                fix = {"ansible_winrm_service": "HTTP"}  # HOST/ covers HTTP/ through sPNMappings
            elif not covered and host is not None and host.has_spn("HTTP/%s" % name):
                fix = {"ansible_winrm_service": "HTTP"}
            return _Blocker("no account holds %s%s (\"Server not found in Kerberos database\")"
                            % (spn, "" if covered else ", and HOST/ does not cover %s/" % service.upper()), fix,
                            "%sregister %s on %s (setspn -S %s %s)"
                            % ("use ansible_winrm_service: %s, or " % fix["ansible_winrm_service"]
                               if fix else "", spn, account, spn, account))
    if f.ticket_error:
        if f.alias_of:
            return _alias_blocker(f, name, spn, f.ticket_error)
        return _Blocker("the KDC refused a ticket for %s: %s" % (spn, f.ticket_error), {},
                        "register %s on the host's computer account (setspn -S)" % spn)
    return None


def _alias_blocker(f: TargetFacts, name: str, spn: str, said: str | None = None) -> _Blocker:
    """A DNS alias (CNAME) the client does not follow: nobody holds the alias's SPN."""
    real = f.alias_of or ""
    service = spn.split("/", 1)[0]
    return _Blocker(
        "%s is a DNS alias (CNAME) of %s and the client asks for %s as given (krb5.conf dns_canonicalize_hostname "
        "= false): no account holds it (%s)" % (name, real, spn, said or "\"Server not found in Kerberos database\""),
        {"ansible_winrm_kerberos_hostname_override": real},
        "keep the alias and set ansible_winrm_kerberos_hostname_override: %s, or connect to %s (ansible_host), or "
        "register %s on the host's account (setspn -S %s/%s <HOST>$)" % (real, real, spn, service, name))


# What each transport is, as reasons name it.
LABELS = {"kerberos": "Kerberos", "ntlm": "NTLM", "basic": "Basic", "credssp": "CredSSP",
          "certificate": "Certificate"}


def _domain_logon_blocker(f: TargetFacts, transport: str, name: str, spn: str) -> _Blocker | None:
    """Account facts that refuse a domain NTLM logon (also what CredSSP's inner NTLM needs)."""
    if account_kind(f.username) not in ("domain", "upn"):
        return None
    user = f.user_account
    if user is not None and user.protected_users:
        return _Blocker("%s is in Protected Users: the DC refuses NTLM for its members" % f.username,
                        _kerberos_fix(f, name, spn),
                        "connect with Kerberos (ansible_winrm_transport: kerberos, a user@REALM login), or use an "
                        "account outside Protected Users")
    if user is not None and user.uac.disabled:
        return _Blocker("the account %s is disabled in AD" % user.sam_account_name, {},
                        "enable %s or use another account" % user.sam_account_name)
    host = f.host_account
    if host is not None and host.uac.disabled:
        return _Blocker("the host's computer account %s is disabled, so it has no secure channel to check domain "
                        "logons (\"the trust relationship ... failed\")" % host.sam_account_name,
                        _kerberos_fix(f, name, spn),
                        "enable the computer account %s (or rejoin the host); Kerberos may still work"
                        % host.sam_account_name)
    if f.directory and host is None and not f.alias_of and transport != "credssp":
        return _Blocker("%s is not a domain member (no computer account found for it by name or address): a "
                        "workgroup host cannot check a domain account" % f.target, {},
                        "use one of the host's local accounts, or join it to the domain")
    return None


def _transport_blocker(f: TargetFacts, transport: str, name: str, spn: str) -> _Blocker | None:
    """Why ``transport`` (not Kerberos) would fail for this account and host; None when it should work."""
    kind = account_kind(f.username)
    if transport == "basic":
        if kind in ("domain", "upn"):
            # WinRM Basic checks the local SAM only (MS-WSMV 3.1.4.1.29.4: Basic maps to a local account).
            ntlm = _domain_logon_blocker(f, "ntlm", name, spn)
            return _Blocker("%s is a domain account and WinRM Basic accepts local accounts only" % f.username,
                            _kerberos_fix(f, name, spn) or ({"ansible_winrm_transport": "ntlm"} if ntlm is None
                                                            else {}),
                            "connect with Kerberos (ansible_winrm_transport: kerberos) or NTLM; Basic is for "
                            "local accounts")
        return None
    if transport == "certificate":
        if f.cert is False:
            return _Blocker("no client certificate is configured (ansible_winrm_cert_pem / ansible_winrm_cert_key_pem)",
                            {}, "configure a mapped client certificate, or use another transport")
        if f.scheme == "http":
            return _Blocker("certificate authentication needs HTTPS (TLS carries the client certificate)",
                            {"ansible_winrm_scheme": "https", "ansible_port": 5986},
                            "connect over HTTPS (port 5986) to an HTTPS listener")
        return None
    if transport == "ntlm":
        return _domain_logon_blocker(f, transport, name, spn)
    return None


SIMPLE = {
    "basic": "ansible_winrm_transport is basic: the password is sent with every request (Basic works for local "
             "accounts only, and only where the service allows Basic and, over HTTP, unencrypted traffic)",
    "ntlm": "ansible_winrm_transport is ntlm: NTLM is used as asked, Kerberos is never tried",
    "certificate": "ansible_winrm_transport is certificate: TLS client certificate mapping",
}


def predict(f: TargetFacts) -> Plan:
    """Apply the rules to one target.

    The winrm connection plugin tries ``ansible_winrm_transport`` in order and takes the first that
    authenticates (a failed managed kinit ends the attempt before Kerberos); the plan does the same.
    """
    name = (f.kerberos_name or f.hostname_override or f.target).lower()
    spn = "%s/%s" % (f.service, name)
    transports = f.transports or ("basic",)

    def plan(protocol: str, reason: str, fix: dict[str, Any] | None = None, remedy: str = "") -> Plan:
        return Plan(f.target, protocol, reason, name, spn, dict(fix or {}), f.host, remedy)

    if f.resolves is False:
        return plan("fail", "%s does not resolve in DNS: no transport can connect to it" % f.target, {},
                    "add a DNS record for %s, or set ansible_host to a name or address that resolves" % f.target)
    failed: list[tuple[str, _Blocker]] = []
    for transport in transports:
        if transport == "kerberos" and f.kdc_error and f.kinit_managed:
            # Ansible's winrm plugin runs kinit with the password when it reaches the kerberos
            # transport, outside its per-transport try: a failed kinit ends the connection attempt.
            kdc = _kdc_blocker(f)
            # What else would stop Kerberos once kinit works (an IP address, a missing SPN): one fix for both.
            after = _kerberos_blocker(dataclasses.replace(f, kdc_error=None), name, spn)
            extra = after.fix if after is not None and after.fix and "ansible_winrm_transport" not in after.fix \
                and "ansible_user" not in after.fix else {}
            return plan("fail", "the winrm connection runs kinit for %s before trying Kerberos and it fails: %s"
                        % (f.username or "(no ansible_user)", f.kdc_error), {**kdc.fix, **extra},
                        "; ".join(r for r in (kdc.remedy, after.remedy if after is not None and extra else "") if r))
        if transport == "credssp":
            kerb = _kerberos_blocker(f, name, spn)
            inner = _domain_logon_blocker(f, transport, name, spn) if kerb is not None else None
            if inner is None:
                how = "NTLM inside CredSSP (%s)" % kerb.reason if kerb else "Kerberos inside CredSSP"
                return _success(plan, failed, "credssp",
                                "CredSSP delegates the password to the host; authenticates with " + how)
            blocker: _Blocker | None = _Blocker("Kerberos inside CredSSP fails (%s) and so does NTLM inside it (%s)"
                                                % (kerb.reason if kerb else "", inner.reason),
                                                kerb.fix if kerb else {}, inner.remedy)
        elif transport == "kerberos":
            blocker = _kerberos_blocker(f, name, spn)
            if blocker is None:
                notes = []
                if f.ticket_error == "":
                    notes.append("the KDC issued a ticket for %s" % spn)
                if f.host_account is not None and f.host_account.uac.disabled:
                    notes.append("the computer account is disabled: domain NTLM logons to it will fail")
                return _success(plan, failed, "kerberos",
                                "Kerberos to %s%s" % (spn, " (%s)" % "; ".join(notes) if notes else ""))
        else:
            blocker = _transport_blocker(f, transport, name, spn)
            if blocker is None:
                return _success(plan, failed, transport, SIMPLE.get(transport, transport))
        if blocker is None:  # every branch above returns or finds one
            raise AssertionError("no blocker for transport %s" % transport)
        failed.append((transport, blocker))
    fix = next((b.fix for _t, b in failed if b.fix), {})
    remedy = "; ".join(dict.fromkeys(b.remedy for _t, b in failed if b.remedy))
    if len(failed) == 1:
        transport, blocker = failed[0]
        if transport == "kerberos":
            return plan("fail", "Kerberos will fail and pywinrm's kerberos transport has no fallback: "
                        + blocker.reason, fix, remedy)
        return plan("fail", "%s will fail: %s" % (LABELS.get(transport, transport), blocker.reason), fix, remedy)
    head, rest = failed[0], failed[1:]
    return plan("fail", "%s would fail (%s) and so would %s" % (
        LABELS.get(head[0], head[0]), head[1].reason,
        " and ".join("%s (%s)" % (LABELS.get(t, t), b.reason) for t, b in rest)), fix, remedy)


def _success(plan: Any, failed: list[tuple[str, _Blocker]], protocol: str, reason: str) -> Plan:
    """The plan for the first transport that works, after the ones that would fail before it."""
    if not failed:
        result: Plan = plan(protocol, reason)
        return result
    before = "; ".join("%s would fail (%s)" % (LABELS.get(t, t), b.reason) for t, b in failed)
    fix = next((b.fix for _t, b in failed if b.fix), {})
    result = plan(protocol, "%s; %s is tried next" % (before, protocol), fix, failed[0][1].remedy)
    return result
