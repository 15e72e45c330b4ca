# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Listener certificate rules: expired, expiring, name mismatch, self-signed, missing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._findings import host
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import Finding, Scope
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.certificate import Certificate
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.listener import Listener
from ansible_collections.winauth.winrm.tests.unit.certs import make_der
from ansible_collections.winauth.winrm.tests.unit.helpers import HTTP_LISTENER, make_posture

SCOPE = Scope(names=frozenset({"win01", "win01.corp.example", "10.0.0.5"}))


def cert_findings(cert: Certificate | None, listener: Listener | None = None, scope: Scope = SCOPE) -> list[Finding]:
    https = listener or Listener(address="*", transport="HTTPS", port=5986, hostname="win01.corp.example",
                                 certificate_thumbprint="AB" * 20)
    posture = replace(make_posture(listeners=(HTTP_LISTENER, https)), certificates={"AB" * 20: cert})
    return [f for f in host.evaluate(posture, scope) if f.id.startswith("LISTENER-CERT-")]


def cert(days: int = 365, **kw: object) -> Certificate:
    return Certificate.from_der(make_der(days=days, **kw))  # type: ignore[arg-type]


def test_a_good_certificate_has_no_finding() -> None:
    assert cert_findings(cert()) == []


@pytest.mark.parametrize(("certificate", "expected"), [
    (cert(days=-1), {("LISTENER-CERT-EXPIRED", "high")}),
    (cert(days=29), {("LISTENER-CERT-EXPIRING", "medium")}),
    (cert(days=31), set()),
    (cert(cn="web.corp.example", san=("web.corp.example",)), {("LISTENER-CERT-NAME-MISMATCH", "medium")}),
    (cert(cn="x", san=("*.corp.example",)), set()),  # the wildcard covers win01.corp.example
    (cert(self_signed=True), {("LISTENER-CERT-SELF-SIGNED", "low")}),
    (cert(days=-5, cn="bad", san=(), self_signed=True), {
        ("LISTENER-CERT-EXPIRED", "high"), ("LISTENER-CERT-NAME-MISMATCH", "medium"),
        ("LISTENER-CERT-SELF-SIGNED", "low")}),
    (None, {("LISTENER-CERT-MISSING", "high")}),
])
def test_each_rule_at_its_severity(certificate: Certificate | None, expected: set[tuple[str, str]]) -> None:
    assert {(f.id, f.severity) for f in cert_findings(certificate)} == expected


def test_finding_values_and_fix() -> None:
    (expired,) = cert_findings(cert(days=-1))
    assert expired.setting == "listener *:5986 certificate"
    assert expired.value.endswith("Z") and "winrm_listener" in expired.fix and "win01.corp.example" in expired.fix
    (expiring,) = cert_findings(cert(days=10))
    assert expiring.value in (9, 10)
    (mismatch,) = cert_findings(cert(cn="web.corp.example", san=("web.corp.example", "web")))
    assert mismatch.value == ["web.corp.example", "web"]
    (missing,) = cert_findings(None)
    assert missing.value == "AB" * 20


def test_only_enabled_https_listeners_with_a_read_certificate_are_judged() -> None:
    disabled = Listener(address="*", transport="HTTPS", port=5986, enabled=False, certificate_thumbprint="AB" * 20)
    assert cert_findings(cert(days=-1), disabled) == []
    # Not read (a posture without the store read): nothing is claimed about it.
    posture = make_posture()
    assert [f for f in host.evaluate(posture, SCOPE) if f.id.startswith("LISTENER-CERT-")] == []


def test_no_names_declared_means_no_mismatch_claim() -> None:
    assert cert_findings(cert(cn="web", san=()), scope=Scope()) == []
