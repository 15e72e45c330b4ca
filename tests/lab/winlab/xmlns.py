"""XML namespaces and URIs used on the wire, with the prefixes Windows uses."""

from __future__ import annotations

SOAP = "http://www.w3.org/2003/05/soap-envelope"
ADDRESSING = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
EVENTING = "http://schemas.xmlsoap.org/ws/2004/08/eventing"
ENUMERATION = "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
WSMAN = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
WSMV = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
WSMANFAULT = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
# Windows answers Identify with the "identity" spelling (Test-WSMan output,
# recorded 2008 R2 replies), not the "identify" one printed in MS-WSMV 2.2.1.
WSMID = "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
CIM = "http://schemas.dmtf.org/wbem/wscim/1/common"

ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"

URI_PREFIX = "http://schemas.microsoft.com/wbem/wsman/1/"
CONFIG = URI_PREFIX + "config"
LISTENER = CONFIG + "/listener"
STDREGPROV = URI_PREFIX + "wmi/root/default/StdRegProv"
COMPUTER_SYSTEM = URI_PREFIX + "wmi/root/cimv2/Win32_ComputerSystem"
RSOP_REGISTRY_SETTING = URI_PREFIX + "wmi/root/rsop/computer/RSOP_RegistryPolicySetting"
RSOP_GPO = URI_PREFIX + "wmi/root/rsop/computer/RSOP_GPO"
CMD_SHELL = SHELL + "/cmd"

# Envelope prefixes in the order Windows declares them (windows-recorded/).
PREFIXES: dict[str, str] = {
    "s": SOAP,
    "a": ADDRESSING,
    "x": TRANSFER,
    "e": EVENTING,
    "n": ENUMERATION,
    "w": WSMAN,
    "rsp": SHELL,
    "p": WSMV,
}

ACTION_GET = TRANSFER + "/Get"
ACTION_PUT = TRANSFER + "/Put"
ACTION_CREATE = TRANSFER + "/Create"
ACTION_DELETE = TRANSFER + "/Delete"
ACTION_ENUMERATE = ENUMERATION + "/Enumerate"
ACTION_PULL = ENUMERATION + "/Pull"
ACTION_RELEASE = ENUMERATION + "/Release"
ACTION_COMMAND = SHELL + "/Command"
ACTION_RECEIVE = SHELL + "/Receive"
ACTION_SIGNAL = SHELL + "/Signal"
ACTION_SEND = SHELL + "/Send"

FAULT_WSMAN = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
FAULT_ADDRESSING = ADDRESSING + "/fault"
FAULT_ENUMERATION = ENUMERATION + "/fault"
FAULT_DETAIL = "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/"


def q(ns: str, local: str) -> str:
    """Clark notation ``{ns}local`` as used by ElementTree."""
    return f"{{{ns}}}{local}"
