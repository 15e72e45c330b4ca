# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.listener import (
    DEFAULT_PORTS,
    LISTENER_URI,
    Listener,
    Wanted,
    apply_plan,
    find,
    listener_facts,
    normalise_address,
    plan,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ParseError, SettingsError

NS = LISTENER_URI


def listener_xml(*children: tuple[str, str], source: str | None = None) -> ET.Element:
    attrs = {"Source": source} if source else {}
    elem = ET.Element("{%s}Listener" % NS, attrs)
    for name, text in children:
        ET.SubElement(elem, "{%s}%s" % (NS, name)).text = text
    return elem


def test_from_element_full() -> None:
    elem = listener_xml(
        ("Address", "*"), ("Transport", "HTTPS"), ("Port", "5986"), ("Hostname", "win01.lab.test"),
        ("Enabled", "true"), ("URLPrefix", "wsman"), ("CertificateThumbprint", "ABCDEF0123"),
        ("ListeningOn", "10.0.0.5"), ("ListeningOn", "127.0.0.1"), ("ListeningOn", "::1"),
    )
    li = Listener.from_element(elem)
    assert li == Listener(address="*", transport="HTTPS", port=5986, hostname="win01.lab.test", enabled=True,
                          url_prefix="wsman", certificate_thumbprint="ABCDEF0123",
                          listening_on=("10.0.0.5", "127.0.0.1", "::1"), gpo=False)
    assert li.is_https is True
    assert li.selectors == {"Address": "*", "Transport": "HTTPS"}
    assert li.as_dict() == {
        "address": "*", "transport": "HTTPS", "port": 5986, "hostname": "win01.lab.test", "enabled": True,
        "url_prefix": "wsman", "certificate_thumbprint": "ABCDEF0123",
        "listening_on": ["10.0.0.5", "127.0.0.1", "::1"], "source": "local",
    }


def test_from_element_minimal_and_defaults() -> None:
    li = Listener.from_element(listener_xml(("Address", "IP:10.0.0.5"), ("Transport", "http")))
    assert li.transport == "HTTP"
    assert li.is_https is False
    assert li.port is None
    assert li.enabled is True
    assert li.url_prefix == "wsman"
    assert li.listening_on == ()
    assert li.gpo is False


def test_disabled_and_gpo() -> None:
    li = Listener.from_element(listener_xml(("Address", "*"), ("Transport", "HTTP"), ("Port", "5985"),
                                            ("Enabled", "FALSE"), source="GPO"))
    assert li.enabled is False
    assert li.gpo is True
    assert li.as_dict()["source"] == "gpo"


@pytest.mark.parametrize("port", ["59x5", "-", "5985.0"])
def test_bad_port(port: str) -> None:
    with pytest.raises(ParseError, match="malformed Port"):
        Listener.from_element(listener_xml(("Address", "*"), ("Transport", "HTTP"), ("Port", port)))


@pytest.mark.parametrize("children", [[("Transport", "HTTP")], [("Address", "*")], [("Address", ""),
                                                                                    ("Transport", "HTTP")]])
def test_missing_selectors(children: list[tuple[str, str]]) -> None:
    with pytest.raises(ParseError, match="without Address/Transport"):
        Listener.from_element(listener_xml(*children))


# --------------------------------------------------------------------------- the plan


HTTP = Listener(address="*", transport="HTTP", port=5985, listening_on=("10.0.0.5",))
HTTPS = Listener(address="*", transport="HTTPS", port=5986, hostname="win01.corp.example",
                 certificate_thumbprint="AB" * 20)
GPO_HTTP = Listener(address="*", transport="HTTP", port=5985, gpo=True)
COMPAT_HTTP = Listener(address="*", transport="HTTP", port=80, compatibility=True)


def wanted(transport: str = "HTTPS", **kw: object) -> Wanted:
    defaults: dict[str, object] = {"port": DEFAULT_PORTS[transport], "enabled": True}
    return Wanted(transport, str(kw.pop("address", "*")), **{**defaults, **kw})  # type: ignore[arg-type]


def test_create_carries_port_and_the_given_values_only() -> None:
    result = plan([HTTP], wanted(hostname="win01.corp.example", certificate_thumbprint="CD" * 20))
    assert result.operation == "create" and result.before is None
    assert dict(result.values) == {"Port": "5986", "Hostname": "win01.corp.example", "Enabled": "true",
                                   "CertificateThumbprint": "CD" * 20}
    assert [(c.tag.split("}")[1], c.text) for c in result.body()] == [
        ("Port", "5986"), ("Hostname", "win01.corp.example"), ("Enabled", "true"), ("CertificateThumbprint", "CD" * 20)]
    assert result.body().tag == "{%s}Listener" % LISTENER_URI
    assert result.changes == ("create HTTPS listener *:5986 (port=5986, hostname=win01.corp.example, enabled=true, "
                              "certificate_thumbprint=%s)" % ("CD" * 20),)
    assert apply_plan([HTTP], result) == (HTTP, result.after)


def test_put_carries_only_what_differs() -> None:
    result = plan([HTTP, HTTPS], wanted(enabled=False))
    assert result.operation == "put" and dict(result.values) == {"Enabled": "false"}
    assert result.changes == ("HTTPS listener *:5986 enabled: true -> false",)
    assert result.after is not None and result.after.enabled is False and result.after.hostname == HTTPS.hostname
    assert apply_plan([HTTP, HTTPS], result) == (HTTP, result.after)
    moved = plan([HTTP, HTTPS], wanted(port=443, certificate_thumbprint="CD" * 20))
    assert dict(moved.values) == {"Port": "443", "CertificateThumbprint": "CD" * 20}


def test_as_wanted_is_no_write_and_none_means_leave_alone() -> None:
    for result in (plan([HTTP, HTTPS], wanted()), plan([HTTP, HTTPS], wanted(hostname="win01.corp.example")),
                   plan([HTTP, HTTPS], wanted("HTTP"))):
        assert result.operation is None and result.changes == () and result.after is result.before
    assert plan([HTTP], Wanted("HTTPS", "*", present=False)).operation is None


def test_delete() -> None:
    result = plan([HTTP, HTTPS], Wanted("HTTP", "*", present=False))
    assert (result.operation, result.before, result.after) == ("delete", HTTP, None)
    assert result.changes == ("delete HTTP listener *:5985",)
    assert apply_plan([HTTP, HTTPS], result) == (HTTPS,)
    assert result.holds([HTTPS]) and not result.holds([HTTP, HTTPS])
    assert result.holds([HTTPS, COMPAT_HTTP])  # the compatibility listener shares the selectors, not the listener


def test_address_is_compared_case_insensitively() -> None:
    mac = Listener(address="MAC:00-15-5D-01-02-03", transport="HTTP", port=5985)
    assert plan([mac], wanted("HTTP", address="mac:00-15-5d-01-02-03")).operation is None


def test_holds_compares_the_writable_values() -> None:
    result = plan([HTTP, HTTPS], wanted(enabled=False))
    assert result.after is not None
    assert result.holds([HTTP, replace(HTTPS, enabled=False, listening_on=())])
    assert not result.holds([HTTP, HTTPS]) and not result.holds([HTTP])


@pytest.mark.parametrize("request_", [Wanted("HTTP", "*", present=False), wanted("HTTP", enabled=False),
                                      wanted("HTTP", port=5999)])
def test_group_policy_listener_is_not_changed(request_: Wanted) -> None:
    with pytest.raises(SettingsError, match=r"created by Group Policy .*AllowAutoConfig.*cannot be (deleted|changed)"):
        plan([GPO_HTTP, HTTPS], request_)
    assert plan([GPO_HTTP], wanted("HTTP")).operation is None  # what the policy delivers is fine


def test_compatibility_listener_only_when_no_ordinary_one() -> None:
    assert find([COMPAT_HTTP, HTTP], "*", "http") is HTTP
    assert find([COMPAT_HTTP], "*", "HTTP") is COMPAT_HTTP
    assert plan([COMPAT_HTTP, HTTP], Wanted("HTTP", "*", present=False)).before is HTTP
    with pytest.raises(SettingsError, match="compatibility listener .*EnableCompatibilityHttpListener"):
        plan([COMPAT_HTTP], Wanted("HTTP", "*", present=False))
    compat_https = Listener(address="*", transport="HTTPS", port=443, compatibility=True)
    with pytest.raises(SettingsError, match="EnableCompatibilityHttpsListener"):
        plan([compat_https], wanted(enabled=False))


@pytest.mark.parametrize("raw, address", [
    ("*", "*"), (" * ", "*"), ("10.0.0.5", "IP:10.0.0.5"), ("ip:10.0.0.5", "IP:10.0.0.5"),
    ("IP: 10.0.0.5", "IP:10.0.0.5"),
    ("fe80::1", "IP:fe80::1"), ("[::1]", "IP:::1"), ("mac:00-15-5d-01-02-03", "MAC:00-15-5D-01-02-03"),
    ("MAC:00155D010203", "MAC:00155D010203"),
])
def test_normalise_address(raw: str, address: str) -> None:
    assert normalise_address(raw) == address


@pytest.mark.parametrize("raw", ["", "host01", "IP:10.0.0.300", "MAC:00-15", "10.0.0.0/24"])
def test_bad_address(raw: str) -> None:
    with pytest.raises(SettingsError, match="is not a listener address: use \\*, IP:<address>"):
        normalise_address(raw)


def test_listener_facts_with_and_without_certificate() -> None:
    assert listener_facts(HTTP, {})["certificate"] is None
    missing = listener_facts(HTTPS, {"AB" * 20: None})["certificate"]
    assert missing == {"thumbprint": "AB" * 20, "found": False, "store": "LocalMachine\\My"}
    assert listener_facts(HTTPS, {})["certificate"] == missing  # not read counts as not found here
    facts = listener_facts(HTTPS, {})
    assert [k for k in facts if k != "certificate"] == list(HTTPS.as_dict())
