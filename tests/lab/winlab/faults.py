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
    """The provider that raised a fault; Windows wraps its message in f:ProviderFault.

    ``nested``: the provider puts another f:WSManFault inside f:ProviderFault (WsmSvc's
    providers, the WMI plugin); the cmd shell plugin writes its message as plain text
    (windows-recorded/fault-invalid-parameter.response.xml).
    """

    name: str
    path: str
    nested: bool = True


CONFIG_PROVIDER = Provider("Config provider", r"%systemroot%\system32\WsmSvc.dll")
SHELL_PROVIDER = Provider("Shell provider", r"%systemroot%\system32\WsmSvc.dll")
CMD_PLUGIN = Provider("Shell cmd plugin", r"%systemroot%\system32\winrscmd.dll", nested=False)
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
        extended: str | None = None,
        wmi_error: str | None = None,
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
        self.extended = extended  # rendered f:ExtendedError content (WMI), after the inner WSManFault
        self.wmi_error = wmi_error  # a rendered p:MSFT_WmiError that replaces f:WSManFault in s:Detail
        self.delay = 0.0  # seconds the service waited before answering (OperationTimeout)

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
    # The catalog text comes with Code 2150858811 (0x8033803B), as a Windows host answered a
    # short alias on the wire (jborean93/pypsrp#192: "The resource URI (winrm/config/listener)
    # was not found in the WS-Management catalog..."). Subcode unconfirmed.
    msg = (
        f"The WS-Management service cannot process the request. The resource URI ({uri}) was "
        "not found in the WS-Management catalog. The catalog contains the metadata that "
        "describes resources, or logical endpoints. "
    )
    return WSManFault(2150858811, "a:DestinationUnreachable", msg)


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


def invalid_parameter() -> WSManFault:
    # Win32 ERROR_INVALID_PARAMETER as a plain number, from the cmd plugin, as recorded
    # (windows-recorded/fault-invalid-parameter.response.xml: a Receive without CommandId).
    return WSManFault(87, "w:InvalidParameter", "The parameter is incorrect. ", provider=CMD_PLUGIN,
                      detail=xmlns.FAULT_DETAIL + "InvalidValue")


def operation_timeout(waited: float) -> WSManFault:
    # ERROR_WSMAN_OPERATION_TIMEDOUT 0x80338029, s:Receiver, no provider; the message ends
    # with two blanks (windows-recorded/fault-operation-timeout.response.xml).
    fault = WSManFault(
        2150858793, "w:TimedOut",
        "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  ",
        sender=False,
    )
    fault.delay = waited
    return fault


def cannot_process_filter(query: str) -> WSManFault:
    # ERROR_WSMAN_CANNOTPROCESS_FILTER 0x8033801A for a WQL query on a class WMI does not have,
    # shaped like windows-recorded/winrb-soap_fault_v2.xml (inner WSManFault + f:ExtendedError).
    status = (
        f'<p:__ExtendedStatus xmlns:cim="{xmlns.CIM}" xmlns:p="{xmlns.URI_PREFIX}wmi/root/cimv2/__ExtendedStatus" '
        f'xmlns:xsi="{xmlns.XSI}" xsi:type="p:__ExtendedStatus_Type"><p:Description xsi:nil="true"/>'
        f"<p:Operation>ExecQuery</p:Operation><p:ParameterInfo>{esc(query)}</p:ParameterInfo>"
        '<p:ProviderName>WinMgmt</p:ProviderName><p:StatusCode xsi:nil="true"/></p:__ExtendedStatus>'
    )
    return WSManFault(
        2150858778, "n:CannotProcessFilter", "The specified class does not exist in the given namespace. ",
        provider=WMI_PROVIDER, extended=status,
        reason="The data source could not process the filter. The filter might be missing or it might be invalid. "
               "Change the filter and try the request again.  ",
    )


def shell_quota(limit: int) -> WSManFault:
    # ERROR_WSMAN_QUOTA_MAX_SHELLS_PPQ 0x803381A5 reported as MSFT_WmiError, as in
    # windows-recorded/winrb-wmi_error_v2.xml (WinRM 2.0's default limit was 30).
    message = (
        f"The WS-Management service cannot process the request. This user is allowed a maximum number of {limit} "
        "concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. "
    )
    code = 2150859173

    def prop(name: str, kind: str, value: str | None) -> str:
        if value is None:
            return f'<p:{name} xsi:nil="true" xsi:type="cim:{kind}"/>'
        return f'<p:{name} xsi:type="cim:{kind}">{esc(value)}</p:{name}>'

    props = [
        ("CIMStatusCode", "cimUnsignedInt", "27"), ("CIMStatusCodeDescription", "cimString", None),
        ("ErrorSource", "cimString", None), ("ErrorSourceFormat", "cimUnsignedShort", "0"),
        ("ErrorType", "cimUnsignedShort", "0"), ("Message", "cimString", message),
        ("MessageID", "cimString", f"HRESULT 0x{code:08x}"), ("OtherErrorSourceFormat", "cimString", None),
        ("OtherErrorType", "cimString", None), ("OwningEntity", "cimString", None),
        ("PerceivedSeverity", "cimUnsignedShort", "0"), ("ProbableCause", "cimUnsignedShort", "0"),
        ("ProbableCauseDescription", "cimString", None), ("error_Category", "cimUnsignedInt", "30"),
        ("error_Code", "cimUnsignedInt", str(code)), ("error_Type", "cimString", "HRESULT"),
        ("error_WindowsErrorMessage", "cimString", message),
    ]
    wmi_error = (
        '<p:MSFT_WmiError b:IsCIM_Error="true" xmlns:b="http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd" '
        f'xmlns:cim="{xmlns.CIM}" xmlns:p="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError" '
        f'xsi:type="p:MSFT_WmiError_Type" xmlns:xsi="{xmlns.XSI}">{"".join(prop(*p) for p in props)}'
        "</p:MSFT_WmiError>"
    )
    return WSManFault(
        code, "w:QuotaLimit", message, wmi_error=wmi_error,
        reason="The WS-Management service cannot process the request. The maximum number of concurrent shells for "
               "this user has been exceeded. Close existing shells or raise the quota for this user. ",
    )


def render(fault: WSManFault, machine: str, inner_machine: str) -> str:
    """The s:Fault element, structured like windows-recorded/fault-invalid-selectors."""
    code = "s:Sender" if fault.sender else "s:Receiver"
    if fault.provider is not None and fault.provider.nested:
        inner = (
            f'<f:WSManFault xmlns:f="{xmlns.WSMANFAULT}" Code="{fault.code}" '
            f'Machine="{esc(inner_machine)}"><f:Message>{esc(fault.message)}</f:Message></f:WSManFault>'
        )
        if fault.extended:
            inner += f"<f:ExtendedError>{fault.extended}</f:ExtendedError>"
    else:
        inner = esc(fault.message)
    if fault.provider is not None:
        message = (
            f'<f:ProviderFault provider="{esc(fault.provider.name)}" '
            f'path="{esc(fault.provider.path)}">{inner}</f:ProviderFault>'
        )
    else:
        message = inner
    detail = f"<w:FaultDetail>{esc(fault.detail)}</w:FaultDetail>" if fault.detail else ""
    if fault.wmi_error is not None:
        detail += fault.wmi_error
    else:
        detail += (
            f'<f:WSManFault xmlns:f="{xmlns.WSMANFAULT}" Code="{fault.code}" Machine="{esc(machine)}">'
            f"<f:Message>{message}</f:Message></f:WSManFault>"
        )
    return (
        f"<s:Fault><s:Code><s:Value>{code}</s:Value><s:Subcode><s:Value>{fault.subcode}</s:Value>"
        f'</s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">{esc(fault.reason)}</s:Text>'
        f"</s:Reason><s:Detail>{detail}</s:Detail></s:Fault>"
    )
