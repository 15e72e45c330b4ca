# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every recorded Windows reply the collection could receive, parsed by the collection's own code.

Replies go through :class:`WSManClient` (the one place that turns a reply into data or a
typed fault) with a fake transport that answers the recorded bytes; only ``a:RelatesTo`` is
rewritten to the request's MessageID, since the client checks it. Recordings the collection
never receives itself (shell traffic and HTTP exchanges handled by pywinrm, requests) are
listed in :data:`NOT_RECEIVED` with the suite that uses them, and
:func:`test_every_recording_is_accounted_for` fails when a new file appears in neither table.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.computer import (
    ComputerSystem,
    read_computer_system,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import CONFIG_URI, WinRMConfig
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.listener import LISTENER_URI, Listener
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import faults
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import Registry
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import NS, local_name, parse, q, text_of
from ansible_collections.winauth.winrm.tests.unit.helpers import ENDPOINT, FakeSender, Sent, envelope, fault_body

Read = Callable[[str], bytes]
WMI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/"
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
_RELATES = re.compile(rb"(<a:RelatesTo>)[^<]*(</a:RelatesTo>)")

# Recordings that the collection's code does not receive, and where they are used instead.
NOT_RECEIVED: dict[str, str] = {
    "config-get.request.xml": "a request: header shape in test_envelope.py, replayed to the lab in test_fidelity.py",
    "fault-invalid-header.request.xml": "a request: replayed to the lab in tests/lab/tests/test_fidelity.py",
    "fault-invalid-selectors.request.xml": "a request: test_envelope.py and test_fidelity.py",
    "fault-operation-timeout.request.xml": "a request (shell Receive): test_fidelity.py",
    "shell-receive-done.response.xml": "shell output is read by pywinrm, not by the collection: test_fidelity.py",
    "identify-unauthenticated.response.xml": "the collection never sends Identify: test_fidelity.py",
    "http-401-all-schemes.headers.txt": "HTTP authentication is pywinrm's: test_fidelity.py (raw socket)",
    "http-401-negotiate-only.headers.txt": "HTTP authentication is pywinrm's: test_fidelity.py (raw socket)",
    "mswsmv-4.5-encryption-example.txt": "message encryption is pywinrm's: test_fidelity.py",
}


def replay(data: bytes, status: int = 200) -> Callable[[Sent], tuple[int, bytes]]:
    """A reply of the fake transport: the recorded bytes, RelatesTo set to the request's MessageID."""

    def answer(request: Sent) -> tuple[int, bytes]:
        assert request.message_id is not None
        return status, _RELATES.sub(rb"\g<1>" + request.message_id.encode() + rb"\g<2>", data)

    return answer


def client_for(*replies: Callable[[Sent], tuple[int, bytes]]) -> tuple[WSManClient, FakeSender]:
    sender = FakeSender(replies=list(replies))
    return WSManClient(sender, ENDPOINT), sender


# --------------------------------------------------------------------------- faults


@dataclass(frozen=True)
class FaultCase:
    """What the collection must make of one recorded fault."""

    file: str
    cls: type[faults.WSManFault]
    code: str
    subcode: str
    wsman_code: int
    machine: str | None
    detail: str


FAULTS = [
    FaultCase("fault-invalid-selectors.response.xml", faults.InvalidSelectorsFault, "s:Sender", "w:InvalidSelectors",
              2150858843, "127.0.0.1",
              "The WS-Management service cannot process the request because the request contained invalid "
              "selectors for the resource."),
    FaultCase("fault-invalid-header.response.xml", faults.WSManFault, "s:Sender", "a:InvalidMessageInformationHeader",
              2150858767, "127.0.0.1",
              "The WS-Management service cannot process the request. The XML contains an invalid timeout field in "
              "the SOAP header: PT-1S."),
    # A plain Win32 number and a ProviderFault holding text, after a w:FaultDetail.
    FaultCase("fault-invalid-parameter.response.xml", faults.WSManFault, "s:Sender", "w:InvalidParameter",
              87, "127.0.0.1", "The parameter is incorrect."),
    # s:Receiver; the message ends with two blanks on Windows.
    FaultCase("fault-operation-timeout.response.xml", faults.OperationTimeoutFault, "s:Receiver", "w:TimedOut",
              2150858793, "192.168.56.11",
              "The WS-Management service cannot complete the operation within the time specified in "
              "OperationTimeout."),
    # Enumeration-namespace subcode; the inner WSManFault names the host, f:ExtendedError follows.
    FaultCase("winrb-soap_fault_v2.xml", faults.WSManFault, "s:Sender", "n:CannotProcessFilter",
              2150858778, "vagrant-2008R2", "The specified class does not exist in the given namespace."),
    FaultCase("winrb-wmi_error_v2.xml", faults.WSManFault, "s:Sender", "w:QuotaLimit", 2150859173, None,
              "The WS-Management service cannot process the request. This user is allowed a maximum number of 30 "
              "concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user."),
]


@pytest.mark.parametrize("case", FAULTS, ids=lambda c: c.file)
def test_recorded_fault_becomes_typed_fault(case: FaultCase, recorded: Read) -> None:
    client, sender = client_for(replay(recorded(case.file), status=500))
    with pytest.raises(faults.WSManFault) as info:
        client.get(CONFIG_URI)
    fault = info.value
    assert fault.__class__ is case.cls  # exactly that class, not a subclass
    assert (fault.code, fault.subcode, fault.wsman_code, fault.machine) == (
        case.code, case.subcode, case.wsman_code, case.machine)
    assert fault.detail == case.detail
    assert "(WSManFault %d / 0x%08X)" % (case.wsman_code, case.wsman_code) in str(fault)
    assert str(fault).startswith("Get config on %s: " % ENDPOINT)
    assert sender.round_trips == 1


def _gpo_fault_envelope(text: str) -> bytes:
    """Rebuild the SOAP fault around the f:WSManFault that PowerShell printed.

    The console wrapped the line at blanks (joined back with one blank) and the excerpt stops
    mid-message; the rest of the message is the text Windows prints in full elsewhere
    (windows-recorded/README.md). Subcode and reason are not recorded: the generic ones are used.
    """
    detail = " ".join(line.strip() for line in text.splitlines()).split(" : ", 1)[1]
    assert detail.endswith("in order to")
    detail += ' change the config setting. </f:Message></f:WSManFault></f:ProviderFault></f:Message></f:WSManFault>'
    body = fault_body(reason="The WS-Management service cannot process the request. ", subcode="w:InternalError")
    return envelope(body.replace("</s:Reason>", "</s:Reason><s:Detail>%s</s:Detail>" % detail))


def test_recorded_gpo_controlled_fault(recorded: Read) -> None:
    client, _sender = client_for(replay(_gpo_fault_envelope(
        recorded("fault-gpo-controlled-2150858890.txt").decode()), status=500))
    with pytest.raises(faults.GPOControlledFault) as info:
        client.put(CONFIG_URI + "/client/auth", ET.Element(q("w", "Auth")))
    fault = info.value
    assert fault.wsman_code == faults.CODE_GPO_CONTROLLED == 2150858890
    # outer Machine is what the client addressed (localhost), the innermost one the host's FQDN
    assert fault.machine == "U279610.corproot.net"
    assert fault.detail == (
        'The config setting CredSSP cannot be changed because is controlled by policies. The policy would need '
        'to be set to "Not Configured" in order to change the config setting.')
    assert "0x8033808A" in str(fault)


# Access denied in the three forms Windows uses (REFERENCE.md); no raw envelope is recorded, so
# the envelopes are built in the recorded faults' shape.
ACCESS_DENIED = [
    pytest.param("s:Sender", "w:AccessDenied", 5, id="code-5-AccessDenied"),
    pytest.param("s:Sender", None, 5, id="code-5-no-subcode"),
    pytest.param("s:Receiver", "w:InternalError", 2147942405, id="0x80070005-InternalError"),
]


@pytest.mark.parametrize(("code", "subcode", "wsman_code"), ACCESS_DENIED)
def test_access_denied_forms_are_one_error(code: str, subcode: str | None, wsman_code: int) -> None:
    reply = envelope(fault_body(reason="Access is denied. ", code=code, subcode=subcode, wsman_code=wsman_code))
    client, _sender = client_for(replay(reply, status=500))
    with pytest.raises(faults.AccessDeniedFault) as info:
        client.get(CONFIG_URI)
    fault = info.value
    assert (fault.code, fault.subcode, fault.wsman_code) == (code, subcode, wsman_code)
    assert fault.detail == "Access is denied."
    assert str(fault) == "Get config on %s: Access is denied. (WSManFault %d / 0x%08X). %s" % (
        ENDPOINT, wsman_code, wsman_code, faults.AccessDeniedFault.FIX)
    for fix in ("not an administrator", "local Administrators group", "Remote Management Users", "RootSDDL"):
        assert fix in str(fault)


# --------------------------------------------------------------------------- WMI instances


def test_wmi_typed_and_fragment_instances_read_alike(recorded: Read) -> None:
    """``select *`` gives typed p: instances, a property list gives w:XmlFragment: same facts."""
    expected = ComputerSystem(name="AMAZONA-SDFU7B1", dns_host_name="AMAZONA-SDFU7B1", domain="WORKGROUP",
                              part_of_domain=False, workgroup="WORKGROUP")
    for name in ("wmi-enumerate-Win32_ComputerSystem.response.xml",
                 "wmi-enumerate-Win32_ComputerSystem-fragment.response.xml"):
        client, sender = client_for(replay(recorded(name)))
        assert read_computer_system(client) == expected, name
        assert sender.round_trips == 1  # w:Items + w:EndOfSequence: no Pull


def test_wmi_instance_nil_and_arrays(recorded: Read) -> None:
    client, _sender = client_for(replay(recorded("wmi-enumerate-Win32_ComputerSystem.response.xml")))
    (item,) = client.enumerate(WMI + "*", wql="select * from Win32_ComputerSystem")
    assert item.tag == "{%sWin32_ComputerSystem}Win32_ComputerSystem" % WMI
    assert item.get(q("xsi", "type")) == "p:Win32_ComputerSystem_Type"
    roles = [text_of(e) for e in item if local_name(e.tag) == "Roles"]
    assert roles == ["LM_Workstation", "LM_Server", "NT", "Server_NT"]  # an array: repeated elements
    nil = {local_name(e.tag) for e in item if text_of(e) is None}
    assert {"UserName", "InstallDate", "DaylightInEffect"} <= nil
    assert all(e.get(q("xsi", "nil")) == "true" and not len(e) for e in item if local_name(e.tag) in nil)


def test_wmi_enumerate_then_pull(recorded: Read) -> None:
    """Enumerate: uuid context, w:Items, no EndOfSequence; Pull: n:Items, n:EndOfSequence, no context."""
    client, sender = client_for(replay(recorded("wmi-enumerate-Win32_Volume.response.xml")),
                                replay(recorded("wmi-pull-Win32_Volume.response.xml")))
    items = client.enumerate(WMI + "*", wql="select * from Win32_Volume")
    assert [text_of(i.find("{%sWin32_Volume}DriveLetter" % WMI)) for i in items] == [None, "C:"]
    assert sender.round_trips == 2
    pull = sender.sent[1]
    assert pull.action == "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull"
    assert pull.body is not None
    assert pull.body.findtext("n:EnumerationContext", namespaces=NS) == "uuid:990DC98A-DD52-4467-83BA-764CED445100"


def test_wmi_operating_system_and_get(recorded: Read) -> None:
    client, _sender = client_for(replay(recorded("wmi-enumerate-Win32_OperatingSystem.response.xml")),
                                 replay(recorded("wmi-get-Win32_LogicalDisk.response.xml")))
    (os_item,) = client.enumerate(WMI + "*", wql="select * from Win32_OperatingSystem")
    version = os_item.find("{%sWin32_OperatingSystem}Version" % WMI)
    assert text_of(version) == "6.2.9200"
    install = os_item.find("{%sWin32_OperatingSystem}InstallDate" % WMI)
    assert install is not None and install.findtext("{http://schemas.dmtf.org/wbem/wscim/1/common}Datetime")
    disk = client.get(WMI + "Win32_LogicalDisk", selectors={"DeviceId": "c:"})
    assert disk.get(q("xsi", "type")) == "p:Win32_LogicalDisk_Type"
    assert text_of(disk.find("{%sWin32_LogicalDisk}FileSystem" % WMI)) == "NTFS"
    assert text_of(disk.find("{%sWin32_LogicalDisk}VolumeName" % WMI)) == ""  # empty is not nil


def test_stdregprov_enum_key(recorded: Read) -> None:
    """A re-serialised (indented) EnumKey reply still gives the names in order, ReturnValue last."""
    client, sender = client_for(replay(recorded("wmi-invoke-StdRegProv-EnumKey.response.xml")))
    names = Registry(client).enum_keys(r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall")
    assert names is not None and len(names) == 26
    assert names[:2] == ["AddressBook", "Branding"] and names[-1] == "{F8FBDC28-C265-4F0D-8B91-6E92913E19F6}"
    assert sender.sent[0].action == "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv/EnumKey"


# --------------------------------------------------------------------------- other replies


def test_config_get(recorded: Read) -> None:
    client, _sender = client_for(replay(recorded("config-get.response.xml")))
    config = WinRMConfig.from_element(client.get(CONFIG_URI))
    assert config.value("service.auth.credssp") is True
    assert config.gpo_controlled() == {}


def test_enumerate_shells_items_and_empty_context(recorded: Read) -> None:
    client, sender = client_for(replay(recorded("enumerate-shells.response.xml")))
    items = client.enumerate(SHELL)
    assert [local_name(i.tag) for i in items] == ["Shell", "Shell"]
    assert [i.findtext("{%s}State" % SHELL) for i in items] == ["Disconnected", "Disconnected"]
    assert sender.round_trips == 1


def test_shell_create_and_delete(recorded: Read) -> None:
    client, _sender = client_for(replay(recorded("shell-create.response.xml")),
                                 replay(recorded("shell-delete.response.xml")))
    created = client.create(SHELL + "/cmd", ET.Element("{%s}Shell" % SHELL))
    assert created is not None and created.tag == q("x", "ResourceCreated")
    selector = created.find("a:ReferenceParameters/w:SelectorSet/w:Selector", NS)
    assert selector is not None and selector.get("Name") == "ShellId"
    client.delete(SHELL + "/cmd", selectors={"ShellId": selector.text or ""})  # empty s:Body is fine


def _cmd_listeners(text: str) -> list[ET.Element]:
    """``winrm e winrm/config/listener`` text back into cfg:Listener elements.

    ``Listener [Source="GPO"]`` is the element's attribute, ``Name = value`` a child,
    ``Name`` alone an empty child, and ``ListeningOn = a, b`` repeated children.
    """
    out: list[ET.Element] = []
    for block in text.strip().split("\n\n"):
        head, *lines = block.splitlines()
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', head))
        elem = ET.Element("{%s}Listener" % LISTENER_URI, attrs)
        for line in lines:
            name, _eq, value = (part.strip() for part in line.partition("="))
            for item in value.split(", ") if name == "ListeningOn" else [value]:
                ET.SubElement(elem, "{%s}%s" % (LISTENER_URI, name)).text = item
        out.append(elem)
    return out


def test_listener_source_gpo_and_compatibility(recorded: Read) -> None:
    elems = _cmd_listeners(recorded("listener-enumerate-gpo.winrm-cmd.txt").decode())
    body = "".join(ET.tostring(e, encoding="unicode") for e in elems)
    reply = envelope("<n:EnumerateResponse><n:EnumerationContext></n:EnumerationContext><w:Items>%s</w:Items>"
                     "<w:EndOfSequence/></n:EnumerateResponse>" % body, relates_to="uuid:replaced-by-replay")
    client, _sender = client_for(replay(reply))
    listeners = [Listener.from_element(item) for item in client.enumerate(LISTENER_URI)]
    assert [(li.transport, li.port, li.source) for li in listeners] == [
        ("HTTP", 5985, "gpo"), ("HTTPS", 5986, "local"), ("HTTP", 80, "compatibility")]
    assert [li.as_dict()["source"] for li in listeners] == ["gpo", "local", "compatibility"]
    assert listeners[0].gpo and not listeners[2].gpo and listeners[2].compatibility
    assert listeners[1].certificate_thumbprint == "2BD142A7D13196269264AD6BE0F8EC8DA172FF9E"
    assert listeners[0].listening_on == ("127.0.0.1", "192.168.122.207", "::1", "fe80::5efe:192.168.122.207%12",
                                         "fe80::31ab:39ce:b4f4:2b02%11")
    assert listeners[0].hostname == "" and listeners[2].listening_on == ()


def test_listener_get_powershell_view(recorded: Read) -> None:
    """Get-WSManInstance's view: the cfg namespace (Docs rewrote http:// to https://), then properties."""
    rows = [line.split(":", 1) for line in recorded("listener-get.powershell-view.txt").decode().splitlines()[1:]]
    props = [(name.strip(), value.strip()) for name, value in rows]
    assert [n for n, _v in props[:3]] == ["cfg", "xsi", "lang"]
    assert props[0][1].replace("https://", "http://", 1) == LISTENER_URI
    elem = ET.Element("{%s}Listener" % LISTENER_URI)
    for name, value in props[3:]:
        values = value.strip("{}").rstrip(".").split(", ") if name == "ListeningOn" else [value]
        for item in values:
            ET.SubElement(elem, "{%s}%s" % (LISTENER_URI, name)).text = item
    listener = Listener.from_element(elem)
    assert (listener.address, listener.transport, listener.port, listener.source) == ("*", "HTTP", 80, "local")
    assert listener.listening_on[:3] == ("100.0.0.1", "123.123.123.123", "::1")


def test_nil_listening_on_is_no_address() -> None:
    elem = parse(('<cfg:Listener xmlns:cfg="%s" xmlns:xsi="%s"><cfg:Address>*</cfg:Address>'
                  '<cfg:Transport>HTTP</cfg:Transport><cfg:ListeningOn xsi:nil="true"/></cfg:Listener>')
                 % (LISTENER_URI, NS["xsi"]))
    assert Listener.from_element(elem).listening_on == ()


# --------------------------------------------------------------------------- bookkeeping

PARSED = {case.file for case in FAULTS} | {
    "fault-gpo-controlled-2150858890.txt",
    "wmi-enumerate-Win32_ComputerSystem.response.xml",
    "wmi-enumerate-Win32_ComputerSystem-fragment.response.xml",
    "wmi-enumerate-Win32_Volume.response.xml",
    "wmi-pull-Win32_Volume.response.xml",
    "wmi-enumerate-Win32_OperatingSystem.response.xml",
    "wmi-get-Win32_LogicalDisk.response.xml",
    "wmi-invoke-StdRegProv-EnumKey.response.xml",
    "config-get.response.xml",
    "enumerate-shells.response.xml",
    "shell-create.response.xml",
    "shell-delete.response.xml",
    "listener-enumerate-gpo.winrm-cmd.txt",
    "listener-get.powershell-view.txt",
}


def test_every_recording_is_accounted_for(recorded_dir: Path) -> None:
    files = {p.name for p in recorded_dir.iterdir() if p.is_file() and p.name != "README.md"}
    assert not PARSED & set(NOT_RECEIVED)
    assert files - PARSED - set(NOT_RECEIVED) == set(), "new recordings: parse them here or say why not"
    assert (PARSED | set(NOT_RECEIVED)) - files == set(), "tables name recordings that do not exist"
