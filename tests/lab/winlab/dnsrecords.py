"""DNS aliases and IP-address SPNs in the lab's AD: the one place that says how they are written.

Two callers, one set of records: the domain build writes the scenario's ``spn_lab`` CNAMEs and IP
SPNs into the stopped DC's database (winlab/spnlab.py, through SamDB), and the Kerberos prediction
tests (branch predict, issue 9.4) add more to a *running* DC over LDAPS as LAB\\Administrator,
the way an admin would (a CNAME in the AD-integrated zone, ``setspn -S HTTP/<address> HOST$``).
Both write the LDIF made here. Samba's internal DNS serves a dnsNode from sam.ldb on the next
query, so an alias added to a running DC resolves at once inside the lab name space (labns.py).

A CNAME is stored as Windows stores it: a ``dnsNode`` under
``DC=<zone>,CN=MicrosoftDNS,DC=DomainDnsZones,<domain DN>`` whose ``dnsRecord`` is a
DNS_RPC_RECORD (MS-DNSP 2.3.2.2) of type CNAME carrying a DNS_COUNT_NAME (MS-DNSP 2.3.2.2.2);
the bytes equal Samba's own ``ndr_pack(CNAMERecord(target))`` (what ``samba-tool dns add``
stores; checked against Samba 4.17).

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


def zone_dn(dns_domain: str, base_dn: str) -> str:
    """The DN of the domain's AD-integrated DNS zone (DomainDnsZones partition)."""
    return "DC=%s,CN=MicrosoftDNS,DC=DomainDnsZones,%s" % (dns_domain, base_dn)


def cname_ldif(alias: str, target: str, dns_domain: str, base_dn: str) -> str:
    """LDIF adding ``<alias>.<dns_domain>`` as a CNAME of ``target`` (a dnsNode with one CNAME record)."""
    record = base64.b64encode(cname_record(target)).decode()
    return "dn: DC=%s,%s\nchangetype: add\nobjectClass: top\nobjectClass: dnsNode\ndnsRecord:: %s\n" % (
        alias, zone_dn(dns_domain, base_dn), record)


def spn_ldif(dn: str, spns: list[str]) -> str:
    """LDIF adding ``spns`` to the account at ``dn`` (as ``setspn -S`` does; the DC checks uniqueness)."""
    values = "".join("servicePrincipalName: %s\n" % spn for spn in spns)
    return "dn: %s\nchangetype: modify\nadd: servicePrincipalName\n%s-\n" % (dn, values)


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
    """Add ``<alias>.<domain>`` as a CNAME of ``target`` to the running DC; returns the alias's FQDN.

    Raises:
        DNSRecordError: the DC refused (e.g. the name exists already).
    """
    d = _domain(lab)
    _ldapmodify(lab, cname_ldif(alias, target, d["dns_domain"], d["base_dn"]))
    return "%s.%s" % (alias, d["dns_domain"])


def add_spn(lab: Any, account: str, spn: str) -> None:
    """Add ``spn`` to a computer account of the running lab DC (``SRV05$``), as ``setspn -S`` would.

    Raises:
        DNSRecordError: the DC refused (unknown account, the SPN exists elsewhere).
    """
    d = _domain(lab)
    host = next((c for name, c in d["computers"].items() if name.upper() == account.upper()), None)
    if host is None:
        raise DNSRecordError("%s is not a computer account of the lab (have: %s)"
                             % (account, ", ".join(sorted(d["computers"]))))
    _ldapmodify(lab, spn_ldif(host["dn"], [spn]))
