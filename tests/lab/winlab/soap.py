"""SOAP 1.2 / WS-Addressing request parsing and reply envelopes in Windows' shape."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from . import faults, xmlns
from .xmlns import q
from .xmlutil import XmlError, esc, local, parse

# xs:duration as WS-Man uses it for OperationTimeout (PT60S, PT60.000S, P0DT0H1M0S).
_DURATION = re.compile(r"^P(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$")


@dataclass
class Request:
    """The parts of a WS-Man request message the lab acts on."""

    action: str
    message_id: str | None
    resource_uri: str
    to: str | None
    selectors: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    body: Element | None = None  # first child of s:Body, if any
    header: Element | None = None

    @property
    def short_action(self) -> str:
        return self.action.rsplit("/", 1)[-1]

    def selector(self, name: str) -> str | None:
        """Selector value by case-insensitive name (Windows ignores selector-name case)."""
        for key, value in self.selectors.items():
            if key.lower() == name.lower():
                return value
        return None

    def header_child(self, ns: str, name: str) -> Element | None:
        return None if self.header is None else self.header.find(q(ns, name))


def parse_request(data: bytes) -> Request:
    """Parse a SOAP envelope; malformed input raises a WSManFault like Windows answers."""
    try:
        root = parse(data)
    except XmlError as e:
        raise faults.invalid_xml() from e
    if root.tag != q(xmlns.SOAP, "Envelope"):
        raise faults.invalid_xml()
    header = root.find(q(xmlns.SOAP, "Header"))
    body_el = root.find(q(xmlns.SOAP, "Body"))
    if header is None or body_el is None:
        raise faults.missing_header()

    def text(ns: str, name: str) -> str | None:
        el = header.find(q(ns, name))
        return None if el is None or el.text is None else el.text.strip()

    action = text(xmlns.ADDRESSING, "Action")
    if not action:
        raise faults.missing_header()
    selectors: dict[str, str] = {}
    sel_set = header.find(q(xmlns.WSMAN, "SelectorSet"))
    if sel_set is not None:
        for sel in sel_set.findall(q(xmlns.WSMAN, "Selector")):
            selectors[sel.get("Name", "")] = (sel.text or "").strip()
    options: dict[str, str] = {}
    opt_set = header.find(q(xmlns.WSMAN, "OptionSet"))
    if opt_set is not None:
        for opt in opt_set.findall(q(xmlns.WSMAN, "Option")):
            options[opt.get("Name", "")] = (opt.text or "").strip()
    timeout = text(xmlns.WSMAN, "OperationTimeout")
    req = Request(
        action=action,
        message_id=text(xmlns.ADDRESSING, "MessageID"),
        resource_uri=text(xmlns.WSMAN, "ResourceURI") or "",
        to=text(xmlns.ADDRESSING, "To"),
        selectors=selectors,
        options=options,
        body=next(iter(body_el), None),
        header=header,
    )
    if not req.message_id:
        raise faults.missing_header()
    if timeout is not None and not _DURATION.match(timeout):
        fault = faults.invalid_timeout(timeout)
        fault.relates_to = req.message_id  # the recorded fault relates to the request
        raise fault
    return req


def is_identify(data: bytes) -> bool:
    """True for a wsmid:Identify request (which carries no WS-Addressing headers)."""
    try:
        root = parse(data)
    except XmlError:
        return False
    body = root.find(q(xmlns.SOAP, "Body"))
    return body is not None and body.find(q(xmlns.WSMID, "Identify")) is not None


def new_message_id() -> str:
    return f"uuid:{str(uuid.uuid4()).upper()}"


def envelope(action: str, relates_to: str | None, body: str, prefixes: str = "s a x w p",
             activity: bool = False) -> bytes:
    """A reply envelope: xml:lang first, then the namespace declarations Windows uses.

    ``activity`` adds ``p:ActivityId`` after the MessageID, as in
    windows-recorded/enumerate-shells.response.xml (an upper-case GUID without ``uuid:``).
    """
    decls = " ".join(f'xmlns:{p}="{xmlns.PREFIXES[p]}"' for p in prefixes.split())
    relates = f"<a:RelatesTo>{esc(relates_to)}</a:RelatesTo>" if relates_to else ""
    activity_id = f"<p:ActivityId>{str(uuid.uuid4()).upper()}</p:ActivityId>" if activity else ""
    return (
        f'<s:Envelope xml:lang="en-US" {decls}><s:Header>'
        f"<a:Action>{esc(action)}</a:Action><a:MessageID>{new_message_id()}</a:MessageID>{activity_id}"
        f"<a:To>{xmlns.ANONYMOUS}</a:To>{relates}</s:Header>"
        f"<s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def fault_envelope(fault: faults.WSManFault, relates_to: str | None, machine: str, inner_machine: str) -> bytes:
    """A fault reply: the namespace set of windows-recorded/fault-*.response.xml."""
    return envelope(fault.action, relates_to, faults.render(fault, machine, inner_machine), "s a x e n w p")


def seconds(duration: str | None, default: float = 60.0) -> float:
    """An xs:duration (PT20S, PT60.000S, P0DT0H1M0S) in seconds; ``default`` when absent."""
    match = re.match(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", duration or "")
    if not duration or match is None:
        return default
    days, hours, minutes, secs = (float(g) if g else 0.0 for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + secs


def child_text(parent: Element, ns: str, name: str) -> str | None:
    el = parent.find(q(ns, name))
    return None if el is None else (el.text or "")


def children_by_local(parent: Element) -> list[tuple[str, Element]]:
    return [(local(c.tag), c) for c in parent]
