"""LocalMachine\\My in the lab: the registry Blob as Windows keeps it, Lab.add_certificate, served certificates."""

from __future__ import annotations

import hashlib
import socket
import ssl
import struct

import wsman_helpers as wh
from cryptography import x509
from winlab import certstore

STDREGPROV = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv"


def get_binary(p, key: str, name: str) -> tuple[int, bytes]:
    body = (f'<p:GetBinaryValue_INPUT xmlns:p="{STDREGPROV}"><p:hDefKey>2147483650</p:hDefKey>'
            f"<p:sSubKeyName>{key}</p:sSubKeyName><p:sValueName>{name}</p:sValueName></p:GetBinaryValue_INPUT>")
    out = wh.body_of(wh.send(p, STDREGPROV + "/GetBinaryValue", STDREGPROV, body))[0]
    assert out.tag == f"{{{STDREGPROV}}}GetBinaryValue_OUTPUT"
    children = list(out)
    assert children[-1].tag == f"{{{STDREGPROV}}}ReturnValue"  # out parameters first, ReturnValue last
    data = bytes(int(c.text or "") for c in children if c.tag.endswith("}uValue") and c.text)
    return int(children[-1].text or "-1"), data


def served(address: str, port: int) -> bytes:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection((address, port), timeout=5) as sock, context.wrap_socket(sock) as tls:
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return der


def test_the_store_blob_is_read_with_getbinaryvalue(fresh):
    info = fresh.hosts["win02"]
    p = wh.protocol(fresh, "win02")
    key = "SOFTWARE\\Microsoft\\SystemCertificates\\MY\\Certificates\\" + info["thumbprint"]
    rc, blob = get_binary(p, key, "Blob")
    assert rc == 0
    # Serialized store element: property entries (id, 1, length), the certificate entry 0x20 last.
    prop_id, encoding, length = struct.unpack_from("<III", blob, 0)
    assert (prop_id, encoding, length) == (3, 1, 20)
    der = certstore.der_from_blob(blob)
    assert der is not None and hashlib.sha1(der).hexdigest().upper() == info["thumbprint"]
    assert blob.endswith(der) and struct.unpack_from("<III", blob, len(blob) - len(der) - 12) == (0x20, 1, len(der))
    assert der == served(info["address"], info["https_port"])  # the listener serves what the store holds
    assert get_binary(p, key, "Nope") == (2, b"")
    assert get_binary(p, key + "0", "Blob") == (2, b"")


def test_add_certificate_installs_it_and_restore_removes_it(fresh):
    entry = fresh.add_certificate("win02", subject="web.lab.test", san=["web.lab.test", "10.1.2.3"],
                                  issuer="Other CA", not_after=5)
    state = fresh.state("win02")
    assert entry in state["certificates"] and entry["dns_names"] == ["web.lab.test"]
    rc, blob = get_binary(wh.protocol(fresh, "win02"),
                          "SOFTWARE\\Microsoft\\SystemCertificates\\MY\\Certificates\\" + entry["thumbprint"], "Blob")
    cert = x509.load_der_x509_certificate(certstore.der_from_blob(blob) or b"")
    assert rc == 0 and cert.issuer.rfc4514_string() == "CN=Other CA"
    assert cert.subject.rfc4514_string() == "CN=web.lab.test"
    assert 4 <= (cert.not_valid_after_utc - cert.not_valid_before_utc).days <= 6
    fresh.restore("win02")
    assert entry not in fresh.state("win02").get("certificates", [])
