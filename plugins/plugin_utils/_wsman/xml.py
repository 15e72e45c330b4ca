# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""XML namespaces and safe parsing for WS-Management messages.

For internal collection use only; this is not a public API.
"""

from __future__ import annotations

import codecs
import xml.etree.ElementTree as ET

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ParseError

NS: dict[str, str] = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "n": "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "wmierr": "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError",
}

WSMAN_BASE = "http://schemas.microsoft.com/wbem/wsman/1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Registering keeps serialised envelopes readable (s:, a:, w: … as Windows uses).
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)


class UnsafeXMLError(ParseError):
    """Raised when a reply contains a DTD, entity or is not well-formed XML."""


def q(prefix: str, local: str) -> str:
    """Return the Clark name ``{uri}local`` for a known prefix."""
    return "{%s}%s" % (NS[prefix], local)


# How a document's first bytes say its encoding (XML 1.0 appendix F); anything else must be UTF-8.
_ENCODINGS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    for start, codec in _ENCODINGS:
        if data.startswith(start):
            return data.decode(codec)
    return data.decode("utf-8")


def parse(data: bytes | str) -> ET.Element:
    """Parse an untrusted XML document.

    DTDs, entity declarations and external references are refused outright: Windows never
    sends them, so their presence means a hostile or broken peer. Entities can only be declared
    in a DTD, so a document without ``<!DOCTYPE`` has none (an undeclared ``&name;`` is not
    well-formed). The document is decoded here and handed to the C parser as UTF-8 whatever its
    XML declaration says, so no other encoding can hide a DTD from that check; the C parser is
    three times faster than defusedxml's pure-Python one on a certificate blob (one element per
    byte), which was a tenth of an audit's CPU.

    Args:
        data: the raw document.

    Returns:
        The root element.

    Raises:
        UnsafeXMLError: the document is malformed, not UTF-8 / UTF-16, or has a DTD or entities.
    """
    try:
        text = _decode(data)
    except UnicodeDecodeError as e:
        raise UnsafeXMLError("reply is not well-formed XML: it is neither UTF-8 nor UTF-16 (%s)" % e.reason) from e
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise UnsafeXMLError("reply refused: it contains a DTD or entity declaration (DTDForbidden)")
    parser = ET.XMLParser(encoding="utf-8")  # overrides the declaration: the text is UTF-8 now
    try:
        parser.feed(text.encode("utf-8"))
        root: ET.Element = parser.close()
        return root
    except ET.ParseError as e:
        raise UnsafeXMLError("reply is not well-formed XML: %s" % e) from e


def local_name(tag: str) -> str:
    """Strip the ``{namespace}`` part of a Clark name."""
    return tag.rsplit("}", 1)[-1]


def namespace_of(tag: str) -> str:
    """Return the namespace URI of a Clark name ('' when there is none)."""
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def text_of(elem: ET.Element | None) -> str | None:
    """Return the stripped text of an element, None when the element is absent or nil."""
    if elem is None or elem.get(q("xsi", "nil")) == "true":
        return None
    return (elem.text or "").strip()


_XSI_NIL = q("xsi", "nil")


def children(elem: ET.Element) -> dict[str, list[str]]:
    """Stripped texts of an element's children by local name, in document order.

    Repeated elements (WMI arrays, ``ListeningOn``) keep every value; ``xsi:nil`` children
    (WMI's empty properties and empty output arrays) are left out.
    """
    # Hot: a certificate blob is one child per byte (~1,500), so the local name is worked
    # out once per tag and nothing is called per child that need not be.
    values: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    nil = _XSI_NIL
    for child in elem:
        if child.get(nil) == "true":
            continue
        tag = child.tag
        bucket = names.get(tag)
        if bucket is None:
            bucket = names[tag] = values.setdefault(tag.rsplit("}", 1)[-1], [])
        text = child.text
        bucket.append(text.strip() if text else "")
    return values


def to_bytes(elem: ET.Element) -> bytes:
    """Serialise an element as UTF-8 without an XML declaration."""
    data: bytes = ET.tostring(elem, encoding="utf-8", xml_declaration=False)
    return data
