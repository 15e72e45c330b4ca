"""winlab/dnsrecords.py: the one LDIF for CNAMEs and IP SPNs (the domain build's spn_lab and the prediction tests)."""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest
from winlab import dnsrecords, samba_dc

BASE = "DC=lab,DC=test"


def test_cname_ldif_is_a_dnsnode_in_the_domain_zone() -> None:
    ldif = dnsrecords.cname_ldif("web07", "srv07.lab.test", "lab.test", BASE)
    lines = ldif.splitlines()
    assert lines[:4] == ["dn: DC=web07,DC=lab.test,CN=MicrosoftDNS,DC=DomainDnsZones,DC=lab,DC=test",
                         "changetype: add", "objectClass: top", "objectClass: dnsNode"]
    record = base64.b64decode(lines[4].split(":: ", 1)[1])
    assert record == dnsrecords.cname_record("srv07.lab.test")
    # DataLength, Type CNAME, Version 5, Rank zone; then DNS_COUNT_NAME: length, 3 labels, the labels, 0
    assert record[:6] == bytes([18, 0, 5, 0, 5, 0xF0]) and record[24:] == b"\x10\x03\x05srv07\x03lab\x04test\x00"


def test_spn_ldif_adds_every_spn() -> None:
    assert dnsrecords.spn_ldif("CN=SRV08,CN=Computers," + BASE, ["HTTP/127.0.60.8", "WSMAN/127.0.60.8"]) == (
        "dn: CN=SRV08,CN=Computers,DC=lab,DC=test\nchangetype: modify\nadd: servicePrincipalName\n"
        "servicePrincipalName: HTTP/127.0.60.8\nservicePrincipalName: WSMAN/127.0.60.8\n-\n")


@pytest.mark.skipif(shutil.which("samba") is None, reason="needs Samba's Python bindings (bootstrap.sh installs them)")
def test_cname_record_is_what_samba_stores() -> None:
    # The record equals Samba's own CNAMERecord (what samba-tool dns add stores), so a dnsNode written
    # through either path (SamDB offline, ldapmodify online) is the same.
    script = ("import sys, base64; from samba.ndr import ndr_pack; from samba.provision.sambadns import CNAMERecord; "
              "sys.stdout.write(base64.b64encode(ndr_pack(CNAMERecord('srv07.lab.test'))).decode())")
    run = subprocess.run([samba_dc.SAMBA_PYTHON, "-c", script], capture_output=True, text=True, timeout=60,
                         check=True, env=samba_dc._samba_env())
    assert base64.b64decode(run.stdout) == dnsrecords.cname_record("srv07.lab.test")
