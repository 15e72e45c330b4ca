# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WS-Management SOAP faults parsed into typed exceptions.

For internal collection use only; this is not a public API.

Windows nests the useful text: ``s:Detail/f:WSManFault/f:Message`` may hold an
``f:ProviderFault`` with another ``f:WSManFault`` inside (see the recorded
InvalidSelectors reply); WMI errors come as ``p:MSFT_WmiError`` instead.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import ClassVar

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import WSManError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import NS, q, text_of

# WSManFault codes (HRESULTs from winrm.h) with a class of their own.
CODE_ACCESS_DENIED = 5
CODE_GPO_CONTROLLED = 2150858890  # 0x8033808A ERROR_WSMAN_CONFIG_CANNOT_CHANGE_GPO_CONTROLLED_SETTING
CODE_INVALID_SELECTORS = 2150858843  # 0x8033805B
CODE_ALREADY_EXISTS = 2150858803  # 0x80338033
CODE_OPERATION_TIMEOUT = 2150858793  # 0x80338029
CODE_CANNOT_PROCESS_FILTER = 2150858778  # 0x8033801A
CODE_INVALID_HEADER = 2150858767  # 0x8033800F


class WSManFault(WSManError):
    """The host answered with a SOAP fault.

    Attributes:
        code: SOAP ``s:Code/s:Value`` (e.g. ``s:Sender``).
        subcode: SOAP subcode (e.g. ``w:InvalidSelectors``).
        reason: ``s:Reason/s:Text``.
        wsman_code: ``f:WSManFault/@Code`` as int (a Windows HRESULT), if present.
        machine: ``f:WSManFault/@Machine``.
        detail: the innermost provider message, or the WMI error message.
        HINT: what to do about this fault, appended to ``str()`` (the ``message`` stays the
            host's own text); None when the host's text says it all.
    """

    HINT: ClassVar[str | None] = None

    def __init__(
        self,
        reason: str,
        code: str | None = None,
        subcode: str | None = None,
        wsman_code: int | None = None,
        machine: str | None = None,
        detail: str | None = None,
        target: str | None = None,
        operation: str | None = None,
    ) -> None:
        self.reason = reason
        self.code = code
        self.subcode = subcode
        self.wsman_code = wsman_code
        self.machine = machine
        self.detail = detail
        text = detail if detail and detail != reason else reason
        if wsman_code is not None:
            text = "%s (WSManFault %d / 0x%08X)" % (text, wsman_code, wsman_code)
        elif subcode:
            text = "%s (%s)" % (text, subcode)
        super().__init__(text, target=target, operation=operation)

    def __str__(self) -> str:
        text = super().__str__()
        return "%s; %s" % (text, self.HINT) if self.HINT else text


class AccessDeniedFault(WSManFault):
    """Code 5: the account is not allowed (not an administrator, or RootSDDL)."""

    ERROR_CODE = CODE_ACCESS_DENIED
    # Windows (Microsoft's documentation, not a recording): the default RootSDDL grants the
    # local Administrators full access; the built-in Remote Management Users group may use
    # WS-Management but the configuration resources need an administrator. The lab's
    # non-admin "auditor" account gets this fault for every operation.
    HINT = (
        "the account authenticated but may not do this: use an account in the host's local Administrators group "
        "(reading and changing the WinRM configuration needs it; Remote Management Users may connect but not "
        "configure), and check that the service RootSDDL grants that group access "
        "(winrm get winrm/config/service)"
    )


class GPOControlledFault(WSManFault):
    """2150858890: the setting is controlled by Group Policy and cannot be Put."""

    ERROR_CODE = CODE_GPO_CONTROLLED


class InvalidSelectorsFault(WSManFault):
    """2150858843: the selectors do not name an existing instance."""

    ERROR_CODE = CODE_INVALID_SELECTORS


class AlreadyExistsFault(WSManFault):
    """2150858803: Create of an instance that already exists."""

    ERROR_CODE = CODE_ALREADY_EXISTS


class OperationTimeoutFault(WSManFault):
    """2150858793: the operation timed out on the host."""

    ERROR_CODE = CODE_OPERATION_TIMEOUT


class SchemaValidationFault(WSManFault):
    """The body was rejected by the resource schema (bad value or element); Windows gives no code of its own."""


_FAULTS = (AccessDeniedFault, GPOControlledFault, InvalidSelectorsFault, AlreadyExistsFault, OperationTimeoutFault)
_BY_CODE: dict[int, type[WSManFault]] = {cls.ERROR_CODE: cls for cls in _FAULTS if cls.ERROR_CODE is not None}
_BY_SUBCODE: dict[str, type[WSManFault]] = {
    "AccessDenied": AccessDeniedFault,
    "InvalidSelectors": InvalidSelectorsFault,
    "AlreadyExists": AlreadyExistsFault,
    "TimedOut": OperationTimeoutFault,
    "SchemaValidationError": SchemaValidationFault,
}


def _innermost_message(wsman_fault: ET.Element) -> tuple[int | None, str | None, str | None]:
    """Walk nested ProviderFault/WSManFault elements; return (code, machine, message) of the deepest."""
    code: int | None = None
    machine: str | None = None
    message: str | None = None
    node: ET.Element | None = wsman_fault
    while node is not None:
        raw = node.get("Code")
        if raw is not None and raw.strip().isdigit():
            code = int(raw)
        machine = node.get("Machine", machine)
        msg = node.find("f:Message", NS)
        if msg is None:
            break
        own = (msg.text or "").strip()
        if own:
            message = own
        inner = msg.find("f:ProviderFault/f:WSManFault", NS)
        if inner is None:
            provider = msg.find("f:ProviderFault", NS)
            if provider is not None and (provider.text or "").strip():
                message = (provider.text or "").strip()
        node = inner
    return code, machine, message


def parse_fault(root: ET.Element, target: str | None = None, operation: str | None = None) -> WSManFault | None:
    """Turn a SOAP envelope into a typed fault, or None when it is not a fault.

    Args:
        root: the parsed ``s:Envelope``.
        target: endpoint, for the error message.
        operation: operation description, for the error message.

    Returns:
        The most specific :class:`WSManFault` subclass, or None.
    """
    fault = root.find("s:Body/s:Fault", NS)
    if fault is None:
        return None
    code = text_of(fault.find("s:Code/s:Value", NS))
    subcode = text_of(fault.find("s:Code/s:Subcode/s:Value", NS))
    reason = text_of(fault.find("s:Reason/s:Text", NS)) or "(the fault carries no reason text)"
    wsman_code: int | None = None
    machine: str | None = None
    detail: str | None = None

    wsman_fault = fault.find("s:Detail/f:WSManFault", NS)
    if wsman_fault is not None:
        wsman_code, machine, detail = _innermost_message(wsman_fault)
        outer = wsman_fault.get("Code", "")
        if outer.isdigit():
            # The outer code is what winrm.cmd prints; inner ones repeat or refine it.
            wsman_code = int(outer)
    wmi = fault.find("s:Detail/wmierr:MSFT_WmiError", NS)
    if wmi is not None:
        detail = text_of(wmi.find(q("wmierr", "Message"))) or detail
        raw = text_of(wmi.find(q("wmierr", "error_Code")))
        if wsman_code is None and raw and raw.isdigit():
            wsman_code = int(raw)

    cls: type[WSManFault] = WSManFault
    if wsman_code is not None and wsman_code in _BY_CODE:
        cls = _BY_CODE[wsman_code]
    elif subcode:
        cls = _BY_SUBCODE.get(subcode.rsplit(":", 1)[-1], WSManFault)
    return cls(
        reason=reason,
        code=code,
        subcode=subcode,
        wsman_code=wsman_code,
        machine=machine,
        detail=detail,
        target=target,
        operation=operation,
    )
