# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Layers 3 and 4, before any authentication: the unauthenticated Identify and the 401 challenge.

For internal collection use only; this is not a public API.

Windows answers an Identify sent with ``WSMANIDENTIFY: unauthenticated`` without credentials
(``ProductVersion`` ``OS: 0.0.0 SP: 0.0 Stack: 3.0``, the OS hidden; recorded in
windows-recorded/identify-unauthenticated.response.xml), and an empty POST without
``Authorization`` with ``HTTP/1.1 401`` and one ``WWW-Authenticate`` header per enabled
scheme (``Negotiate``, ``Kerberos``, ``Basic realm="WSMAN"``, ``CredSSP``; recorded in
windows-recorded/http-401-*.headers.txt). Both go through plain ``http.client`` so the probe
sees the headers exactly and needs no credentials; certificate trust is the TLS step's job, so
this connection does not verify it.
"""

from __future__ import annotations

import email.utils
import http.client
import ssl
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.step import Step, ok, problem, skip
from ansible_collections.winauth.winrm.plugins.plugin_utils._text import shorten
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import UnsafeXMLError, local_name, parse

IDENTIFY = (
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    b'xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">'
    b"<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>"
)
SOAP = "application/soap+xml;charset=UTF-8"
MAX_BODY = 64 * 1024  # an Identify reply is < 1 KiB; never read more from an untrusted peer

# Which WWW-Authenticate scheme each pywinrm transport needs. NTLM and pywinrm's Kerberos both
# use the Negotiate scheme; Windows also offers Kerberos as its own scheme on domain members.
# Certificate authentication happens in TLS and has no 401 scheme.
SCHEMES_FOR = {"basic": ("basic",), "ntlm": ("negotiate",), "kerberos": ("negotiate", "kerberos"),
               "credssp": ("credssp",), "certificate": ()}
_NOT_OFFERED = {"basic": "basic-rejected", "ntlm": "ntlm-rejected", "kerberos": "kerberos-rejected",
                "credssp": "credssp-not-offered"}
_ENABLE = {"basic": "basic", "ntlm": "negotiate", "kerberos": "kerberos", "credssp": "credssp"}


@dataclass
class Reply:
    """One HTTP exchange: status, reason phrase, headers in order (name, value), body, timing."""

    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    ms: int = 0

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


def exchange(scheme: str, address: str, port: int, path: str, headers: dict[str, str], body: bytes,
             timeout: float, server_name: str | None = None) -> Reply:
    """POST ``body`` without credentials and return the reply.

    Raises:
        OSError: connection or TLS failure (ssl.SSLError is an OSError).
        http.client.HTTPException: not an HTTP reply.
    """
    start = time.monotonic()
    conn: http.client.HTTPConnection
    if scheme == "https":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # trust is judged by the TLS step, with the configured CA
        conn = http.client.HTTPSConnection(address, port, timeout=timeout, context=context)
    else:
        conn = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        conn.putrequest("POST", path, skip_host=True, skip_accept_encoding=True)
        name = server_name or address
        conn.putheader("Host", "%s:%d" % ("[%s]" % name if ":" in name else name, port))
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        data = response.read(MAX_BODY)
        return Reply(response.status, response.reason, list(response.getheaders()), data,
                     int((time.monotonic() - start) * 1000))
    finally:
        conn.close()


def identify_request() -> tuple[dict[str, str], bytes]:
    """Headers and body of an unauthenticated Identify, as Test-WSMan sends it."""
    return {"Content-Type": SOAP, "WSMANIDENTIFY": "unauthenticated"}, IDENTIFY


def parse_identify(body: bytes) -> dict[str, str]:
    """``{"vendor", "version", "protocol"}`` from an IdentifyResponse; {} when it is none.

    Untrusted input: parsed with the collection's safe XML parser, values shortened.
    """
    try:
        root = parse(body)
    except (UnsafeXMLError, ValueError):
        return {}
    found: dict[str, str] = {}
    names = {"ProductVendor": "vendor", "ProductVersion": "version", "ProtocolVersion": "protocol"}
    for elem in root.iter():
        key = names.get(local_name(elem.tag))
        if key and key not in found:
            found[key] = shorten((elem.text or "").strip(), 200)
    return found


def judge_identify(reply: Reply | None, error: str = "") -> Step:
    """``ok`` with the product version for a 200 IdentifyResponse, ``fail`` otherwise."""
    if reply is None:
        return problem("identify", "tls-protocol" if "SSL" in error or "TLS" in error else "not-wsman",
                       "no HTTP answer: %s" % error, error=error)
    evidence = {"status": reply.status, "ms": reply.ms, "server": ", ".join(reply.all("Server"))}
    facts = parse_identify(reply.body) if reply.status == 200 else {}
    if not facts.get("version"):
        return problem("identify", "not-wsman",
                       "the port answers HTTP %d but no WS-Management Identify reply" % reply.status,
                       evidence=evidence)
    evidence.update(facts)
    # "OS: 0.0.0 SP: 0.0 Stack: 3.0": Windows hides the OS to anonymous callers; the stack version shows.
    stack = facts["version"].rsplit("Stack:", 1)[-1].strip() if "Stack:" in facts["version"] else ""
    return ok("identify", "%s, WS-Management stack %s" % (facts.get("vendor", "?"), stack or "?"), **evidence)


def offered(reply: Reply) -> list[str]:
    """The scheme names of the 401's WWW-Authenticate headers, lower case, in order (``basic`` for
    ``Basic realm="WSMAN"``)."""
    names: list[str] = []
    for value in reply.all("WWW-Authenticate"):
        name = value.strip().split(" ", 1)[0].lower()
        if name and name not in names:
            names.append(name)
    return names


def host_clock_skew(reply: Reply, now: float) -> float | None:
    """Seconds the host's HTTP ``Date`` is ahead of ``now`` (None without a parsable Date)."""
    dates = reply.all("Date")
    if not dates:
        return None
    try:
        when = email.utils.parsedate_to_datetime(dates[0])
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return round(when.timestamp() - now, 1)


def judge_schemes(reply: Reply | None, transports: tuple[str, ...]) -> Step:
    """Compare the 401's schemes with the configured transports.

    ``ok`` when the first transport is offered, ``warn`` when only a later one is (the client
    falls through to it), ``fail`` when none is.
    """
    if reply is None:
        return skip("schemes", "no 401 challenge: the host did not answer")
    evidence = {"status": reply.status, "status_line": "HTTP/1.1 %d %s" % (reply.status, reply.reason),
                "www_authenticate": reply.all("WWW-Authenticate"), "offered": offered(reply),
                "transports": list(transports)}
    if reply.status != 401:
        return problem("schemes", "credentials-rejected",
                       "an unauthenticated POST got HTTP %d, not 401: not a WinRM listener?" % reply.status,
                       evidence=evidence)
    have = set(offered(reply))
    usable = [t for t in transports if t == "certificate" or have & set(SCHEMES_FOR.get(t, ()))]
    if usable and usable[0] == transports[0]:
        note = " (certificate auth is not shown in a 401)" if transports[0] == "certificate" else ""
        return ok("schemes", "offers %s; %s can be used%s" % (", ".join(offered(reply)), transports[0], note),
                  **evidence)
    first = transports[0]
    fix = ("enable it on the host (winauth.winrm.winrm_auth: {service: {%s: true}}) or set ansible_winrm_transport "
           "to one of: %s" % (_ENABLE.get(first, first), ", ".join(
               t for t, s in SCHEMES_FOR.items() if have & set(s)) or "none - the host offers nothing"))
    summary = "the host offers %s, not %s" % (", ".join(offered(reply)) or "no scheme", first)
    if usable:
        return problem("schemes", _NOT_OFFERED.get(first, "credentials-rejected"),
                       summary + "; the client falls through to %s" % usable[0], fix=fix, status="warn",
                       evidence=evidence)
    return problem("schemes", _NOT_OFFERED.get(first, "credentials-rejected"), summary, fix=fix, evidence=evidence)


def now_utc() -> float:
    """The controller's clock (a function so tests can fix it)."""
    return datetime.now(UTC).timestamp()
