"""Name forms for the Kerberos prediction tests (branch predict, issue 9.4): DNS aliases and IP SPNs.

Added to a *running* lab DC over LDAPS as LAB\\Administrator, the way an admin would (a CNAME in
the AD-integrated zone, ``setspn -S HTTP/<address> HOST$``), so no scenario file or offline
setup step changes. Samba's internal DNS serves a dnsNode from sam.ldb on the next query, so
an alias resolves at once inside the lab name space (labns.py).

A CNAME is stored as Windows stores it: a ``dnsNode`` under
``DC=<zone>,CN=MicrosoftDNS,DC=DomainDnsZones,<domain DN>`` whose ``dnsRecord`` is a
DNS_RPC_RECORD (MS-DNSP 2.3.2.2) of type CNAME carrying a DNS_COUNT_NAME (MS-DNSP 2.3.2.2.2).

    from winlab import dnsrecords
    dnsrecords.add_cname(lab, "web", "srv01.lab.test")       # web.lab.test -> srv01.lab.test
    dnsrecords.add_spn(lab, "SRV05$", "HTTP/127.0.62.6")     # an IP-address SPN
"""

from __future__ import annotations

import base64
import struct
import subprocess
from typing import Any

DNS_TYPE_CNAME = 5
RANK_ZONE = 0xF0  # authoritative data of the zone (MS-DNSP 2.2.2.2.5 DNS_RPC_RECORD_FLAGS rank)


class DNSRecordError(RuntimeError):
    """The DC refused the change; the message carries ldapmodify's answer."""


def count_name(name: str) -> bytes:
    """DNS_COUNT_NAME: total length, label count, then length-prefixed labels and a zero byte."""
    labels = [label.encode("ascii") for label in name.rstrip(".").split(".") if label]
    raw = b"".join(bytes([len(label)]) + label for label in labels) + b"\x00"
    return bytes([len(raw), len(labels)]) + raw


def cname_record(target: str, serial: int = 1, ttl: int = 900) -> bytes:
    """One DNS_RPC_RECORD of type CNAME pointing at ``target`` (a static record: timestamp 0)."""
    data = count_name(target)
    # DataLength, Type, Version 5, Rank, Flags, Serial (little endian); TtlSeconds is big endian;
    # Reserved and TimeStamp zero.
    return struct.pack("<HHBBHI", len(data), DNS_TYPE_CNAME, 5, RANK_ZONE, 0, serial) + struct.pack(">I", ttl) \
        + bytes(8) + data


def _domain(lab: Any) -> dict[str, Any]:
    domain: dict[str, Any] = lab._domain()
    return domain


def _ldapmodify(lab: Any, ldif: str) -> None:
    d = _domain(lab)
    cmd = lab.ns_command("ldapmodify", "-x", "-H", "ldaps://%s" % d["dc"]["fqdn"], "-D", "LAB\\Administrator",
                         "-y", "/dev/stdin")
    # The password goes on stdin (-y), the LDIF in a file: neither shows in the process list.
    ldif_file = lab.dir / ("dnsrecords-%d.ldif" % abs(hash(ldif)))
    ldif_file.write_text(ldif, encoding="utf-8")
    try:
        proc = subprocess.run([*cmd, "-f", str(ldif_file)], input=d["admin"]["password"], capture_output=True,
                              text=True, timeout=60, check=False,
                              env=lab.ns_env(LDAPTLS_CACERT=d["ca"]))
    finally:
        ldif_file.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise DNSRecordError("ldapmodify failed (exit %d): %s" % (proc.returncode, (proc.stderr or proc.stdout)[-800:]))


def add_cname(lab: Any, alias: str, target: str) -> str:
    """Add ``<alias>.<domain>`` as a CNAME of ``target``; returns the alias's FQDN.

    Raises:
        DNSRecordError: the DC refused (e.g. the name exists already).
    """
    d = _domain(lab)
    zone = d["dns_domain"]
    dn = "DC=%s,DC=%s,CN=MicrosoftDNS,DC=DomainDnsZones,%s" % (alias, zone, d["base_dn"])
    record = base64.b64encode(cname_record(target)).decode()
    _ldapmodify(lab, "dn: %s\nchangetype: add\nobjectClass: top\nobjectClass: dnsNode\ndnsRecord:: %s\n"
                % (dn, record))
    return "%s.%s" % (alias, zone)


def add_spn(lab: Any, account: str, spn: str) -> None:
    """Add ``spn`` to a computer account of the lab (``SRV05$``), as ``setspn -S`` would.

    Raises:
        DNSRecordError: the DC refused (unknown account, the SPN exists elsewhere).
    """
    d = _domain(lab)
    host = next((c for name, c in d["computers"].items() if name.upper() == account.upper()), None)
    if host is None:
        raise DNSRecordError("%s is not a computer account of the lab (have: %s)"
                             % (account, ", ".join(sorted(d["computers"]))))
    _ldapmodify(lab, "dn: %s\nchangetype: modify\nadd: servicePrincipalName\nservicePrincipalName: %s\n-\n"
                % (host["dn"], spn))
