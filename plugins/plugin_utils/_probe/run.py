# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The probe: a table of steps, outermost layer first, each run only when the ones it needs passed.

For internal collection use only; this is not a public API.

Everything before ``roundtrip`` needs no credentials (``kerberos`` uses them only to ask the
KDC, as ``kinit``/``klist get`` would), so the layers are reported even when the password is
wrong. Each row: the step name, the steps it needs, the function.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ansible_collections.winauth.winrm.plugins.module_utils._choices import PROBE_OPT_IN_STEPS
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe import (
    clock,
    dns,
    kerberos,
    krb5,
    roundtrip,
    tcp,
    unauth,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe import tls as tls_layer
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.step import Step, skip
from ansible_collections.winauth.winrm.plugins.plugin_utils._text import shorten
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import WSManSettings

STANDARD_PORTS = (5985, 5986)


@dataclass
class Probe:
    """One host's probe: its settings, what the steps found so far, and the authenticated pieces.

    Attributes:
        settings: the host's connection settings (the password is only handed to the KDC and the transport).
        transport / client: the action's WS-Man transport and client, for the round trip.
        timeout: seconds for each unauthenticated connection.
        dns / address / challenge: facts handed from one step to the next.
        steps: results so far, by name.
    """

    settings: WSManSettings
    transport: Any = None
    client: Any = None
    timeout: float = 5.0
    dns: dns.DnsFacts | None = None
    address: str = ""
    challenge: unauth.Reply | None = None
    challenge_at: float = 0.0
    steps: dict[str, Step] = field(default_factory=dict)


def _dns(p: Probe) -> Step:
    p.dns = dns.gather(p.settings.host)
    p.address = p.dns.addresses[0] if p.dns.addresses else ""
    return dns.judge(p.dns)


def _tcp(p: Probe) -> Step:
    ports = sorted({*STANDARD_PORTS, p.settings.port})
    addresses = (p.dns.addresses if p.dns else [p.address])[:2]
    results = [tcp.connect(a, port, p.timeout) for a in addresses for port in ports]
    step = tcp.judge(results, p.settings.port, p.timeout)
    opened = [r for r in results if r.port == p.settings.port and r.state == "open"]
    if opened:
        p.address = opened[0].address
    return step


def _post(p: Probe, headers: dict[str, str], body: bytes) -> tuple[unauth.Reply | None, str]:
    s = p.settings
    try:
        return unauth.exchange(s.scheme, p.address, s.port, s.path, headers, body, p.timeout, s.host), ""
    except (OSError, http.client.HTTPException) as e:
        return None, shorten("%s: %s" % (type(e).__name__, e), 300)


def _identify(p: Probe) -> Step:
    headers, body = unauth.identify_request()
    reply, error = _post(p, headers, body)
    return unauth.judge_identify(reply, error)


def _schemes(p: Probe) -> Step:
    p.challenge, error = _post(p, {"Content-Type": unauth.SOAP}, b"")
    p.challenge_at = unauth.now_utc()
    step = unauth.judge_schemes(p.challenge, p.settings.transports)
    return replace(step, evidence={**step.evidence, "error": error}) if error else step


def _tls(p: Probe) -> Step:
    s = p.settings
    if s.scheme != "https":
        first = s.transports[0] if s.transports else ""
        return tls_layer.not_https(s.encrypts_messages(first), first)
    bundle = tls_layer.ca_bundle(s.ca_trust_path)
    try:
        der, session = tls_layer.fetch(p.address, s.port, s.host, p.timeout)
        facts = tls_layer.describe(der)
    except (OSError, ValueError) as e:
        return tls_layer.judge(None, shorten(e, 200), s.host, True, tls_layer.utcnow(), {}, "", bundle)
    error = tls_layer.verify(p.address, s.port, s.host, bundle, p.timeout)
    binding = tls_layer.channel_binding(facts, s.transports, s.send_cbt)
    return tls_layer.judge(facts, error, s.host, s.server_cert_validation == "validate", tls_layer.utcnow(),
                           session, binding, bundle)


def _fallback(p: Probe, step: Step) -> Step:
    """A Kerberos-layer failure is a warning when another transport follows Kerberos in the list.

    The transport loop (like Ansible's winrm plugin, and Negotiate on Windows) then falls through to
    it, e.g. NTLM; the round trip says whether that works. A managed kinit that fails still ends the
    attempt, which the round trip reports too.
    """
    later = p.settings.transports[p.settings.transports.index("kerberos") + 1:]
    if step.status != "fail" or not later:
        return step
    return replace(step, status="warn", summary="%s; the client falls through to %s" % (step.summary, later[0]))


def _kerberos(p: Probe) -> Step:
    s = p.settings
    if "kerberos" not in s.transports:
        return skip("kerberos", "Kerberos is not among the transports (%s)" % ", ".join(s.transports))
    reverse = [n for names in (p.dns.ptr.values() if p.dns else []) for n in names]
    return _fallback(p, kerberos.check(s.service, s.host, s.kerberos_hostname_override, s.username, s.password,
                                       reverse))


def _krb5_conf(p: Probe) -> Step:
    if "kerberos" not in p.settings.transports:
        return skip("krb5_conf", "Kerberos is not among the transports (%s)" % ", ".join(p.settings.transports))
    return krb5.check_config(p.settings.username)


def _kdc(p: Probe) -> Step:
    if "kerberos" not in p.settings.transports:
        return skip("kdc", "Kerberos is not among the transports (%s)" % ", ".join(p.settings.transports))
    return krb5.check_kdcs(p.settings.username, p.timeout)


def _clock(p: Probe) -> Step:
    s = p.settings
    uses = "kerberos" in s.transports
    host_skew = unauth.host_clock_skew(p.challenge, p.challenge_at) if p.challenge is not None else None
    kdc_clock = None
    if uses:
        realm, user = clock.realm_and_user(s.username, clock.config_text())
        kdc_clock = clock.ask_kdc(realm, user, p.timeout) if realm else clock.KdcClock("", None, error="no realm")
    step = clock.judge(kdc_clock, host_skew, uses)
    return _fallback(p, step) if uses else step


def _roundtrip(p: Probe) -> Step:
    if p.transport is None:
        return skip("roundtrip", "no transport")
    ticket = p.steps.get("kerberos")
    if ticket is not None and ticket.status == "fail" and p.settings.transports == ("kerberos",):
        return skip("roundtrip", "not tried: kerberos failed and it is the only transport")
    return roundtrip.run(p.transport, p.client, p.settings.username, p.settings.encrypts_messages)


# name, the steps that must not have failed, the function.
STEPS: tuple[tuple[str, tuple[str, ...], Callable[[Probe], Step]], ...] = (
    ("dns", (), _dns),
    ("tcp", ("dns",), _tcp),
    ("identify", ("tcp",), _identify),
    ("schemes", ("tcp",), _schemes),
    ("tls", ("tcp",), _tls),
    # Opt-in (PROBE_OPT_IN_STEPS): the controller's own Kerberos setup, for the kerberos_preflight playbook.
    ("krb5_conf", (), _krb5_conf),
    ("kdc", ("krb5_conf",), _kdc),
    ("kerberos", ("dns", "krb5_conf", "kdc"), _kerberos),
    ("clock", ("dns",), _clock),
    # Tried even after a scheme/TLS failure: its error is the one the real connection gets. Not after a
    # Kerberos failure when Kerberos is the only transport: that would only repeat it (and a wrong
    # password would count twice toward the account's lockout).
    ("roundtrip", ("tcp",), _roundtrip),
)
# The default steps; the opt-in ones run only when named.
NAMES = tuple(row[0] for row in STEPS if row[0] not in PROBE_OPT_IN_STEPS)


def run(p: Probe, only: tuple[str, ...] = NAMES) -> list[Step]:
    """Run the steps in order; a step whose prerequisite failed is skipped, saying which.

    Args:
        p: the probe.
        only: the steps to run (others are left out of the result).

    Returns:
        The steps run, in table order.
    """
    for name, needs, function in STEPS:
        if name not in only:
            continue
        blocked = [n for n in needs if p.steps.get(n) is not None and p.steps[n].status == "fail"]
        start = time.monotonic()
        step = skip(name, "not tried: %s failed" % ", ".join(blocked)) if blocked else function(p)
        p.steps[name] = replace(step, elapsed_ms=int((time.monotonic() - start) * 1000))
    return [p.steps[row[0]] for row in STEPS if row[0] in p.steps]
