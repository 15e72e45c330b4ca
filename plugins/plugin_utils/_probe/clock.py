# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Clock skew: the KDC's clock (from a KRB-ERROR) and the host's (from its HTTP Date header).

For internal collection use only; this is not a public API.

Kerberos refuses more than 5 minutes of skew (MIT ``clockskew`` and Windows' "Maximum
tolerance for computer clock synchronization" both default to 300 s): the KDC checks the
pre-authentication timestamp, the host the authenticator. A KDC answers an AS-REQ without
pre-authentication with KRB-ERROR (usually KDC_ERR_PREAUTH_REQUIRED), and every KRB-ERROR
carries the KDC's ``stime`` (RFC 4120 5.9.1) - so one unauthenticated UDP packet measures the
skew without a password and without a failed logon being counted. The DER here is the few
fields RFC 4120 requires, written and read by hand.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import time
from calendar import timegm
from dataclasses import dataclass

from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.step import Step, ok, problem, skip

MAX_SKEW = 300  # seconds; the Kerberos default on both MIT and Windows
KDC_PORT = 88


def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _len(len(content)) + content


def _int(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def _ctx(n: int, content: bytes) -> bytes:
    return _tlv(0xA0 + n, content)


def _principal(name_type: int, *parts: str) -> bytes:
    strings = b"".join(_tlv(0x1B, p.encode("utf-8")) for p in parts)
    return _tlv(0x30, _ctx(0, _int(name_type)) + _ctx(1, _tlv(0x30, strings)))


def as_req(user: str, realm: str, nonce: int) -> bytes:
    """An AS-REQ for ``user@realm`` to ``krbtgt/realm`` without pre-authentication data."""
    body = b"".join((
        _ctx(0, _tlv(0x03, b"\x00\x40\x81\x00\x10")),  # forwardable, renewable, canonicalize, renewable-ok
        _ctx(1, _principal(1, user)),  # NT-PRINCIPAL
        _ctx(2, _tlv(0x1B, realm.encode("utf-8"))),
        _ctx(3, _principal(2, "krbtgt", realm)),  # NT-SRV-INST
        _ctx(5, _tlv(0x18, b"20370913024805Z")),  # till: MIT's own "no end" value
        _ctx(7, _int(nonce)),
        _ctx(8, _tlv(0x30, b"".join(_int(e) for e in (18, 17, 23)))),
    ))
    req = _tlv(0x30, _ctx(1, _int(5)) + _ctx(2, _int(10)) + _ctx(4, _tlv(0x30, body)))
    return _tlv(0x6A, req)  # [APPLICATION 10]


def _read(data: bytes, pos: int) -> tuple[int, bytes, int]:
    """(tag, content, next position) of the DER element at ``pos``; ValueError when truncated."""
    if pos + 2 > len(data):
        raise ValueError("truncated DER")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    else:
        length = first
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, data[pos:pos + length], pos + length


def parse_krb_error(data: bytes) -> tuple[float, int]:
    """``(KDC time as a Unix timestamp, error-code)`` from a KRB-ERROR.

    Raises:
        ValueError: not a KRB-ERROR (an AS-REP: the account needs no pre-authentication), or malformed.
    """
    tag, content, _end = _read(data, 0)
    if tag != 0x7E:  # [APPLICATION 30]
        raise ValueError("not a KRB-ERROR (tag 0x%02x)" % tag)
    tag, seq, _end = _read(content, 0)
    if tag != 0x30:
        raise ValueError("KRB-ERROR is not a SEQUENCE")
    fields: dict[int, bytes] = {}
    pos = 0
    while pos < len(seq):
        tag, inner, pos = _read(seq, pos)
        fields[tag - 0xA0] = inner
    if 4 not in fields or 6 not in fields:
        raise ValueError("KRB-ERROR without stime/error-code")
    stime = _read(fields[4], 0)[1]
    code = _read(fields[6], 0)[1]
    usec = 0
    if 5 in fields:
        raw = _read(fields[5], 0)[1]
        usec = int.from_bytes(raw, "big", signed=True)
    when = time.strptime(stime.decode("ascii"), "%Y%m%d%H%M%SZ")
    return timegm(when) + usec / 1e6, int.from_bytes(code, "big", signed=True)


def config_text() -> str:
    """The krb5.conf text the Kerberos library reads (``KRB5_CONFIG``'s files, else /etc/krb5.conf)."""
    paths = (os.environ.get("KRB5_CONFIG") or "/etc/krb5.conf").split(":")
    chunks = []
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                chunks.append(f.read(256 * 1024))
        except OSError:
            continue
    return "\n".join(chunks)


def default_realm(config: str) -> str:
    """``default_realm`` of a krb5.conf text ('' when none)."""
    m = re.search(r"^\s*default_realm\s*=\s*(\S+)", config, re.MULTILINE)
    return m.group(1) if m else ""


def realm_and_user(username: str | None, config: str) -> tuple[str, str]:
    """The realm (upper case, from ``user@realm`` else krb5.conf's default) and the bare user name to ask for.

    ``DOMAIN\\user`` keeps only ``user``; no user at all asks for ``winrm-probe`` (any name gets the KDC's time).
    """
    name = username or ""
    realm = name.rsplit("@", 1)[1].upper() if "@" in name else default_realm(config)
    user = name.rsplit("@", 1)[0].rsplit("\\", 1)[-1] or "winrm-probe"
    return realm, user


def configured_kdcs(config: str, realm: str) -> list[tuple[str, int]]:
    """``kdc =`` entries of ``realm``'s block in a krb5.conf text."""
    block = re.search(r"^\s*%s\s*=\s*\{(.*?)\}" % re.escape(realm), config, re.MULTILINE | re.DOTALL)
    found = []
    for value in re.findall(r"^\s*kdc\s*=\s*(\S+)", block.group(1) if block else "", re.MULTILINE):
        host, port = value.rsplit(":", 1) if value.count(":") == 1 else (value, "")
        found.append((host, int(port) if port.isdigit() else KDC_PORT))
    return found


def srv_kdcs(realm: str) -> list[tuple[str, int]]:
    """``_kerberos._udp`` / ``_kerberos._tcp`` SRV targets of the realm (what dns_lookup_kdc does)."""
    try:
        import dns.exception
        import dns.resolver
    except ImportError:  # pragma: no cover
        return []
    resolver = dns.resolver.Resolver()
    resolver.lifetime = 3.0
    for proto in ("udp", "tcp"):
        try:
            answer = resolver.resolve("_kerberos._%s.%s" % (proto, realm.lower()), "SRV")
        except dns.exception.DNSException:
            continue
        return [(r.target.to_text().rstrip("."), int(r.port)) for r in sorted(answer, key=lambda r: r.priority)]
    return []


@dataclass
class KdcClock:
    """The KDC asked, its clock's skew against ours (seconds, + = KDC ahead), and the error code."""

    kdc: str
    skew: float | None
    error_code: int | None = None
    error: str = ""


def ask_kdc(realm: str, user: str, timeout: float = 3.0) -> KdcClock:
    """Send one AS-REQ without pre-authentication to the realm's first KDC that answers (never raises)."""
    config = config_text()
    kdcs = configured_kdcs(config, realm) or srv_kdcs(realm)
    if not kdcs:
        return KdcClock("", None, error="no KDC found for %s (krb5.conf [realms] or _kerberos SRV records)" % realm)
    errors = []
    for host, port in kdcs[:3]:
        packet = as_req(user, realm, secrets.randbelow(2**31))
        try:
            with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(timeout)
                sock.sendto(packet, (host, port))
                sent = time.time()
                data = sock.recv(65535)
                received = time.time()
        except OSError as e:
            errors.append("%s:%d: %s" % (host, port, e))
            continue
        try:
            kdc_time, code = parse_krb_error(data)
        except ValueError as e:
            return KdcClock("%s:%d" % (host, port), None, error=str(e))
        # The KDC stamped stime between send and receive: compare with the midpoint.
        return KdcClock("%s:%d" % (host, port), round(kdc_time - (sent + received) / 2, 1), code)
    return KdcClock(kdcs[0][0], None, error="; ".join(errors))


def judge(kdc: KdcClock | None, host_skew: float | None, uses_kerberos: bool) -> Step:
    """``fail`` with ``clock-skew`` when a measured skew exceeds 5 minutes and Kerberos is used.

    Args:
        kdc: the KDC measurement (None when Kerberos is not configured).
        host_skew: the host's HTTP Date minus our clock (1 s resolution), None when unknown.
        uses_kerberos: Kerberos is among the configured transports.
    """
    evidence: dict[str, object] = {"max_skew_s": MAX_SKEW, "host_skew_s": host_skew}
    if kdc is not None:
        evidence.update(kdc=kdc.kdc, kdc_skew_s=kdc.skew, kdc_error_code=kdc.error_code)
        if kdc.error:
            evidence["kdc_error"] = kdc.error
    measured = {k: v for k, v in (("KDC", kdc.skew if kdc else None), ("host", host_skew)) if v is not None}
    if not measured:
        return skip("clock", "no clock could be read", **evidence)
    worst_name, worst = max(measured.items(), key=lambda kv: abs(kv[1]))
    text = ", ".join("%s %+.0f s" % (k, v) for k, v in measured.items())
    if abs(worst) > MAX_SKEW and uses_kerberos:
        return problem("clock", "clock-skew", "the %s's clock is %+.0f s off this controller's (limit %d s)" % (
            worst_name, worst, MAX_SKEW), evidence=evidence)
    return ok("clock", "skew against this controller: %s" % text, **evidence)
