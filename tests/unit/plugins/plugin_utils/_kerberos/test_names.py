# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SPN an Ansible WinRM client asks for: service class by client, overrides, krb5.conf canonicalisation."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import names as _names
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.names import (
    Krb5Names,
    canonical_names,
    client_request,
    kerberos_name,
    parse_krb5_names,
    read_krb5_names,
    read_libdefaults,
)

DNS = {"web07.lab.test": ("srv07.lab.test", "127.0.30.11"), "srv07.lab.test": ("srv07.lab.test", "127.0.30.11")}
PTR = {"127.0.30.11": "srv07.lab.test", "127.0.30.12": "srv08.lab.test"}


def resolver(name: str) -> tuple[str, str | None]:
    return DNS.get(name, (name, None))


def reverse(address: str) -> str | None:
    return PTR.get(address)


def test_krb5_conf_settings() -> None:
    # The comment sits on its own line: MIT's profile library takes a "#" after a value as part of the value
    # (the old twin here cut it off; test_comments_as_mit_reads_them shows what MIT makes of it).
    text = "[libdefaults]\n default_realm = LAB.TEST\n  # no DNS\n dns_canonicalize_hostname = false\n rdns = false\n" \
           "[realms]\n rdns = true\n"
    assert parse_krb5_names(text, "x") == Krb5Names("false", False, "x")
    assert parse_krb5_names("[libdefaults]\ndns_canonicalize_hostname = fallback\n").canonicalize == "fallback"
    assert parse_krb5_names("") == Krb5Names("true", True, "krb5.conf")  # MIT defaults


def test_read_krb5_conf_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "krb5.conf"
    conf.write_text("[libdefaults]\n  rdns = no\n", encoding="utf-8")
    monkeypatch.setenv("KRB5_CONFIG", "%s:%s" % (tmp_path / "missing.conf", conf))
    assert read_krb5_names() == Krb5Names("true", False, str(conf))
    monkeypatch.setenv("KRB5_CONFIG", str(tmp_path / "missing.conf"))
    assert read_krb5_names() == Krb5Names()


def test_krb5_libdefaults_first_file_and_line_win(tmp_path: Path) -> None:
    # (moved from test_facts.py: gather() now reads krb5.conf through this one reader)
    first = tmp_path / "a.conf"
    first.write_text("[realms]\n dns_canonicalize_hostname = true\n[libdefaults]\n  # comment\n"
                     "  dns_canonicalize_hostname = false\n rdns=false\n dns_canonicalize_hostname = true\n")
    second = tmp_path / "b.conf"
    second.write_text("[libdefaults]\nrdns = true\nqualify_shortname = lab.test\n")
    found, read = read_libdefaults([str(first), str(tmp_path / "missing.conf"), str(second)])
    assert found == {"dns_canonicalize_hostname": "false", "rdns": "false", "qualify_shortname": "lab.test"}
    assert read == [str(first), str(second)]


def test_every_krb5_config_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # MIT reads every file of KRB5_CONFIG (the old twin here stopped at the first one that exists).
    first, second = tmp_path / "a.conf", tmp_path / "b.conf"
    first.write_text("[libdefaults]\n rdns = false\n", encoding="utf-8")
    second.write_text("[libdefaults]\n rdns = true\n dns_canonicalize_hostname = fallback\n"
                      " qualify_shortname = x.test\n", encoding="utf-8")
    monkeypatch.setenv("KRB5_CONFIG", "%s:%s" % (first, second))
    assert read_krb5_names() == Krb5Names("fallback", False, "%s:%s" % (first, second), "x.test")
    assert read_krb5_names(str(second)).rdns is True  # ad_spn_info's krb5_conf: that one file


@pytest.mark.parametrize(("text", "expected"), [
    ("[libdefaults]\n  ; comment\n\t# comment\n rdns = false\n", False),  # "#" / ";" after blanks: comments
    ("[libdefaults]\n rdns = false # not a comment\n", True),  # "false # ..." is no boolean: MIT's default, true
    ("[libdefaults]\n rdns = false ; not a comment\n", True),
    ("[libdefaults]\n rdns = \"false\"\n", False),  # a quoted value
    ("[libdefaults]\n RDNS = false\n", True),  # tags are case-sensitive (strcmp)
    ("[LibDefaults]\n rdns = false\n", True),  # so are section names
    ("rdns = false\n[libdefaults]\n", True),  # before the first section: ignored
    ("[libdefaults]\n x = {\n  rdns = false\n }\n rdns = nil\n", False),  # a subsection's relation is not one
    ("[libdefaults]\n rdns = n\n", False),  # MIT's booleans: y/yes/true/t/1/on, n/no/false/nil/0/off
    ("[libdefaults]\n rdns = Off\n", False),
    ("[libdefaults]\n rdns = garbage\n", True),
])
def test_comments_as_mit_reads_them(text: str, expected: bool) -> None:
    assert parse_krb5_names(text).rdns is expected


def test_final_include_and_includedir(tmp_path: Path) -> None:
    (tmp_path / "inc.conf").write_text("[libdefaults]\n rdns = false\n", encoding="utf-8")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "10-names.conf").write_text("[libdefaults]\n qualify_shortname = lab.test\n", encoding="utf-8")
    (tmp_path / "d" / "names.conf~").write_text("[libdefaults]\n dns_canonicalize_hostname = false\n",
                                                encoding="utf-8")  # an editor's backup: not included
    main = tmp_path / "krb5.conf"
    main.write_text("include %s\nincludedir %s\n[libdefaults]\n rdns = true\n"
                    % (tmp_path / "inc.conf", tmp_path / "d"), encoding="utf-8")
    assert read_krb5_names(str(main)) == Krb5Names("true", False, str(main), "lab.test")
    final, later = tmp_path / "final.conf", tmp_path / "later.conf"
    final.write_text("[libdefaults]*\n dns_canonicalize_hostname = false\n", encoding="utf-8")
    later.write_text("[libdefaults]\n rdns = false\n", encoding="utf-8")
    found, _read = read_libdefaults([str(final), str(later)])
    assert found == {"dns_canonicalize_hostname": "false"}  # a final section hides later files' values


@pytest.mark.parametrize(("mode", "rdns", "name", "expected"), [
    ("false", True, "web07.lab.test", ["web07.lab.test"]),  # the alias as given
    ("true", False, "web07.lab.test", ["srv07.lab.test"]),  # CNAME followed
    ("true", True, "WEB07.lab.test.", ["srv07.lab.test"]),  # then the PTR of the address
    ("fallback", False, "web07.lab.test", ["web07.lab.test", "srv07.lab.test"]),
    ("fallback", False, "srv07.lab.test", ["srv07.lab.test"]),
    ("false", True, "127.0.30.12", ["127.0.30.12"]),
    ("true", True, "127.0.30.12", ["srv08.lab.test"]),  # MIT reverse-resolves an address with rdns
    ("true", False, "127.0.30.12", ["127.0.30.12"]),
    ("true", True, "127.0.30.99", ["127.0.30.99"]),  # no PTR: the address stays
])
def test_canonical_names(mode: str, rdns: bool, name: str, expected: list[str]) -> None:
    assert canonical_names(name, Krb5Names(mode, rdns), resolver, reverse) == expected


@pytest.mark.parametrize(("mode", "name", "expected"), [
    ("false", "srv07", ["srv07.lab.test"]),  # qualify_shortname without DNS (MIT 1.18 and later)
    ("true", "web07", ["srv07.lab.test"]),  # DNS answered (through the search domain): no suffix
    ("true", "nosuch", ["nosuch.lab.test"]),  # DNS did not answer: qualified as without DNS
    ("fallback", "web07", ["web07.lab.test", "srv07.lab.test"]),  # first without DNS (qualified), then with it
    ("false", "srv07.", ["srv07"]),  # a trailing dot: absolute, not a short name (the dot dropped)
    # fallback and an address: first as given (no DNS), then the PTR name (the old twin here gave only the PTR)
    ("fallback", "127.0.30.12", ["127.0.30.12", "srv08.lab.test"]),
])
def test_short_names_qualified(mode: str, name: str, expected: list[str]) -> None:
    def search(host: str) -> tuple[str, str | None]:  # a resolver with search domain lab.test
        return resolver(host if "." in host else host + ".lab.test")

    names = Krb5Names(mode, True, "x", "lab.test")
    assert canonical_names(name, names, search, reverse) == expected


def test_qualify_shortname_unset_takes_the_resolver_domain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text("domain old.test\nsearch Lab.Test. other.test\nnameserver 127.0.0.1\n", encoding="utf-8")
    assert _names._search_domain(str(conf)) == "lab.test"  # resolv.conf(5): the last of domain/search wins
    monkeypatch.setattr(_names, "_search_domain", lambda: "lab.test")
    assert canonical_names("srv07", Krb5Names("false", False), resolver, reverse) == ["srv07.lab.test"]
    assert canonical_names("srv07", Krb5Names("false", False, "x", ""), resolver, reverse) == ["srv07"]


def test_kerberos_name_reports_the_alias_not_followed() -> None:
    assert kerberos_name("web07.lab.test", Krb5Names("false", True), resolver, reverse) == \
        ("web07.lab.test", "srv07.lab.test")
    assert kerberos_name("web07.lab.test", Krb5Names("true", True), resolver, reverse) == ("srv07.lab.test", None)


NO_DNS = Krb5Names("false", False)


def test_winrm_defaults_to_http_and_honours_service_and_override() -> None:
    req = client_request("srv03", {"ansible_host": "srv03.lab.test", "ansible_port": 5985}, NO_DNS)
    assert (req.client, req.service_class, req.kerberos_name, req.spn(), req.port) == \
        ("winrm", "HTTP", "srv03.lab.test", "HTTP/srv03.lab.test", 5985)
    req = client_request("srv03", {"ansible_host": "127.0.30.6", "ansible_winrm_service": "WSMAN",
                                   "ansible_winrm_kerberos_hostname_override": "srv03.lab.test"}, NO_DNS)
    assert (req.spn(), req.override_var, req.service_var) == \
        ("WSMAN/srv03.lab.test", "ansible_winrm_kerberos_hostname_override", "ansible_winrm_service")


def test_psrp_defaults_to_wsman() -> None:
    req = client_request("srv02", {"ansible_host": "srv02.lab.test", "ansible_connection": "ansible.builtin.psrp"},
                         NO_DNS)
    assert (req.client, req.spn(), req.service_var) == ("psrp", "WSMAN/srv02.lab.test",
                                                        "ansible_psrp_negotiate_service")
    req = client_request("srv02", {"ansible_host": "srv02.lab.test", "ansible_connection": "psrp",
                                   "ansible_psrp_negotiate_service": "HTTP",
                                   "ansible_psrp_negotiate_hostname_override": "SRV02.lab.test"}, NO_DNS)
    assert req.spn() == "HTTP/srv02.lab.test"


def test_a_plain_name_uses_winrm_defaults() -> None:
    req = client_request("web07.lab.test", None, Krb5Names("true", False), resolver)
    assert (req.target, req.spn(), req.candidates) == ("web07.lab.test", "HTTP/srv07.lab.test", ("srv07.lab.test",))
