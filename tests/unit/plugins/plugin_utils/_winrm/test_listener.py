# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.listener import LISTENER_URI, Listener
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ParseError

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
