# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import socket
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.accounts import ACCOUNT_ATTRIBUTES
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.privilege import ldap_escape
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import facts as _auth_facts
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import kdc as _kerberos
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import names as _names
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.facts import (
    DirectoryFacts,
    gather,
    resolves,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.predict import predict

WIN01_ENTRY = {
    "dn": "CN=WIN01,CN=Computers,DC=lab,DC=test",
    "sAMAccountName": ["WIN01$"],
    "dNSHostName": ["win01.lab.test"],
    "servicePrincipalName": ["HOST/win01.lab.test", "HOST/WIN01", "WSMAN/win01.lab.test", "WSMAN/WIN01"],
    "userAccountControl": ["4096"],
    "objectClass": ["top", "computer"],
}
WIN02_ENTRY = {
    "dn": "CN=WIN02,CN=Computers,DC=lab,DC=test",
    "sAMAccountName": ["WIN02$"],
    "dNSHostName": ["win02.lab.test"],
    "servicePrincipalName": ["HOST/win02.lab.test", "HOST/WIN02"],
    "userAccountControl": ["4096"],
    "objectClass": ["top", "computer"],
}
SVC_IIS_ENTRY = {
    "dn": "CN=svc_iis,CN=Users,DC=lab,DC=test",
    "sAMAccountName": ["svc_iis"],
    "servicePrincipalName": ["HTTP/win02.lab.test"],
    "userAccountControl": ["66048"],
    "objectClass": ["top", "user"],
}


class FakeAD:
    """Answers search(filter, attributes) from a {filter: [entries]} table, recording each search."""

    def __init__(self, table: dict[str, list[dict[str, Any]]]) -> None:
        self.table = table
        self.searches: list[tuple[Any, ...]] = []
        self.settings = SimpleNamespace(realm="LAB.TEST", default_base="DC=lab,DC=test")

    def search(self, search_filter: str, attributes: list[str], base: str | None = None) -> Iterator[dict[str, Any]]:
        self.searches.append((search_filter, attributes) if base is None else (search_filter, attributes, base))
        yield from self.table.get(search_filter if base is None else "%s %s" % (base, search_filter), [])


def directory_of(*hosts: dict[str, Any], spns: dict[str, dict[str, Any]] | None = None) -> FakeAD:
    table: dict[str, list[dict[str, Any]]] = {}
    for entry in hosts:
        table["(&(objectClass=computer)(dNSHostName=%s))" % entry["dNSHostName"][0]] = [entry]
        for spn in entry["servicePrincipalName"]:
            table["(servicePrincipalName=%s)" % spn] = [entry]
    for spn, entry in (spns or {}).items():
        table["(servicePrincipalName=%s)" % spn] = [entry]
    return FakeAD(table)


# --------------------------------------------------------------------------- filter escaping / resolves


@pytest.mark.parametrize(("value", "escaped"), [
    ("win01.lab.test", "win01.lab.test"),
    ("*", "\\2a"),
    ("(", "\\28"),
    (")", "\\29"),
    ("\\", "\\5c"),
    ("\x00", "\\00"),
    ("HTTP/*)(objectClass=*", "HTTP/\\2a\\29\\28objectClass=\\2a"),
    ("a\\*b", "a\\5c\\2ab"),
    ("wïn01", "wïn01"),
])
def test_escape(value: str, escaped: str) -> None:
    # DirectoryFacts escapes with _ad.privilege.ldap_escape (its own twin of it is gone)
    assert ldap_escape(value) == escaped


def test_resolves_ip_without_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any) -> Any:
        raise AssertionError("no DNS lookup for an address")

    monkeypatch.setattr(socket, "getaddrinfo", boom)
    assert resolves("192.0.2.10") is True
    assert resolves("2001:db8::1") is True


@pytest.mark.parametrize(("error", "expected"), [
    (None, True),
    (socket.gaierror(-2, "Name or service not known"), False),
    (UnicodeError("label too long"), False),
])
def test_resolves_name(monkeypatch: pytest.MonkeyPatch, error: Exception | None, expected: bool) -> None:
    asked: list[Any] = []

    def getaddrinfo(name: str, port: Any) -> list[Any]:
        asked.append((name, port))
        if error is not None:
            raise error
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.10", 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert resolves("win01.lab.test") is expected
    assert asked == [("win01.lab.test", None)]


# --------------------------------------------------------------------------- DirectoryFacts


def test_spn_owner_found_and_cached() -> None:
    ad = directory_of(WIN01_ENTRY)
    d = DirectoryFacts(ad)  # type: ignore[arg-type]
    owner = d.spn_owner("WSMAN/win01.lab.test")
    assert owner is not None and owner.sam_account_name == "WIN01$"
    assert d.spn_owner("wsman/WIN01.lab.test") is owner  # case-insensitive cache
    assert ad.searches == [("(servicePrincipalName=WSMAN/win01.lab.test)", ACCOUNT_ATTRIBUTES)]


def test_missing_spn_cached_as_none() -> None:
    ad = directory_of(WIN01_ENTRY)
    d = DirectoryFacts(ad)  # type: ignore[arg-type]
    assert d.spn_owner("HTTP/win01.lab.test") is None
    assert d.spn_owner("HTTP/win01.lab.test") is None
    assert len(ad.searches) == 1


def test_host_account_found_and_cached() -> None:
    ad = directory_of(WIN01_ENTRY)
    d = DirectoryFacts(ad)  # type: ignore[arg-type]
    host = d.host_account("win01.lab.test")
    assert host is not None and host.dns_host_name == "win01.lab.test"
    assert d.host_account("WIN01.LAB.TEST") is host
    assert d.host_account("win03.lab.test") is None
    assert d.host_account("win03.lab.test") is None
    assert [s[0] for s in ad.searches] == [
        "(&(objectClass=computer)(dNSHostName=win01.lab.test))",
        "(&(objectClass=computer)(dNSHostName=win03.lab.test))",
    ]


def test_spn_and_host_caches_are_separate() -> None:
    ad = directory_of(WIN01_ENTRY)
    d = DirectoryFacts(ad)  # type: ignore[arg-type]
    d.host_account("win01.lab.test")
    d.spn_owner("win01.lab.test")
    assert len(ad.searches) == 2


def test_filter_values_escaped() -> None:
    ad = FakeAD({})
    d = DirectoryFacts(ad)  # type: ignore[arg-type]
    assert d.spn_owner("HTTP/*") is None
    assert d.host_account("x)(objectClass=*") is None
    assert [s[0] for s in ad.searches] == [
        "(servicePrincipalName=HTTP/\\2a)",
        "(&(objectClass=computer)(dNSHostName=x\\29\\28objectClass=\\2a))",
    ]


def test_first_entry_wins() -> None:
    ad = FakeAD({"(servicePrincipalName=HTTP/win02.lab.test)": [SVC_IIS_ENTRY, WIN02_ENTRY]})
    owner = DirectoryFacts(ad).spn_owner("HTTP/win02.lab.test")  # type: ignore[arg-type]
    assert owner is not None and owner.sam_account_name == "svc_iis"


# --------------------------------------------------------------------------- gather


class FakeKerberos:
    def __init__(self, kdc_error: str | None = None, ticket_error: str = "") -> None:
        self.kdc_error = kdc_error
        self.ticket_error = ticket_error
        self.calls: list[tuple[Any, ...]] = []

    def credentials(self, username: str | None, password: str | None) -> Any:
        self.calls.append(("credentials", username, password))
        if self.kdc_error:
            raise _kerberos.KerberosError(self.kdc_error)
        return "creds"

    def service_ticket_error(self, creds: Any, service: str, host: str) -> str:
        self.calls.append(("service_ticket_error", creds, service, host))
        return self.ticket_error


@pytest.fixture
def kdc(monkeypatch: pytest.MonkeyPatch) -> Any:
    def install(**kwargs: Any) -> FakeKerberos:
        fake = FakeKerberos(**kwargs)
        monkeypatch.setattr(_kerberos, "HAS_GSSAPI", True)
        monkeypatch.setattr(_kerberos, "credentials", fake.credentials)
        monkeypatch.setattr(_kerberos, "service_ticket_error", fake.service_ticket_error)
        return fake

    return install


@pytest.fixture
def dns_names(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every name resolves except those starting with "nosuch"; the names asked are recorded."""
    asked: list[str] = []

    def fake(name: str) -> bool:
        asked.append(name)
        return not name.startswith("nosuch")

    monkeypatch.setattr(_auth_facts, "resolves", fake)
    return asked


@pytest.mark.parametrize("transports", [("kerberos",), ("credssp",), ("ntlm", "kerberos"), ["kerberos", "ntlm"]])
def test_ticket_checked_for_kerberos_and_credssp(kdc: Any, dns_names: list[str], transports: Any) -> None:
    fake = kdc()
    f = gather("win01.lab.test", transports, username="alice@LAB.TEST", password="pw")
    assert fake.calls == [
        ("credentials", "alice@LAB.TEST", "pw"),
        ("service_ticket_error", "creds", "HTTP", "win01.lab.test"),
    ]
    assert f.ticket_error == ""
    assert f.kdc_error is None
    assert f.transports == tuple(transports)
    assert f.resolves is True
    assert dns_names == ["win01.lab.test"]


@pytest.mark.parametrize("transports", [("ntlm",), ("basic",), ("certificate",), ()])
def test_no_ticket_check_for_other_transports(kdc: Any, dns_names: list[str], transports: Any) -> None:
    fake = kdc()
    f = gather("win01.lab.test", transports)
    assert fake.calls == []
    assert f.ticket_error is None and f.kdc_error is None


def test_no_ticket_check_when_disabled(kdc: Any, dns_names: list[str]) -> None:
    fake = kdc()
    f = gather("win01.lab.test", ("kerberos",), check_ticket=False)
    assert fake.calls == []
    assert f.ticket_error is None


def test_no_ticket_check_without_gssapi(kdc: Any, dns_names: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fake = kdc()
    monkeypatch.setattr(_kerberos, "HAS_GSSAPI", False)
    f = gather("win01.lab.test", ("kerberos",))
    assert fake.calls == []
    assert (f.ticket_error, f.kdc_error) == (None, None)


def test_kdc_error_recorded(kdc: Any, dns_names: list[str]) -> None:
    fake = kdc(kdc_error="wrong password (Preauthentication failed)")
    f = gather("win01.lab.test", ("kerberos",), username="alice@LAB.TEST", password="bad")
    assert f.kdc_error == "wrong password (Preauthentication failed)"
    assert f.ticket_error is None
    assert [c[0] for c in fake.calls] == ["credentials"]
    plan = predict(f)
    assert plan.protocol == "fail"
    assert "no Kerberos ticket for alice@LAB.TEST: wrong password (Preauthentication failed)" in plan.reason


def test_ticket_error_recorded(kdc: Any, dns_names: list[str]) -> None:
    kdc(ticket_error="no such SPN in the domain (Server not found in Kerberos database)")
    f = gather("192.0.2.10", ("kerberos",))
    assert f.ticket_error == "no such SPN in the domain (Server not found in Kerberos database)"
    assert predict(f).protocol == "fail"


def test_hostname_override_and_service_used_for_the_ticket_not_for_dns(kdc: Any, dns_names: list[str]) -> None:
    fake = kdc()
    f = gather("192.0.2.10", ("kerberos",), service="WSMAN", hostname_override="WIN01.lab.test")
    assert dns_names == ["192.0.2.10"]  # the connection goes to the target
    assert fake.calls[-1] == ("service_ticket_error", "creds", "WSMAN", "win01.lab.test")
    assert (f.target, f.service, f.hostname_override) == ("192.0.2.10", "WSMAN", "WIN01.lab.test")


def test_unresolvable_target(kdc: Any, dns_names: list[str]) -> None:
    kdc()
    f = gather("nosuch.lab.test", ("ntlm",))
    assert f.resolves is False


def test_without_directory_no_ad_facts(kdc: Any, dns_names: list[str]) -> None:
    kdc()
    f = gather("win01.lab.test", ("kerberos",))
    assert f.directory is False
    assert (f.spn_owner, f.host_account, f.wsman_spn_on_host) == (None, None, False)


def test_directory_facts_gathered(kdc: Any, dns_names: list[str]) -> None:
    kdc()
    ad = directory_of(WIN01_ENTRY)
    f = gather("WIN01.lab.test", ("kerberos",), service="WSMAN", directory=DirectoryFacts(ad))  # type: ignore[arg-type]
    assert f.directory is True
    assert f.host_account is not None and f.host_account.sam_account_name == "WIN01$"
    assert f.spn_owner is not None and f.spn_owner.sam_account_name == "WIN01$"
    assert f.wsman_spn_on_host is True
    assert [s[0] for s in ad.searches] == [
        "(&(objectClass=computer)(dNSHostName=win01.lab.test))",
        "(servicePrincipalName=WSMAN/win01.lab.test)",
    ]
    assert predict(f).protocol == "kerberos"


def test_directory_collision_end_to_end(kdc: Any, dns_names: list[str]) -> None:
    kdc()  # the KDC issues a ticket: for svc_iis
    directory = DirectoryFacts(directory_of(WIN02_ENTRY, spns={"HTTP/win02.lab.test": SVC_IIS_ENTRY}))  # type: ignore[arg-type]
    f = gather("win02.lab.test", ("kerberos",), directory=directory)
    assert f.spn_owner is not None and f.spn_owner.sam_account_name == "svc_iis"
    assert f.wsman_spn_on_host is False
    plan = predict(f)
    assert plan.protocol == "fail"
    assert "0x80090322" in plan.reason


def test_directory_workgroup_host(kdc: Any, dns_names: list[str]) -> None:
    kdc(ticket_error="no such SPN in the domain (Server not found in Kerberos database)")
    f = gather("win03", ("kerberos",), directory=DirectoryFacts(FakeAD({})))  # type: ignore[arg-type]
    assert (f.directory, f.host_account, f.spn_owner, f.wsman_spn_on_host) == (True, None, None, False)
    plan = predict(f)
    assert plan.protocol == "fail"
    assert plan.fix == {"ansible_host": "<the FQDN registered in AD>"}


def test_directory_cache_shared_across_targets(kdc: Any, dns_names: list[str]) -> None:
    kdc()
    ad = directory_of(WIN01_ENTRY)
    directory = DirectoryFacts(ad)  # type: ignore[arg-type]
    gather("win01.lab.test", ("kerberos",), directory=directory)
    gather("WIN01.LAB.TEST", ("ntlm",), directory=directory)
    assert len(ad.searches) == 2


def test_kinit_managed_and_host_default_off(kdc: Any, dns_names: list[str]) -> None:
    kdc()
    f = gather("win01.lab.test", ("kerberos",))
    assert (f.kinit_managed, f.host) == (False, None)
    assert predict(f).as_dict()["host"] == "win01.lab.test"


def test_kinit_managed_and_host_forwarded(kdc: Any, dns_names: list[str]) -> None:
    kdc(kdc_error="wrong password (Preauthentication failed)")
    f = gather("192.0.2.10", ("kerberos", "ntlm"), username="alice@LAB.TEST", password="bad", kinit_managed=True,
               host="win01")
    assert (f.kinit_managed, f.host, f.target) == (True, "win01", "192.0.2.10")
    plan = predict(f).as_dict()
    assert (plan["host"], plan["target"], plan["protocol"]) == ("win01", "192.0.2.10", "fail")
    assert plan["reason"] == ("the winrm connection runs kinit for alice@LAB.TEST before trying Kerberos and it "
                              "fails: wrong password (Preauthentication failed)")


def test_same_kdc_error_unmanaged_falls_back(kdc: Any, dns_names: list[str]) -> None:
    kdc(kdc_error="wrong password (Preauthentication failed)")
    f = gather("win01.lab.test", ("kerberos", "ntlm"), username="alice@LAB.TEST", password="bad",
               kinit_managed=False, host="win01")
    assert f.kinit_managed is False
    assert predict(f).protocol == "ntlm"


# --------------------------------------------------------------------------- krb5.conf name rules (issue 9)


@pytest.fixture(autouse=True)
def no_real_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test here asks a real resolver: the name rules see only what a test gives them."""
    monkeypatch.setattr(_names, "forward_lookup", lambda name: (name, None))
    monkeypatch.setattr(_names, "reverse_lookup", lambda address: None)
    monkeypatch.setattr(_names, "read_krb5_names", lambda path=None: _names.Krb5Names("false", qualify_shortname=""))


# The krb5.conf reader itself (first file and line win) is tested in test_names.py, where it lives now.


@pytest.mark.parametrize(("name", "libdefaults", "canonical", "reverse", "expected"), [
    # dns_canonicalize_hostname = false: the alias stays, its CNAME target is reported for the fix.
    ("web.lab.test", {"dns_canonicalize_hostname": "false"}, {"web.lab.test": "srv01.lab.test"}, {},
     ("web.lab.test", "srv01.lab.test")),
    ("srv01.lab.test", {"dns_canonicalize_hostname": "false"}, {"srv01.lab.test": "srv01.lab.test"}, {},
     ("srv01.lab.test", None)),
    # fallback asks for the name as given first
    ("web.lab.test", {"dns_canonicalize_hostname": "fallback"}, {"web.lab.test": "srv01.lab.test"}, {},
     ("web.lab.test", "srv01.lab.test")),
    # true (MIT's default): the CNAME is followed; rdns false keeps the forward name
    ("web.lab.test", {"dns_canonicalize_hostname": "true", "rdns": "false"}, {"web.lab.test": "srv01.lab.test"},
     {}, ("srv01.lab.test", None)),
    # short names: qualify_shortname (or the resolv.conf search domain) when not canonicalising
    ("srv01", {"dns_canonicalize_hostname": "false", "qualify_shortname": "lab.test"}, {}, {},
     ("srv01.lab.test", None)),
    ("srv01", {"dns_canonicalize_hostname": "false", "qualify_shortname": ""}, {}, {}, ("srv01", None)),
    # addresses: kept as given unless rdns finds a PTR name
    ("192.0.2.10", {"dns_canonicalize_hostname": "false"}, {}, {"192.0.2.10": "win01.lab.test"},
     ("192.0.2.10", None)),
    ("192.0.2.10", {"rdns": "true"}, {}, {"192.0.2.10": "win01.lab.test"}, ("win01.lab.test", None)),
    ("192.0.2.10", {"rdns": "false"}, {}, {"192.0.2.10": "win01.lab.test"}, ("192.0.2.10", None)),
])
def test_kerberos_name(monkeypatch: pytest.MonkeyPatch, name: str, libdefaults: dict[str, str],
                       canonical: dict[str, str], reverse: dict[str, str], expected: tuple[str, str | None]) -> None:
    # gather() takes the name from _kerberos.names (one implementation with ad_spn_info's), fed this krb5.conf.
    def forward(host: str) -> tuple[str, str | None]:
        return (canonical[host], "192.0.2.10") if host in canonical else (host, None)

    monkeypatch.setattr(_names, "forward_lookup", forward)
    monkeypatch.setattr(_names, "reverse_lookup", reverse.get)
    monkeypatch.setattr(_names, "read_krb5_names", lambda path=None: _names.Krb5Names.of(libdefaults, "test"))
    monkeypatch.setattr(_auth_facts, "resolves", lambda host: True)
    f = gather(name, ("ntlm",))
    assert (f.kerberos_name, f.alias_of) == expected
    assert _names.kerberos_name(name, _names.Krb5Names.of(libdefaults, "test")) == expected


def test_short_name_qualified_when_dns_has_no_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    # MIT (sn2princ.c expand_hostname) qualifies a single-label name DNS did not canonicalise, also with
    # dns_canonicalize_hostname = true: the old twin here kept "srv01" when the forward lookup failed.
    names = _names.Krb5Names.of({"qualify_shortname": "lab.test"}, "test")
    assert _names.kerberos_name("srv01", names) == ("srv01.lab.test", None)


def _record(kind: int, data: bytes) -> str:
    import base64
    import struct
    header = struct.pack("<HHBBHI", len(data), kind, 5, 0xF0, 0, 1) + struct.pack(">I", 900) + bytes(8)
    return base64.b64encode(header + data).decode()


def test_record_addresses() -> None:
    values = [_record(1, bytes([127, 0, 30, 7])), _record(5, b"\x10\x03\x05srv01\x03lab\x04test\x00"),
              _record(28, bytes(15) + b"\x01"), "not base64 at all!", _record(1, b"\x01\x02")]
    assert list(_auth_facts.record_addresses(values)) == ["127.0.30.7", "::1"]


def test_host_by_address_through_the_zone() -> None:
    zone_search = "DC=lab.test,CN=MicrosoftDNS,DC=DomainDnsZones,DC=lab,DC=test (objectClass=dnsNode)"
    ad = directory_of(WIN01_ENTRY)
    a_record = [_record(1, bytes([192, 0, 2, 10]))]
    ad.table[zone_search] = [{"dn": "DC=win01,...", "name": ["win01"], "dnsRecord": a_record},
                             {"dn": "DC=@,...", "name": ["@"], "dnsRecord": a_record}]
    d = DirectoryFacts(ad)  # type: ignore[arg-type]
    host = d.host_by_address("192.0.2.10")
    assert host is not None and host.sam_account_name == "WIN01$"
    assert d.host_by_address("192.0.2.99") is None
    assert sum(1 for s in ad.searches if len(s) == 3) == 1  # the zone is read once


def test_user_account_lookup_forms() -> None:
    alice = {"dn": "CN=alice,CN=Users,DC=lab,DC=test", "sAMAccountName": ["alice"], "userAccountControl": ["512"],
             "memberOf": ["CN=Protected Users,CN=Users,DC=lab,DC=test"]}
    ad = FakeAD({"(&(objectCategory=person)(sAMAccountName=alice))": [alice],
                 "(&(objectCategory=person)(|(userPrincipalName=alice@LAB.TEST)(sAMAccountName=alice)))": [alice]})
    d = DirectoryFacts(ad)  # type: ignore[arg-type]
    down_level = d.user_account("LAB\\alice")
    assert down_level is not None and down_level.protected_users is True
    assert d.user_account("alice@LAB.TEST") == down_level
    assert d.user_account(".\\Administrator") is None and d.user_account("admin") is None
    assert d.user_account(None) is None
    assert d.realm() == "LAB.TEST"


def test_gather_finds_the_computer_of_a_short_name_and_the_user(kdc: Any, dns_names: list[str]) -> None:
    ad = directory_of(WIN01_ENTRY)
    ad.table["(&(objectClass=computer)(sAMAccountName=WIN01$))"] = [WIN01_ENTRY]
    f = gather("win01", ("ntlm",), username="LAB\\alice", directory=DirectoryFacts(ad))  # type: ignore[arg-type]
    assert f.kerberos_name == "win01"
    assert f.host_account is not None and f.host_account.sam_account_name == "WIN01$"
    assert f.realm == "LAB.TEST" and f.user_account is None


def test_ticket_checked_as_user_at_realm_for_a_refused_ntlm_fix(kdc: Any, dns_names: list[str]) -> None:
    # NTLM with LAB\alice and the directory at hand: the KDC is asked as alice@LAB.TEST, the principal the
    # Kerberos fix would use, so a refused NTLM logon (Protected Users, disabled computer) gets that fix.
    fake = kdc()
    ad = directory_of(WIN01_ENTRY)
    f = gather("win01.lab.test", ("ntlm",), username="LAB\\alice", password="pw",
               directory=DirectoryFacts(ad))  # type: ignore[arg-type]
    assert fake.calls[0][:2] == ("credentials", "alice@LAB.TEST")
    assert f.ticket_error == ""
    # without a password (or without the directory) nothing is asked
    fake.calls.clear()
    gather("win01.lab.test", ("ntlm",), username="LAB\\alice", directory=DirectoryFacts(ad))  # type: ignore[arg-type]
    gather("win01.lab.test", ("ntlm",), username="LAB\\alice", password="pw")
    assert fake.calls == []
