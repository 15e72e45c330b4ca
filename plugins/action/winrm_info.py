# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winauth.winrm.winrm_info (documentation in plugins/modules)."""

from __future__ import annotations

from typing import Any

from ansible_collections.winauth.winrm.plugins.modules.winrm_info import ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._action import ActionContext, WSManAction
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import SEVERITIES, Scope, exceeds
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.hardening import compliance
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.host import evaluate
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.posture import Posture, gather


def _aliases(task_vars: dict[str, Any], names: list[str]) -> frozenset[str]:
    """Inventory names and each one's ansible_host, lower case."""
    hostvars = task_vars.get("hostvars") or {}
    found = set()
    for name in names:
        found.add(str(name).lower())
        # Not an inventory host: the name alone. Ask before indexing: on ansible-core 2.19+
        # hostvars[<unknown host>] is a lazy undefined whose .get() fails outside a template
        # context ("A required TemplateContext context is not active"), not a KeyError.
        try:
            address = hostvars[name].get("ansible_host") if name in hostvars else None
        except (KeyError, TypeError):
            address = None
        if address:
            found.add(str(address).lower())
    return frozenset(found)


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
        known_hosts=_aliases(ctx.task_vars, inventory) if inventory else None,
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
