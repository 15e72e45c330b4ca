"""Small WS-Man client helpers for the lab's own tests (requests built by hand, sent by pywinrm)."""

from __future__ import annotations

import uuid
from typing import Any
from xml.etree import ElementTree as ET

from winrm.protocol import Protocol

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "n": "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
    "wsmid": "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
URI = "http://schemas.microsoft.com/wbem/wsman/1/"
CONFIG = URI + "config"
LISTENER = CONFIG + "/listener"
REG = URI + "wmi/root/default/StdRegProv"
CS = URI + "wmi/root/cimv2/Win32_ComputerSystem"
TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
ENUM = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/"
HKLM = 2147483650


def envelope(action: str, resource: str, body: str = "", selectors: dict[str, str] | None = None) -> str:
    sel = ""
    if selectors:
        sel = "<wsman:SelectorSet>" + "".join(
            f'<wsman:Selector Name="{k}">{v}</wsman:Selector>' for k, v in selectors.items()
        ) + "</wsman:SelectorSet>"
    return (
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        'xmlns:wsman="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd">'
        f'<s:Header><wsa:Action s:mustUnderstand="true">{action}</wsa:Action>'
        f"<wsa:MessageID>uuid:{str(uuid.uuid4()).upper()}</wsa:MessageID>"
        '<wsa:ReplyTo><wsa:Address s:mustUnderstand="true">'
        "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:Address></wsa:ReplyTo>"
        f'<wsman:ResourceURI s:mustUnderstand="true">{resource}</wsman:ResourceURI>'
        f"<wsman:OperationTimeout>PT20S</wsman:OperationTimeout>{sel}"
        f"<wsa:To>http://lab/wsman</wsa:To></s:Header><s:Body>{body}</s:Body></s:Envelope>"
    )


def protocol(lab: Any, host: str, transport: str = "ntlm", scheme: str = "http",
             user: str | None = None, password: str | None = None, **kw: Any) -> Protocol:
    info = lab.hosts[host]
    return Protocol(
        endpoint=lab.endpoint(host, scheme),
        transport=transport,
        username=user or info["admin_user"],
        password=password or info["admin_password"],
        ca_trust_path=lab.ca,
        **kw,
    )


def send(
    p: Protocol, action: str, resource: str, body: str = "", selectors: dict[str, str] | None = None
) -> ET.Element:
    return ET.fromstring(p.send_message(envelope(action, resource, body, selectors)))


def get(p: Protocol, resource: str, selectors: dict[str, str] | None = None) -> ET.Element:
    return send(p, TRANSFER + "Get", resource, "", selectors)


def put(p: Protocol, resource: str, body: str, selectors: dict[str, str] | None = None) -> ET.Element:
    return send(p, TRANSFER + "Put", resource, body, selectors)


def body_of(root: ET.Element) -> ET.Element:
    body = root.find("s:Body", NS)
    assert body is not None
    return body


def reg_call(p: Protocol, method: str, **params: Any) -> ET.Element:
    inner = "".join(
        "".join(f"<p:{k}>{x}</p:{k}>" for x in v) if isinstance(v, list) else f"<p:{k}>{v}</p:{k}>"
        for k, v in {"hDefKey": HKLM, **params}.items()
    )
    body = f'<p:{method}_INPUT xmlns:p="{REG}">{inner}</p:{method}_INPUT>'
    out = body_of(send(p, f"{REG}/{method}", REG, body))[0]
    assert out.tag == f"{{{REG}}}{method}_OUTPUT"
    return out


def reg_out(out: ET.Element, name: str) -> list[str]:
    return [el.text or "" for el in out.findall(f"{{{REG}}}{name}")]


def return_value(out: ET.Element) -> int:
    return int(reg_out(out, "ReturnValue")[0])
