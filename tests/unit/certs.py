# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test certificates built with cryptography, and the registry Blob Windows files them in."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import struct

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
CA_KEY = ec.generate_private_key(ec.SECP256R1())
CA_NAME = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Corp Issuing CA")])


def make_der(cn: str = "win01.corp.example", san: tuple[str, ...] = ("win01.corp.example", "win01"),
             self_signed: bool = False, days: int = 365, eku: tuple[x509.ObjectIdentifier, ...] | None = (
                 ExtendedKeyUsageOID.SERVER_AUTH,)) -> bytes:
    """A DER certificate built with cryptography: CA-issued unless self_signed."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]) if cn else x509.Name([])
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(subject if self_signed else CA_NAME).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(NOW - datetime.timedelta(days=10))
               .not_valid_after(NOW + datetime.timedelta(days=days)))
    names: list[x509.GeneralName] = []
    for name in san:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            names.append(x509.DNSName(name))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    return builder.sign(key if self_signed else CA_KEY, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def entry(prop_id: int, value: bytes) -> bytes:
    return struct.pack("<III", prop_id, 1, len(value)) + value


def blob_of(der: bytes, key: bool = True) -> bytes:
    """What CertSerializeCertificateStoreElement writes: properties, then the 0x20 certificate entry."""
    props = entry(3, hashlib.sha1(der).digest()) + entry(0x0B, "Web server\0".encode("utf-16-le"))
    if key:
        props += entry(2, b"\x00" * 40)
    return props + entry(0x20, der)


def thumb(der: bytes) -> str:
    return hashlib.sha1(der).hexdigest().upper()
