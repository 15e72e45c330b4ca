"""TLS judgement on certificates made here: good, expired, misnamed, self-signed, and channel binding."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.tls import (
    CertFacts,
    ca_bundle,
    channel_binding,
    describe,
    judge,
    name_matches,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
_CA_KEY = ec.generate_private_key(ec.SECP256R1())
_CA = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example CA")])


def _cert(names: list[str], days: tuple[int, int] = (-10, 365), self_signed: bool = False,
          algorithm: hashes.HashAlgorithm | None = None) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    sans: list[x509.GeneralName] = []
    for n in names:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            sans.append(x509.DNSName(n))
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject if self_signed else _CA)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOW + timedelta(days=days[0])).not_valid_after(NOW + timedelta(days=days[1]))
               .add_extension(x509.SubjectAlternativeName(sans), critical=False))
    cert = builder.sign(key if self_signed else _CA_KEY, algorithm or hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.DER)


def _judge(der: bytes, name: str = "win01.example.com", error: str = "", validate: bool = True):  # type: ignore[no-untyped-def]
    facts = describe(der)
    return judge(facts, error, name, validate, NOW, {"version": "TLSv1.3"}, channel_binding(facts, ("ntlm",), True),
                 "/etc/ca.pem")


def test_trusted_certificate() -> None:
    step = _judge(_cert(["win01.example.com", "win01", "10.0.0.5"]))
    assert step.status == "ok", step
    assert step.evidence["dns_names"] == ["win01.example.com", "win01"]
    assert step.evidence["ip_addresses"] == ["10.0.0.5"]
    assert step.evidence["channel_binding"] == "tls-server-end-point (sha256)"
    assert "trusted certificate for win01.example.com from Example CA" in step.summary


def test_expired_wins_over_everything() -> None:
    step = _judge(_cert(["win01.example.com"], days=(-400, -1)), error="CERTIFICATE_VERIFY_FAILED: certificate has "
                  "expired")
    assert (step.status, step.cause, step.layer) == ("fail", "tls-expired", "tls")
    assert "expired on 2026-11-30" in step.summary


def test_misnamed_names_what_the_certificate_carries() -> None:
    step = _judge(_cert(["other.example.com"]), error="CERTIFICATE_VERIFY_FAILED: Hostname mismatch")
    assert step.cause == "tls-misnamed"
    assert step.summary == "the certificate names other.example.com, not win01.example.com"
    assert "connect by one of other.example.com" in step.fix


def test_untrusted_and_self_signed() -> None:
    untrusted = _judge(_cert(["win01.example.com"]), error="CERTIFICATE_VERIFY_FAILED: unable to get local issuer "
                       "certificate")
    assert untrusted.cause == "tls-untrusted" and "issuer Example CA is not trusted by /etc/ca.pem" in untrusted.summary
    own = _judge(_cert(["win01.example.com"], self_signed=True), error="CERTIFICATE_VERIFY_FAILED: self-signed "
                 "certificate")
    assert own.cause == "tls-self-signed" and own.evidence["self_signed"] is True


def test_validation_off_turns_failures_into_warnings() -> None:
    step = _judge(_cert(["other.example.com"]), error="CERTIFICATE_VERIFY_FAILED: Hostname mismatch", validate=False)
    assert (step.status, step.cause) == ("warn", "tls-misnamed") and "validation is off" in step.summary
    good = _judge(_cert(["win01.example.com"]), validate=False)
    assert (good.status, good.cause) == ("warn", "tls-untrusted")


def test_expiring_soon_is_a_warning() -> None:
    step = _judge(_cert(["win01.example.com"], days=(-300, 10)))
    assert (step.status, step.cause) == ("warn", "tls-expired")


def test_name_matching_rules() -> None:
    facts = CertFacts("x", "y", dns_names=["*.example.com", "WIN02"], ip_addresses=["10.0.0.5", "fe80::1"])
    assert name_matches("win01.example.com", facts)
    assert not name_matches("a.b.example.com", facts)  # one label only
    assert not name_matches("example.com", facts)
    assert name_matches("win02", facts)
    assert name_matches("10.0.0.5", facts) and name_matches("[fe80::1]", facts)
    assert not name_matches("10.0.0.6", facts)


def test_channel_binding_follows_pywinrm() -> None:
    sha1 = CertFacts("h", "ca", signature_hash="sha1")  # this OpenSSL refuses to sign with SHA-1 any more
    sha384 = describe(_cert(["h"], algorithm=hashes.SHA384()))
    assert channel_binding(sha1, ("kerberos",), True) == "tls-server-end-point (sha256)"  # MD5/SHA-1 -> SHA-256
    assert channel_binding(sha384, ("ntlm",), True) == "tls-server-end-point (sha384)"
    assert channel_binding(sha384, ("ntlm",), False).startswith("none (ansible_winrm_send_cbt is false")
    assert channel_binding(sha384, ("basic",), True) == "none (basic does not use channel binding)"
    assert channel_binding(sha384, ("credssp",), True).startswith("CredSSP binds")
    assert channel_binding(CertFacts("x", "y"), ("ntlm",), True).startswith("none (the certificate's signature")


def test_ca_bundle_order(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/env/ca.pem")
    assert ca_bundle("/mine.pem") == "/mine.pem"
    assert ca_bundle(None) == "/env/ca.pem"
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert str(ca_bundle(None)).endswith("cacert.pem")  # certifi's, not the system store


def test_no_certificate() -> None:
    step = judge(None, "[SSL: WRONG_VERSION_NUMBER] wrong version number", "h", True, NOW, {}, "", None)
    assert (step.cause, step.status) == ("tls-protocol", "fail")
