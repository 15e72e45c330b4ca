# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTPS listener certificate rules: one row per finding, one pass over the enabled HTTPS listeners.

For internal collection use only; this is not a public API.

The certificate is the one the listener names in LocalMachine\\My (read by
:func:`..._winrm.posture.gather`, one GetBinaryValue per listener). A name "matches" when the
certificate's subject CN or a SAN entry is one of the names the play reaches the host by
(inventory name, ``ansible_host``, its FQDN) -- what a client validating the certificate checks.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import Entry, Finding, Rule, Scope
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.certificate import EXPIRING_DAYS, Certificate
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.listener import Listener
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.posture import Posture

# How to replace the certificate (every rule's fix starts from it).
_RENEW = ("enroll or import a certificate from a CA the clients trust, whose subject CN or SAN is the name clients "
          "use (%s), into LocalMachine\\My; then winauth.winrm.winrm_listener: {transport: https, "
          "certificate_thumbprint: <new thumbprint>, hostname: <that name>}")


@dataclass(frozen=True)
class CertRule:
    """A finding about the certificate of an enabled HTTPS listener.

    Attributes:
        id, severity, why: as in :class:`Finding`.
        when: the catalogue's "when" cell.
        fires: (certificate, names, now) → whether the finding applies; the certificate is None
            when the store has no certificate with the listener's thumbprint.
        value: what the finding reports as its value.
    """

    id: str
    severity: str
    when: str
    why: str
    fires: Callable[[Certificate | None, frozenset[str], datetime.datetime], bool]
    value: Callable[[Certificate | None, Listener, datetime.datetime], object]


def _names(scope: Scope) -> str:
    return ", ".join(sorted(scope.names)) or "the host's FQDN"


ROWS: tuple[CertRule, ...] = (
    CertRule(
        "LISTENER-CERT-MISSING", "high", "an enabled HTTPS listener names a thumbprint LocalMachine\\My does not hold",
        "The listener's certificate is not in the machine store, so HTTP.sys has nothing to present: HTTPS "
        "connections to this listener fail (or break at the next service restart).",
        lambda c, _n, _t: c is None, lambda _c, li, _t: li.certificate_thumbprint,
    ),
    CertRule(
        "LISTENER-CERT-EXPIRED", "high", "the HTTPS listener's certificate is past its `not_after`",
        "Clients that validate the certificate refuse the connection; those that do not validate it cannot tell "
        "this host from an impostor.",
        lambda c, _n, now: c is not None and c.expired(now), lambda c, _li, _t: c.not_after_iso if c else None,
    ),
    CertRule(
        "LISTENER-CERT-EXPIRING", "medium",
        "the HTTPS listener's certificate expires within %d days" % EXPIRING_DAYS,
        "When it expires, every client that validates the certificate is refused; renew it before then.",
        lambda c, _n, now: c is not None and not c.expired(now) and c.days_to_expiry(now) < EXPIRING_DAYS,
        lambda c, _li, now: c.days_to_expiry(now) if c else None,
    ),
    CertRule(
        "LISTENER-CERT-NAME-MISMATCH", "medium",
        "neither the subject CN nor a SAN of the HTTPS listener's certificate is a name the play uses for the host",
        "A client that validates the certificate refuses the connection (hostname mismatch), so admins turn "
        "validation off -- and then any host can pose as this one.",
        lambda c, names, _t: c is not None and bool(names) and not c.matches_any(names),
        lambda c, _li, _t: list(c.names()) if c else None,
    ),
    CertRule(
        "LISTENER-CERT-SELF-SIGNED", "low", "the HTTPS listener's certificate is self-signed",
        "Clients can trust it only by pinning it on every controller, or by not validating at all, which leaves "
        "NTLM and Basic logons open to a man in the middle.",
        lambda c, _n, _t: c is not None and c.self_signed, lambda c, _li, _t: c.issuer if c else None,
    ),
)


def _check(p: Posture, scope: Scope) -> Iterator[Finding]:
    now = datetime.datetime.now(datetime.UTC)
    for listener in p.listeners:
        # Only what was read is judged: a posture without the store read has no certificate facts.
        if not (listener.is_https and listener.enabled and listener.certificate_thumbprint.upper() in p.certificates):
            continue
        cert = p.certificate_of(listener)
        setting = "listener %s:%s certificate" % (listener.address, listener.port)
        for row in ROWS:
            if row.fires(cert, scope.names, now):
                fix = _RENEW % _names(scope) if row.id != "LISTENER-CERT-SELF-SIGNED" else \
                    "replace it with a CA-issued certificate: " + _RENEW % _names(scope)
                source = "gpo" if listener.gpo else "local"
                yield Finding(row.id, row.severity, setting, row.value(cert, listener, now), row.why, fix, (), source)


RULES: tuple[Rule, ...] = (
    Rule(tuple(Entry(row.id, row.severity, row.when, "a CA-issued certificate for the host's name, then "
                     "`winrm_listener: {transport: https, certificate_thumbprint: ...}`") for row in ROWS), _check),
)
