# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gather() end to end over a fake sender: models, round trips, facts (also covers _model_computer)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.computer import (
    COMPUTER_SYSTEM_URI,
    read_computer_system,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import CONFIG_URI, read_config
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.delegation import DELEGATION_KEY
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.listener import LISTENER_URI, read_listeners
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.posture import gather
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import envelope as env
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ProtocolError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import STDREGPROV_URI
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import NS, to_bytes
from ansible_collections.winauth.winrm.tests.unit.certs import blob_of, make_der, thumb
from ansible_collections.winauth.winrm.tests.unit.helpers import ENDPOINT, FakeSender, Sent, config_element

ENUM_NS = 'xmlns:n="%s"' % NS["n"]
CS = COMPUTER_SYSTEM_URI


def enumerate_reply(items: str) -> str:
    return "<n:EnumerateResponse %s><n:EnumerationContext/><w:Items>%s</w:Items><w:EndOfSequence/>" \
           "</n:EnumerateResponse>" % (ENUM_NS, items)


def listener(address: str, transport: str, port: int | str, source: str = "") -> str:
    attr = ' Source="%s"' % source if source else ""
    return (
        '<cfg:Listener xmlns:cfg="%s"%s><cfg:Address>%s</cfg:Address><cfg:Transport>%s</cfg:Transport>'
        "<cfg:Port>%s</cfg:Port><cfg:Hostname/><cfg:Enabled>true</cfg:Enabled><cfg:URLPrefix>wsman"
        "</cfg:URLPrefix><cfg:CertificateThumbprint/><cfg:ListeningOn>10.0.0.5</cfg:ListeningOn>"
        "<cfg:ListeningOn>127.0.0.1</cfg:ListeningOn></cfg:Listener>" % (LISTENER_URI, attr, address, transport, port)
    )


COMPUTER = (
    '<p:Win32_ComputerSystem xmlns:p="%s"><p:DNSHostName>win01</p:DNSHostName><p:Domain>lab.test</p:Domain>'
    "<p:Name>WIN01</p:Name><p:PartOfDomain>true</p:PartOfDomain><p:Workgroup xsi:nil=\"true\"/>"
    "</p:Win32_ComputerSystem>" % CS
)


class FakeHost:
    """Answers the four reads of gather() like a Windows host without a delegation policy."""

    def __init__(self, config: bytes, listeners: str, computer: str = COMPUTER, reg_return: str = "2") -> None:
        self.config = config.decode()
        self.listeners = listeners
        self.computer = computer
        self.reg_return = reg_return

    def __call__(self, request: Sent) -> str:
        if request.action == env.ACTION_GET and request.resource_uri == CONFIG_URI:
            return self.config
        if request.action == env.ACTION_ENUMERATE and request.resource_uri == LISTENER_URI:
            return enumerate_reply(self.listeners)
        if request.action == env.ACTION_ENUMERATE and request.resource_uri == CS:
            return enumerate_reply(self.computer)
        if request.action == STDREGPROV_URI + "/EnumValues":
            assert request.body is not None
            assert request.body.findtext("{%s}sSubKeyName" % STDREGPROV_URI) == DELEGATION_KEY
            return ('<p:EnumValues_OUTPUT xmlns:p="%s"><p:ReturnValue>%s</p:ReturnValue></p:EnumValues_OUTPUT>'
                    % (STDREGPROV_URI, self.reg_return))
        raise AssertionError("unexpected request %s" % request.operation)


def test_gather_four_round_trips_and_facts() -> None:
    host = FakeHost(
        to_bytes(config_element({"client.trusted_hosts": "a.lab.test, b.lab.test"}, gpo={"service.auth.basic"})),
        listener("*", "HTTP", 5985) + listener("*", "HTTPS", 5986, source="GPO"),
    )
    sender = FakeSender(responder=host)
    client = WSManClient(sender, ENDPOINT)
    posture = gather(client)
    assert client.round_trips == 4
    assert [s.operation for s in sender.sent] == [
        "Get config", "Enumerate config/listener", "Enumerate wmi/root/cimv2/Win32_ComputerSystem",
        "EnumValues wmi/root/default/StdRegProv",
    ]
    assert posture.config.value("service.auth.basic") is False
    assert [li.transport for li in posture.listeners] == ["HTTP", "HTTPS"]
    assert posture.listeners[1].gpo is True
    assert posture.listeners[0].listening_on == ("10.0.0.5", "127.0.0.1")
    assert posture.delegation.exists is False
    assert posture.computer is not None
    assert posture.computer.part_of_domain is True

    facts = posture.as_facts()
    assert list(facts) == ["service", "client", "winrs", "listeners", "credential_delegation", "computer",
                           "gpo_controlled"]
    assert facts["client"]["trusted_hosts_list"] == ["a.lab.test", "b.lab.test"]  # type: ignore[index]
    assert facts["service"]["auth"]["basic"] is False  # type: ignore[index]
    assert facts["gpo_controlled"] == {
        "service.auth.basic": "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service\\AllowBasic"}
    assert facts["listeners"][1]["source"] == "gpo"  # type: ignore[index]
    assert facts["credential_delegation"] == {"configured": False, "lists": {}, "flags": {}}
    assert facts["computer"] == {"name": "WIN01", "dns_host_name": "win01", "domain": "lab.test",
                                 "part_of_domain": True, "workgroup": ""}


def test_gather_with_recorded_config(recorded_root: Callable[[str], ET.Element]) -> None:
    body = env.reply_body(recorded_root("config-get.response.xml"))
    assert body is not None
    sender = FakeSender(responder=FakeHost(to_bytes(body), listener("*", "HTTP", 5985)))
    posture = gather(WSManClient(sender, ENDPOINT))
    assert posture.config.value("service.auth.credssp") is True
    assert posture.config.value("service.max_connections") == 300


def test_read_config_parse_error_is_protocol_error() -> None:
    sender = FakeSender([to_bytes(config_element({"service.auth.basic": "maybe"})).decode()])
    with pytest.raises(ProtocolError, match="expected true or false") as info:
        read_config(WSManClient(sender, ENDPOINT))
    assert info.value.operation == "Get config"


def test_read_listeners_bad_port_is_protocol_error() -> None:
    sender = FakeSender([enumerate_reply(listener("*", "HTTP", "x"))])
    with pytest.raises(ProtocolError, match="malformed Port") as info:
        read_listeners(WSManClient(sender, ENDPOINT))
    assert info.value.operation == "Enumerate config/listener"


def test_computer_system_workgroup_and_empty() -> None:
    workgroup = ('<p:Win32_ComputerSystem xmlns:p="%s"><p:Name>WS01</p:Name><p:Domain>WORKGROUP</p:Domain>'
                 "<p:PartOfDomain>false</p:PartOfDomain><p:Workgroup>WORKGROUP</p:Workgroup>"
                 "</p:Win32_ComputerSystem>" % CS)
    sender = FakeSender([enumerate_reply(workgroup), enumerate_reply("")])
    client = WSManClient(sender, ENDPOINT)
    cs = read_computer_system(client)
    assert cs is not None
    assert (cs.name, cs.domain, cs.part_of_domain, cs.workgroup, cs.dns_host_name) == (
        "WS01", "WORKGROUP", False, "WORKGROUP", "")
    assert read_computer_system(client) is None


def test_gather_reads_each_https_certificate_once() -> None:
    der = make_der(cn="win01.lab.test", san=("win01.lab.test", "win01"))
    thumbprint = thumb(der)

    def https(port: int, tp: str) -> str:
        return listener("IP:10.0.0.%d" % port, "HTTPS", port, "").replace(
            "<cfg:CertificateThumbprint/>", "<cfg:CertificateThumbprint>%s</cfg:CertificateThumbprint>" % tp)

    base = FakeHost(to_bytes(config_element()), listener("*", "HTTP", 5985) + https(5986, thumbprint)
                    + https(5987, thumbprint) + https(5988, "B" * 40) + https(5989, "../x"))
    asked: list[str] = []

    def responder(request: Sent) -> str:
        if request.action != STDREGPROV_URI + "/GetBinaryValue":
            return base(request)
        assert request.body is not None
        key = request.body.findtext("{%s}sSubKeyName" % STDREGPROV_URI) or ""
        assert request.body.findtext("{%s}sValueName" % STDREGPROV_URI) == "Blob"
        asked.append(key)
        data = blob_of(der) if key.endswith(thumbprint) else b""
        values = "".join("<p:uValue>%d</p:uValue>" % b for b in data) or '<p:uValue xsi:nil="true"/>'
        return ('<p:GetBinaryValue_OUTPUT xmlns:p="%s" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">%s'
                "<p:ReturnValue>%d</p:ReturnValue></p:GetBinaryValue_OUTPUT>"
                % (STDREGPROV_URI, values, 0 if data else 2))

    sender = FakeSender(responder=responder)
    posture = gather(WSManClient(sender, ENDPOINT))
    # Four reads, then one GetBinaryValue per distinct well-formed thumbprint.
    assert sender.round_trips == 6
    assert asked == ["SOFTWARE\\Microsoft\\SystemCertificates\\MY\\Certificates\\" + thumbprint,
                     "SOFTWARE\\Microsoft\\SystemCertificates\\MY\\Certificates\\" + "B" * 40]
    assert set(posture.certificates) == {thumbprint, "B" * 40, "../X"}
    assert posture.certificates["B" * 40] is None and posture.certificates["../X"] is None
    facts = posture.as_facts(["win01"])["listeners"]
    assert [li["certificate"] for li in facts][0] is None  # type: ignore[index]
    first = facts[1]["certificate"]  # type: ignore[index]
    assert first["found"] is True and first["thumbprint"] == thumbprint and first["name_matches"] is True
    assert facts[3]["certificate"] == {"thumbprint": "B" * 40, "found": False,  # type: ignore[index]
                                       "store": "LocalMachine\\My"}
