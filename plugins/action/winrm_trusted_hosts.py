# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winauth.winrm.winrm_trusted_hosts (documentation in plugins/modules)."""

from __future__ import annotations

from typing import Any

from ansible_collections.winauth.winrm.plugins.modules.winrm_trusted_hosts import ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._action import ActionContext, WSManAction
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import (
    WinRMConfig,
    put_bodies,
    read_config,
    trusted_hosts_entries,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.policy import OPTIONS
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.trusted_hosts import plan_entries, validate_entries
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.write import Item, Step, apply, partial_result
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ProtocolError, SettingsError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import WSMAN_BASE

KEY = "client.trusted_hosts"


def gpo_message(config: WinRMConfig) -> str:
    """Why the list cannot be changed here, naming the policy."""
    option = OPTIONS["client_trusted_hosts"]
    return ("Group Policy controls TrustedHosts here (the \"Trusted Hosts\" policy, HKLM\\%s\\%s=1 with the list "
            "in %s, currently %r): the WinRM service refuses local changes (0x8033808A). Change the list in that "
            "policy (Computer Configuration > Administrative Templates > Windows Components > Windows Remote "
            "Management > WinRM Client), or set it to Not Configured / winauth.winrm.winrm_policy absent: "
            "[client_trusted_hosts] if it is local, then re-run"
            % (option.key, option.switch, option.path, config.value(KEY) or ""))


class ActionModule(WSManAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, ctx: ActionContext) -> dict[str, Any]:
        state = ctx.args["state"]
        entries = validate_entries(ctx.args["entries"] or [], state != "absent", ctx.args["allow_wildcard"])
        config = read_config(ctx.client)
        before = trusted_hosts_entries(config.value(KEY))
        after = plan_entries(before, entries, state)
        result: dict[str, Any] = {"changed": after != before, "trusted_hosts": after if ctx.check_mode else before}
        if ctx.diff and after != before:
            result["diff"] = {"before": {"trusted_hosts": before}, "after": {"trusted_hosts": after}}
        if after == before:
            return result
        if config.is_gpo(KEY):
            raise SettingsError(gpo_message(config))
        if ctx.check_mode:
            return result

        uri, body = next(iter(put_bodies([(KEY, ",".join(after))]).items()))
        describe = "%s: %r -> %r" % (KEY, ",".join(before), ",".join(after))
        step = Step("Put %s" % uri.removeprefix(WSMAN_BASE),
                    (Item(describe, lambda fresh: trusted_hosts_entries(fresh.value(KEY)) == after),),
                    lambda: ctx.client.put(uri, body))
        outcome = apply([step])
        fresh = read_config(ctx.client)
        now = trusted_hosts_entries(fresh.value(KEY))
        if outcome.error is not None:
            done = now == after
            return {**result, "trusted_hosts": now,
                    **partial_result(ctx.host, [describe] if done else [], [] if done else [describe], outcome.error,
                                     "fix the cause, then re-run this task")}
        if now != after:
            raise ProtocolError("the host accepted the TrustedHosts Put but reads back %r" % ",".join(now),
                                target=ctx.settings.endpoint, operation="confirm")
        return {**result, "trusted_hosts": now}
