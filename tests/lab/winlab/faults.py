"""WS-Management faults shaped like the ones Windows sends.

Codes and message texts come from wsmerror.h (the Windows SDK WinRM error
table: ERROR_WSMAN_* values with their "code=/subcode=" mapping comments) and
from the replies in windows-recorded/. Where the SDK gives no subcode mapping
for an error, the choice is marked "unconfirmed" next to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import xmlns
from .xmlutil import esc

_RESOURCE_NOT_FOUND = (
    "The WS-Management service cannot process the request. The service cannot find the "
    "resource identified by the resource URI and selectors. "
)


@dataclass(frozen=True)
class Provider:
    """The provider that raised a fault; Windows wraps its message in f:ProviderFault."""

    name: str
    path: str


CONFIG_PROVIDER = Provider("Config provider", r"%systemroot%\system32\WsmSvc.dll")
SHELL_PROVIDER = Provider("Shell provider", r"%systemroot%\system32\WsmSvc.dll")
WMI_PROVIDER = Provider("WMI Provider", r"%systemroot%\system32\WsmWmiPl.dll")


class WSManFault(Exception):
    """A fault to send back as HTTP 500 with a SOAP Fault body."""

    def __init__(
        self,
        code: int,
        subcode: str,
        message: str,
        *,
        sender: bool = True,
        provider: Provider | None = None,
        detail: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.subcode = subcode
        self.message = message
        self.sender = sender
        self.provider = provider
        self.detail = detail
        self.reason = reason if reason is not None else message
        self.relates_to: str | None = None  # set when the fault is raised before dispatch knows the request

    @property
    def action(self) -> str:
        """WS-Addressing Action of the fault message, chosen by the subcode's namespace."""
        prefix = self.subcode.split(":", 1)[0]
        if prefix == "a":
            return xmlns.FAULT_ADDRESSING
        if prefix == "n":
            return xmlns.FAULT_ENUMERATION
        return xmlns.FAULT_WSMAN


def access_denied() -> WSManFault:
    # Non-admin users pass authentication but fail the RootSDDL check.
    return WSManFault(5, "w:AccessDenied", "Access is denied. ")


def invalid_selectors(provider: Provider | None) -> WSManFault:
    # Same code/subcode/detail as windows-recorded/fault-invalid-selectors.
    msg = (
        "The WS-Management service cannot process the request because the request "
        "contained invalid selectors for the resource. "
    )
    return WSManFault(
        2150858843, "w:InvalidSelectors", msg, provider=provider,
        detail=xmlns.FAULT_DETAIL + "UnexpectedSelectors",
    )


def insufficient_selectors(provider: Provider | None) -> WSManFault:
    # ERROR_WSMAN_INSUFFCIENT_SELECTORS 0x8033805A.
    msg = (
        "The WS-Management service cannot process the request because the request did "
        "not contain all required selectors. "
    )
    return WSManFault(
        2150858842, "w:InvalidSelectors", msg, provider=provider,
        detail=xmlns.FAULT_DETAIL + "InsufficientSelectors",
    )


def schema_validation(message: str | None = None, code: int = 2150858817) -> WSManFault:
    # ERROR_WSMAN_SCHEMA_VALIDATION_ERROR 0x80338041 ("subcode=WS-Management SchemaValidationError").
    text = message or (
        "The SOAP XML in the message does not match the corresponding XML schema "
        "definition. Change the XML and retry. "
    )
    return WSManFault(code, "w:SchemaValidationError", text, provider=CONFIG_PROVIDER)


def invalid_cbt_level() -> WSManFault:
    # ERROR_SERVICE_CBT_HARDENING_INVALID 0x803381B8; subcode unconfirmed.
    return schema_validation(
        "The WinRM service cannot process the request. The Channel Binding Token Hardening "
        'Level (CbtHardeningLevel) value is invalid. The valid values are "None", "Relaxed" '
        'and "Strict". Change the CbtHardeningLevel value and try again. ',
        code=2150859192,
    )


def gpo_controlled(setting: str) -> WSManFault:
    # ERROR_WSMAN_CONFIG_CANNOT_CHANGE_GPO_CONTROLLED_SETTING 0x8033808A. The text is the
    # one Windows prints (grammar included). Subcode unconfirmed: the SDK gives no mapping.
    msg = (
        f"The config setting {setting} cannot be changed because is controlled by policies. "
        'The policy would need to be set to "Not Configured" in order to change the config setting. '
    )
    return WSManFault(2150858890, "w:AccessDenied", msg, provider=CONFIG_PROVIDER)


def already_exists() -> WSManFault:
    # ERROR_WSMAN_ALREADY_EXISTS 0x80338033 ("subcode=WS-Management AlreadyExists").
    msg = "The WS-Management service cannot create the resource because it already exists. "
    return WSManFault(2150858803, "w:AlreadyExists", msg, provider=CONFIG_PROVIDER)


def cert_not_found() -> WSManFault:
    # ERROR_WSMAN_CERT_NOT_FOUND 0x80338082; subcode unconfirmed.
    msg = "The WS-Management service cannot find the certificate that was requested. "
    return WSManFault(2150858882, "w:InvalidParameter", msg, provider=CONFIG_PROVIDER)


def cert_cn_mismatch() -> WSManFault:
    # ERROR_WSMAN_CONFIG_CERT_CN_DOES_NOT_MATCH_HOSTNAME 0x803380E9; subcode unconfirmed.
    msg = (
        "The WinRM client cannot process the request. The certificate CN and the hostname "
        "that were provided do not match. "
    )
    return WSManFault(2150858985, "w:InvalidParameter", msg, provider=CONFIG_PROVIDER)


def cannot_change_keys() -> WSManFault:
    # ERROR_WSMAN_CANNOT_CHANGE_KEYS 0x803380ED; subcode unconfirmed.
    msg = (
        "The WinRM client cannot process the request. The input XML modifies selectors or "
        "keys for the instance. You cannot create a new instance or change the identity of "
        "an instance by changing the keys. Change the input XML and try the request again. "
    )
    return WSManFault(2150858989, "w:InvalidParameter", msg, provider=CONFIG_PROVIDER)


def listener_address_invalid() -> WSManFault:
    # ERROR_WSMAN_LISTENER_ADDRESS_INVALID 0x80338089; subcode unconfirmed.
    msg = (
        "The listener address specified is invalid. The address can be specified in one of "
        "the following formats: *, IP:<ip_address>, MAC:<mac_address>. Change the listener "
        "address and try the request again. "
    )
    return WSManFault(2150858889, "w:InvalidParameter", msg, provider=CONFIG_PROVIDER)


def resource_not_found(provider: Provider | None) -> WSManFault:
    # ERROR_WSMAN_RESOURCE_NOT_FOUND 0x80338000 with a:DestinationUnreachable, as in the
    # MS-WSMV 4.10 example and a Windows WMI reply quoted in microsoft/omi#254.
    return WSManFault(2150858752, "a:DestinationUnreachable", _RESOURCE_NOT_FOUND, provider=provider)


def unknown_resource(uri: str) -> WSManFault:
    # ERROR_WSMAN_DESTINATION_UNREACHABLE 0x80338012 ("wsa, subcode=WS-Addressing
    # DestinationUnreachable"); the catalog text is what PowerShell shows for an unknown URI.
    msg = (
        f"The WS-Management service cannot process the request. The resource URI ({uri}) was "
        "not found in the WS-Management catalog. The catalog contains the metadata that "
        "describes resources, or logical endpoints. "
    )
    return WSManFault(2150858770, "a:DestinationUnreachable", msg)


def action_not_supported() -> WSManFault:
    # ERROR_WSMAN_ACTION_NOT_SUPPORTED 0x80338013 ("wsa, subcode=WS-Addressing ActionNotsupported").
    msg = "The WS-Management service does not support the action specified in the request. "
    return WSManFault(2150858771, "a:ActionNotSupported", msg)


def invalid_xml() -> WSManFault:
    # ERROR_WSMAN_INVALID_XML 0x80338043; subcode unconfirmed (no SDK mapping).
    msg = "The WS-Management service cannot process the request because the XML is invalid. "
    return WSManFault(2150858819, "w:SchemaValidationError", msg)


def missing_header() -> WSManFault:
    # ERROR_WSMAN_MESSAGE_INFORMATION_HEADER_REQUIRED 0x80338011.
    msg = (
        "The WS-Management service cannot process the request. The request does not have all "
        "the expected SOAP headers. "
    )
    return WSManFault(2150858769, "a:MessageInformationHeaderRequired", msg)


def invalid_timeout(value: str) -> WSManFault:
    # Same shape as windows-recorded/fault-invalid-header.response.xml.
    return WSManFault(
        2150858767,
        "a:InvalidMessageInformationHeader",
        "The WS-Management service cannot process the request. The XML contains an invalid "
        f"timeout field in the SOAP header: {value}. ",
        reason=(
            "The WS-Management service cannot process the request. The request contains one or "
            "more invalid SOAP headers. "
        ),
    )


def invalid_enumeration_context() -> WSManFault:
    # ERROR_WSMAN_ENUMERATE_INVALID_ENUMERATION_CONTEXT 0x8033801B ("code=Receiver").
    msg = (
        "The WS-Enumeration context in the enumeration is not valid. Enumeration may have been "
        "completed or canceled. You cannot use this enumeration context anymore. Start a new "
        "enumeration. "
    )
    return WSManFault(2150858779, "n:InvalidEnumerationContext", msg, sender=False)


def remote_shells_not_allowed() -> WSManFault:
    # ERROR_WSMAN_REMOTESHELLS_NOT_ALLOWED 0x803381AC; subcode unconfirmed.
    msg = (
        "The WS-Management service cannot process the request. The service is configured to "
        "not accept any remote shell requests. "
    )
    return WSManFault(2150859180, "w:AccessDenied", msg, provider=SHELL_PROVIDER)


def render(fault: WSManFault, machine: str, inner_machine: str) -> str:
    """The s:Fault element, structured like windows-recorded/fault-invalid-selectors."""
    code = "s:Sender" if fault.sender else "s:Receiver"
    if fault.provider is not None:
        inner = (
            f'<f:WSManFault xmlns:f="{xmlns.WSMANFAULT}" Code="{fault.code}" '
            f'Machine="{esc(inner_machine)}"><f:Message>{esc(fault.message)}</f:Message></f:WSManFault>'
        )
        message = (
            f'<f:ProviderFault provider="{esc(fault.provider.name)}" '
            f'path="{esc(fault.provider.path)}">{inner}</f:ProviderFault>'
        )
    else:
        message = esc(fault.message)
    detail = f"<w:FaultDetail>{esc(fault.detail)}</w:FaultDetail>" if fault.detail else ""
    return (
        f"<s:Fault><s:Code><s:Value>{code}</s:Value><s:Subcode><s:Value>{fault.subcode}</s:Value>"
        f'</s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">{esc(fault.reason)}</s:Text>'
        f"</s:Reason><s:Detail>{detail}"
        f'<f:WSManFault xmlns:f="{xmlns.WSMANFAULT}" Code="{fault.code}" Machine="{esc(machine)}">'
        f"<f:Message>{message}</f:Message></f:WSManFault></s:Detail></s:Fault>"
    )
