# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ber.py's fast path decodes what sansldap packs exactly as sansldap decodes it, and steps aside otherwise."""

from __future__ import annotations

from typing import Any

import pytest
import sansldap

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad import ber


def server_bytes(entries: list[tuple[str, list[Any]]], controls: bool = False) -> tuple[bytes, int]:
    """What a DC sends for one search: the entries and the done message, as sansldap packs them."""
    client, server = sansldap.LDAPClient(), sansldap.LDAPServer()
    message_id = client.search_request(base_object="DC=lab,DC=test", filter=sansldap.FilterPresent("objectClass"))
    server.receive(client.data_to_send())
    for dn, attributes in entries:
        server.search_result_entry(message_id, dn, attributes,
                                   controls=[sansldap.LDAPControl("1.2.3.4", False, None)] if controls else None)
    server.search_result_done(message_id)
    return server.data_to_send(), message_id


ENTRIES = [
    ("CN=WIN01,CN=Computers,DC=lab,DC=test", [
        sansldap.PartialAttribute("sAMAccountName", [b"WIN01$"]),
        sansldap.PartialAttribute("servicePrincipalName", [b"HOST/win01.lab.test", b"HOST/WIN01"]),
        sansldap.PartialAttribute("objectSid", [bytes(range(256)) * 2]),  # a long (0x82 length) binary value
        sansldap.PartialAttribute("description", []),
    ]),
    ("CN=Ünïcode,DC=lab,DC=test", []),
]


def reference(data: bytes) -> list[Any]:
    client = sansldap.LDAPClient()
    client.search_request(base_object="DC=lab,DC=test", filter=sansldap.FilterPresent("objectClass"))
    client.data_to_send()
    return list(client.receive(data))


def test_fast_path_equals_sansldap() -> None:
    data, _message_id = server_bytes(ENTRIES)
    messages, used = ber.split(data, 1 << 20)
    assert used == len(data) and len(messages) == 3
    fast = [ber.search_entry(m) for m in messages]
    assert fast[2] is None  # SearchResultDone: not the fast path's business
    assert fast[:2] == reference(data)[:2]


def test_entries_with_controls_are_left_to_sansldap() -> None:
    data, _message_id = server_bytes(ENTRIES[:1], controls=True)
    messages, _used = ber.split(data, 1 << 20)
    assert ber.search_entry(messages[0]) is None


@pytest.mark.parametrize("cut", [1, 2, 5, 40, -1])
def test_split_keeps_an_incomplete_tail(cut: int) -> None:
    data, _message_id = server_bytes(ENTRIES[:1])
    first = ber.split(data, 1 << 20)[0][0]
    messages, used = ber.split(first[:cut], 1 << 20)
    assert (messages, used) == ([], 0)


def test_split_refuses_junk_and_huge_messages() -> None:
    with pytest.raises(ber.FrameError, match="starts with 0x30"):
        ber.split(b"\x04\x00", 100)
    with pytest.raises(ber.FrameError, match="over 100 bytes"):
        ber.split(b"\x30\x82\x10\x00", 100)
    with pytest.raises(ber.FrameError, match="length form"):
        ber.split(b"\x30\x80\x00\x00", 100)


@pytest.mark.parametrize("message", [
    b"\x30\x03\x02\x01\x01",  # no protocolOp
    b"\x30\x05\x02\x01\x01\x64\x00",  # entry without a name
    b"\x30\x09\x02\x01\x01\x64\x04\x04\x00\x30\x05",  # attributes longer than the entry
    b"\x30\x06\x02\x01\xff\x64\x01\x00",  # negative message id
])
def test_malformed_entries_are_left_to_sansldap(message: bytes) -> None:
    assert ber.search_entry(message) is None
