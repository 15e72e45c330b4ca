# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Building WS-Management request envelopes and reading reply envelopes.

For internal collection use only; this is not a public API.

Shapes follow MS-WSMV and the request Windows' own client sends (see
windows-recorded/config-get.request.xml): SOAP 1.2, WS-Addressing 2004/08,
``w:ResourceURI``, ``w:SelectorSet``, ``w:OptionSet``, ``w:OperationTimeout``.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import NS, to_bytes

ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
ENUMERATION = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/"

ACTION_GET = TRANSFER + "Get"
ACTION_PUT = TRANSFER + "Put"
ACTION_CREATE = TRANSFER + "Create"
ACTION_DELETE = TRANSFER + "Delete"
ACTION_ENUMERATE = ENUMERATION + "Enumerate"
ACTION_PULL = ENUMERATION + "Pull"

# w:MaxEnvelopeSize of every request: the largest reply, in bytes, the host may send.
# 153600 is what Windows' own client asks for (windows-recorded/config-get.request.xml)
# and what every Windows host accepts (MaxEnvelopeSizekb defaults to 500); the transport
# refuses replies larger than this plus encryption framing (_wsman.wire.reply_limit).
MAX_ENVELOPE_SIZE = 153600


@dataclass(frozen=True)
class Request:
    """One WS-Man request, before serialisation.

    Attributes:
        action: the WS-Addressing action URI.
        resource_uri: the full resource URI.
        selectors: ``w:SelectorSet`` entries (instance keys such as Address/Transport).
        options: ``w:OptionSet`` entries.
        body: the single child of ``s:Body`` (None for an empty body).
        message_id: ``uuid:…``; generated when not given.
    """

    action: str
    resource_uri: str
    selectors: Mapping[str, str] | None = None
    options: Mapping[str, str] | None = None
    body: ET.Element | None = None
    message_id: str = field(default_factory=lambda: "uuid:%s" % str(uuid.uuid4()).upper())

    def describe(self) -> str:
        """Short human form, e.g. ``Get config/service/auth``."""
        verb = self.action.rsplit("/", 1)[-1]
        short = self.resource_uri.replace("http://schemas.microsoft.com/wbem/wsman/1/", "")
        if self.selectors:
            short += "?" + "+".join("%s=%s" % kv for kv in self.selectors.items())
        return "%s %s" % (verb, short)


def _element(tag: str, text: str, must: str | None = None, **attrs: str) -> str:
    head = tag + ("" if must is None else ' s:mustUnderstand="%s"' % must)
    head += "".join(" %s=%s" % (name, quoteattr(value)) for name, value in attrs.items())
    return "<%s>%s</%s>" % (head, escape(text), tag)


def build(request: Request, to: str, operation_timeout: int = 20, max_envelope_size: int = MAX_ENVELOPE_SIZE,
          locale: str = "en-US") -> bytes:
    """Serialise a request as a SOAP envelope.

    The header is written as text (with escaping), not through an element tree: it is the same
    for every request but for a few values, and ElementTree's serialiser was a seventh of the
    CPU of a request.

    Args:
        request: what to send.
        to: the endpoint URL (``w:To``).
        operation_timeout: seconds the host may spend (``w:OperationTimeout``).
        max_envelope_size: largest reply accepted, in bytes.
        locale: ``w:Locale`` / ``p:DataLocale``.

    Returns:
        The UTF-8 encoded envelope.
    """
    lang = quoteattr(locale)
    parts = [
        _ENVELOPE_OPEN,
        _element("a:Action", request.action, "true"),
        '<p:DataLocale s:mustUnderstand="false" xml:lang=%s/>' % lang,
        '<w:Locale s:mustUnderstand="false" xml:lang=%s/>' % lang,
        _element("w:MaxEnvelopeSize", str(max_envelope_size), "true"),
        _element("a:MessageID", request.message_id),
        _element("w:OperationTimeout", "PT%dS" % operation_timeout),
        "<a:ReplyTo>%s</a:ReplyTo>" % _element("a:Address", ANONYMOUS, "true"),
        _element("w:ResourceURI", request.resource_uri, "true"),
        _element("a:To", to),
    ]
    if request.selectors:
        parts.append("<w:SelectorSet>%s</w:SelectorSet>" % "".join(
            _element("w:Selector", value, Name=name) for name, value in request.selectors.items()))
    if request.options:
        parts.append('<w:OptionSet s:mustUnderstand="true">%s</w:OptionSet>' % "".join(
            _element("w:Option", value, Name=name) for name, value in request.options.items()))
    parts.append("</s:Header><s:Body>")
    data = "".join(parts).encode("utf-8")
    body = to_bytes(request.body) if request.body is not None else b""
    return data + body + b"</s:Body></s:Envelope>"


_ENVELOPE_OPEN = '<s:Envelope %s><s:Header>' % " ".join(
    'xmlns:%s="%s"' % (prefix, NS[prefix]) for prefix in ("s", "a", "w", "p"))


def reply_body(root: ET.Element) -> ET.Element | None:
    """Return the first child of ``s:Body`` (None for an empty body)."""
    body = root.find("s:Body", NS)
    if body is None:
        return None
    return next(iter(body), None)


def relates_to(root: ET.Element) -> str | None:
    """Return ``a:RelatesTo`` of a reply header."""
    elem = root.find("s:Header/a:RelatesTo", NS)
    return (elem.text or "").strip() if elem is not None else None
