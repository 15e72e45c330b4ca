# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Domain membership facts from WMI ``Win32_ComputerSystem``.

For internal collection use only; this is not a public API.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import WSMAN_BASE, children

COMPUTER_SYSTEM_URI = WSMAN_BASE + "wmi/root/cimv2/Win32_ComputerSystem"


@dataclass(frozen=True)
class ComputerSystem:
    """Name and domain membership of the host."""

    name: str
    dns_host_name: str
    domain: str
    part_of_domain: bool
    workgroup: str

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "dns_host_name": self.dns_host_name,
            "domain": self.domain,
            "part_of_domain": self.part_of_domain,
            "workgroup": self.workgroup,
        }


def read_computer_system(client: WSManClient) -> ComputerSystem | None:
    """Enumerate Win32_ComputerSystem (a singleton); None when the host returns no instance."""
    items = client.enumerate(COMPUTER_SYSTEM_URI)
    if not items:
        return None
    values = {name: texts[0] for name, texts in children(items[0]).items()}
    return ComputerSystem(
        name=values.get("Name", ""),
        dns_host_name=values.get("DNSHostName", ""),
        domain=values.get("Domain", ""),
        part_of_domain=values.get("PartOfDomain", "").lower() == "true",
        workgroup=values.get("Workgroup", ""),
    )
