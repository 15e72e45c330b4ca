# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import registry as reg
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ProtocolError
from ansible_collections.winauth.winrm.tests.unit.helpers import ENDPOINT, FakeSender, Sent

KEY = "SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation"
Outputs = Mapping[str, "str | list[str]"]


class FakeClient:
    """Answers Invoke with ``<Method>_OUTPUT`` built from canned output values."""

    endpoint = ENDPOINT

    def __init__(self, *answers: Outputs) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def invoke(self, resource_uri: str, method: str, params: Mapping[str, Any] | None = None) -> ET.Element:
        self.calls.append((resource_uri, method, dict(params or {})))
        out = ET.Element("{%s}%s_OUTPUT" % (resource_uri, method))
        for name, value in self.answers.pop(0).items():
            for item in value if isinstance(value, list) else [value]:
                ET.SubElement(out, "{%s}%s" % (resource_uri, name)).text = item
        return out


def registry(*answers: Outputs) -> tuple[reg.Registry, FakeClient]:
    client = FakeClient(*answers)
    return reg.Registry(client), client  # type: ignore[arg-type]


def test_enum_values_zips_names_and_types() -> None:
    r, client = registry({"ReturnValue": "0", "sNames": ["AllowFreshCredentials", "ConcatenateDefaults_AllowFresh",
                                                         "Odd"], "Types": ["4", "4", "1"]})
    assert r.enum_values(KEY) == {"AllowFreshCredentials": reg.REG_DWORD, "ConcatenateDefaults_AllowFresh": 4,
                                  "Odd": reg.REG_SZ}
    (call,) = client.calls
    assert call == (reg.STDREGPROV_URI, "EnumValues", {"hDefKey": reg.HKLM, "sSubKeyName": KEY})
    assert reg.HKLM == 2147483650


def test_enum_values_empty_key_and_absent_key() -> None:
    r, _sent = registry({"ReturnValue": "0"}, {"ReturnValue": "2"})
    assert r.enum_values(KEY) == {}
    assert r.enum_values(KEY) is None


def test_enum_keys() -> None:
    r, client = registry({"ReturnValue": "0", "sNames": ["AllowFreshCredentials", "Other"]}, {"ReturnValue": "2"})
    assert r.enum_keys(KEY) == ["AllowFreshCredentials", "Other"]
    assert r.enum_keys(KEY + "\\Nope") is None
    assert client.calls[0][1] == "EnumKey"


def test_get_dword() -> None:
    r, client = registry({"ReturnValue": "0", "uValue": "4294967295"}, {"ReturnValue": "0", "uValue": "1"},
                         {"ReturnValue": "2"}, {"ReturnValue": "0", "uValue": ""})
    assert r.get_dword(KEY, "AllowFreshCredentials") == 4294967295
    assert r.get_dword(KEY, "AllowFreshCredentials") == 1
    assert r.get_dword(KEY, "Missing") is None
    assert r.get_dword(KEY, "Nil") is None
    assert client.calls[0] == (reg.STDREGPROV_URI, "GetDWORDValue",
                               {"hDefKey": reg.HKLM, "sSubKeyName": KEY, "sValueName": "AllowFreshCredentials"})


def test_get_string() -> None:
    r, client = registry({"ReturnValue": "0", "sValue": "wsman/*.lab.test"}, {"ReturnValue": "2"},
                         {"ReturnValue": "0"})
    assert r.get_string(KEY + "\\AllowFreshCredentials", "1") == "wsman/*.lab.test"
    assert r.get_string(KEY + "\\AllowFreshCredentials", "9") is None
    assert r.get_string(KEY + "\\AllowFreshCredentials", "2") == ""
    assert client.calls[0][1] == "GetStringValue"


def test_get_binary() -> None:
    r, client = registry({"ReturnValue": "0", "uValue": ["48", "130", "0", "255"]}, {"ReturnValue": "2"},
                         {"ReturnValue": "0"})
    assert r.get_binary(KEY, "Blob") == bytes([48, 130, 0, 255])
    assert r.get_binary(KEY, "Missing") is None
    assert r.get_binary(KEY, "Empty") == b""  # an empty array is xsi:nil: no elements at all
    assert client.calls[0] == (reg.STDREGPROV_URI, "GetBinaryValue",
                               {"hDefKey": reg.HKLM, "sSubKeyName": KEY, "sValueName": "Blob"})


@pytest.mark.parametrize("byte", ["256", "-1", "x", "1.5"])
def test_get_binary_refuses_what_is_not_a_byte(byte: str) -> None:
    r, _client = registry({"ReturnValue": "0", "uValue": ["1", byte]})
    with pytest.raises(ProtocolError, match="returned a value that is not bytes"):
        r.get_binary(KEY, "Blob")


def test_access_denied_is_registry_error() -> None:
    r, _sent = registry({"ReturnValue": "5"})
    with pytest.raises(reg.RegistryError) as info:
        r.enum_values(KEY)
    assert "HKLM\\%s: access denied" % KEY in str(info.value)
    assert info.value.operation == "Invoke StdRegProv.EnumValues"
    assert info.value.target == ENDPOINT


@pytest.mark.parametrize(("code", "text"), [("87", "Win32 error 87"), ("-2147217405", "Win32 error -2147217405")])
def test_other_return_values(code: str, text: str) -> None:
    r, _sent = registry({"ReturnValue": code})
    with pytest.raises(reg.RegistryError, match=text):
        r.get_dword(KEY, "X")


@pytest.mark.parametrize("outputs", [{}, {"ReturnValue": ""}, {"ReturnValue": "zero"}])
def test_missing_return_value_is_protocol_error(outputs: Outputs) -> None:
    r, _sent = registry(outputs)
    with pytest.raises(ProtocolError, match="no numeric ReturnValue"):
        r.enum_keys(KEY)


@pytest.mark.parametrize(
    ("call", "method", "extra"),
    [
        (lambda r: r.create_key(KEY), "CreateKey", {}),
        (lambda r: r.set_string(KEY + "\\L", "1", "wsman/a"), "SetStringValue", {"sValueName": "1",
                                                                                 "sValue": "wsman/a"}),
        (lambda r: r.set_dword(KEY, "AllowFreshCredentials", 1), "SetDWORDValue",
         {"sValueName": "AllowFreshCredentials", "uValue": 1}),
        (lambda r: r.delete_value(KEY, "X"), "DeleteValue", {"sValueName": "X"}),
        (lambda r: r.delete_key(KEY), "DeleteKey", {}),
    ],
)
def test_write_methods(call: Any, method: str, extra: dict[str, Any]) -> None:
    r, client = registry({"ReturnValue": "0"})
    assert call(r) is None
    uri, called, params = client.calls[0]
    assert (uri, called) == (reg.STDREGPROV_URI, method)
    assert params == {"hDefKey": reg.HKLM, "sSubKeyName": params["sSubKeyName"], **extra}


def test_delete_of_absent_value_is_not_an_error() -> None:
    r, _sent = registry({"ReturnValue": "2"}, {"ReturnValue": "2"})
    assert r.delete_value(KEY, "gone") is None  # type: ignore[func-returns-value]
    assert r.delete_key(KEY) is None  # type: ignore[func-returns-value]


def test_write_access_denied() -> None:
    r, _sent = registry({"ReturnValue": "5"})
    with pytest.raises(reg.RegistryError, match="access denied"):
        r.set_dword(KEY, "AllowFreshCredentials", 1)


def test_through_wsman_client_wire_shape() -> None:
    def answer(request: Sent) -> str:
        return ('<p:GetDWORDValue_OUTPUT xmlns:p="%s"><p:uValue>1</p:uValue><p:ReturnValue>0</p:ReturnValue>'
                "</p:GetDWORDValue_OUTPUT>" % reg.STDREGPROV_URI)

    sender = FakeSender(responder=answer)
    r = reg.Registry(WSManClient(sender, ENDPOINT))
    assert r.get_dword(KEY, "AllowFreshCredentials") == 1
    sent = sender.sent[0]
    assert sent.action == reg.STDREGPROV_URI + "/GetDWORDValue"
    body = sent.body
    assert body is not None
    assert body.tag == "{%s}GetDWORDValue_INPUT" % reg.STDREGPROV_URI
    assert [(c.tag.split("}")[1], c.text) for c in body] == [
        ("hDefKey", "2147483650"), ("sSubKeyName", KEY), ("sValueName", "AllowFreshCredentials"),
    ]


@pytest.mark.parametrize("method", ["set_dword", "set_string"])
def test_a_write_to_a_missing_key_is_an_error_not_a_no_op(method: str) -> None:
    r, _client = registry({"ReturnValue": "2"})
    with pytest.raises(reg.RegistryError, match="the key does not exist"):
        getattr(r, method)(KEY, "AllowProtectedCreds", 1 if method == "set_dword" else "x")
    r, _client = registry({"ReturnValue": "0"})
    getattr(r, method)(KEY, "AllowProtectedCreds", 1 if method == "set_dword" else "x")
