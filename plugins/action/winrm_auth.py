# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winauth.winrm.winrm_auth (documentation in plugins/modules)."""

from __future__ import annotations

from functools import partial
from typing import Any

from ansible_collections.winauth.winrm.plugins.modules.winrm_auth import ARGUMENT_SPEC, REQUIRED_ONE_OF
from ansible_collections.winauth.winrm.plugins.plugin_utils._action import ActionContext, WSManAction, display
from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError
from ansible_collections.winauth.winrm.plugins.plugin_utils._text import nested
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.change import Change, gpo_message, plan
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import (
    LEAVES,
    Value,
    WinRMConfig,
    option_leaves,
    put_bodies,
    read_config,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.lockout import cut_reasons
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.write import (
    Item,
    Step,
    apply,
    classify,
    partial_result,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ProtocolError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.faults import GPOControlledFault
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import WSMAN_BASE

# (module option section, option) -> config leaf, from the leaf table
_OPTIONS = option_leaves()


def desired_values(args: dict[str, Any]) -> dict[str, Value]:
    """Module arguments → ``{leaf key: wanted value}`` for the options given."""
    wanted: dict[str, Value] = {}
    for side in ("service", "client"):
        for option in ARGUMENT_SPEC[side]["options"]:  # type: ignore[index]  # the documented order
            value = (args.get(side) or {}).get(option)
            if value is not None:
                wanted[_OPTIONS[(side, option)].key] = value
    return wanted


def _steps(client: WSManClient, changes: list[Change]) -> list[Step]:
    """One Put per config sub-resource, carrying that sub-resource's changes.

    Windows takes a partial Put of one sub-resource (``config/service/auth``); whether it
    takes nested sub-resources in one Put of ``config`` is not confirmed, so changes across
    sub-resources are separate Puts, and :func:`apply` reports them honestly when one fails.
    """
    groups: dict[str, list[Change]] = {}
    for c in changes:
        groups.setdefault(LEAVES[c.key].resource_uri, []).append(c)
    bodies = put_bodies((c.key, c.after) for c in changes)
    return [
        Step("Put %s" % uri.removeprefix(WSMAN_BASE), tuple(_item(c) for c in group),
             partial(client.put, uri, bodies[uri]))
        for uri, group in groups.items()
    ]


def _item(change: Change) -> Item:
    return Item(change.describe(), lambda config: not plan(config, {change.key: change.after}))


class ActionModule(WSManAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_ONE_OF = REQUIRED_ONE_OF

    def execute(self, ctx: ActionContext) -> dict[str, Any]:
        wanted = desired_values(ctx.args)
        before = read_config(ctx.client)
        changes = plan(before, wanted)
        result: dict[str, Any] = {"changed": bool(changes), "changes": [c.describe() for c in changes]}
        if not wanted:
            return {**result, "config": {}, "msg": "no setting given: nothing to enforce"}

        blocked = [c for c in changes if c.gpo]
        if blocked:
            return {**result, "changed": False, "failed": True, "msg": gpo_message(blocked)}
        reasons = cut_reasons(ctx.settings, ctx.transport.auth_used or "", changes)
        if reasons and not ctx.args["force"]:
            return {
                **result, "changed": False, "failed": True,
                "msg": "refusing to lock this controller out of %s: %s. Fix the connection first, or pass "
                       "force: true to apply anyway." % (ctx.host, "; ".join(reasons)),
            }
        if ctx.diff and changes:
            result["diff"] = {
                "before": nested({c.key: c.before for c in changes}),
                "after": nested({c.key: c.after for c in changes}),
            }
        if not changes or ctx.check_mode:
            return {**result, "config": nested({k: before.value(k) for k in wanted})}

        steps = _steps(ctx.client, changes)
        outcome = apply(steps)
        if outcome.error is not None:
            return {**result, **self._partly(ctx, changes, steps, outcome.applied, outcome.not_applied,
                                             outcome.error)}
        if reasons:
            # Forced past the guard: the connection we would confirm with may be gone.
            display.warning("%s: forced change may have cut this controller's connection: %s"
                            % (ctx.host, "; ".join(reasons)))
            return {**result, "config": nested({c.key: c.after for c in changes})}

        after = read_config(ctx.client)
        wrong = [c for c in changes if plan(after, {c.key: c.after})]
        if wrong:
            raise ProtocolError(
                "the host accepted the Put but still reports %s"
                % ", ".join("%s=%r" % (c.key, after.value(c.key)) for c in wrong),
                target=ctx.settings.endpoint, operation="confirm",
            )
        return {**result, "config": nested({k: after.value(k) for k in wanted})}

    @staticmethod
    def _partly(ctx: ActionContext, changes: list[Change], steps: list[Step], applied: list[str],
                not_applied: list[str], error: WinAuthError) -> dict[str, Any]:
        """A Put failed: read the host again and report which changes it really has."""
        after: WinRMConfig | None = None
        reread_error: WinAuthError | None = None
        try:
            after = read_config(ctx.client)
        except WinAuthError as e:
            reread_error = e
        else:
            applied, not_applied = classify(steps, after)
        if after is not None and isinstance(error, GPOControlledFault):
            now_gpo = [Change(c.key, after.value(c.key), c.after, True) for c in changes if after.is_gpo(c.key)]
            finish = gpo_message(now_gpo) if now_gpo else "re-run this task"
        else:
            finish = "fix the cause, then re-run this task (it applies only what is still missing)"
        data = partial_result(ctx.host, applied, not_applied, error, finish, reread_error)
        if after is not None:
            data["config"] = nested({c.key: after.value(c.key) for c in changes})
        return data
