# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificates of the host's LocalMachine\\My store, read the one way a remote client can.

For internal collection use only; this is not a public API.

Windows offers no WS-Management or WMI resource for the certificate store: PowerShell's
``Cert:`` drive is a local provider (over WinRM it needs a shell running PowerShell), the
WSMan provider has no store, ``root/cimv2`` has no certificate class, and the MDM bridge
classes of the CertificateStore CSP (``root/cimv2/mdm/dmmap``) answer only to SYSTEM. So the
least-bad route is the store's own persisted form in the registry, read through StdRegProv:
``HKLM\\SOFTWARE\\Microsoft\\SystemCertificates\\MY\\Certificates\\<SHA-1 thumbprint>``, value
``Blob`` (REG_BINARY). The Blob is a serialized store element as
``CertSerializeCertificateStoreElement`` writes it (normative description: MS-GPEF
2.2.1.1.1): property entries ``(PropertyID, Reserved=1, Length, Value)``, little-endian
DWORDs, then the certificate entry ``(0x20, 1, Length, DER)``. One GetBinaryValue round trip
per certificate.

Confirmed: the registry path and Blob layout (MS-GPEF, Wine's crypt32 store tests). Not
confirmed by a recording: the GetBinaryValue reply over WS-Man (``uValue`` as one element
per byte, the way other WMI arrays repeat). The LocalMachine\\My system store also opens the
Group Policy and Enterprise physical stores, which do not hold server certificates in
practice; only the registry one is read.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import struct
from collections.abc import Iterable
from dataclasses import dataclass

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - an ansible-core dependency; reported when a certificate is parsed
    HAS_CRYPTOGRAPHY = False

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import (
    MissingLibraryError,
    ParseError,
    ProtocolError,
    SettingsError,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import Registry

STORE = "LocalMachine\\My"
STORE_KEY = "SOFTWARE\\Microsoft\\SystemCertificates\\MY\\Certificates"
BLOB_VALUE = "Blob"
CERT_ELEMENT = 0x20  # FILE_ELEMENT_CERT_TYPE / CERT_CERT_PROP_ID: the DER certificate
KEY_PROV_INFO = 2  # CERT_KEY_PROV_INFO_PROP_ID: the certificate is linked to a private key
# A serialized certificate with its properties is a few KB; anything far larger is not one.
MAX_BLOB_BYTES = 64 * 1024
EXPIRING_DAYS = 30

# Characters people paste with a thumbprint copied from certlm.msc / PowerShell: spaces, colons
# and the invisible left-to-right mark (U+200E) the MMC details pane puts in front of it.
_THUMBPRINT_NOISE = str.maketrans("", "", " \t:\u200e\u200f\ufeff")


def is_thumbprint(value: str) -> bool:
    """Whether ``value`` is exactly 40 hex digits."""
    return len(value) == 40 and all(c in "0123456789ABCDEFabcdef" for c in value)


def normalise_thumbprint(raw: str, option: str = "certificate_thumbprint") -> str:
    """A thumbprint as Windows stores it: 40 upper-case hex digits.

    Raises:
        SettingsError: ``raw`` is not a SHA-1 thumbprint once spaces and colons are removed.
    """
    value = raw.translate(_THUMBPRINT_NOISE).upper()
    if not is_thumbprint(value):
        raise SettingsError(
            "%s %r is not a certificate thumbprint: give the 40 hexadecimal digits of the certificate's SHA-1 "
            "hash, e.g. from (Get-ChildItem Cert:\\LocalMachine\\My).Thumbprint" % (option, raw[:80]))
    return value


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _iso(moment: datetime.datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def dns_name_matches(pattern: str, name: str) -> bool:
    """RFC 6125 matching of one DNS name: a wildcard only as the whole left-most label."""
    pattern, name = pattern.lower().rstrip("."), name.lower().rstrip(".")
    if pattern == name:
        return True
    if pattern.startswith("*.") and "." in name:
        return name.split(".", 1)[1] == pattern[2:] and "*" not in pattern[2:]
    return False


@dataclass(frozen=True)
class Certificate:
    """One certificate of the store, as the listener rules and the module judge it.

    Attributes:
        thumbprint: SHA-1 of the DER bytes, upper-case hex (the registry key name).
        subject, issuer: RFC 4514 strings (``CN=win01.lab.test``).
        common_name: the subject CN, or "".
        san: subjectAltName DNS names; ``san_ips``: its IP addresses.
        not_before, not_after: validity, UTC.
        self_signed: issued by itself (same name and its own key verifies the signature).
        server_auth: usable for a TLS server (no EKU extension, or one with serverAuth / any).
        has_private_key: the store links a private key to it (KEY_PROV_INFO property).
    """

    thumbprint: str
    subject: str
    issuer: str
    common_name: str
    san: tuple[str, ...]
    san_ips: tuple[str, ...]
    not_before: datetime.datetime
    not_after: datetime.datetime
    self_signed: bool
    server_auth: bool
    has_private_key: bool

    @property
    def not_after_iso(self) -> str:
        """``not_after`` as ``2027-01-31T12:00:00Z``."""
        return _iso(self.not_after)

    def names(self) -> tuple[str, ...]:
        """Every name a client may match: the SAN DNS names, else the subject CN (RFC 6125)."""
        return self.san or ((self.common_name,) if self.common_name else ())

    def matches(self, name: str) -> bool:
        """Whether a client validating the certificate accepts it for ``name`` (a DNS name or an IP address).

        RFC 6125, as Python's ssl/urllib3 check it: the SAN DNS names (the subject CN only when there
        are none), an IP address against the SAN IP addresses.
        """
        try:
            ip = ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            return any(dns_name_matches(pattern, name) for pattern in self.names())
        return str(ip) in self.san_ips

    def matches_any(self, names: Iterable[str]) -> bool:
        return any(self.matches(n) for n in names if n)

    def names_listener(self, hostname: str) -> bool:
        """Whether an HTTPS listener with this ``Hostname`` may use the certificate.

        WinRM compares the Hostname with the subject CN (fault 2150858985 otherwise, REFERENCE.md);
        a SAN DNS name is accepted too, so a client that validates (SAN first) also gets a match.
        """
        return any(dns_name_matches(pattern, hostname) for pattern in (self.common_name, *self.san) if pattern)

    def days_to_expiry(self, now: datetime.datetime | None = None) -> int:
        """Whole days until ``not_after`` (negative once expired)."""
        moment = _utc(now or datetime.datetime.now(datetime.UTC))
        return (self.not_after - moment) // datetime.timedelta(days=1)

    def expired(self, now: datetime.datetime | None = None) -> bool:
        return _utc(now or datetime.datetime.now(datetime.UTC)) >= self.not_after

    def facts(self, names: Iterable[str] = (), now: datetime.datetime | None = None) -> dict[str, object]:
        """Plain dict for results and facts; ``name_matches`` is judged against ``names``."""
        return {
            "thumbprint": self.thumbprint,
            "subject": self.subject,
            "san": list(self.san) + list(self.san_ips),
            "issuer": self.issuer,
            "not_before": _iso(self.not_before),
            "not_after": self.not_after_iso,
            "days_to_expiry": self.days_to_expiry(now),
            "self_signed": self.self_signed,
            "server_auth": self.server_auth,
            "has_private_key": self.has_private_key,
            "name_matches": self.matches_any(names),
            "store": STORE,
        }

    @classmethod
    def from_der(cls, der: bytes, has_private_key: bool = False) -> Certificate:
        """Parse a DER certificate.

        Raises:
            ParseError: the bytes are not an X.509 certificate.
            MissingLibraryError: the cryptography package is not installed on the controller.
        """
        if not HAS_CRYPTOGRAPHY:
            raise MissingLibraryError("reading the listener certificate needs the Python package cryptography on the "
                                      "controller (pip install cryptography; ansible-core normally brings it)")
        try:
            cert = x509.load_der_x509_certificate(der)
            cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
        except ValueError as e:
            raise ParseError("the certificate is not a valid X.509 DER encoding (%s)" % str(e)[:200]) from None
        san: list[str] = []
        ips: list[str] = []
        try:
            ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            san = [str(n) for n in ext.get_values_for_type(x509.DNSName)]
            ips = [str(ip) for ip in ext.get_values_for_type(x509.IPAddress)]
        except x509.ExtensionNotFound:
            pass
        try:
            usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            server_auth = ExtendedKeyUsageOID.SERVER_AUTH in usages or \
                ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usages
        except x509.ExtensionNotFound:
            server_auth = True  # no EKU: every usage is allowed
        return cls(
            thumbprint=hashlib.sha1(der).hexdigest().upper(),
            subject=subject,
            issuer=issuer,
            common_name=str(cns[0].value) if cns else "",
            san=tuple(san),
            san_ips=tuple(ips),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            self_signed=_self_signed(cert),
            server_auth=server_auth,
            has_private_key=has_private_key,
        )


def problems(cert: Certificate | None, thumbprint: str, hostname: str,
             now: datetime.datetime | None = None) -> list[str]:
    """Why ``cert`` cannot serve an HTTPS listener named ``hostname`` (empty when it can).

    Args:
        cert: the certificate, or None when the store has none with ``thumbprint``.
        thumbprint: for the messages.
        hostname: the listener's Hostname ("" skips the name check, as Windows does).
        now: the time to judge validity at (default: now).
    """
    if cert is None:
        return ["the certificate %s is not in %s: import it with its private key (Import-PfxCertificate "
                "-CertStoreLocation Cert:\\LocalMachine\\My), or give the thumbprint of one that is"
                % (thumbprint, STORE)]
    found = []
    moment = now or datetime.datetime.now(datetime.UTC)
    if cert.expired(moment):
        found.append("the certificate %s expired on %s" % (thumbprint, cert.not_after_iso))
    elif cert.not_before > moment:
        found.append("the certificate %s is not valid before %s" % (thumbprint, cert.not_before.isoformat()))
    if hostname and not cert.names_listener(hostname):
        found.append("the certificate %s is for %s, not for hostname %r: set hostname to one of its names, or use "
                     "a certificate issued for %s" % (thumbprint, ", ".join(cert.names()) or "(no name)",
                                                      hostname, hostname))
    if not cert.server_auth:
        found.append("the certificate %s is not valid for server authentication (its Enhanced Key Usage lacks "
                     "Server Authentication, 1.3.6.1.5.5.7.3.1)" % thumbprint)
    return found


def read_store(registry: Registry) -> tuple[Certificate, ...]:
    """Every certificate of LocalMachine\\My: one EnumKey, then one GetBinaryValue per certificate.

    Keys whose name is not a thumbprint, or whose Blob is missing or malformed, are skipped.
    """
    found = []
    for name in registry.enum_keys(STORE_KEY) or []:
        if not is_thumbprint(name):
            continue
        try:
            cert = read_certificate(registry, name)
        except ProtocolError:
            continue  # not a certificate Windows could use either
        if cert is not None:
            found.append(cert)
    return tuple(found)


def choose(certificates: Iterable[Certificate], hostname: str,
           now: datetime.datetime | None = None) -> Certificate | None:
    """The certificate ``winrm quickconfig -transport:https`` would take for ``hostname``.

    Fit: no :func:`problems`, and a private key. Preferred: CA-issued over self-signed, then the
    latest ``not_after``.
    """
    fit = [c for c in certificates if c.has_private_key and not problems(c, c.thumbprint, hostname, now)]
    return max(fit, key=lambda c: (not c.self_signed, c.not_after), default=None)


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):  # e.g. a DSA key it cannot check
        return False
    return True


def parse_blob(blob: bytes) -> tuple[bytes, dict[int, bytes]]:
    """Split a serialized store element into the DER certificate and its properties.

    Returns:
        ``(der, {property id: value})``.

    Raises:
        ParseError: the blob is truncated, oversized, or holds no certificate entry.
    """
    if len(blob) > MAX_BLOB_BYTES:
        raise ParseError("certificate Blob of %d bytes is larger than the %d a certificate takes"
                         % (len(blob), MAX_BLOB_BYTES))
    props: dict[int, bytes] = {}
    offset = 0
    while offset + 12 <= len(blob):
        prop_id, _reserved, length = struct.unpack_from("<III", blob, offset)
        start, offset = offset + 12, offset + 12 + length
        if offset > len(blob):
            raise ParseError("certificate Blob entry %#x claims %d bytes, %d are left"
                             % (prop_id, length, len(blob) - start))
        if prop_id == CERT_ELEMENT:
            return blob[start:offset], props
        props[prop_id] = blob[start:offset]
    raise ParseError("certificate Blob has no certificate entry (0x20)")


def certificate_from_blob(blob: bytes, thumbprint: str) -> Certificate:
    """The certificate a store Blob holds, checked against the thumbprint it is filed under.

    Raises:
        ParseError: the Blob is malformed or holds another certificate.
    """
    der, props = parse_blob(blob)
    cert = Certificate.from_der(der, has_private_key=KEY_PROV_INFO in props)
    if cert.thumbprint != thumbprint.upper():
        raise ParseError("the Blob filed under %s holds certificate %s" % (thumbprint, cert.thumbprint))
    return cert


def read_certificate(registry: Registry, thumbprint: str) -> Certificate | None:
    """One certificate of LocalMachine\\My, or None when the store has none with that thumbprint.

    One StdRegProv GetBinaryValue round trip.

    Raises:
        ProtocolError: the Blob is not a serialized certificate (the message names the key).
        RegistryError: StdRegProv refused the read (e.g. access denied).
    """
    key = "%s\\%s" % (STORE_KEY, thumbprint.upper())
    blob = registry.get_binary(key, BLOB_VALUE)
    if blob is None:
        return None
    try:
        return certificate_from_blob(blob, thumbprint)
    except ParseError as e:
        raise ProtocolError("HKLM\\%s\\%s: %s" % (key, BLOB_VALUE, e.message), target=registry.client.endpoint,
                            operation="Invoke StdRegProv.GetBinaryValue") from e
