# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winauth.winrm.winrm_info (documentation in plugins/modules)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible.inventory.helpers import get_group_vars

from ansible_collections.winauth.winrm.plugins.modules.winrm_info import ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._action import ActionContext, WSManAction
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import (
    SEVERITIES,
    FleetNames,
    Scope,
    exceeds,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.hardening import compliance
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.host import evaluate
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.posture import Posture, gather


def _address(hostvars: Any, name: str) -> str | None:
    """A host's ``ansible_host`` through hostvars (its whole variable computation)."""
    # Ask before indexing: on ansible-core 2.19+ hostvars[<unknown host>] is a lazy undefined
    # whose .get() fails outside a template context ("A required TemplateContext context is not
    # active"), not a KeyError.
    try:
        address = hostvars[name].get("ansible_host") if name in hostvars else None
    except (KeyError, TypeError):
        address = None
    return str(address) if address else None


def _aliases(task_vars: dict[str, Any], names: list[str]) -> frozenset[str]:
    """Inventory names and each one's ansible_host, lower case (for the few declared names)."""
    hostvars = task_vars.get("hostvars") or {}
    found = {str(name).lower() for name in names}
    found.update(a.lower() for a in (_address(hostvars, n) for n in names) if a)
    return frozenset(found)


def _inventory_addresses(task_vars: dict[str, Any], names: list[str]) -> Callable[[], list[str]]:
    """Reads every inventory host's ``ansible_host`` as the inventory sources set it.

    hostvars[h] recomputes all of h's variables (vars plugins, facts): for every host of the
    fleet that is O(hosts) per audited host, most of winrm_info's cost on a large inventory. The
    inventory's own host and group variables (what inventory plugins and files set) are read
    instead; an ``ansible_host`` only set in host_vars/ files is not seen by this low finding.
    """
    hostvars = task_vars.get("hostvars") or {}
    inventory = getattr(hostvars, "_inventory", None)  # HostVars keeps the InventoryManager

    def read() -> list[str]:
        if inventory is None:  # not ansible-core's HostVars: the full computation
            return [a for a in (_address(hostvars, n) for n in names) if a]
        found = []
        for name in names:
            host = inventory.get_host(name)
            if host is None:
                continue
            address = host.vars.get("ansible_host") or get_group_vars(host.get_groups()).get("ansible_host")
            if address:
                found.append(str(address))
        return found

    return read


def scope_of(ctx: ActionContext, posture: Posture) -> Scope:
    """The fleet context of this host: its own names, the declared CredSSP scope, the inventory."""
    declared = ctx.args.get("credssp_scope") or {}
    own = [ctx.host, ctx.settings.host]
    if posture.computer is not None and posture.computer.dns_host_name:
        fqdn = posture.computer.dns_host_name
        own += [fqdn, "%s.%s" % (fqdn, posture.computer.domain) if posture.computer.domain else fqdn]
    inventory = list((ctx.task_vars.get("groups") or {}).get("all") or [])
    return Scope(
        names=frozenset(n.lower() for n in own if n),
        jump_hosts=None if declared.get("jump_hosts") is None else _aliases(ctx.task_vars, declared["jump_hosts"]),
        clients=None if declared.get("clients") is None else _aliases(ctx.task_vars, declared["clients"]),
        known_hosts=FleetNames(inventory, _inventory_addresses(ctx.task_vars, inventory)) if inventory else None,
    )


class ActionModule(WSManAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, ctx: ActionContext) -> dict[str, Any]:
        profile = ctx.args.get("profile")
        posture = gather(ctx.client, policy=profile is not None)
        scope = scope_of(ctx, posture)
        findings = evaluate(posture, scope)
        auth = ctx.transport.auth_used
        result: dict[str, Any] = {
            "changed": False,
            "ansible_facts": {"winauth_winrm": posture.as_facts(scope.names)},
            "findings": [f.as_dict(ctx.host) for f in findings],
            "summary": {sev: sum(1 for f in findings if f.severity == sev) for sev in reversed(SEVERITIES)},
            "connection": {
                "endpoint": ctx.settings.endpoint,
                "auth": auth,
                "message_encryption": ctx.settings.encrypts_messages(auth or ""),
            },
        }
        if profile is not None:
            result["compliance"] = compliance(posture, profile, scope)
        failing = exceeds(findings, ctx.args["fail_on"])
        if failing:
            listed = ", ".join("%s (%s=%s)" % (f.id, f.setting, f.value) for f in failing)
            result["failed"] = True
            result["msg"] = "%d finding(s) at or above severity %r: %s" % (len(failing), ctx.args["fail_on"], listed)
        return result
