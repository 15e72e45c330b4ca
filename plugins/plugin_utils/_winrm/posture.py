# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Gathering a host's WinRM authentication posture in as few round trips as possible.

Only composes: each model module reads its own object.

For internal collection use only; this is not a public API.

Round trips: Get ``config`` (client, service, auth, TrustedHosts, WinRS and every
``Source="GPO"`` marker at once), Enumerate listeners, Enumerate Win32_ComputerSystem,
EnumValues on the delegation policy key — four on a host without a CredSSP delegation
policy; a delegation policy costs one StdRegProv call per list and per value on top.
With ``policy=True`` (the compliance report) the policy values without a config leaf add
three more (:func:`read_policy_for_audit`), plus a Get per such value configured, plus the
RSoP Enumerate(s) on a domain member that has any policy value configured.
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
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.policy import (
    OPTIONS,
    PolicyState,
    read_policy_for_audit,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.rsop import gpo_values
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import Registry


@dataclass(frozen=True)
class Posture:
    """Everything the rules look at for one host."""

    config: WinRMConfig
    listeners: tuple[Listener, ...]
    delegation: DelegationPolicy
    computer: ComputerSystem | None
    policy: PolicyState | None = None  # read only for the compliance report

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
            **({"policy": self.policy.as_dict()} if self.policy is not None else {}),
        }


def gather(client: WSManClient, policy: bool = False) -> Posture:
    """Read the whole posture of one host.

    Args:
        client: the host's WS-Man client.
        policy: also read the policy values the compliance controls judge, and which of them a
            domain GPO delivers.
    """
    config = read_config(client)
    listeners = read_listeners(client)
    computer = read_computer_system(client)
    registry = Registry(client)
    delegation = read_delegation(registry)
    state = None
    if policy:
        state = read_policy_for_audit(registry, config, delegation)
        state = PolicyState(state.values, state.keys, _delivered(client, state, computer))
    return Posture(config=config, listeners=listeners, delegation=delegation, computer=computer, policy=state)


def _delivered(client: WSManClient, state: PolicyState, computer: ComputerSystem | None) -> dict[str, str]:
    """Option name -> the GPO delivering it. Only a domain member can have one, and only for a value
    that is configured, so a workgroup host or a host without policy values costs no request."""
    configured = [OPTIONS[name] for name, value in state.values.items() if value is not None]
    if not configured or computer is None or not computer.part_of_domain:
        return {}
    delivered = {(v.key.lower(), v.name.lower()): v.gpo for v in gpo_values(client, "SOFTWARE")}
    return {o.name: delivered[(o.key.lower(), o.value.lower())] for o in configured
            if (o.key.lower(), o.value.lower()) in delivered}
