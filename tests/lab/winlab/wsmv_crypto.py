"""WinRM HTTP message encryption (MS-WSMV 2.2.9.1).

Body layout, per encrypted part::

    --Encrypted Boundary\\r\\n
    \\tContent-Type: application/HTTP-SPNEGO-session-encrypted\\r\\n
    \\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=<plaintext length>\\r\\n
    --Encrypted Boundary\\r\\n
    \\tContent-Type: application/octet-stream\\r\\n
    <4-byte little-endian length><signature or TLS trailer><sealed data>
    --Encrypted Boundary--\\r\\n   (after the last part)

CredSSP uses its own protocol string and, above 16 KiB, multipart/x-multi-encrypted
with one part per 16384-byte chunk of plaintext.
"""

from __future__ import annotations

import re
import struct
from typing import Any

SPNEGO = "application/HTTP-SPNEGO-session-encrypted"
KERBEROS = "application/HTTP-Kerberos-session-encrypted"  # sessions set up with the Kerberos scheme
CREDSSP = "application/HTTP-CredSSP-session-encrypted"
BOUNDARY = b"--Encrypted Boundary"
CHUNK = 16384
_OCTET = b"\tContent-Type: application/octet-stream\r\n"
_LENGTH = re.compile(rb"Length=(\d+)")
_PROTOCOL = re.compile(r'protocol="([^"]+)"')


class CryptoError(ValueError):
    """A body that cannot be decrypted with this connection's context."""


def is_encrypted(content_type: str) -> bool:
    ct = content_type.lower()
    return ct.startswith("multipart/encrypted") or ct.startswith("multipart/x-multi-encrypted")


def expected_protocol(auth_protocol: str, scheme: str | None = None) -> str:
    """The protocol string of a session: by HTTP auth scheme (Kerberos, CredSSP), else SPNEGO."""
    if auth_protocol == "credssp":
        return CREDSSP
    return KERBEROS if scheme == "kerberos" else SPNEGO


def decrypt(body: bytes, content_type: str, ctx: Any, auth_protocol: str, scheme: str | None = None) -> bytes:
    match = _PROTOCOL.search(content_type)
    if match is None or match.group(1).lower() != expected_protocol(auth_protocol, scheme).lower():
        raise CryptoError(f"unexpected encryption protocol in {content_type!r}")
    plain = []
    pos = 0
    head = BOUNDARY + b"\r\n"
    while not body.startswith(BOUNDARY + b"--", pos):
        if not body.startswith(head, pos):
            raise CryptoError("missing MIME boundary")
        header_end = body.find(head, pos + len(head))
        if header_end < 0:
            raise CryptoError("truncated encrypted part")
        length_match = _LENGTH.search(body, pos, header_end)
        if length_match is None:
            raise CryptoError("no OriginalContent length")
        length = int(length_match.group(1))
        pos = header_end + len(head)
        if not body.startswith(_OCTET, pos):
            raise CryptoError("missing octet-stream part")
        pos += len(_OCTET)
        (sig_len,) = struct.unpack("<I", body[pos:pos + 4])
        pos += 4
        if auth_protocol == "ntlm":
            # RC4 sealing keeps the length, so the part ends exactly here (no boundary search
            # that ciphertext bytes could confuse).
            end = pos + sig_len + length
        else:
            end = body.find(BOUNDARY, pos + sig_len)
            if end < 0:
                raise CryptoError("unterminated encrypted part")
        try:
            if auth_protocol == "credssp":
                data = ctx.unwrap(body[pos:end]).data  # the length field is the TLS trailer size
            else:
                data = ctx.unwrap_winrm(body[pos:pos + sig_len], body[pos + sig_len:end])
        except Exception as e:  # acceptor boundary: a bad signature is a client error
            raise CryptoError(f"cannot unwrap: {e}") from e
        if len(data) != length:
            raise CryptoError("decrypted length does not match OriginalContent")
        plain.append(data)
        pos = end
    return b"".join(plain)


def encrypt(reply: bytes, ctx: Any, auth_protocol: str, scheme: str | None = None) -> tuple[bytes, str]:
    """Seal a reply; returns (body, Content-Type)."""
    protocol = expected_protocol(auth_protocol, scheme)
    multi = auth_protocol == "credssp" and len(reply) > CHUNK
    chunks = [reply[i:i + CHUNK] for i in range(0, len(reply), CHUNK)] if multi else [reply]
    parts = []
    for chunk in chunks:
        wrapped = ctx.wrap_winrm(chunk)
        parts.append(
            BOUNDARY + b"\r\n"
            + b"\tContent-Type: " + protocol.encode() + b"\r\n"
            + b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length="
            + str(len(chunk)).encode() + b"\r\n"
            + BOUNDARY + b"\r\n" + _OCTET
            + struct.pack("<I", len(wrapped.header)) + wrapped.header + wrapped.data
        )
    kind = "multipart/x-multi-encrypted" if multi else "multipart/encrypted"
    content_type = f'{kind};protocol="{protocol}";boundary="Encrypted Boundary"'
    return b"".join(parts) + BOUNDARY + b"--\r\n", content_type
