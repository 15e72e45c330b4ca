"""Safe XML parsing of untrusted input and text escaping for rendered replies."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


class XmlError(ValueError):
    """Input that is not well-formed XML, or that tries DTD/entity tricks."""


def esc(text: str) -> str:
    """Escape text for element content and double-quoted attributes."""
    return text.translate(_ESCAPES)


def parse(data: bytes) -> Element:
    """Parse untrusted bytes: no DTDs, no entity expansion, no external references."""
    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=True)
        return root
    except (SafeET.ParseError, DefusedXmlException, ValueError) as e:
        raise XmlError(str(e)) from e


def local(tag: str) -> str:
    """Local name of a Clark-notation tag."""
    return tag.rsplit("}", 1)[-1]


def ns_of(tag: str) -> str:
    """Namespace of a Clark-notation tag ('' when unqualified)."""
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
