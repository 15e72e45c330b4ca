# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WS-Management operations: Get, Put, Create, Delete, Enumerate/Pull, Invoke.

For internal collection use only; this is not a public API.

The only place that turns a reply into data or a typed fault; every resource model
goes through :class:`WSManClient`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Protocol

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import envelope as env
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ProtocolError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.faults import parse_fault
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import (
    NS,
    UnsafeXMLError,
    local_name,
    parse,
    q,
    text_of,
)

# Enumerations are asked to return everything in the first reply; a Pull loop
# still follows when the host sends a context (it may cap the batch).
MAX_ELEMENTS = 32000
MAX_PULLS = 1000
# The one bound on text that reaches results and facts: every value (element text,
# attribute) of every reply passes _check_values here, where replies become elements.
# The longest real values are TrustedHosts lists and SDDL strings (a few KB).
MAX_VALUE_CHARS = 32 * 1024
# All replies of one enumeration together (each reply is bounded by the transport).
MAX_ENUMERATION_BYTES = 8 * 1024 * 1024

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"


class Sender(Protocol):
    """What the client needs from a transport (see _transport.WSManTransport)."""

    round_trips: int

    def send(self, payload: bytes, operation: str) -> tuple[int, bytes]: ...


class WSManClient:
    """Typed WS-Man operations against one endpoint.

    Args:
        transport: sends envelopes (a :class:`~._transport.WSManTransport` or a test double).
        endpoint: the URL put in ``a:To`` and in error messages.
        operation_timeout: seconds for ``w:OperationTimeout``.
    """

    def __init__(self, transport: Sender, endpoint: str, operation_timeout: int = 20) -> None:
        self.transport = transport
        self.endpoint = endpoint
        self.operation_timeout = operation_timeout

    @property
    def round_trips(self) -> int:
        """WS-Man requests sent so far."""
        return self.transport.round_trips

    def _call(self, request: env.Request) -> ET.Element | None:
        """Send a request; return the body's first child or raise the typed fault."""
        return self._exchange(request)[0]

    def _exchange(self, request: env.Request) -> tuple[ET.Element | None, int]:
        """Send a request; return (the body's first child, reply size in bytes) or raise the typed fault.

        Raises:
            WSManFault: the host answered with a fault for this request.
            ProtocolError: the reply is not a SOAP 1.2 envelope answering this request
                (no or another ``a:RelatesTo``, HTML, SOAP 1.1, over-long values ...).
        """
        what = request.describe()
        where = dict(target=self.endpoint, operation=what)
        payload = env.build(request, self.endpoint, operation_timeout=self.operation_timeout)
        status, raw = self.transport.send(payload, what)
        try:
            root = parse(raw)
        except UnsafeXMLError as e:
            raise ProtocolError(_not_soap(raw, status) or str(e), **where) from e
        if root.tag != q("s", "Envelope"):
            raise ProtocolError(_wrong_root(root.tag, raw), **where)
        _check_values(root, what, self.endpoint)
        related = env.relates_to(root)
        fault = parse_fault(root, target=self.endpoint, operation=what)
        if related is not None and related != request.message_id:
            raise ProtocolError(
                "reply RelatesTo %s does not match request %s: it answers another request, so it was not used%s"
                % (related[:100], request.message_id, _fault_note(fault)),
                **where,
            )
        if fault is not None:
            # A fault without RelatesTo is still reported as the fault: it carries no data, and it
            # is the best diagnosis there is (the lab omits RelatesTo only when it could not read
            # the request's MessageID; every recorded Windows fault carries it).
            raise fault
        if related is None:
            raise ProtocolError(
                "reply has no a:RelatesTo, so nothing ties it to request %s (Windows always sends one): it was "
                "not used" % request.message_id,
                **where,
            )
        if status != 200:
            raise ProtocolError("HTTP %d without a SOAP fault" % status, **where)
        return env.reply_body(root), len(raw)

    def _expect(self, request: env.Request, elem: ET.Element | None) -> ET.Element:
        if elem is None:
            raise ProtocolError("reply has an empty body", target=self.endpoint, operation=request.describe())
        return elem

    def get(self, resource_uri: str, selectors: Mapping[str, str] | None = None) -> ET.Element:
        """WS-Transfer Get; returns the resource element."""
        request = env.Request(env.ACTION_GET, resource_uri, selectors=selectors)
        return self._expect(request, self._call(request))

    def put(self, resource_uri: str, body: ET.Element, selectors: Mapping[str, str] | None = None) -> ET.Element | None:
        """WS-Transfer Put; returns the updated representation when the host sends one."""
        return self._call(env.Request(env.ACTION_PUT, resource_uri, selectors=selectors, body=body))

    def create(
        self, resource_uri: str, body: ET.Element, selectors: Mapping[str, str] | None = None
    ) -> ET.Element | None:
        """WS-Transfer Create; returns ``x:ResourceCreated`` when sent."""
        return self._call(env.Request(env.ACTION_CREATE, resource_uri, selectors=selectors, body=body))

    def delete(self, resource_uri: str, selectors: Mapping[str, str] | None = None) -> None:
        """WS-Transfer Delete."""
        self._call(env.Request(env.ACTION_DELETE, resource_uri, selectors=selectors))

    def invoke(
        self, resource_uri: str, method: str, params: Mapping[str, str | int | list[str]] | None = None
    ) -> ET.Element:
        """Invoke a WMI method; returns the ``<Method>_OUTPUT`` element.

        Args:
            resource_uri: class URI, e.g. ``…/wmi/root/default/StdRegProv``.
            method: method name, e.g. ``GetDWORDValue``.
            params: input parameters in order; lists become repeated elements.
        """
        body = ET.Element("{%s}%s_INPUT" % (resource_uri, method))
        for name, value in (params or {}).items():
            for item in value if isinstance(value, list) else [value]:
                ET.SubElement(body, "{%s}%s" % (resource_uri, name)).text = str(item)
        request = env.Request("%s/%s" % (resource_uri, method), resource_uri, body=body)
        return self._expect(request, self._call(request))

    def enumerate(
        self,
        resource_uri: str,
        selectors: Mapping[str, str] | None = None,
        wql: str | None = None,
    ) -> list[ET.Element]:
        """Enumerate all instances (optimized enumeration, then Pull until EndOfSequence).

        Args:
            resource_uri: resource or WMI class URI (``…/wmi/root/cimv2/*`` with ``wql``).
            selectors: selector filter.
            wql: a WQL query sent as ``w:Filter``.

        Returns:
            The item elements in the order the host sent them.
        """
        body = ET.Element(q("n", "Enumerate"))
        ET.SubElement(body, q("w", "OptimizeEnumeration"))
        ET.SubElement(body, q("w", "MaxElements")).text = str(MAX_ELEMENTS)
        if wql is not None:
            ET.SubElement(body, q("w", "Filter"), Dialect="http://schemas.microsoft.com/wbem/wsman/1/WQL").text = wql
        request = env.Request(env.ACTION_ENUMERATE, resource_uri, selectors=selectors, body=body)
        first, received = self._exchange(request)
        reply = self._expect(request, first)
        items: list[ET.Element] = []
        holder = reply.find("w:Items", NS)
        if holder is not None:
            items.extend(holder)
        ended = reply.find("w:EndOfSequence", NS) is not None
        context = text_of(reply.find("n:EnumerationContext", NS))
        pulls = 0
        while not ended and context:
            pulls += 1
            if pulls > MAX_PULLS:
                raise ProtocolError("enumeration did not end after %d pulls" % MAX_PULLS,
                                    target=self.endpoint, operation=request.describe())
            pull = ET.Element(q("n", "Pull"))
            ET.SubElement(pull, q("n", "EnumerationContext")).text = context
            ET.SubElement(pull, q("n", "MaxElements")).text = str(MAX_ELEMENTS)
            pull_request = env.Request(env.ACTION_PULL, resource_uri, selectors=selectors, body=pull)
            elem, size = self._exchange(pull_request)
            received += size
            if received > MAX_ENUMERATION_BYTES:
                raise ProtocolError("enumeration replies passed %d bytes in all after %d pulls: refused"
                                    % (MAX_ENUMERATION_BYTES, pulls), target=self.endpoint,
                                    operation=request.describe())
            reply = self._expect(pull_request, elem)
            holder = reply.find("n:Items", NS)
            if holder is not None:
                items.extend(holder)
            ended = reply.find("n:EndOfSequence", NS) is not None
            context = text_of(reply.find("n:EnumerationContext", NS)) or context
        return items


def _not_soap(raw: bytes, status: int = 200) -> str | None:
    """Name what an unparsable reply is when that is plain (nothing at all, HTML)."""
    head = raw[:512].lstrip().lower()
    if not head:
        return ("the host answered HTTP %d with an empty body where a WS-Management envelope belongs: retry, and "
                "check the WinRM service if it persists" % status)
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:200]:
        title = ""
        low = raw[:4096].lower()
        start = low.find(b"<title>")
        if start >= 0:
            end = low.find(b"</title>", start)
            title = raw[start + 7:end if end > 0 else start + 107].decode("utf-8", "replace").strip()[:100]
        return ("the reply is an HTML page%s, not a WS-Management (SOAP) envelope: a web server, proxy or captive "
                "portal answered instead of the WinRM service; check the host, port and path"
                % (" (%r)" % title if title else ""))
    return None


def _wrong_root(tag: str, raw: bytes) -> str:
    """Explain a well-formed reply whose root is not the SOAP 1.2 envelope."""
    if tag == "{%s}Envelope" % SOAP11:
        return ("the reply is a SOAP 1.1 envelope (%s), but WS-Management uses SOAP 1.2: another SOAP service "
                "answered at this address; check the host, port and path" % SOAP11)
    if local_name(tag).lower() == "html":
        return _not_soap(raw) or "the reply is an HTML page"  # well-formed XHTML
    shown = tag if len(tag) <= 120 else tag[:120] + "..."
    return "the reply is XML but not a SOAP envelope (root element %s): this is not a WinRM service" % shown


def _fault_note(fault: Exception | None) -> str:
    return " (it was a fault: %s)" % str(getattr(fault, "message", fault))[:200] if fault is not None else ""


def _check_values(root: ET.Element, operation: str, endpoint: str) -> None:
    """The one bound on reply text: no value longer than MAX_VALUE_CHARS reaches a model or the facts.

    Raises:
        ProtocolError: an element's text or an attribute value is longer than the bound.
    """
    limit = MAX_VALUE_CHARS
    for elem in root.iter():
        # Runs over every element of every reply (a certificate blob is ~1,500 of them): no
        # per-element list or generator, only the comparisons.
        text, tail, attrib = elem.text, elem.tail, elem.attrib
        if (text is not None and len(text) > limit) or (tail is not None and len(tail) > limit) or (
                attrib and max(map(len, attrib.values())) > limit):
            longest = max(len(t) for t in (text or "", tail or "", *attrib.values()))
            raise ProtocolError(
                "a value in the reply (%s) is %d characters long, above the %d allowed for any single value: "
                "no WinRM setting is that long, so the reply was refused rather than put into results"
                % (local_name(elem.tag)[:60], longest, limit),
                target=endpoint,
                operation=operation,
            )
