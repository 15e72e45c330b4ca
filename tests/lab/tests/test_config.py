"""Config resources, Group Policy precedence, state-file semantics and reply shapes."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import pytest
import wsman_helpers as wh
from winrm.exceptions import InvalidCredentialsError, WSManFaultError

SERVICE = wh.CONFIG + "/service"
SERVICE_AUTH = wh.CONFIG + "/service/auth"
CLIENT = wh.CONFIG + "/client"
POLICY = r"SOFTWARE\Policies\Microsoft\Windows\WinRM\Service"


def tags(el: ET.Element) -> list[str]:
    return [child.tag for child in el.iter()]


def declared_prefixes(xml: str) -> list[str]:
    """Namespace declarations of the root element, in document order."""
    return re.findall(r'xmlns:(\w+)="', xml[: xml.index(">")])


def test_config_get_matches_recorded_windows_reply(fresh, recorded):
    recorded_xml = (recorded / "config-get.response.xml").read_text()
    request = (recorded / "config-get.request.xml").read_text()
    ours = wh.protocol(fresh, "win02").send_message(request).decode()
    assert declared_prefixes(ours) == declared_prefixes(recorded_xml)
    assert ours.startswith('<s:Envelope xml:lang="en-US" ')
    mine, theirs = ET.fromstring(ours), ET.fromstring(recorded_xml)
    assert tags(mine) == tags(theirs)  # every element, namespace and position
    assert "<cfg:Config xmlns:cfg=" in ours
    relates = mine.find("s:Header/a:RelatesTo", wh.NS).text
    assert relates == theirs.find("s:Header/a:RelatesTo", wh.NS).text  # same request MessageID
    config = wh.body_of(mine)[0]
    values = {el.tag.split("}")[1]: el.text for el in config.iter() if len(el) == 0}
    assert values["MaxEnvelopeSizekb"] == "500"
    assert config.find(f"{{{wh.CONFIG}}}Client/{{{wh.CONFIG}}}Auth/{{{wh.CONFIG}}}Basic").text == "true"
    assert config.find(f"{{{wh.CONFIG}}}Service/{{{wh.CONFIG}}}Auth/{{{wh.CONFIG}}}Basic").text == "false"


def test_sub_resources_have_their_own_namespace(fresh):
    p = wh.protocol(fresh, "win01")
    for uri, root in ((SERVICE, "Service"), (SERVICE_AUTH, "Auth"), (CLIENT, "Client"),
                      (CLIENT + "/auth", "Auth"), (wh.CONFIG + "/winrs", "Winrs")):
        el = wh.body_of(wh.get(p, uri))[0]
        assert el.tag == f"{{{uri}}}{root}"
    client = wh.body_of(wh.get(p, CLIENT))[0]
    assert client.find(f"{{{CLIENT}}}TrustedHosts").text == "*"


def test_partial_put_changes_only_given_leaves(fresh):
    p = wh.protocol(fresh, "win02")
    before = fresh.state("win02")["config"]
    body = (f'<cfg:Client xmlns:cfg="{CLIENT}"><cfg:TrustedHosts>a.lab.test,b.lab.test</cfg:TrustedHosts>'
            "<cfg:Auth><cfg:Digest>false</cfg:Digest></cfg:Auth></cfg:Client>")
    reply = wh.body_of(wh.put(p, CLIENT, body))[0]
    assert reply.find(f"{{{CLIENT}}}TrustedHosts").text == "a.lab.test,b.lab.test"
    after = fresh.state("win02")["config"]
    assert after["Client"]["Auth"]["Digest"] == "false"
    assert after["Client"]["TrustedHosts"] == "a.lab.test,b.lab.test"
    before["Client"]["Auth"]["Digest"] = "false"
    before["Client"]["TrustedHosts"] = "a.lab.test,b.lab.test"
    assert after == before


def test_put_on_whole_config_for_nested_leaves(fresh):
    body = (f'<cfg:Config xmlns:cfg="{wh.CONFIG}"><cfg:MaxEnvelopeSizekb>8192</cfg:MaxEnvelopeSizekb>'
            "<cfg:Service><cfg:Auth><cfg:Negotiate>true</cfg:Negotiate></cfg:Auth>"
            "<cfg:MaxConnections>25</cfg:MaxConnections></cfg:Service></cfg:Config>")
    wh.put(wh.protocol(fresh, "win02"), wh.CONFIG, body)
    config = fresh.state("win02")["config"]
    assert config["MaxEnvelopeSizekb"] == "8192" and config["Service"]["MaxConnections"] == "25"


@pytest.mark.parametrize("body", [
    '<cfg:Auth xmlns:cfg="{a}"><cfg:Basic>maybe</cfg:Basic></cfg:Auth>',
    '<cfg:Auth xmlns:cfg="{a}"><cfg:Telepathy>true</cfg:Telepathy></cfg:Auth>',
    '<cfg:Auth xmlns:cfg="{c}"><cfg:Basic>true</cfg:Basic></cfg:Auth>',  # wrong namespace
])
def test_invalid_put_is_a_schema_validation_fault(fresh, body):
    with pytest.raises(WSManFaultError) as err:
        wh.put(wh.protocol(fresh, "win02"), SERVICE_AUTH, body.format(a=SERVICE_AUTH, c=CLIENT + "/auth"))
    assert err.value.fault_subcode == "w:SchemaValidationError"
    assert err.value.wsman_fault_code == 2150858817
    body = f'<cfg:Auth xmlns:cfg="{SERVICE_AUTH}"><cfg:CbtHardeningLevel>Lax</cfg:CbtHardeningLevel></cfg:Auth>'
    with pytest.raises(WSManFaultError) as err:
        wh.put(wh.protocol(fresh, "win02"), SERVICE_AUTH, body)
    assert err.value.wsman_fault_code == 2150859192


def test_gpo_leaves_are_marked_and_refuse_put(fresh):
    p = wh.protocol(fresh, "win03")
    before = fresh.state_bytes("win03")
    xml = p.send_message(wh.envelope(wh.TRANSFER + "Get", SERVICE)).decode()
    assert '<cfg:AllowUnencrypted Source="GPO">false</cfg:AllowUnencrypted>' in xml
    assert '<cfg:Basic Source="GPO">false</cfg:Basic>' in xml
    assert '<cfg:Kerberos>true</cfg:Kerberos>' in xml
    body = f'<cfg:Auth xmlns:cfg="{SERVICE_AUTH}"><cfg:Basic>true</cfg:Basic></cfg:Auth>'
    with pytest.raises(WSManFaultError) as err:
        wh.put(p, SERVICE_AUTH, body)
    fault = err.value
    assert fault.code == 500 and fault.wsman_fault_code == 2150858890
    assert fault.reason.startswith("The config setting Basic cannot be changed because is controlled by policies.")
    detail = ET.fromstring(fault.response).find("s:Body/s:Fault/s:Detail/f:WSManFault", wh.NS)
    provider = detail.find("f:Message/f:ProviderFault", wh.NS)
    assert provider.get("provider") == "Config provider"
    assert provider.get("path") == r"%systemroot%\system32\WsmSvc.dll"
    assert provider.find("f:WSManFault", wh.NS).get("Code") == "2150858890"
    assert fresh.state_bytes("win03") == before


def test_policy_written_through_stdregprov_takes_effect(fresh):
    p = wh.protocol(fresh, "win02")
    assert wh.return_value(wh.reg_call(p, "CreateKey", sSubKeyName=POLICY)) == 0
    out = wh.reg_call(p, "SetDWORDValue", sSubKeyName=POLICY, sValueName="AllowBasic", uValue=1)
    assert wh.return_value(out) == 0
    xml = p.send_message(wh.envelope(wh.TRANSFER + "Get", SERVICE_AUTH)).decode()
    assert '<cfg:Basic Source="GPO">true</cfg:Basic>' in xml
    wh.get(wh.protocol(fresh, "win02", transport="basic", scheme="https"), wh.CONFIG)  # policy drives auth
    wh.reg_call(p, "SetDWORDValue", sSubKeyName=POLICY, sValueName="AllowBasic", uValue=0)
    with pytest.raises(InvalidCredentialsError):
        wh.get(wh.protocol(fresh, "win02", transport="basic", scheme="https"), wh.CONFIG)


def test_set_state_plants_policy_and_restore_removes_it(fresh):
    state = fresh.state("win02")
    key = state["registry"]["HKEY_LOCAL_MACHINE"]["subkeys"]["SOFTWARE"]["subkeys"]["Policies"]
    key = key["subkeys"]["Microsoft"]["subkeys"]["Windows"]["subkeys"]
    key["WinRM"] = {"subkeys": {"Client": {"subkeys": {}, "values": [
        {"name": "TrustedHosts", "type": "REG_DWORD", "data": 1},
        {"name": "TrustedHostsList", "type": "REG_SZ", "data": "*.lab.test"},
    ]}}, "values": []}
    assert fresh.set_state("win02", state) is True
    xml = wh.protocol(fresh, "win02").send_message(wh.envelope(wh.TRANSFER + "Get", CLIENT)).decode()
    assert '<cfg:TrustedHosts Source="GPO">*.lab.test</cfg:TrustedHosts>' in xml
    fresh.restore("win02")
    xml = wh.protocol(fresh, "win02").send_message(wh.envelope(wh.TRANSFER + "Get", CLIENT)).decode()
    assert "<cfg:TrustedHosts></cfg:TrustedHosts>" in xml


def test_state_file_untouched_by_reads_and_noop_puts(fresh):
    before = fresh.state_bytes("win01")
    p = wh.protocol(fresh, "win01")
    wh.get(p, wh.CONFIG)
    wh.get(p, SERVICE_AUTH)
    wh.send(p, wh.ENUM + "Enumerate", wh.LISTENER, f'<n:Enumerate xmlns:n="{wh.NS["n"]}"/>')
    wh.reg_call(p, "EnumKey", sSubKeyName="SOFTWARE")
    same = f'<cfg:Auth xmlns:cfg="{SERVICE_AUTH}"><cfg:Basic>true</cfg:Basic></cfg:Auth>'  # already true
    wh.put(p, SERVICE_AUTH, same)
    assert fresh.state_bytes("win01") == before
    wh.put(p, SERVICE_AUTH, same.replace("true", "false"))
    assert fresh.state_bytes("win01") != before


def test_fault_shape_matches_recorded_invalid_selectors(fresh, recorded):
    theirs = (recorded / "fault-invalid-selectors.response.xml").read_text()
    with pytest.raises(WSManFaultError) as err:
        wh.get(wh.protocol(fresh, "win02"), wh.LISTENER, {"Address": "*", "Transport": "FTP"})
    ours = err.value.response
    assert declared_prefixes(ours) == declared_prefixes(theirs)
    assert tags(ET.fromstring(ours)) == tags(ET.fromstring(theirs))
    assert err.value.wsman_fault_code == 2150858843 and err.value.fault_subcode == "w:InvalidSelectors"
    assert 'Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/fault<' in ours


def test_unknown_resource_and_action(fresh):
    p = wh.protocol(fresh, "win02")
    with pytest.raises(WSManFaultError) as err:
        wh.get(p, wh.URI + "config/nothing")
    # 2150858811 with the catalog text, as Windows answered an unknown URI (pypsrp#192)
    assert err.value.fault_subcode == "a:DestinationUnreachable" and err.value.wsman_fault_code == 2150858811
    with pytest.raises(WSManFaultError) as err:
        wh.send(p, wh.TRANSFER + "Delete", wh.CONFIG)
    assert err.value.fault_subcode == "a:ActionNotSupported" and err.value.wsman_fault_code == 2150858771
