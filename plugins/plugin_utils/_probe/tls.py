# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Layer 5, TLS: the HTTPS listener's certificate as the client will judge it.

For internal collection use only; this is not a public API.

Two handshakes: one that accepts anything (to read the certificate even when it is bad) and
one that verifies like requests does (the configured CA bundle, else ``REQUESTS_CA_BUNDLE``,
else certifi's bundle - not the system store) with the name the URL carries. The certificate's
own fields then say which of expired / misnamed / self-signed / untrusted it is, and whether
pywinrm will send channel binding (tls-server-end-point, RFC 5929: a hash of the certificate
with its signature's hash algorithm, SHA-256 for MD5/SHA-1; none when that is unknown).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.predict import is_ip
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.step import Step, ok, problem, skip
from ansible_collections.winauth.winrm.plugins.plugin_utils._text import shorten
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.certificate import dns_name_matches

try:
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.x509.oid import NameOID
    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - a pywinrm dependency
    HAS_CRYPTOGRAPHY = False

EXPIRY_WARN_DAYS = 30


@dataclass
class CertFacts:
    """The fields of the listener certificate that decide trust and channel binding."""

    subject: str
    issuer: str
    dns_names: list[str] = field(default_factory=list)
    ip_addresses: list[str] = field(default_factory=list)
    not_before: datetime | None = None
    not_after: datetime | None = None
    signature_hash: str | None = None
    self_signed: bool = False


def ca_bundle(ca_trust_path: str | None) -> str | None:
    """The bundle requests will verify with: the configured one, the environment's, else certifi's."""
    path = ca_trust_path or os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if path:
        return path
    try:
        import certifi
    except ImportError:  # pragma: no cover - a requests dependency
        return None
    return str(certifi.where())


def _handshake(address: str, port: int, context: ssl.SSLContext, server_name: str, timeout: float) -> ssl.SSLSocket:
    sock = socket.create_connection((address, port), timeout=timeout)
    try:
        return context.wrap_socket(sock, server_hostname=server_name)
    except BaseException:
        sock.close()
        raise


def fetch(address: str, port: int, server_name: str, timeout: float) -> tuple[bytes, dict[str, Any]]:
    """The peer certificate (DER) and the session's version/cipher, without verifying anything.

    Raises:
        OSError: no TLS handshake (ssl.SSLError is an OSError).
    """
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with _handshake(address, port, context, server_name, timeout) as tls:
        der = tls.getpeercert(binary_form=True) or b""
        cipher = tls.cipher()
        return der, {"version": tls.version(), "cipher": cipher[0] if cipher else None}


def verify(address: str, port: int, server_name: str, bundle: str | None, timeout: float) -> str:
    """"" when requests would accept the certificate for ``server_name``, else OpenSSL's reason."""
    try:
        if bundle and os.path.isdir(bundle):
            context = ssl.create_default_context(capath=bundle)
        else:
            context = ssl.create_default_context(cafile=bundle)
    except (OSError, ssl.SSLError) as e:
        return "cannot read the CA bundle %s: %s" % (bundle, e)
    try:
        with _handshake(address, port, context, server_name, timeout):
            return ""
    except ssl.SSLCertVerificationError as e:
        return "CERTIFICATE_VERIFY_FAILED: %s" % (e.verify_message or e.reason)
    except (OSError, ssl.SSLError) as e:
        return shorten(e, 200)


def describe(der: bytes) -> CertFacts:
    """Parse the certificate (raises ValueError for a certificate that cannot be parsed)."""
    cert = x509.load_der_x509_certificate(der)

    def cn(name: Any) -> str:
        values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(values[0].value) if values else name.rfc4514_string()

    facts = CertFacts(subject=cn(cert.subject), issuer=cn(cert.issuer),
                      not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
                      self_signed=cert.issuer == cert.subject)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        facts.dns_names = [str(n) for n in san.get_values_for_type(x509.DNSName)]
        facts.ip_addresses = [str(n) for n in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        pass
    try:
        algorithm = cert.signature_hash_algorithm
        facts.signature_hash = algorithm.name if algorithm is not None else None
    except UnsupportedAlgorithm:
        facts.signature_hash = None
    return facts


def name_matches(name: str, facts: CertFacts) -> bool:
    """Whether ``name`` is in the subjectAltName (RFC 6125: one left-most wildcard label; IPs exactly)."""
    if is_ip(name):
        wanted = ipaddress.ip_address(name.strip("[]"))
        return any(ipaddress.ip_address(ip) == wanted for ip in facts.ip_addresses)
    return any(dns_name_matches(pattern, name) for pattern in facts.dns_names)


def channel_binding(facts: CertFacts | None, transports: tuple[str, ...], send_cbt: bool) -> str:
    """What binds the authentication to this TLS channel for the first transport that uses one."""
    auth = transports[0] if transports else ""
    if auth == "credssp":
        return "CredSSP binds to the TLS public key itself"
    if auth not in ("ntlm", "kerberos"):
        return "none (%s does not use channel binding)" % (auth or "no transport")
    if not send_cbt:
        return "none (ansible_winrm_send_cbt is false: CbtHardeningLevel=Strict hosts will refuse)"
    if facts is None or facts.signature_hash is None:
        return "none (the certificate's signature algorithm is unknown, so pywinrm sends no binding)"
    algorithm = "sha256" if facts.signature_hash in ("md5", "sha1") else facts.signature_hash
    return "tls-server-end-point (%s)" % algorithm


def judge(facts: CertFacts | None, verify_error: str, name: str, validate: bool, now: datetime,
          session: dict[str, Any], binding: str, bundle: str | None) -> Step:
    """The TLS verdict.

    Args:
        facts: the parsed certificate (None when it could not be read).
        verify_error: :func:`verify`'s answer.
        name: the host name in the URL (what requests checks the certificate against).
        validate: ``ansible_winrm_server_cert_validation`` is ``validate``.
        now: the controller's time (UTC).
        session: TLS version and cipher.
        binding: :func:`channel_binding`'s answer.
        bundle: the CA bundle used.
    """
    if facts is None:
        return problem("tls", "tls-protocol", "no certificate from the listener: %s" % verify_error, **session)
    evidence: dict[str, Any] = {
        **session, "subject": facts.subject, "issuer": facts.issuer, "dns_names": facts.dns_names,
        "ip_addresses": facts.ip_addresses, "self_signed": facts.self_signed, "ca_bundle": bundle,
        "not_after": facts.not_after.isoformat() if facts.not_after else None,
        "name_checked": name, "validation": "validate" if validate else "ignore", "channel_binding": binding,
    }
    if verify_error:
        evidence["verify_error"] = verify_error
    status = "fail" if validate else "warn"
    ignored = "" if validate else " (validation is off, so the client connects anyway)"
    if facts.not_after is not None and facts.not_after < now:
        return problem("tls", "tls-expired", "the certificate of %s expired on %s%s" % (
            facts.subject, facts.not_after.date().isoformat(), ignored), status=status, evidence=evidence)
    if not name_matches(name, facts):
        return problem("tls", "tls-misnamed", "the certificate names %s, not %s%s" % (
            ", ".join(facts.dns_names + facts.ip_addresses) or facts.subject, name, ignored),
            fix="connect by one of %s, or issue the listener a certificate with %s in its subjectAltName" % (
                ", ".join(facts.dns_names) or facts.subject, name), status=status, evidence=evidence)
    if verify_error:
        cause = "tls-self-signed" if facts.self_signed or "self-signed" in verify_error.lower() else "tls-untrusted"
        return problem("tls", cause, "issuer %s is not trusted by %s: %s%s" % (
            facts.issuer, bundle or "the default bundle", verify_error, ignored), status=status, evidence=evidence)
    if facts.not_after is not None and (facts.not_after - now).days < EXPIRY_WARN_DAYS:
        return problem("tls", "tls-expired", "the certificate expires on %s" % facts.not_after.date().isoformat(),
                       status="warn", evidence=evidence)
    if not validate:
        return problem("tls", "tls-untrusted", "the certificate is valid but the client does not check it "
                       "(ansible_winrm_server_cert_validation=ignore)", status="warn",
                       fix="set ansible_winrm_server_cert_validation=validate and ansible_winrm_ca_trust_path",
                       evidence=evidence)
    return ok("tls", "trusted certificate for %s from %s, valid until %s; channel binding: %s" % (
        name, facts.issuer, facts.not_after.date().isoformat() if facts.not_after else "?", binding), **evidence)


def not_https(encrypts: bool, transport: str) -> Step:
    """The step for an HTTP endpoint: no TLS; say whether the body is still encrypted."""
    how = ("bodies are encrypted by %s (WinRM message encryption)" % transport if encrypts
           else "bodies travel in clear text (%s over HTTP has no message encryption)" % transport)
    return skip("tls", "HTTP endpoint, no TLS: %s" % how, message_encryption=encrypts)


def utcnow() -> datetime:
    return datetime.now(UTC)
