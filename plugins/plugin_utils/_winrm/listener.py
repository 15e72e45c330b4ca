# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WinRM listeners (``winrm enumerate winrm/config/listener``) and the plan that changes one.

For internal collection use only; this is not a public API.

A listener is addressed by the selectors ``Address`` (``*``, ``IP:<address>``, ``MAC:<address>``)
and ``Transport`` (HTTP/HTTPS). Create sends a ``cfg:Listener`` body with the values to set
(Windows fills the rest from its defaults), Put sends only the values that change (ListeningOn is
read-only: a Put carrying it fails), Delete sends no body -- as ``winrm create|set|delete
winrm/config/Listener?Address=*+Transport=HTTPS @{...}`` does.

The origin of a listener is an attribute of the ``cfg:Listener`` element itself:
``Source="GPO"`` (created by Group Policy, cannot be deleted locally) or
``Source="Compatibility"`` (the compatibility listeners on ports 80/443), as in
windows-recorded/listener-enumerate-gpo.winrm-cmd.txt; a local listener has none.
"""

from __future__ import annotations

import ipaddress
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from ansible_collections.winauth.winrm.plugins.plugin_utils._text import shorten
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.certificate import STORE, Certificate
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import (
    ParseError,
    ProtocolError,
    SettingsError,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import WSMAN_BASE, children

LISTENER_URI = WSMAN_BASE + "config/listener"

# Source attribute value (case-insensitive) -> the ``source`` reported in results.
_SOURCES = {"gpo": "gpo", "compatibility": "compatibility"}
DEFAULT_PORTS = {"HTTP": 5985, "HTTPS": 5986}
# The writable elements of cfg:Listener, in the order Windows renders them; our field of each.
WRITABLE = (("Port", "port"), ("Hostname", "hostname"), ("Enabled", "enabled"),
            ("CertificateThumbprint", "certificate_thumbprint"))
_MAC = re.compile(r"^[0-9A-F]{2}([-:]?[0-9A-F]{2}){5}$", re.I)


@dataclass(frozen=True)
class Listener:
    """One listener; ``address`` + ``transport`` are its selectors."""

    address: str
    transport: str
    port: int | None = None
    hostname: str = ""
    enabled: bool = True
    url_prefix: str = "wsman"
    certificate_thumbprint: str = ""
    listening_on: tuple[str, ...] = field(default_factory=tuple)
    gpo: bool = False
    compatibility: bool = False

    @property
    def selectors(self) -> dict[str, str]:
        """``{"Address": …, "Transport": …}`` identifying this listener."""
        return {"Address": self.address, "Transport": self.transport}

    @property
    def source(self) -> str:
        """``gpo``, ``compatibility`` or ``local``: where the listener comes from."""
        return "gpo" if self.gpo else "compatibility" if self.compatibility else "local"

    @property
    def is_https(self) -> bool:
        return self.transport.upper() == "HTTPS"

    @classmethod
    def from_element(cls, elem: ET.Element) -> Listener:
        """Parse a ``cfg:Listener`` element.

        Raises:
            ParseError: the element lacks Address/Transport or has a malformed Port.
        """
        values = children(elem)

        def one(name: str, default: str = "") -> str:
            return values.get(name, [default])[0]

        address, transport = one("Address"), one("Transport")
        if not address or not transport:
            raise ParseError("listener without Address/Transport in reply")
        source = _SOURCES.get((elem.get("Source") or "").lower(), "local")
        port_text = one("Port")
        try:
            port = int(port_text) if port_text else None
        except ValueError:
            raise ParseError("listener %s/%s has a malformed Port %r"
                             % (address, transport, shorten(port_text, 20))) from None
        return cls(
            address=address,
            transport=transport.upper(),
            port=port,
            hostname=one("Hostname"),
            enabled=one("Enabled", "true").lower() == "true",
            url_prefix=one("URLPrefix", "wsman"),
            certificate_thumbprint=one("CertificateThumbprint"),
            listening_on=tuple(values.get("ListeningOn", [])),
            gpo=source == "gpo",
            compatibility=source == "compatibility",
        )

    def describe(self) -> str:
        """``HTTPS listener on *:5986`` for messages."""
        return "%s listener %s:%s" % (self.transport, self.address, self.port if self.port is not None else "?")

    def as_dict(self) -> dict[str, object]:
        """Plain dict for results and facts."""
        return {
            "address": self.address,
            "transport": self.transport,
            "port": self.port,
            "hostname": self.hostname,
            "enabled": self.enabled,
            "url_prefix": self.url_prefix,
            "certificate_thumbprint": self.certificate_thumbprint,
            "listening_on": list(self.listening_on),
            "source": self.source,
        }


def read_listeners(client: WSManClient) -> tuple[Listener, ...]:
    """Enumerate ``config/listener``."""
    try:
        return tuple(Listener.from_element(item) for item in client.enumerate(LISTENER_URI))
    except ParseError as e:
        raise ProtocolError(e.message, target=client.endpoint, operation="Enumerate config/listener") from e


def listener_facts(listener: Listener, certificates: Mapping[str, Certificate | None],
                   names: Iterable[str] = ()) -> dict[str, object]:
    """A listener's facts with its ``certificate`` (None for HTTP; ``found: false`` when the store lacks it).

    Args:
        listener: the listener.
        certificates: thumbprint → certificate read from LocalMachine\\My (None: not there).
        names: the names clients use for the host, for ``certificate.name_matches``.
    """
    facts = listener.as_dict()
    thumbprint = listener.certificate_thumbprint.upper()
    if not listener.is_https or not thumbprint:
        facts["certificate"] = None
        return facts
    cert = certificates.get(thumbprint)
    facts["certificate"] = {**cert.facts(names), "found": True} if cert is not None else {
        "thumbprint": thumbprint, "found": False, "store": STORE}
    return facts


def normalise_address(raw: str) -> str:
    """The ``Address`` selector as Windows keys listeners: ``*``, ``IP:<address>`` or ``MAC:<address>``.

    A bare IP address is taken as ``IP:<address>``.

    Raises:
        SettingsError: the address is none of these.
    """
    text = raw.strip()
    if text == "*":
        return text
    kind, sep, rest = text.partition(":")
    if sep and kind.upper() == "MAC" and _MAC.match(rest.strip()):
        return "MAC:" + rest.strip().upper()
    candidate = rest.strip() if sep and kind.upper() == "IP" else text
    try:
        return "IP:" + str(ipaddress.ip_address(candidate.strip("[]")))
    except ValueError:
        raise SettingsError("address %r is not a listener address: use *, IP:<address> (e.g. IP:10.0.0.5) or "
                            "MAC:<address> (e.g. MAC:00-15-5D-01-02-03)" % raw[:80]) from None


def find(listeners: Sequence[Listener], address: str, transport: str) -> Listener | None:
    """The listener with these selectors (Address compared case-insensitively, as Windows does).

    A compatibility listener shares the selectors of the ordinary one (``Address=*``,
    ``Transport=HTTP``, port 80); the ordinary (local or Group Policy) one is what the selectors
    address, so it wins, and the compatibility one is returned only when it is the only match.
    """
    matches = [li for li in listeners if li.address.lower() == address.lower() and li.transport == transport.upper()]
    return next((li for li in matches if not li.compatibility), matches[0] if matches else None)


@dataclass(frozen=True)
class Wanted:
    """The listener a task asks for (None = leave that value as it is)."""

    transport: str
    address: str
    present: bool = True
    port: int | None = None
    hostname: str | None = None
    enabled: bool | None = None
    certificate_thumbprint: str | None = None

    @property
    def selectors(self) -> dict[str, str]:
        return {"Address": self.address, "Transport": self.transport}

    def describe(self) -> str:
        return "%s listener %s" % (self.transport, self.address)


@dataclass(frozen=True)
class ListenerPlan:
    """One write to one listener, or none.

    Attributes:
        operation: ``create``, ``put``, ``delete`` or None when the listener is as wanted.
        before: the listener as read (None when there is none).
        after: the listener the host will have (None once deleted); in check mode, the prediction.
        values: the cfg:Listener values the body carries, by element name (wire text).
        changes: one line per changed value, for results.
    """

    operation: str | None
    before: Listener | None
    after: Listener | None
    values: Mapping[str, str] = field(default_factory=dict)
    changes: tuple[str, ...] = ()

    def body(self) -> ET.Element:
        """The ``cfg:Listener`` body of a Create or Put: the changing values in Windows' order."""
        elem = ET.Element("{%s}Listener" % LISTENER_URI)
        for name, _attr in WRITABLE:
            if name in self.values:
                ET.SubElement(elem, "{%s}%s" % (LISTENER_URI, name)).text = self.values[name]
        return elem

    def holds(self, listeners: Sequence[Listener]) -> bool:
        """Whether a fresh read shows the host as this plan leaves it."""
        if self.after is None:  # gone; a compatibility listener with the same selectors may remain
            gone = self.before
            return gone is None or not any(li.address.lower() == gone.address.lower() and li.transport == gone.transport
                                           and li.source == gone.source for li in listeners)
        now = find(listeners, self.after.address, self.after.transport)
        return now is not None and all(getattr(now, attr) == getattr(self.after, attr) for _n, attr in WRITABLE)


def _wire(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _show(value: object) -> str:
    return "(none)" if value in ("", None) else _wire(value)


def plan(listeners: Sequence[Listener], wanted: Wanted) -> ListenerPlan:
    """What to write so the host has ``wanted``.

    Raises:
        SettingsError: the listener is created by Group Policy or is a compatibility listener,
            which cannot be changed or deleted locally (the message says what controls it).
    """
    before = find(listeners, wanted.address, wanted.transport)
    if before is not None and before.source != "local":
        _refuse_derived(before, wanted)
    if not wanted.present:
        if before is None:
            return ListenerPlan(None, None, None)
        return ListenerPlan("delete", before, None, changes=("delete %s" % before.describe(),))
    base = before or Listener(address=wanted.address, transport=wanted.transport,
                              port=DEFAULT_PORTS[wanted.transport])
    updates = {attr: getattr(wanted, attr) for _name, attr in WRITABLE if getattr(wanted, attr) is not None}
    if before is None:
        after = replace(base, **updates)
        values = {name: _wire(getattr(after, attr)) for name, attr in WRITABLE
                  if name == "Port" or getattr(wanted, attr) is not None}
        shown = ", ".join("%s=%s" % (attr, _show(getattr(after, attr))) for _n, attr in WRITABLE)
        return ListenerPlan("create", None, after, values, ("create %s (%s)" % (after.describe(), shown),))
    differing = {name: attr for name, attr in WRITABLE if attr in updates and getattr(before, attr) != updates[attr]}
    if not differing:
        return ListenerPlan(None, before, before)
    after = replace(before, **{attr: updates[attr] for attr in differing.values()})
    changes = tuple("%s %s: %s -> %s" % (before.describe(), attr, _show(getattr(before, attr)),
                                         _show(getattr(after, attr))) for attr in differing.values())
    return ListenerPlan("put", before, after, {name: _wire(getattr(after, attr)) for name, attr in differing.items()},
                        changes)


def _refuse_derived(before: Listener, wanted: Wanted) -> None:
    """Raise for a change to a Group Policy or compatibility listener (a matching present is fine)."""
    if wanted.present and all(getattr(wanted, attr) in (None, getattr(before, attr)) for _n, attr in WRITABLE):
        return
    if before.gpo:
        raise SettingsError(
            "the %s is created by Group Policy (Source=\"GPO\": the policy \"Allow remote server management "
            "through WinRM\", HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service\\AllowAutoConfig) and "
            "cannot be %s locally: change or disable that policy (its IPv4/IPv6 filters choose the addresses), "
            "run gpupdate, then re-run" % (before.describe(), "deleted" if not wanted.present else "changed"))
    which = "EnableCompatibilityHttpsListener" if before.is_https else "EnableCompatibilityHttpListener"
    raise SettingsError(
        "the %s is a compatibility listener (Source=\"Compatibility\"): it exists while the service setting %s "
        "is true and cannot be %s on its own: set %s to false (winrm set winrm/config/service @{%s=\"false\"}) to "
        "remove it, and manage a listener on the default ports instead"
        % (before.describe(), which, "deleted" if not wanted.present else "changed", which, which))


def apply_plan(listeners: Sequence[Listener], result: ListenerPlan) -> tuple[Listener, ...]:
    """The listener list after ``result`` (what check mode reports)."""
    if result.operation is None:
        return tuple(listeners)
    if result.before is None:
        return (*listeners, result.after) if result.after is not None else tuple(listeners)
    if result.after is None:
        return tuple(li for li in listeners if li is not result.before)
    return tuple(result.after if li is result.before else li for li in listeners)
