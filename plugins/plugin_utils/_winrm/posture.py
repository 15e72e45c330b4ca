# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Gathering a host's WinRM authentication posture in as few round trips as possible.

Only composes: each model module reads its own object.

For internal collection use only; this is not a public API.

Round trips: Get ``config`` (client, service, auth, TrustedHosts, WinRS and every
``Source="GPO"`` marker at once), Enumerate listeners, Enumerate Win32_ComputerSystem,
EnumValues on the delegation policy key — four on a host without a CredSSP delegation
policy; a delegation policy costs one StdRegProv call per list and per value on top.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.computer import ComputerSystem, read_computer_system
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import (
    WinRMConfig,
    read_config,
    trusted_hosts_entries,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.delegation import DelegationPolicy, read_delegation
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.listener import Listener, read_listeners
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import Registry


@dataclass(frozen=True)
class Posture:
    """Everything the rules look at for one host."""

    config: WinRMConfig
    listeners: tuple[Listener, ...]
    delegation: DelegationPolicy
    computer: ComputerSystem | None

    def as_facts(self) -> dict[str, object]:
        """The ``winauth_winrm`` fact: plain, JSON-safe, stable key order."""
        tree = self.config.as_tree()
        client = tree.get("client")
        if isinstance(client, dict):
            client["trusted_hosts_list"] = trusted_hosts_entries(client.get("trusted_hosts"))
        return {
            "service": tree.get("service", {}),
            "client": tree.get("client", {}),
            "winrs": tree.get("winrs", {}),
            "listeners": [listener.as_dict() for listener in self.listeners],
            "credential_delegation": self.delegation.as_dict(),
            "computer": self.computer.as_dict() if self.computer else None,
            "gpo_controlled": self.config.gpo_controlled(),
        }


def gather(client: WSManClient) -> Posture:
    """Read the whole posture of one host."""
    config = read_config(client)
    listeners = read_listeners(client)
    computer = read_computer_system(client)
    delegation = read_delegation(Registry(client))
    return Posture(config=config, listeners=listeners, delegation=delegation, computer=computer)
