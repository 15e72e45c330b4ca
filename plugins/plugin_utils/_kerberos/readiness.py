# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SPN validation remedies and the NTLM-retirement readiness report (role winauth.winrm.spn_validation).

For internal collection use only; this is not a public API.

Pure functions over what the role already has: the ``winauth.winrm.auth_plan`` predictions
(protocol, reason, spn, fix, remedy) and, when available, the ``winauth.winrm.ad_spn_info`` result
(per host: status, owner, computer, recommended_vars, findings). No I/O here, so every rule is
unit-tested; the role only runs the lookups, the ``ad_spn`` writes and ``set_fact``.

Three steps:

* :func:`remedies` - per host: what is wrong, the one change that removes it, the ``ad_spn`` writes
  the declared policy makes (only with fixing on) and the connection variables to apply;
* :func:`failures` - per host, after the remedies: one line (what is wrong, the exact fix) for
  every host whose connection still fails or still needs NTLM;
* :func:`report` / :func:`markdown` - the readiness report (JSON-ready dict with the failures, and Markdown).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.predict import account_kind, is_ip

POLICIES = ("service_class", "port_spn", "move")
FAIL_ON = ("fail", "ntlm", "credssp_ntlm")
REPORT_VERSION = 1

# The variables that choose the SPN a client asks for, by client (ad_spn_info's `client`).
SERVICE_VAR = {"winrm": "ansible_winrm_service", "psrp": "ansible_psrp_negotiate_service"}
OVERRIDE_VAR = {"winrm": "ansible_winrm_kerberos_hostname_override",
                "psrp": "ansible_psrp_negotiate_hostname_override"}
# Connection variables the role may set by itself: they change only which name and SPN the
# client asks for. Anything else (ansible_user, the transport) is a decision for the admin.
APPLICABLE_VARS = frozenset({"ansible_host", *SERVICE_VAR.values(), *OVERRIDE_VAR.values()})
DEFAULT_PORTS = {"winrm": 5985, "psrp": 5985}

# auth_plan's wording (plugin_utils/_kerberos/predict.py) for CredSSP whose inner logon is NTLM;
# test_readiness.py checks it against predict() itself, so a rewording there fails here.
CREDSSP_NTLM = "NTLM inside CredSSP"

# When ad_spn_info has nothing to say (no SPN problem), the prediction's reason names the cause's kind:
# (pattern on auth_plan's reason, kind, the change when the plan names none). auth_plan's own remedy
# (every fail carries one) is the change whenever it is there; the sentences here serve the plans that
# carry none: a transport that works but is NTLM or Basic (no failure, no remedy) and plans from before
# the remedy field. First match wins; order matters where reasons nest ("Kerberos would fail (<inner
# reason>); ntlm is tried next"). {spn}: the SPN asked for.
CAUSES: tuple[tuple[str, str, str], ...] = (
    (r"is a local account", "account",
     "use a domain account (user@REALM) on a domain member: a local account can never get a Kerberos ticket"),
    (r"does not resolve in DNS", "dns",
     "make the name resolve (a DNS A record for it) or set ansible_host to the FQDN registered in AD"),
    (r"no computer account in the domain has dNSHostName|is not a domain member", "join",
     "join the host to the domain (workgroup host) or set ansible_host to its FQDN (alias or short name)"),
    (r"computer account \S+ is disabled|computer account is disabled", "account",
     "enable the host's computer account in AD (or rejoin the host to the domain)"),
    (r"the account \S+ is disabled in AD|is in Protected Users", "account",
     "enable the connecting account, or connect with Kerberos (Protected Users members cannot use NTLM)"),
    (r"clock skew|Clock skew", "time",
     "fix the time source: the controller and the DC must agree within 5 minutes"),
    (r"no Kerberos ticket for|runs kinit", "ticket",
     "get a TGT for the connecting account: check its password, that the KDC is reachable (DNS SRV "
     "_kerberos._tcp) and the clock; winauth.winrm.winrm_probe names which"),
    (r"the target is an IP address|is a DNS alias \(CNAME\)", "connection_vars",
     "connect by name: set ansible_host to the host's FQDN or ansible_winrm_kerberos_hostname_override"),
    (r"ansible_winrm_transport is ntlm", "connection_vars",
     "set ansible_winrm_transport: kerberos and ansible_user to the user@REALM form of the domain account"),
    (r"ansible_winrm_transport is basic", "connection_vars",
     "set ansible_winrm_transport: kerberos with a domain account (user@REALM)"),
    (r"ansible_winrm_transport is certificate", "none",
     "none needed for NTLM: certificate mapping does not use NTLM"),
    (r"is registered on \S+, not on the host's account", "move_spn",
     "move {spn} to the host's computer account (setspn -D from its owner, setspn -S on the host), or ask "
     "for a service class the host's account holds"),
    (r"no account holds \S+", "register_spn",
     "register {spn} on the host's computer account (setspn -S), or ask for a service class the account "
     "holds (HTTP/ is covered by HOST/)"),
    (r"the KDC refused a ticket", "register_spn",
     "register {spn} on the host's computer account (setspn -S)"),
)
# Kinds whose real fix is an AD write: variables from the plan only work around it, so the change
# keeps naming the write (auth_plan's remedy names both) instead of becoming "set <vars>".
WRITE_KINDS = frozenset({"register_spn"})


# NTLM (or Basic) asked for explicitly with a local account: no SPN or variable helps, the account
# itself must change. A plain name ("Administrator") is a local account to the target, as WinRM reads it.
LOCAL_ACCOUNT_CHANGE = ("a local account can only leave NTLM through certificate authentication: map a client "
                        "certificate to it and set ansible_winrm_transport: certificate (HTTPS); or join the host "
                        "to the domain and use a domain account (user@REALM) with Kerberos")
EXPLICIT = re.compile(r"^ansible_winrm_transport is (ntlm|basic)\b")


@dataclass(frozen=True)
class Remedy:
    """What is wrong with one host's Kerberos and what removes it."""

    host: str
    protocol: str  # auth_plan's prediction today
    uses_ntlm: bool
    status: str  # ad_spn_info status (ok | missing | collision | duplicate) or "unknown"
    problem: str  # "" when the host connects with Kerberos today
    kind: str  # none | connection_vars | register_spn | move_spn | port_spn | account | join | dns | ticket | time
    change: str  # the one change, as a sentence an admin can act on
    writes: tuple[dict[str, Any], ...]  # ad_spn calls {account, spns, move, state} (only with fixing on)
    recommended_vars: dict[str, Any]  # connection variables to set_fact (concrete values only)
    spn: str
    owner: str | None
    computer: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"host": self.host, "protocol": self.protocol, "uses_ntlm": self.uses_ntlm, "status": self.status,
                "problem": self.problem, "kind": self.kind, "change": self.change,
                "writes": [dict(w) for w in self.writes], "recommended_vars": dict(self.recommended_vars),
                "spn": self.spn, "owner": self.owner, "computer": self.computer}


def uses_ntlm(plan: Mapping[str, Any]) -> bool:
    """Whether a predicted connection authenticates with NTLM (directly or inside CredSSP)."""
    protocol = plan.get("protocol")
    return protocol == "ntlm" or (protocol == "credssp" and CREDSSP_NTLM in str(plan.get("reason", "")))


def outcome(plan: Mapping[str, Any]) -> str:
    """``kerberos``, ``ntlm``, ``credssp_ntlm``, ``fail`` or the other protocol (basic, certificate, credssp)."""
    if plan.get("protocol") == "credssp" and uses_ntlm(plan):
        return "credssp_ntlm"
    return str(plan.get("protocol") or "fail")


def _concrete(value: Any) -> bool:
    """A fix value the role can set as is (auth_plan also returns hints such as ``<the host's FQDN>``)."""
    return isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) != "" \
        and not str(value).startswith("<") and " " not in str(value)


def applicable(fix: Mapping[str, Any] | None) -> dict[str, Any]:
    """The part of a fix the role may apply by itself (see APPLICABLE_VARS), concrete values only."""
    return {k: v for k, v in (fix or {}).items() if k in APPLICABLE_VARS and _concrete(v)}


def plan_vars(plan: Mapping[str, Any], spn: str | None = None) -> dict[str, Any]:
    """The prediction's fix when the role may apply all of it; {} otherwise.

    auth_plan's fix makes the connection work only as a whole: one that also changes the transport or
    the user is the admin's decision (named in the change, never set). Hints that are not values
    (``<the host's FQDN>``) are left out. With ``spn``, a fix for another SPN than the one ad_spn_info
    examined (another client, another name) is no workaround for it.

    Args:
        plan: one ``auth_plan`` prediction.
        spn: the SPN the workaround must be for (None: the plan's own).

    Returns:
        The variables to set_fact.
    """
    if spn is not None and str(plan.get("spn") or "").lower() != spn.lower():
        return {}
    fix = {k: v for k, v in dict(plan.get("fix") or {}).items() if _concrete(v) or k not in APPLICABLE_VARS}
    variables = applicable(fix)
    return variables if len(variables) == len(fix) else {}


def _vars_text(variables: Mapping[str, Any]) -> str:
    return ", ".join("%s: %s" % (k, v) for k, v in sorted(variables.items()))


def _cause(reason: str, spn: str) -> tuple[str, str]:
    for pattern, kind, change in CAUSES:
        if re.search(pattern, reason):
            return kind, change.format(spn=spn or "the SPN the client asks for")
    return "ticket", "run winauth.winrm.winrm_probe against the host: it names the failing layer and its fix"


def _owner_name(info: Mapping[str, Any]) -> str | None:
    owner = info.get("owner") or None
    return str(owner.get("name") or owner.get("dn")) if isinstance(owner, Mapping) else None


def _computer_name(info: Mapping[str, Any]) -> str | None:
    computer = info.get("computer") or None
    return str(computer.get("name") or computer.get("dn")) if isinstance(computer, Mapping) else None


def _write(account: str, spn: str, move: bool = False, state: str = "present") -> dict[str, Any]:
    """One winauth.winrm.ad_spn call."""
    return {"account": account, "spns": [spn], "move": move, "state": state}


def _spn_remedy(info: Mapping[str, Any], plan: Mapping[str, Any], policy: str, fix: bool,
                port: int) -> tuple[str, str, str, list[dict[str, Any]], dict[str, Any]] | None:
    """(problem, kind, change, writes, vars) for an SPN problem ad_spn_info reports; None when the SPN is fine.

    The workaround (variables that avoid the problem without writing to AD) is ad_spn_info's
    recommended_vars, else auth_plan's fix for the same SPN (see :func:`plan_vars`).
    """
    status = info.get("status")
    spn = str(info.get("spn") or "")
    service, _sep, name = spn.partition("/")
    client = str(info.get("client") or "winrm")
    computer = _computer_name(info)
    owner = _owner_name(info)
    workaround = applicable(info.get("recommended_vars")) or plan_vars(plan, spn)
    if status == "missing":
        problem = "no account holds %s (\"Server not found in Kerberos database\")" % spn
        if is_ip(name) and workaround:
            # An IP-address SPN would need every Windows client's TryIPSPN setting: connect by name instead.
            return problem, "connection_vars", "set " + _vars_text(workaround), [], workaround
        if computer is None:
            change = "set " + _vars_text(workaround) if workaround else \
                "connect by the FQDN of a domain member (no computer account matches %s)" % name
            return problem, "connection_vars" if workaround else "join", change, [], workaround
        change = "register %s on %s (setspn -S %s %s)" % (spn, computer, spn, computer)
        if fix:
            return problem, "register_spn", change, [_write(computer, spn)], {}
        if workaround:
            change += ", or set " + _vars_text(workaround)
        return problem, "register_spn", change, [], workaround
    if status in ("collision", "duplicate"):
        if status == "collision":
            problem = ("%s is registered on %s, not on the host's account %s: the host cannot decrypt the ticket "
                       "(0x80090322, \"credentials were rejected\")" % (spn, owner or "another account",
                                                                        computer or "(none found)"))
        else:
            problem = "%s is registered on more than one account (setspn -X): the KDC issues no ticket for it" % spn
        if computer is None:
            return problem, "join", "connect by the FQDN of a domain member (no computer account matches %s)" % name, \
                [], workaround
        if status == "duplicate" and policy == "move":
            return (problem, *_deduplicate(info, fix, spn, computer, workaround))
        return (problem, *_resolve(policy, fix, client, service, name, spn, computer, port, workaround))
    return None


def _deduplicate(info: Mapping[str, Any], fix: bool, spn: str, computer: str,
                 workaround: dict[str, Any]) -> tuple[str, str, list[dict[str, Any]], dict[str, Any]]:
    """(kind, change, writes, vars) leaving ``spn`` on the host's account alone (policy move, a duplicate).

    Every other holder loses it (AD itself refuses to add a duplicate, so it is taken off first);
    the host's account gets it only if it is not among the holders already.
    """
    holders = [h for h in info.get("holders") or [] if isinstance(h, Mapping)]
    others = [str(h.get("dn") or h.get("name")) for h in holders if str(h.get("name", "")).lower() != computer.lower()]
    has_it = len(others) < len(holders)
    writes = [_write(dn, spn, state="absent") for dn in others]
    if not has_it:
        writes.append(_write(computer, spn))
    names = ", ".join(str(h.get("name") or h.get("dn")) for h in holders
                      if str(h.get("name", "")).lower() != computer.lower()) or "the other holders"
    change = "remove %s from %s (setspn -D) so that only %s holds it: their services lose it" % (spn, names, computer)
    return "move_spn", change, writes if fix else [], {} if fix else workaround


def _resolve(policy: str, fix: bool, client: str, service: str, name: str, spn: str, computer: str, port: int,
             workaround: dict[str, Any]) -> tuple[str, str, list[dict[str, Any]], dict[str, Any]]:
    """(kind, change, writes, vars) resolving a taken SPN by ``policy``; writes only when ``fix``."""
    service_var = SERVICE_VAR.get(client, SERVICE_VAR["winrm"])
    if policy == "move":
        change = "move %s to %s (setspn -D it from its owner, setspn -S it on %s): the owner's service loses it" \
            % (spn, computer, computer)
        writes = [_write(computer, spn, move=True)]
        return "move_spn", change, writes if fix else [], {} if fix else workaround
    if policy == "port_spn":
        port_spn = "%s/%s:%d" % (service, name, port)
        override = {OVERRIDE_VAR.get(client, OVERRIDE_VAR["winrm"]): "%s:%d" % (name, port)}
        change = "register %s on %s and set %s" % (port_spn, computer, _vars_text(override))
        writes = [_write(computer, port_spn)]
        return "port_spn", change, writes if fix else [], override if fix else workaround
    # service_class: ask for the other class, which the host's own account holds (WinRM registers
    # WSMAN/ itself when it starts; HTTP/ is covered by HOST/ through sPNMappings). With fixing on,
    # the role makes sure of it (present is a no-op when it is there); without, only a workaround
    # auth_plan or ad_spn_info confirmed is applied.
    other = "HTTP" if service.upper() == "WSMAN" else "WSMAN"
    wanted = {service_var: other}
    other_spn = "%s/%s" % (other, name)
    confirmed = workaround.get(service_var) == other
    change = "set %s (%s on %s; %s stays with its owner)" % (_vars_text(wanted), other_spn, computer, spn)
    if fix:
        return "connection_vars", change, [_write(computer, other_spn)], wanted
    if not confirmed:
        change = "register %s on %s, then set %s (%s stays with its owner)" % (other_spn, computer,
                                                                               _vars_text(wanted), spn)
    return "connection_vars", change, [], wanted if confirmed else workaround


def remedy(plan: Mapping[str, Any], info: Mapping[str, Any] | None = None, policy: str = "service_class",
           fix: bool = False, port: int | None = None, user: str | None = None) -> Remedy:
    """What is wrong with one host and the one change that removes it.

    Args:
        plan: the host's ``auth_plan`` prediction (host, protocol, reason, spn, fix, remedy).
        info: the host's entry of ``ad_spn_info``'s ``hosts`` (None when it was not run).
        policy: how an SPN taken by another account is resolved: ``service_class`` (ask for the other service
            class), ``port_spn`` (register a port-qualified SPN and ask for it) or ``move`` (move the SPN to the
            host's account).
        fix: the role writes to AD; without it ``writes`` stays empty and the variables are the no-write
            workaround.
        port: the port for ``port_spn`` (the host's ansible_port; default 5985).
        user: the host's ansible_user (its form only matters: local, plain, DOMAIN\\user or UPN).

    Returns:
        The Remedy.

    Raises:
        ValueError: an unknown policy.
    """
    if policy not in POLICIES:
        raise ValueError("spn_validation_policy must be one of %s, got %r" % (", ".join(POLICIES), policy))
    host = str(plan.get("host") or plan.get("target") or "")
    protocol = str(plan.get("protocol") or "fail")
    ntlm = uses_ntlm(plan)
    info = info or {}
    spn = str(info.get("spn") or plan.get("spn") or "")
    status = str(info.get("status") or "unknown")
    client = str(info.get("client") or "winrm")

    def make(problem: str, kind: str, change: str, writes: Sequence[dict[str, Any]] = (),
             variables: Mapping[str, Any] | None = None) -> Remedy:
        return Remedy(host, protocol, ntlm, status, problem, kind, change, tuple(writes), dict(variables or {}), spn,
                      _owner_name(info), _computer_name(info))

    if EXPLICIT.match(str(plan.get("reason") or "")) and account_kind(user) in ("local", "plain"):
        return make(str(plan["reason"]), "account", LOCAL_ACCOUNT_CHANGE)
    port = port or DEFAULT_PORTS.get(client, 5985)
    spn_problem = _spn_remedy(info, plan, policy, fix, port) if info else None
    if spn_problem is not None:
        problem, kind, change, writes, variables = spn_problem
        return make(problem, kind, change, writes, variables)
    if protocol == "kerberos":
        return make("", "none", "")
    reason = str(plan.get("reason") or "no reason given")
    kind, change = _cause(reason, spn)
    change = str(plan.get("remedy") or "") or change  # the prediction's own action, when it names one
    variables = plan_vars(plan) if plan.get("fix") else applicable(info.get("recommended_vars"))
    if variables and kind not in WRITE_KINDS:
        return make(reason, "connection_vars", "set " + _vars_text(variables), (), variables)
    unnamed = {k: v for k, v in dict(plan.get("fix") or {}).items() if k not in change}
    if unnamed:  # hints the role cannot apply itself, e.g. ansible_host: <the FQDN registered in AD>
        change = "%s (%s)" % (change, _vars_text(unnamed))
    return make(reason, kind, change, (), variables)


def remedies(plans: Sequence[Mapping[str, Any]], spn_info: Mapping[str, Any] | None = None,
             policy: str = "service_class", fix: bool = False,
             ports: Mapping[str, Any] | None = None,
             users: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """:func:`remedy` for every prediction, keyed by host (the ``hosts`` key of ``ad_spn_info`` joins them).

    Args:
        plans: ``query('winauth.winrm.auth_plan', *ansible_play_hosts, ...)``.
        spn_info: the registered ``ad_spn_info`` result (or None / {} when it was not run).
        policy: see :func:`remedy`.
        fix: see :func:`remedy`.
        ports: host → port, for ``port_spn``.
        users: host → ansible_user (to tell a local account from a domain one).

    Returns:
        host → Remedy.as_dict() plus ``needs_writes`` (its fix is an AD write, made by this host or, when two
        inventory names reach one machine, by the first of them).

    Raises:
        ValueError: an unknown policy.
    """
    hosts = (spn_info or {}).get("hosts") or {}
    out = {}
    claimed: set[tuple[str, str, str]] = set()
    for plan in plans:
        host = str(plan.get("host") or plan.get("target"))
        port = (ports or {}).get(host)
        user = (users or {}).get(host)
        found = remedy(plan, hosts.get(host), policy, fix, int(port) if port else None,
                       str(user) if user else None).as_dict()
        # Two inventory names for one machine need the same write: the first host makes it, so the
        # hosts' parallel ad_spn tasks never race for one SPN.
        writes = []
        for write in found["writes"]:
            keys = {(str(write["account"]).lower(), str(spn).lower(), write["state"]) for spn in write["spns"]}
            if not keys <= claimed:
                writes.append(write)
                claimed |= keys
        # What the host's fix depends on, whichever host makes the write (check mode judges by it).
        found["needs_writes"] = bool(found["writes"])
        found["writes"] = writes
        out[host] = found
    return out


def failures(after: Sequence[Mapping[str, Any]], found: Mapping[str, Mapping[str, Any]],
             fail_on: Sequence[str] = FAIL_ON, check_mode: bool = False) -> dict[str, str]:
    """One line per host that still fails or still needs NTLM after the role: what is wrong, the exact fix.

    Args:
        after: the ``auth_plan`` predictions after the writes and the recommended variables.
        found: :func:`remedies` from before (their ``change`` is the fix named).
        fail_on: outcomes that fail the host (see :func:`outcome`).
        check_mode: AD was not written; a host whose remedy has writes counts as fixed (the writes would do it).

    Returns:
        host → line.
    """
    lines = {}
    for plan in after:
        host = str(plan.get("host") or plan.get("target"))
        if outcome(plan) not in fail_on:
            continue
        before = found.get(host) or {}
        if check_mode and (before.get("needs_writes") or before.get("writes")):
            continue
        fresh = remedy(plan)  # the prediction's own reason, in case the variables moved the problem
        problem = before.get("problem") or fresh.problem
        change = before.get("change") or fresh.change
        lines[host] = "%s: %s (%s) -> fix: %s" % (host, problem, outcome(plan), change)
    return lines


def report(before: Sequence[Mapping[str, Any]], found: Mapping[str, Mapping[str, Any]],
           after: Sequence[Mapping[str, Any]] | None = None, spn_info: Mapping[str, Any] | None = None,
           fixed: bool = False, policy: str = "service_class", generated: str = "",
           check_mode: bool = False, fail_on: Sequence[str] = FAIL_ON) -> dict[str, Any]:
    """The NTLM-retirement readiness report.

    Args:
        before: ``auth_plan`` predictions before the role (what happens today).
        found: :func:`remedies` of ``before``.
        after: ``auth_plan`` predictions after the role's writes and variables (None: not re-predicted).
        spn_info: the ``ad_spn_info`` result (its domain-wide ``duplicates`` are listed); None when not run.
        fixed: the role ran with fixing on.
        policy: the declared collision policy.
        generated: when (ISO 8601, from the caller: this module does no I/O and reads no clock).
        check_mode: the run was in check mode (nothing was written).
        fail_on: outcomes that fail a host (see :func:`failures`; judged on ``after``, else ``before``).

    Returns:
        ``{version, generated, policy, fix, check_mode, ad_spn_info, summary, hosts, duplicates, failures}``
        (failures: host → one line); each host:
        ``{host, target, today, uses_ntlm, reason, spn, spn_status, owner, computer, change, kind, after,
        after_reason, role_applied}``, sorted: NTLM users first, then failures, then the rest.
    """
    later = {str(p.get("host") or p.get("target")): p for p in (after or [])}
    rows = []
    for plan in before:
        host = str(plan.get("host") or plan.get("target"))
        rem = found.get(host) or remedy(plan).as_dict()
        then = later.get(host)
        rows.append({
            "host": host, "target": plan.get("target"), "today": outcome(plan), "uses_ntlm": uses_ntlm(plan),
            "reason": plan.get("reason", ""), "spn": rem.get("spn") or plan.get("spn", ""),
            "spn_status": rem.get("status", "unknown"), "owner": rem.get("owner"), "computer": rem.get("computer"),
            "change": rem.get("change", ""), "kind": rem.get("kind", "none"),
            "after": outcome(then) if then is not None else None,
            "after_reason": then.get("reason", "") if then is not None else None,
            "role_applied": {"writes": list(rem.get("writes") or []) if not check_mode else [],
                             "vars": dict(rem.get("recommended_vars") or {})},
        })
    order = {"ntlm": 0, "credssp_ntlm": 0, "fail": 1}
    rows.sort(key=lambda r: (order.get(r["today"], 2), r["host"]))
    summary = {"hosts": len(rows), "kerberos": sum(r["today"] == "kerberos" for r in rows),
               "ntlm": sum(r["uses_ntlm"] for r in rows), "fail": sum(r["today"] == "fail" for r in rows)}
    summary["other"] = summary["hosts"] - summary["kerberos"] - summary["ntlm"] - summary["fail"]
    if after is not None:
        summary["kerberos_after"] = sum(r["after"] == "kerberos" for r in rows)
        summary["ntlm_after"] = sum(r["after"] in ("ntlm", "credssp_ntlm") for r in rows)
    return {"version": REPORT_VERSION, "generated": generated, "policy": policy, "fix": fixed,
            "check_mode": check_mode, "ad_spn_info": spn_info is not None and bool(spn_info.get("hosts")),
            "summary": summary, "hosts": rows, "duplicates": list((spn_info or {}).get("duplicates") or []),
            "failures": failures(before if after is None else after, found, fail_on, check_mode)}


def _cell(text: Any) -> str:
    """A Markdown table cell: pipes escaped, one line (directory data can hold either)."""
    return " ".join(str(text if text is not None else "").split()).replace("|", "\\|") or "-"


def markdown(doc: Mapping[str, Any]) -> str:
    """The report as Markdown, for people: who needs NTLM today, why, and the one change.

    Args:
        doc: :func:`report`'s result.

    Returns:
        The Markdown text (ends with a newline).
    """
    s = doc["summary"]
    rows = doc["hosts"]
    out = ["# NTLM-retirement readiness", ""]
    when = " on %s" % doc["generated"] if doc.get("generated") else ""
    mode = "fix (policy %s)" % doc["policy"] if doc.get("fix") else "report only"
    if doc.get("check_mode"):
        mode += ", check mode: nothing was written"
    out.append("Generated by winauth.winrm.spn_validation%s, %s." % (when, mode))
    out += ["", "%d hosts: **%d use NTLM today**, %d fail to connect, %d use Kerberos, %d other (Basic, "
            "certificate, CredSSP)." % (s["hosts"], s["ntlm"], s["fail"], s["kerberos"], s["other"])]
    if "kerberos_after" in s:
        out.append("After this run: %d use Kerberos, %d still use NTLM." % (s["kerberos_after"], s["ntlm_after"]))
    if not doc.get("ad_spn_info"):
        out += ["", "> SPN owners were not looked up (winauth.winrm.ad_spn_info did not run): the causes below "
                "come from winauth.winrm.auth_plan alone."]
    sections = (
        ("Hosts whose connection uses NTLM today", lambda r: r["uses_ntlm"]),
        ("Hosts that cannot connect (Kerberos fails, no fallback)", lambda r: r["today"] == "fail"),
        ("Other hosts not on Kerberos", lambda r: not r["uses_ntlm"] and r["today"] not in ("fail", "kerberos")),
    )
    for title, pick in sections:
        chosen = [r for r in rows if pick(r)]
        out += ["", "## %s (%d)" % (title, len(chosen)), ""]
        if not chosen:
            out.append("None.")
            continue
        out += ["| Host | Why | The one change | After this run |", "|---|---|---|---|"]
        for r in chosen:
            out.append("| %s | %s | %s | %s |" % (_cell(r["host"]), _cell(r["reason"]), _cell(r["change"]),
                                                  _cell(r["after"] or "not re-checked")))
    ready = [r["host"] for r in rows if r["today"] == "kerberos"]
    out += ["", "## Kerberos today (%d)" % len(ready), "", ", ".join(_cell(h) for h in ready) or "None."]
    if doc.get("duplicates"):
        out += ["", "## Duplicate SPNs in the domain (setspn -X)", ""]
        for d in doc["duplicates"]:
            out.append("- %s: %s" % (_cell(d.get("spn")), _cell(", ".join(str(o) for o in d.get("owners") or []))))
    return "\n".join(out) + "\n"
