# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SPN an Ansible WinRM client asks for: service class by client, overrides, krb5.conf canonicalisation."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.names import (
    Krb5Names,
    canonical_names,
    client_request,
    parse_krb5_names,
    read_krb5_names,
)

DNS = {"web07.lab.test": ("srv07.lab.test", "127.0.30.11"), "srv07.lab.test": ("srv07.lab.test", "127.0.30.11")}
PTR = {"127.0.30.11": "srv07.lab.test", "127.0.30.12": "srv08.lab.test"}


def resolver(name: str) -> tuple[str, str | None]:
    return DNS.get(name, (name, None))


def reverse(address: str) -> str | None:
    return PTR.get(address)


def test_krb5_conf_settings() -> None:
    text = "[libdefaults]\n default_realm = LAB.TEST\n dns_canonicalize_hostname = false # no DNS\n rdns = false\n" \
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
