# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import faults
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import WSManError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import parse
from ansible_collections.winauth.winrm.tests.unit.helpers import envelope, fault_body

TARGET = "https://win01.lab.test:5986/wsman"
Loader = Callable[[str], ET.Element]


def _parse_fault(body: str) -> faults.WSManFault | None:
    return faults.parse_fault(parse(envelope(body)), target=TARGET, operation="Put config/service/auth")


# --------------------------------------------------------------------------- recorded replies


def test_recorded_invalid_selectors(recorded_root: Loader) -> None:
    fault = faults.parse_fault(recorded_root("fault-invalid-selectors.response.xml"), TARGET, "Get windows/shell")
    assert fault.__class__ is faults.InvalidSelectorsFault
    assert fault.code == "s:Sender"
    assert fault.subcode == "w:InvalidSelectors"
    assert fault.wsman_code == faults.CODE_INVALID_SELECTORS == 2150858843
    assert fault.machine == "127.0.0.1"
    # The useful text sits in the nested ProviderFault/WSManFault/Message; trailing blank stripped.
    assert fault.detail == (
        "The WS-Management service cannot process the request because the request contained invalid "
        "selectors for the resource."
    )
    assert fault.reason.startswith("The WS-Management service cannot process the request because")
    text = str(fault)
    assert text.startswith("Get windows/shell on %s: " % TARGET)
    assert "(WSManFault 2150858843 / 0x8033805B)" in text
    assert fault.target == TARGET
    assert isinstance(fault, WSManError)


def test_recorded_invalid_header(recorded_root: Loader) -> None:
    fault = faults.parse_fault(recorded_root("fault-invalid-header.response.xml"))
    assert fault.__class__ is faults.WSManFault  # no dedicated class for 2150858767
    assert fault.code == "s:Sender"
    assert fault.subcode == "a:InvalidMessageInformationHeader"
    assert fault.wsman_code == faults.CODE_INVALID_HEADER
    assert fault.machine == "127.0.0.1"
    assert fault.detail == (
        "The WS-Management service cannot process the request. The XML contains an invalid timeout field "
        "in the SOAP header: PT-1S."
    )
    # detail differs from the reason, so the message shows the more precise detail
    assert "invalid timeout field" in str(fault)
    assert "0x8033800F" in str(fault)


def test_recorded_wmi_provider_fault_takes_innermost(recorded_root: Loader) -> None:
    fault = faults.parse_fault(recorded_root("winrb-soap_fault_v2.xml"))
    assert fault.__class__ is faults.WSManFault
    assert fault.subcode == "n:CannotProcessFilter"
    assert fault.wsman_code == faults.CODE_CANNOT_PROCESS_FILTER
    # the outer WSManFault says Machine="localhost", the innermost one names the real host
    assert fault.machine == "vagrant-2008R2"
    assert fault.detail == "The specified class does not exist in the given namespace."
    assert fault.reason.startswith("The data source could not process the filter.")


def test_recorded_msft_wmi_error(recorded_root: Loader) -> None:
    fault = faults.parse_fault(recorded_root("winrb-wmi_error_v2.xml"))
    assert fault.__class__ is faults.WSManFault
    assert fault.code == "s:Sender"
    assert fault.subcode == "w:QuotaLimit"
    assert fault.wsman_code == 2150859173  # p:error_Code of the MSFT_WmiError
    assert fault.machine is None
    assert fault.detail is not None
    assert fault.detail.startswith("The WS-Management service cannot process the request. This user is allowed")
    assert fault.detail.endswith("raise the quota for this user.")
    assert "0x803381A5" in str(fault)


def test_recorded_config_reply_is_not_a_fault(recorded_root: Loader) -> None:
    assert faults.parse_fault(recorded_root("config-get.response.xml")) is None


# --------------------------------------------------------------------------- synthetic variants


def test_gpo_controlled_code() -> None:
    fault = _parse_fault(fault_body(
        reason="The WS-Management service cannot process the request.",
        subcode="w:InternalError",
        wsman_code=2150858890,
        message="The config setting AllowBasic cannot be changed because is controlled by policies.",
    ))
    assert fault.__class__ is faults.GPOControlledFault
    assert fault.wsman_code == faults.CODE_GPO_CONTROLLED
    assert "controlled by policies" in str(fault)
    assert "0x8033808A" in str(fault)
    assert str(fault).startswith("Put config/service/auth on %s: " % TARGET)


def test_access_denied_code_5() -> None:
    fault = _parse_fault(fault_body(reason="Access is denied.", subcode="w:AccessDenied", wsman_code=5))
    assert fault.__class__ is faults.AccessDeniedFault
    assert fault.wsman_code == 5
    assert fault.detail == "Access is denied."
    # detail equals reason: shown once
    assert fault.message == "Access is denied. (WSManFault 5 / 0x00000005)"


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (faults.CODE_INVALID_SELECTORS, faults.InvalidSelectorsFault),
        (faults.CODE_ALREADY_EXISTS, faults.AlreadyExistsFault),
        (faults.CODE_OPERATION_TIMEOUT, faults.OperationTimeoutFault),
        (faults.CODE_CANNOT_PROCESS_FILTER, faults.WSManFault),
    ],
)
def test_code_mapping(code: int, cls: type[faults.WSManFault]) -> None:
    fault = _parse_fault(fault_body(subcode="w:Whatever", wsman_code=code))
    assert fault.__class__ is cls
    assert fault.wsman_code == code


@pytest.mark.parametrize(
    ("subcode", "cls"),
    [
        ("w:AccessDenied", faults.AccessDeniedFault),
        ("w:InvalidSelectors", faults.InvalidSelectorsFault),
        ("w:AlreadyExists", faults.AlreadyExistsFault),
        ("w:TimedOut", faults.OperationTimeoutFault),
        ("w:SchemaValidationError", faults.SchemaValidationFault),
        ("w:SomethingElse", faults.WSManFault),
    ],
)
def test_subcode_only_mapping(subcode: str, cls: type[faults.WSManFault]) -> None:
    fault = _parse_fault(fault_body(reason="Refused.", subcode=subcode))
    assert fault.__class__ is cls
    assert fault.wsman_code is None
    assert fault.subcode == subcode
    assert fault.message == "Refused. (%s)" % subcode


def test_code_wins_over_subcode() -> None:
    fault = _parse_fault(fault_body(subcode="w:InvalidSelectors", wsman_code=faults.CODE_GPO_CONTROLLED))
    assert fault.__class__ is faults.GPOControlledFault


def test_unknown_code_falls_back_to_subcode() -> None:
    fault = _parse_fault(fault_body(subcode="w:SchemaValidationError", wsman_code=2150858888))
    assert fault.__class__ is faults.SchemaValidationFault
    assert fault.wsman_code == 2150858888


def test_fault_without_detail() -> None:
    fault = _parse_fault(fault_body(reason="The action is not supported by the service.", subcode=None))
    assert fault.__class__ is faults.WSManFault
    assert fault.code == "s:Sender"
    assert fault.subcode is None
    assert fault.wsman_code is None
    assert fault.machine is None
    assert fault.detail is None
    assert fault.message == "The action is not supported by the service."


def test_fault_without_reason_text() -> None:
    fault = _parse_fault("<s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code></s:Fault>")
    assert fault is not None
    assert fault.code == "s:Receiver"
    assert "no reason text" in fault.reason


def test_non_numeric_code_is_ignored() -> None:
    fault = _parse_fault(fault_body(subcode="w:AccessDenied", wsman_code="0x5"))
    assert fault.__class__ is faults.AccessDeniedFault  # falls back to the subcode
    assert fault.wsman_code is None


def test_provider_fault_with_plain_text_message() -> None:
    body = (
        '<s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text>outer</s:Text></s:Reason>'
        '<s:Detail><f:WSManFault Code="2150858752" Machine="win01"><f:Message>'
        '<f:ProviderFault provider="Config provider">The provider said no. </f:ProviderFault>'
        "</f:Message></f:WSManFault></s:Detail></s:Fault>"
    )
    fault = _parse_fault(body)
    assert fault is not None
    assert fault.detail == "The provider said no."
    assert fault.machine == "win01"
    assert fault.wsman_code == 2150858752


def test_outer_code_wins_over_inner() -> None:
    body = (
        '<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text>r</s:Text></s:Reason>'
        '<s:Detail><f:WSManFault Code="5" Machine="outer"><f:Message><f:ProviderFault>'
        '<f:WSManFault Code="2150858843" Machine="inner"><f:Message>inner text</f:Message></f:WSManFault>'
        "</f:ProviderFault></f:Message></f:WSManFault></s:Detail></s:Fault>"
    )
    fault = _parse_fault(body)
    assert fault.__class__ is faults.AccessDeniedFault
    assert fault.wsman_code == 5
    assert fault.machine == "inner"
    assert fault.detail == "inner text"


def test_not_a_fault() -> None:
    assert _parse_fault("<x:Whatever xmlns:x='urn:x'/>") is None
    assert _parse_fault("") is None
