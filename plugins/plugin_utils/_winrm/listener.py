# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WinRM listeners (``winrm enumerate winrm/config/listener``).

For internal collection use only; this is not a public API.

The origin of a listener is an attribute of the ``cfg:Listener`` element itself:
``Source="GPO"`` (created by Group Policy, cannot be deleted locally) or
``Source="Compatibility"`` (the compatibility listeners on ports 80/443), as in
windows-recorded/listener-enumerate-gpo.winrm-cmd.txt; a local listener has none.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ansible_collections.winauth.winrm.plugins.plugin_utils._text import shorten
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ParseError, ProtocolError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import WSMAN_BASE, children

LISTENER_URI = WSMAN_BASE + "config/listener"

# Source attribute value (case-insensitive) -> the ``source`` reported in results.
_SOURCES = {"gpo": "gpo", "compatibility": "compatibility"}


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
