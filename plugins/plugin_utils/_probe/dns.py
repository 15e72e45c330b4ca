# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Layer 1, name resolution: what the client will connect to, and what DNS says about the name.

For internal collection use only; this is not a public API.

The client (requests) resolves through the system resolver (``getaddrinfo``: /etc/hosts, then
DNS); that decides reachability. DNS itself (dnspython) adds what Kerberos cares about: the
CNAME chain (an alias makes MIT ask for the canonical name's SPN unless
``dns_canonicalize_hostname = false``) and the reverse (PTR) names (used with ``rdns = true``).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.predict import is_ip
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.step import Step, ok, problem
from ansible_collections.winauth.winrm.plugins.plugin_utils._text import shorten

try:
    import dns.exception
    import dns.resolver
    import dns.reversename
    HAS_DNSPYTHON = True
except ImportError:  # pragma: no cover - dnspython is a collection requirement
    HAS_DNSPYTHON = False

LIFETIME = 3.0  # seconds per DNS question: a dead resolver must not stall the probe


@dataclass
class DnsFacts:
    """What resolving one name found.

    Attributes:
        name: the name asked for (``ansible_host``).
        addresses: what getaddrinfo gave (the addresses the client connects to), in its order.
        system_error: getaddrinfo's error, when it failed.
        a / aaaa: DNS A / AAAA answers.
        cnames: the CNAME chain, ``[alias, target]`` pairs in order.
        canonical: the name the chain ends in.
        ptr: reverse names per address.
        dns_error: why DNS (not the system resolver) gave no answer.
    """

    name: str
    addresses: list[str] = field(default_factory=list)
    system_error: str = ""
    a: list[str] = field(default_factory=list)
    aaaa: list[str] = field(default_factory=list)
    cnames: list[list[str]] = field(default_factory=list)
    canonical: str = ""
    ptr: dict[str, list[str]] = field(default_factory=dict)
    dns_error: str = ""


def _system(name: str, facts: DnsFacts) -> None:
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as e:
        facts.system_error = shorten(e, 200)
        return
    for info in infos:
        address = str(info[4][0])
        if address not in facts.addresses:
            facts.addresses.append(address)


def _forward(name: str, facts: DnsFacts, resolver: Any) -> None:
    for rdtype, into in (("A", facts.a), ("AAAA", facts.aaaa)):
        try:
            answer = resolver.resolve(name, rdtype, search=True, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            facts.dns_error = "NXDOMAIN: no such name in DNS"
            return
        except dns.exception.DNSException as e:
            facts.dns_error = shorten("%s: %s" % (type(e).__name__, e), 200)
            return
        into.extend(sorted(r.to_text() for r in answer.rrset or []))
        if not facts.cnames:
            for rrset in getattr(answer.chaining_result, "cnames", []):
                for r in rrset:
                    facts.cnames.append([rrset.name.to_text().rstrip("."), r.target.to_text().rstrip(".")])
        facts.canonical = answer.canonical_name.to_text().rstrip(".")


def _reverse(facts: DnsFacts, resolver: Any) -> None:
    for address in (facts.addresses or facts.a + facts.aaaa)[:2]:  # each may cost a DNS timeout
        try:
            answer = resolver.resolve(dns.reversename.from_address(address), "PTR", raise_on_no_answer=False)
        except dns.exception.DNSException:
            facts.ptr[address] = []
            continue
        facts.ptr[address] = sorted(r.target.to_text().rstrip(".") for r in answer.rrset or [])


def gather(name: str) -> DnsFacts:
    """Resolve ``name`` the client's way and DNS's way (never raises; errors land in the facts)."""
    facts = DnsFacts(name)
    if is_ip(name):
        facts.addresses = [name.strip("[]")]
    else:
        _system(name, facts)
    if not HAS_DNSPYTHON:
        facts.dns_error = "dnspython is not installed: no CNAME/PTR detail"
        return facts
    resolver = dns.resolver.Resolver()
    resolver.lifetime = LIFETIME
    resolver.timeout = LIFETIME
    if not is_ip(name):
        _forward(name, facts, resolver)
    _reverse(facts, resolver)
    return facts


def judge(facts: DnsFacts) -> Step:
    """``ok`` when the client gets an address, else ``fail`` with ``name-resolution``."""
    evidence: dict[str, Any] = {"addresses": facts.addresses}
    if is_ip(facts.name):
        evidence["ip_target"] = True
    else:
        evidence.update(a=facts.a, aaaa=facts.aaaa, cnames=facts.cnames, canonical=facts.canonical or None)
    evidence["reverse"] = facts.ptr
    if facts.dns_error:
        evidence["dns_error"] = facts.dns_error
    if not facts.addresses:
        return problem("dns", "name-resolution", "%s does not resolve (%s)" % (facts.name, facts.system_error),
                       fix="add an A/AAAA record for %s, or set ansible_host to its address" % facts.name,
                       evidence=evidence)
    if is_ip(facts.name):
        summary = "%s is an address (no lookup); Kerberos needs a name" % facts.name
    else:
        summary = "%s -> %s" % (facts.name, ", ".join(facts.addresses))
        if facts.cnames:
            summary += " (alias of %s)" % facts.canonical
    return ok("dns", summary, **evidence)
