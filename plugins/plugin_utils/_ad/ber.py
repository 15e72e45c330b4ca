# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fast path for the one LDAP message that comes by the thousand: SearchResultEntry.

For internal collection use only; this is not a public API.

sansldap's general ASN.1 reader costs about 20 Python calls per TLV; an inventory of 10,000
computers is some 200,000 TLVs (cProfile of the AD benchmark: sansldap's unpack was the
largest cost of the LDAP part). This module frames the byte stream into whole LDAPMessages
(RFC 4511 4.1.1, BER definite lengths) and decodes a plain SearchResultEntry (RFC 4511 4.5.2,
``[APPLICATION 4]``) with slices; anything else - other operations, controls, an unexpected
tag - is left to sansldap, so the slow path stays the reference. Network input is untrusted:
every length is checked against the buffer and a limit before use.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.errors import ADSearchError

try:
    import sansldap
except ImportError:  # ldap.py reports the missing library
    HAS_SANSLDAP = False
else:
    HAS_SANSLDAP = True

SEQUENCE, SET, OCTET_STRING, INTEGER = 0x30, 0x31, 0x04, 0x02
SEARCH_RESULT_ENTRY = 0x64  # [APPLICATION 4], constructed


class FrameError(ADSearchError):
    """The stream is not BER an LDAP server would send (or a message exceeds the limit)."""


def _length(data: bytes | bytearray, at: int, end: int) -> tuple[int, int]:
    """(value length, offset of the value) of the TLV whose length octets start at ``at``."""
    if at >= end:
        raise IndexError(at)
    first = data[at]
    if first < 0x80:
        return first, at + 1
    count = first & 0x7F
    if count == 0 or count > 4:  # indefinite form, or a length no LDAP message has
        raise FrameError("unsupported BER length form 0x%02x" % first)
    if at + 1 + count > end:
        raise IndexError(at)
    return int.from_bytes(data[at + 1:at + 1 + count], "big"), at + 1 + count


def split(buffer: bytes | bytearray, limit: int) -> tuple[list[bytes], int]:
    """The complete LDAPMessages at the start of ``buffer``, and how many bytes they take.

    Args:
        buffer: received bytes (plain LDAP, after any SASL unwrap).
        limit: the largest message accepted.

    Returns:
        (whole messages in order, bytes consumed); an incomplete tail is left for the next read.

    Raises:
        FrameError: not an LDAPMessage SEQUENCE, an unsupported length, or a message over ``limit``.
    """
    messages: list[bytes] = []
    at, end = 0, len(buffer)
    while at < end:
        if buffer[at] != SEQUENCE:
            raise FrameError("an LDAP message starts with 0x30, not 0x%02x" % buffer[at])
        try:
            size, value = _length(buffer, at + 1, end)
        except IndexError:
            break
        if size > limit:
            raise FrameError("the DC sent an LDAP message over %d bytes" % limit)
        if value + size > end:
            break
        messages.append(bytes(buffer[at:value + size]))
        at = value + size
    return messages, at


def _tlv(data: bytes, at: int, end: int, tag: int) -> tuple[int, int]:
    """(value start, value end) of the TLV at ``at`` that must have ``tag``; IndexError/ValueError if not."""
    if at >= end or data[at] != tag:
        raise ValueError(tag)
    size, value = _length(data, at + 1, end)
    if value + size > end:
        raise IndexError(at)
    return value, value + size


def search_entry(message: bytes) -> Any | None:
    """A sansldap ``SearchResultEntry`` for a plain entry message; None for anything else.

    None (sansldap decodes it then) for other operations, for messages with controls, and for
    anything malformed: the slow path raises the error the caller already handles.
    """
    if not HAS_SANSLDAP:
        return None
    try:
        start, end = _tlv(message, 0, len(message), SEQUENCE)
        id_start, id_end = _tlv(message, start, end, INTEGER)
        if id_end - id_start > 4 or message[id_start] & 0x80:
            return None
        message_id = int.from_bytes(message[id_start:id_end], "big")
        op_start, op_end = _tlv(message, id_end, end, SEARCH_RESULT_ENTRY)
        if op_end != end:
            return None  # controls follow
        name_start, name_end = _tlv(message, op_start, op_end, OCTET_STRING)
        attrs_start, attrs_end = _tlv(message, name_end, op_end, SEQUENCE)
        attributes = []
        at = attrs_start
        while at < attrs_end:
            part_start, part_end = _tlv(message, at, attrs_end, SEQUENCE)
            type_start, type_end = _tlv(message, part_start, part_end, OCTET_STRING)
            vals_start, vals_end = _tlv(message, type_end, part_end, SET)
            values = []
            v = vals_start
            while v < vals_end:
                value_start, value_end = _tlv(message, v, vals_end, OCTET_STRING)
                values.append(message[value_start:value_end])
                v = value_end
            if vals_end != part_end:
                return None
            attributes.append(sansldap.PartialAttribute(message[type_start:type_end].decode("utf-8"), values))
            at = part_end
        if attrs_end != op_end:
            return None
        return sansldap.SearchResultEntry(message_id, [], message[name_start:name_end].decode("utf-8"), attributes)
    except (ValueError, IndexError, FrameError, UnicodeDecodeError):
        return None
