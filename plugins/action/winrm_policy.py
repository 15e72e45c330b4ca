# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winauth.winrm.winrm_policy (documentation in plugins/modules)."""

from __future__ import annotations

from functools import partial
from typing import Any

from ansible_collections.winauth.winrm.plugins.modules.winrm_policy import ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._action import ActionContext, WSManAction, display
from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.change import Change
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import WinRMConfig, read_config
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.lockout import (
    auto_config_reasons,
    cut_reasons,
    shell_and_service_reasons,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.policy import (
    OPTIONS,
    OptionValue,
    PolicyState,
    PolicyWrite,
    missing_keys,
    plan_policy,
    read_policy,
    validate,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.rsop import gpo_values
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.write import (
    Item,
    Step,
    apply,
    classify,
    partial_result,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ProtocolError, SettingsError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import Registry


def desired_from(args: dict[str, Any]) -> tuple[dict[str, OptionValue], list[str]]:
    """The wanted values and the options to delete, validated.

    Raises:
        SettingsError: a value of the wrong type or choice, an unknown name in ``absent``, or an
            option both set and in ``absent``.
    """
    desired: dict[str, OptionValue] = {}
    for name in OPTIONS:
        if args.get(name) is not None:
            try:
                desired[name] = validate(name, args[name])
            except ValueError as e:
                raise SettingsError(str(e)) from None
    absent = list(dict.fromkeys(args.get("absent") or []))
    unknown = [n for n in absent if n not in OPTIONS]
    if unknown:
        raise SettingsError("absent names unknown options %s; valid names: %s"
                            % (", ".join(unknown), ", ".join(OPTIONS)))
    both = [n for n in absent if n in desired]
    if both:
        raise SettingsError("%s both set and listed in absent: give a value or delete it, not both" % ", ".join(both))
    return desired, absent


def leaf_changes(writes: list[PolicyWrite], config: WinRMConfig) -> list[Change]:
    """The effect of the writes on config leaves (and the leafless values, as ``policy.<option>``).

    A deleted policy value hands the leaf back to the local configuration, which the config Get
    cannot show while the policy overrides it, so deletions of leaf values are not judged.
    """
    changes = []
    for write in writes:
        option = write.option
        if option.leaf is None:
            changes.append(Change("policy." + option.name, write.before, write.after, False))
        elif write.after is not None:
            after = write.after if isinstance(write.after, bool) or option.mapping is None \
                else option.to_data(write.after)
            changes.append(Change(option.leaf, config.value(option.leaf), after, config.is_gpo(option.leaf)))
    return changes


def gpo_refusal(client: WSManClient, writes: list[PolicyWrite]) -> str | None:
    """A message naming each GPO that delivers one of the values written (None when none does)."""
    delivered = {(v.key.lower(), v.name.lower()): v for v in gpo_values(client, "SOFTWARE")}
    found = []
    for write in writes:
        for name in (write.option.value, write.option.switch):
            hit = delivered.get((write.option.key.lower(), (name or "").lower())) if name else None
            if hit is not None:
                found.append("%s (%s) is delivered by Group Policy object %r" % (write.option.name, hit.path, hit.gpo))
                break
    if not found:
        return None
    return ("%s: a local change would be undone at the next policy refresh. Change the setting in that GPO "
            "(or set it to Not Configured there), run gpupdate, then re-run" % "; ".join(found))


_AUTO_CONFIG = ("service_allow_auto_config", "service_ipv4_filter")


def _after(before: PolicyState, desired: dict[str, OptionValue], absent: list[str], name: str) -> object:
    """An option's configured value once the task has run."""
    if name in desired:
        return desired[name]
    return None if name in absent else before.value(name)


def _step(registry: Registry, write: PolicyWrite) -> Step:
    return Step("StdRegProv %s" % write.option.path, (Item(write.describe(), write.holds),),
                partial(write.run, registry))


class ActionModule(WSManAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, ctx: ActionContext) -> dict[str, Any]:
        desired, absent = desired_from(ctx.args)
        registry = Registry(ctx.client)
        before = read_policy(registry)
        writes = plan_policy(before, desired, absent)
        result: dict[str, Any] = {"changed": bool(writes), "changes": [w.describe() for w in writes]}
        if ctx.diff and writes:
            managed = sorted({*desired, *absent})
            result["diff"] = {"before": {n: before.value(n) for n in managed},
                              "after": {n: desired.get(n) for n in managed}}
        if not writes:
            return {**result, "policy": before.as_dict()}

        refusal = gpo_refusal(ctx.client, writes)
        if refusal is not None:
            return {**result, "changed": False, "failed": True, "msg": refusal}
        changes = leaf_changes(writes, read_config(ctx.client))
        reasons = cut_reasons(ctx.settings, ctx.transport.auth_used or "", changes) \
            + shell_and_service_reasons(ctx.settings, changes) \
            + (auto_config_reasons(*(_after(before, desired, absent, n) for n in _AUTO_CONFIG))
               if any(w.option.name in _AUTO_CONFIG for w in writes) else [])
        if reasons and not ctx.args["force"]:
            return {**result, "changed": False, "failed": True,
                    "msg": "refusing to lock this controller out of %s: %s. Connect another way first, "
                           "or pass force: true." % (ctx.host, "; ".join(reasons))}
        if ctx.check_mode:
            return {**result, "policy": before.as_dict()}

        steps = [Step("StdRegProv CreateKey %s" % key, (), partial(registry.create_key, key))
                 for key in missing_keys(before, writes)]
        steps += [_step(registry, w) for w in writes]
        outcome = apply(steps)
        if reasons:
            display.warning("%s: forced change may have cut this controller's connection: %s"
                            % (ctx.host, "; ".join(reasons)))
            return result
        finish = "fix the cause, then re-run this task (it applies only what is still missing)"
        try:
            after = read_policy(registry)
        except WinAuthError as e:
            if outcome.error is None:
                raise
            # The cause (access lost, the host gone) often stops the read-back too: report what was acknowledged.
            return {**result, **partial_result(ctx.host, outcome.applied, outcome.not_applied, outcome.error, finish,
                                               reread_error=e)}
        if outcome.error is not None:
            applied, not_applied = classify(steps, after)
            return {**result, **partial_result(ctx.host, applied, not_applied, outcome.error, finish),
                    "policy": after.as_dict()}
        _applied, missing = classify(steps, after)
        if missing:
            raise ProtocolError("the host accepted the writes but still lacks: %s" % "; ".join(missing),
                                target=ctx.settings.endpoint, operation="confirm")
        return {**result, "policy": after.as_dict()}
