# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The LDAP ModifyRequest / ModifyResponse (RFC 4511 4.6), which sansldap 0.1.0 does not have.

For internal collection use only; this is not a public API.

sansldap builds and parses messages through one table (``PROTOCOL_PACKER``, protocolOp tag →
unpacker) and one send path (``LDAPClient._send``, which numbers the message and tracks it as
outstanding, as every one of its own request methods does). This module adds the two messages
to that machinery: the ModifyRequest ``[APPLICATION 6]`` is an ``LDAPMessage`` subclass packed
with sansldap's own ASN.1 writer, and the ModifyResponse ``[APPLICATION 7]`` unpacker is
registered with ``setdefault``, so a sansldap release that brings its own wins.

One ModifyRequest is applied atomically by the DC: "the entire list of modifications MUST be
performed in the order they are listed as a single atomic operation" (RFC 4511 4.6).
"""

from __future__ import annotations

import dataclasses
from typing import Any

try:
    import sansldap
    from sansldap import _messages as _sansldap_messages
    from sansldap.asn1 import ASN1Reader, ASN1Writer

    HAS_SANSLDAP = True
except ImportError:  # pragma: no cover - reported by ldap.ADConnection
    HAS_SANSLDAP = False

# RFC 4511 4.6 ModifyRequest.changes.operation
OPERATIONS = {"add": 0, "delete": 1, "replace": 2}
MODIFY_REQUEST_TAG = 6
MODIFY_RESPONSE_TAG = 7


@dataclasses.dataclass(frozen=True)
class Modification:
    """One change of a ModifyRequest: ``add`` / ``delete`` / ``replace`` values of one attribute."""

    operation: str
    attribute: str
    values: tuple[str, ...]


if HAS_SANSLDAP:

    @dataclasses.dataclass(frozen=True)
    class ModifyRequest(sansldap.LDAPMessage, _sansldap_messages.Request):  # type: ignore[misc]
        """``ModifyRequest ::= [APPLICATION 6] SEQUENCE { object LDAPDN, changes SEQUENCE OF change … }``."""

        tag_number = MODIFY_REQUEST_TAG
        dn: str
        changes: tuple[Modification, ...]

        def _pack_inner(self, writer: ASN1Writer, options: Any) -> None:
            encoding = options.string_encoding
            writer.write_octet_string(self.dn.encode(encoding))
            with writer.push_sequence() as changes:
                for change in self.changes:
                    with changes.push_sequence() as item:
                        item.write_enumerated(OPERATIONS[change.operation])
                        with item.push_sequence() as attribute:
                            attribute.write_octet_string(change.attribute.encode(encoding))
                            with attribute.push_set_of() as values:
                                for value in change.values:
                                    values.write_octet_string(value.encode(encoding))

    @dataclasses.dataclass(frozen=True)
    class ModifyResponse(sansldap.LDAPMessage, _sansldap_messages.Response):  # type: ignore[misc]
        """``ModifyResponse ::= [APPLICATION 7] LDAPResult``."""

        tag_number = MODIFY_RESPONSE_TAG
        result: Any

    def _unpack_modify_response(reader: ASN1Reader, options: Any, message_id: int, controls: list[Any]) -> Any:
        result = _sansldap_messages._unpack_ldap_result(reader, options)
        return ModifyResponse(message_id=message_id, controls=controls, result=result)

    _sansldap_messages.PROTOCOL_PACKER.setdefault(MODIFY_RESPONSE_TAG, _unpack_modify_response)


def send_modify(protocol: Any, dn: str, changes: list[Modification]) -> int:
    """Queue a ModifyRequest on a sansldap client session; returns its message id.

    Raises:
        ValueError: an operation other than add, delete or replace.
    """
    for change in changes:
        if change.operation not in OPERATIONS:
            raise ValueError("unknown modify operation %r" % change.operation)
    message = ModifyRequest(message_id=0, controls=[], dn=dn, changes=tuple(changes))
    return int(protocol._send(message))
