# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificates of LocalMachine\\My: the registry Blob, X.509 facts, name matching, thumbprints."""

from __future__ import annotations

import datetime
import hashlib
import struct

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.certificate import (
    STORE_KEY,
    Certificate,
    certificate_from_blob,
    choose,
    is_thumbprint,
    normalise_thumbprint,
    parse_blob,
    problems,
    read_certificate,
    read_store,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import (
    ParseError,
    ProtocolError,
    SettingsError,
)
from ansible_collections.winauth.winrm.tests.unit.certs import NOW, blob_of, entry, make_der, thumb

GOOD_DER = make_der(cn="win01.corp.example", san=("win01.corp.example", "win01"))

# --------------------------------------------------------------------------- blob


def test_blob_gives_the_certificate_and_its_properties() -> None:
    der = make_der()
    found, props = parse_blob(blob_of(der))
    assert found == der
    assert set(props) == {2, 3, 0x0B} and props[3] == hashlib.sha1(der).digest()
    cert = certificate_from_blob(blob_of(der), thumb(der).lower())
    assert cert.thumbprint == thumb(der) and cert.has_private_key is True
    assert certificate_from_blob(blob_of(der, key=False), thumb(der)).has_private_key is False


@pytest.mark.parametrize("blob, why", [
    (b"", "no certificate entry"),
    (entry(3, b"x" * 20), "no certificate entry"),
    (struct.pack("<III", 0x20, 1, 5000) + b"0" * 10, "claims 5000 bytes, 10 are left"),
    (b"\x00" * (64 * 1024 + 1), "larger than"),
])
def test_malformed_blobs_are_refused(blob: bytes, why: str) -> None:
    with pytest.raises(ParseError, match=why):
        parse_blob(blob)


def test_blob_filed_under_another_thumbprint_is_refused() -> None:
    der = make_der()
    with pytest.raises(ParseError, match="holds certificate %s" % thumb(der)):
        certificate_from_blob(blob_of(der), "A" * 40)


def test_not_a_certificate() -> None:
    with pytest.raises(ParseError, match="not a valid X.509"):
        certificate_from_blob(entry(0x20, b"\x30\x03\x02\x01\x00"), "A" * 40)


# --------------------------------------------------------------------------- facts


def test_facts_of_a_ca_issued_server_certificate() -> None:
    der = make_der(san=("win01.corp.example", "win01", "10.0.0.5"), days=20)
    cert = Certificate.from_der(der, has_private_key=True)
    assert cert.subject == "CN=win01.corp.example" and cert.issuer == "CN=Corp Issuing CA"
    assert cert.san == ("win01.corp.example", "win01") and cert.san_ips == ("10.0.0.5",)
    assert cert.self_signed is False and cert.server_auth is True
    assert cert.facts(["win01"], now=NOW) == {
        "thumbprint": thumb(der), "subject": "CN=win01.corp.example",
        "san": ["win01.corp.example", "win01", "10.0.0.5"], "issuer": "CN=Corp Issuing CA",
        "not_before": "2026-11-21T12:00:00Z", "not_after": "2026-12-21T12:00:00Z", "days_to_expiry": 20,
        "self_signed": False, "server_auth": True, "has_private_key": True, "name_matches": True,
        "store": "LocalMachine\\My",
    }
    assert cert.facts(["other"], now=NOW)["name_matches"] is False
    assert cert.facts([], now=NOW)["name_matches"] is False


def test_expiry() -> None:
    cert = Certificate.from_der(make_der(days=1))
    assert cert.days_to_expiry(NOW) == 1 and not cert.expired(NOW)
    later = NOW + datetime.timedelta(days=2)
    assert cert.days_to_expiry(later) == -1 and cert.expired(later)
    assert cert.expired(NOW + datetime.timedelta(days=1))  # at not_after it is over


def test_self_signed_needs_its_own_signature_not_just_equal_names() -> None:
    assert Certificate.from_der(make_der(self_signed=True)).self_signed is True
    # Same subject and issuer name, but signed by the CA's key: not self-signed.
    assert Certificate.from_der(make_der(cn="Corp Issuing CA", san=())).self_signed is False


@pytest.mark.parametrize("eku, ok", [
    ((ExtendedKeyUsageOID.SERVER_AUTH,), True),
    ((ExtendedKeyUsageOID.CLIENT_AUTH,), False),
    ((ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE), True),
    (None, True),  # no EKU extension: every usage
])
def test_server_auth(eku: tuple[x509.ObjectIdentifier, ...] | None, ok: bool) -> None:
    assert Certificate.from_der(make_der(eku=eku)).server_auth is ok


@pytest.mark.parametrize("cn, san, name, ok", [
    ("win01.corp.example", (), "WIN01.corp.example.", True),  # CN, case and trailing dot
    ("", ("win01.corp.example",), "win01.corp.example", True),
    ("win01.corp.example", ("alias.corp.example",), "win01.corp.example", False),  # SANs present: CN ignored
    ("x", ("*.corp.example",), "win01.corp.example", True),
    ("x", ("*.corp.example",), "a.b.corp.example", False),  # a wildcard is one label
    ("x", ("*.corp.example",), "corp.example", False),
    ("x", ("win*.corp.example",), "win01.corp.example", False),  # only a whole-label wildcard
    ("x", ("10.0.0.5",), "10.0.0.5", True),
    ("10.0.0.5", (), "10.0.0.5", False),  # an IP address must be an IP SAN
    ("x", ("win01",), "win02", False),
])
def test_name_matching(cn: str, san: tuple[str, ...], name: str, ok: bool) -> None:
    assert Certificate.from_der(make_der(cn=cn, san=san)).matches(name) is ok


@pytest.mark.parametrize("cn, san, hostname, ok", [
    ("win01.corp.example", ("alias.corp.example",), "win01.corp.example", True),  # WinRM checks the CN
    ("win01.corp.example", ("alias.corp.example",), "alias.corp.example", True),
    ("", ("*.corp.example",), "win01.corp.example", True),
    ("web.corp.example", ("web",), "win01.corp.example", False),
])
def test_listener_hostname_check_takes_the_cn_or_a_san(cn: str, san: tuple[str, ...], hostname: str,
                                                       ok: bool) -> None:
    assert Certificate.from_der(make_der(cn=cn, san=san)).names_listener(hostname) is ok


# --------------------------------------------------------------------------- thumbprints


@pytest.mark.parametrize("raw", [
    "2bd142a7d13196269264ad6be0f8ec8da172ff9e",
    "\u200e2b d1 42 a7 d1 31 96 26 92 64 ad 6b e0 f8 ec 8d a1 72 ff 9e",  # pasted from certlm.msc
    "2B:D1:42:A7:D1:31:96:26:92:64:AD:6B:E0:F8:EC:8D:A1:72:FF:9E",
])
def test_thumbprints_are_normalised(raw: str) -> None:
    assert normalise_thumbprint(raw) == "2BD142A7D13196269264AD6BE0F8EC8DA172FF9E"


@pytest.mark.parametrize("raw", ["", "2BD142A7", "Z" * 40, "A" * 41, "A" * 64])
def test_bad_thumbprints_are_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="is not a certificate thumbprint: give the 40 hexadecimal digits"):
        normalise_thumbprint(raw)
    assert not is_thumbprint(raw)


# --------------------------------------------------------------------------- reading


class Reg:
    """A registry double answering GetBinaryValue from a dict."""

    def __init__(self, values: dict[str, bytes]) -> None:
        self.values = values
        self.calls: list[tuple[str, str]] = []
        self.client = type("C", (), {"endpoint": "https://win01:5986/wsman"})()

    def get_binary(self, key: str, name: str) -> bytes | None:
        self.calls.append((key, name))
        return self.values.get(key)


def test_read_certificate_one_call_and_none_when_absent() -> None:
    der = make_der()
    reg = Reg({"%s\\%s" % (STORE_KEY, thumb(der)): blob_of(der)})
    cert = read_certificate(reg, thumb(der).lower())  # type: ignore[arg-type]
    assert cert is not None and cert.thumbprint == thumb(der)
    assert reg.calls == [("SOFTWARE\\Microsoft\\SystemCertificates\\MY\\Certificates\\" + thumb(der), "Blob")]
    assert read_certificate(reg, "B" * 40) is None  # type: ignore[arg-type]


def test_read_certificate_names_the_key_of_a_broken_blob() -> None:
    reg = Reg({"%s\\%s" % (STORE_KEY, "A" * 40): b"\x20\x00"})
    with pytest.raises(ProtocolError, match=r"Certificates\\A{40}\\Blob: certificate Blob has no certificate"):
        read_certificate(reg, "A" * 40)  # type: ignore[arg-type]


def test_problems() -> None:
    good = Certificate.from_der(GOOD_DER)
    assert problems(good, thumb(GOOD_DER), "win01.corp.example", NOW) == []
    assert problems(good, thumb(GOOD_DER), "", NOW) == []
    (missing,) = problems(None, "A" * 40, "x", NOW)
    assert "is not in LocalMachine\\My" in missing
    (name,) = problems(good, thumb(GOOD_DER), "web.corp.example", NOW)
    assert "is for win01.corp.example, win01, not for hostname 'web.corp.example'" in name
    later = NOW + datetime.timedelta(days=400)
    (expired,) = problems(good, thumb(GOOD_DER), "win01", later)
    assert "expired on" in expired
    early = NOW - datetime.timedelta(days=30)
    (future,) = problems(good, thumb(GOOD_DER), "win01", early)
    assert "is not valid before" in future
    client_only = Certificate.from_der(make_der(eku=(ExtendedKeyUsageOID.CLIENT_AUTH,)))
    (eku,) = problems(client_only, "C" * 40, "win01", NOW)
    assert "not valid for server authentication" in eku


def test_choose_takes_the_fitting_ca_issued_latest() -> None:
    def c(days: int = 365, key: bool = True, **kw: object) -> Certificate:
        return Certificate.from_der(make_der(days=days, **kw), has_private_key=key)  # type: ignore[arg-type]

    newest, older, selfie = c(days=700), c(days=300), c(days=900, self_signed=True)
    assert choose([older, selfie, newest, c(days=-1), c(days=900, key=False),
                   c(cn="web", san=("web",), days=999)], "win01.corp.example", NOW) is newest
    assert choose([selfie], "win01", NOW) is selfie  # self-signed when nothing better
    assert choose([c(key=False)], "win01", NOW) is None
    assert choose([], "win01", NOW) is None


class StoreReg(Reg):
    def enum_keys(self, key: str) -> list[str] | None:
        assert key == STORE_KEY
        return [k.rsplit("\\", 1)[1] for k in self.values] + ["not-a-thumbprint"]


def test_read_store_skips_what_is_not_a_certificate() -> None:
    good = make_der()
    reg = StoreReg({"%s\\%s" % (STORE_KEY, thumb(good)): blob_of(good), "%s\\%s" % (STORE_KEY, "A" * 40): b"junk"})
    assert [c.thumbprint for c in read_store(reg)] == [thumb(good)]  # type: ignore[arg-type]
    assert [k for k, _n in reg.calls] == ["%s\\%s" % (STORE_KEY, thumb(good)), "%s\\%s" % (STORE_KEY, "A" * 40)]
