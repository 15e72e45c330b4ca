# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The LDAP ModifyRequest / ModifyResponse added to sansldap, and ADConnection.modify's error texts."""

from __future__ import annotations

from typing import Any

import pytest
import sansldap

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.errors import ADSearchError, ADWriteError
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.ldap import ADConnection
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.ldapwrite import Modification, send_modify
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.settings import build_ad_settings


def _tlv(tag: int, body: bytes) -> bytes:
    assert len(body) < 128
    return bytes([tag, len(body)]) + body


def test_modify_request_is_rfc_4511_ber() -> None:
    client = sansldap.LDAPClient()
    message_id = send_modify(client, "CN=a", [Modification("add", "servicePrincipalName", ("HTTP/x",)),
                                              Modification("delete", "servicePrincipalName", ("HTTP/y",))])
    change_add = _tlv(0x30, _tlv(0x0A, b"\x00") + _tlv(0x30, _tlv(0x04, b"servicePrincipalName")
                                                       + _tlv(0x31, _tlv(0x04, b"HTTP/x"))))
    change_del = _tlv(0x30, _tlv(0x0A, b"\x01") + _tlv(0x30, _tlv(0x04, b"servicePrincipalName")
                                                       + _tlv(0x31, _tlv(0x04, b"HTTP/y"))))
    op = _tlv(0x66, _tlv(0x04, b"CN=a") + _tlv(0x30, change_add + change_del))  # [APPLICATION 6] constructed
    assert client.data_to_send() == _tlv(0x30, _tlv(0x02, bytes([message_id])) + op)
    with pytest.raises(ValueError, match="unknown modify operation"):
        send_modify(client, "CN=a", [Modification("increment", "x", ("1",))])


def test_modify_response_is_parsed() -> None:
    client = sansldap.LDAPClient()
    message_id = send_modify(client, "CN=a", [Modification("replace", "description", ("d",))])
    client.data_to_send()
    result = _tlv(0x0A, b"\x32") + _tlv(0x04, b"") + _tlv(0x04, b"00002098: no rights")
    (reply,) = client.receive(_tlv(0x30, _tlv(0x02, bytes([message_id])) + _tlv(0x67, result)))
    assert reply.message_id == message_id
    assert int(reply.result.result_code.value) == 50 and reply.result.diagnostics_message == "00002098: no rights"


class FakeWire:
    def __init__(self, code: int | None, message: str = "") -> None:
        self.protocol = sansldap.LDAPClient()
        self.code, self.message = code, message

    def send(self) -> None:
        self.protocol.data_to_send()

    def one(self, message_id: int) -> Any:
        if self.code is None:
            raise ConnectionError("the DC closed the connection")
        result = _tlv(0x0A, bytes([self.code])) + _tlv(0x04, b"") + _tlv(0x04, self.message.encode())
        return self.protocol.receive(_tlv(0x30, _tlv(0x02, bytes([message_id])) + _tlv(0x67, result)))[0]


def _connection(wire: FakeWire) -> ADConnection:
    ad = ADConnection(build_ad_settings(server="dc1.lab.test", username="alice@LAB.TEST", password="pw"))
    ad._conn = wire  # type: ignore[assignment]
    return ad


def test_modify_success_and_refusals() -> None:
    change = [Modification("add", "servicePrincipalName", ("HTTP/x",))]
    _connection(FakeWire(0)).modify("CN=a", change)
    with pytest.raises(ADWriteError, match=r"insufficientAccessRights 00002098.*\(alice@LAB.TEST\) lacks"):
        _connection(FakeWire(50, "00002098: no rights")).modify("CN=a", change)
    with pytest.raises(ADWriteError, match="refused to modify CN=a: constraintViolation"):
        _connection(FakeWire(19)).modify("CN=a", change)
    with pytest.raises(ADSearchError, match="broke before it answered.*read the object again"):
        _connection(FakeWire(None)).modify("CN=a", change)
