# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Gathering a host's WinRM authentication posture in as few round trips as possible.

Only composes: each model module reads its own object.

For internal collection use only; this is not a public API.

Round trips: Get ``config`` (client, service, auth, TrustedHosts, WinRS and every
``Source="GPO"`` marker at once), Enumerate listeners, Enumerate Win32_ComputerSystem,
EnumValues on the delegation policy key — four on a host without a CredSSP delegation
policy; a delegation policy costs one StdRegProv call per list and per value on top, and each
HTTPS listener one GetBinaryValue for its certificate (one per distinct thumbprint).
With ``policy=True`` (the compliance report) the policy values without a config leaf add
three more (:func:`read_policy_for_audit`), plus a Get per such value configured, plus the
RSoP Enumerate(s) on a domain member that has any policy value configured.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.certificate import (
    Certificate,
    is_thumbprint,
    read_certificate,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.computer import ComputerSystem, read_computer_system
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import (
    WinRMConfig,
    read_config,
    trusted_hosts_entries,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.delegation import DelegationPolicy, read_delegation
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.listener import (
    Listener,
    listener_facts,
    read_listeners,
)
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
    # thumbprint -> the certificate in LocalMachine\My (None: the store has none with it)
    certificates: Mapping[str, Certificate | None] = field(default_factory=dict)
    policy: PolicyState | None = None  # read only for the compliance report

    def certificate_of(self, listener: Listener) -> Certificate | None:
        """The certificate an HTTPS listener names, when the store has it."""
        return self.certificates.get(listener.certificate_thumbprint.upper())

    def listener_facts(self, listener: Listener, names: Iterable[str] = ()) -> dict[str, object]:
        """One listener's facts; an HTTPS one with its ``certificate`` (None for HTTP)."""
        return listener_facts(listener, self.certificates, names)

    def as_facts(self, names: Iterable[str] = ()) -> dict[str, object]:
        """The ``winauth_winrm`` fact: plain, JSON-safe, stable key order.

        Args:
            names: the names the controller reaches the host by, for ``certificate.name_matches``.
        """
        names = tuple(names)
        tree = self.config.as_tree()
        client = tree.get("client")
        if isinstance(client, dict):
            client["trusted_hosts_list"] = trusted_hosts_entries(client.get("trusted_hosts"))
        return {
            "service": tree.get("service", {}),
            "client": tree.get("client", {}),
            "winrs": tree.get("winrs", {}),
            "listeners": [self.listener_facts(listener, names) for listener in self.listeners],
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
    return Posture(config=config, listeners=listeners, delegation=delegation, computer=computer,
                   certificates=read_listener_certificates(registry, listeners), policy=state)


def _delivered(client: WSManClient, state: PolicyState, computer: ComputerSystem | None) -> dict[str, str]:
    """Option name -> the GPO delivering it. Only a domain member can have one, and only for a value
    that is configured, so a workgroup host or a host without policy values costs no request."""
    configured = [OPTIONS[name] for name, value in state.values.items() if value is not None]
    if not configured or computer is None or not computer.part_of_domain:
        return {}
    delivered = {(v.key.lower(), v.name.lower()): v.gpo for v in gpo_values(client, "SOFTWARE")}
    return {o.name: delivered[(o.key.lower(), o.value.lower())] for o in configured
            if (o.key.lower(), o.value.lower()) in delivered}


def read_listener_certificates(registry: Registry, listeners: Iterable[Listener]) -> dict[str, Certificate | None]:
    """The certificate of every HTTPS listener: one GetBinaryValue per distinct thumbprint."""
    found: dict[str, Certificate | None] = {}
    for listener in listeners:
        thumbprint = listener.certificate_thumbprint.upper()
        if not listener.is_https or not thumbprint or thumbprint in found:
            continue
        # The thumbprint comes from the host: only a well-formed one becomes part of a registry path.
        found[thumbprint] = read_certificate(registry, thumbprint) if is_thumbprint(thumbprint) else None
    return found
