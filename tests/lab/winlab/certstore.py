"""A host's LocalMachine\\My certificate store, kept where Windows keeps it: in the registry.

Windows persists the store under ``HKLM\\SOFTWARE\\Microsoft\\SystemCertificates\\MY\\Certificates``,
one key per certificate named by its SHA-1 thumbprint (upper-case hex), holding the REG_BINARY
value ``Blob``: a serialized store element (CertSerializeCertificateStoreElement; MS-GPEF
2.2.1.1.1) -- property entries ``(id, 1, length, value)`` as little-endian DWORDs, then the
certificate entry ``(0x20, 1, length, DER)``. There is no WS-Man or WMI class for the store, so
a remote client reads it with StdRegProv.GetBinaryValue, which resources/stdregprov.py answers
from this registry like any other value.

The private key is not in the registry on Windows either (CNG/CAPI key containers); the lab
keeps the PEM files' paths in the state's ``certificates`` list, and a certificate counts as
installed only when both the registry Blob and that entry exist (:func:`lookup`), so removing the
key through the registry removes the certificate, as on Windows. Blob properties written: SHA-1
hash (3) and, when a private key is linked, KEY_PROV_INFO (2), whose content here is a
placeholder (only its presence is meaningful to a reader; real ones name the key container).

Tests add certificates to a running lab with ``Lab.add_certificate`` (control API
``POST /certificates``); :func:`issue` makes them: CA-issued or self-signed, any subject, SAN,
validity and key usage.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import struct
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from . import registry

STORE_PATH = "HKLM\\SOFTWARE\\Microsoft\\SystemCertificates\\MY\\Certificates"
CERT_ELEMENT = 0x20
SHA1_HASH = 3
KEY_PROV_INFO = 2


def _entry(prop_id: int, value: bytes) -> bytes:
    return struct.pack("<III", prop_id, 1, len(value)) + value


def blob(der: bytes, has_key: bool = True) -> bytes:
    """The registry Blob of a certificate."""
    props = _entry(SHA1_HASH, hashlib.sha1(der).digest())
    if has_key:
        props += _entry(KEY_PROV_INFO, "winlab-key-container\0".encode("utf-16-le"))
    return props + _entry(CERT_ELEMENT, der)


def thumbprint_of(der: bytes) -> str:
    return hashlib.sha1(der).hexdigest().upper()


def der_from_blob(data: bytes) -> bytes | None:
    """The certificate entry of a Blob, or None when there is none."""
    offset = 0
    while offset + 12 <= len(data):
        prop_id, _enc, length = struct.unpack_from("<III", data, offset)
        if prop_id == CERT_ELEMENT:
            return data[offset + 12:offset + 12 + length]
        offset += 12 + length
    return None


def install(state: dict[str, Any], entry: dict[str, Any], der: bytes) -> None:
    """Put a certificate into the state's store: its Blob in the registry, its key files in ``certificates``."""
    key = registry.Registry(state["registry"]).create_path(f"{STORE_PATH}\\{entry['thumbprint']}")
    registry.set_value(key, "Blob", "REG_BINARY", list(blob(der, has_key=bool(entry.get("key_file")))))
    certificates = state.setdefault("certificates", [])
    certificates[:] = [c for c in certificates if c["thumbprint"] != entry["thumbprint"]] + [entry]


def lookup(state: dict[str, Any], thumbprint: str) -> dict[str, Any] | None:
    """The certificate LocalMachine\\My holds under ``thumbprint`` (None when the Blob or its entry is gone)."""
    if not thumbprint:
        return None
    key = registry.Registry(state["registry"]).find_path(f"{STORE_PATH}\\{thumbprint}")
    value = registry.get_value(key, "Blob") if key is not None else None
    if value is None or value["type"] != "REG_BINARY" or der_from_blob(bytes(value["data"])) is None:
        return None
    return next((c for c in state.get("certificates", []) if c["thumbprint"] == thumbprint.upper()), None)


def _when(value: Any, default: datetime.datetime) -> datetime.datetime:
    """An ISO 8601 time, or a number of days from now (negative: in the past)."""
    now = datetime.datetime.now(datetime.UTC)
    if value is None:
        return default
    if isinstance(value, int | float):
        return now + datetime.timedelta(days=value)
    moment = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def issue(pki_dir: Path, spec: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """Make a certificate and its key files from a spec.

    Spec keys: ``subject`` (a CN, or ``CN=…``), ``san`` (DNS names and IP addresses), ``self_signed``
    (default false: issued by the lab CA), ``issuer`` (a CN: issued by a throwaway CA of that name),
    ``not_before`` / ``not_after`` (ISO 8601 or days from now; defaults -1 / 365), ``server_auth``
    (default true: EKU Server Authentication; false: Client Authentication only).

    Returns:
        (the ``certificates`` entry, the DER bytes).
    """
    subject_cn = str(spec["subject"]).removeprefix("CN=")
    san = [str(n) for n in spec.get("san") or []]
    now = datetime.datetime.now(datetime.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)])
    if spec.get("self_signed"):
        issuer_name, signer = subject, key
    elif spec.get("issuer"):
        issuer_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, str(spec["issuer"]).removeprefix("CN="))])
        signer = ec.generate_private_key(ec.SECP256R1())
    else:
        ca_cert = x509.load_pem_x509_certificate((pki_dir / "ca.pem").read_bytes())
        loaded = serialization.load_pem_private_key((pki_dir / "ca.key").read_bytes(), None)
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise ValueError("the lab CA key is not an EC key")
        issuer_name, signer = ca_cert.subject, loaded
    names: list[x509.GeneralName] = []
    for name in san:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            names.append(x509.DNSName(name))
    not_after = _when(spec.get("not_after"), now + datetime.timedelta(days=365))
    # An expired certificate was valid once: by default it starts a year before it ends.
    not_before = _when(spec.get("not_before"), min(now, not_after) - datetime.timedelta(days=1 if not_after > now
                                                                                        else 365))
    usage = ExtendedKeyUsageOID.SERVER_AUTH if spec.get("server_auth", True) else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    cert = builder.sign(signer, hashes.SHA256())
    der = cert.public_bytes(serialization.Encoding.DER)
    thumbprint = thumbprint_of(der)
    cert_file, key_file = pki_dir / f"extra-{thumbprint}.pem", pki_dir / f"extra-{thumbprint}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(_key_pem(key))
    key_file.chmod(0o600)
    dns_names = list(dict.fromkeys([subject_cn, *(n for n in san if not _is_ip(n))]))
    entry = {"thumbprint": thumbprint, "subject": f"CN={subject_cn}", "dns_names": dns_names,
             "cert_file": str(cert_file), "key_file": str(key_file), "store": "LocalMachine\\My"}
    return entry, der


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def der_of_file(cert_file: str | Path) -> bytes:
    """The DER bytes of a PEM certificate file."""
    cert = x509.load_pem_x509_certificate(Path(cert_file).read_bytes())
    return cert.public_bytes(serialization.Encoding.DER)
