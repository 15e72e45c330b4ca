# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winauth.winrm.winrm_credssp (documentation in plugins/modules)."""

from __future__ import annotations

from functools import partial
from typing import Any

from ansible_collections.winauth.winrm.plugins.modules.winrm_credssp import ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._action import ActionContext, WSManAction, display
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.change import Change, plan
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import LEAVES, put_bodies
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.credssp import (
    FRESH,
    FRESH_NTLM,
    ROLE_LEAF,
    CredSSPState,
    gpo_delivered,
    plan_client,
    read_credssp,
    targets_from,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.delegation import RegWrite, preview
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.lockout import cut_reasons
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.write import (
    Item,
    Step,
    apply,
    classify,
    partial_result,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ProtocolError, SettingsError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import Registry
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import WSMAN_BASE


def _registry_step(registry: Registry, write: RegWrite) -> Step:
    return Step("StdRegProv %s %s" % (write.op, write.key), (Item(write.describe(), lambda s: write.holds(s.policy)),),
                partial(write.run, registry))


def _config_step(ctx: ActionContext, change: Change) -> Step:
    uri, body = next(iter(put_bodies([(change.key, change.after)]).items()))
    return Step("Put %s" % uri.removeprefix(WSMAN_BASE),
                (Item(change.describe(), lambda s: not plan(s.config, {change.key: change.after})),),
                partial(ctx.client.put, uri, body))


class ActionModule(WSManAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, ctx: ActionContext) -> dict[str, Any]:
        args = ctx.args
        role, enabled = args["role"], args["state"] == "enabled"
        targets: list[str] = []
        if role == "client" and enabled:
            if not args["delegate_computers"]:
                raise SettingsError("role: client with state: enabled needs delegate_computers, the exact list of "
                                    "jump hosts this host may hand credentials to")
            targets = targets_from(args["delegate_computers"], args["allow_wildcard"])

        before = read_credssp(ctx.client)
        key = ROLE_LEAF[role]
        if before.config.is_gpo(key):
            raise SettingsError(
                "Group Policy controls CredSSP for the %s role here (%s): the WinRM service refuses local changes "
                "(0x8033808A). Change that policy (or set it to Not Configured), run gpupdate, then re-run"
                % (role, LEAVES[key].policy_path))
        if role == "client":
            delivered = gpo_delivered(ctx.client, [FRESH, FRESH_NTLM] if args["ntlm_only"] else [FRESH])
            if delivered:
                raise SettingsError(
                    "%s: a local change would be undone at the next policy refresh. Change the delegation list in "
                    "that GPO (Computer Configuration > Administrative Templates > System > Credentials "
                    "Delegation), run gpupdate, then re-run" % "; ".join(delivered))
        switch = plan(before.config, {key: enabled})
        writes = plan_client(before, enabled, targets, args["ntlm_only"]) if role == "client" else []
        result: dict[str, Any] = {
            "changed": bool(switch or writes),
            "changes": [w.describe() for w in writes] + [c.describe() for c in switch],
        }
        reasons = cut_reasons(ctx.settings, ctx.transport.auth_used or "", switch)
        if reasons and not args["force"]:
            return {**result, "changed": False, "failed": True,
                    "msg": "refusing to lock this controller out of %s: %s. Connect with another transport first, "
                           "or pass force: true." % (ctx.host, "; ".join(reasons))}

        registry = Registry(ctx.client)
        reg_steps = [_registry_step(registry, w) for w in writes]
        cfg_steps = [_config_step(ctx, c) for c in switch]
        # Enabling: the list first, then the switch; disabling: the switch off first, then clean up.
        steps = reg_steps + cfg_steps if enabled else cfg_steps + reg_steps
        if ctx.diff and steps:
            lists = (FRESH, FRESH_NTLM)
            result["diff"] = {"before": {"%s.credssp" % role: before.config.value(key) is True,
                                         **preview(before.policy, [], lists)},
                              "after": {"%s.credssp" % role: enabled, **preview(before.policy, writes, lists)}}
        if not steps or ctx.check_mode:
            return {**result, **self._report(before)}

        outcome = apply(steps)
        if reasons:
            display.warning("%s: forced change may have cut this controller's connection: %s"
                            % (ctx.host, "; ".join(reasons)))
            return result
        after = read_credssp(ctx.client)
        if outcome.error is not None:
            applied, not_applied = classify(steps, after)
            return {**result, **partial_result(ctx.host, applied, not_applied, outcome.error,
                                               "fix the cause, then re-run this task (it applies only what is "
                                               "still missing)"), **self._report(after)}
        _applied, missing = classify(steps, after)
        if missing:
            raise ProtocolError("the host accepted the writes but still lacks: %s" % "; ".join(missing),
                                target=ctx.settings.endpoint, operation="confirm")
        return {**result, **self._report(after)}

    @staticmethod
    def _report(state: CredSSPState) -> dict[str, Any]:
        return {"credssp": state.as_dict(), "get_wsmancredssp": state.get_wsmancredssp()}
