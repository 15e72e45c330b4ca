# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winauth.winrm.winrm_info (documentation in plugins/modules)."""

from __future__ import annotations

from typing import Any

from ansible_collections.winauth.winrm.plugins.modules.winrm_info import ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._action import ActionContext, WSManAction
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import SEVERITIES, exceeds
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.winrm import evaluate
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.posture import gather


class ActionModule(WSManAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, ctx: ActionContext) -> dict[str, Any]:
        posture = gather(ctx.client)
        findings = evaluate(posture)
        auth = ctx.transport.auth_used
        result: dict[str, Any] = {
            "changed": False,
            "ansible_facts": {"winauth_winrm": posture.as_facts()},
            "findings": [f.as_dict(ctx.host) for f in findings],
            "summary": {sev: sum(1 for f in findings if f.severity == sev) for sev in reversed(SEVERITIES)},
            "connection": {
                "endpoint": ctx.settings.endpoint,
                "auth": auth,
                "message_encryption": ctx.settings.encrypts_messages(auth or ""),
            },
        }
        failing = exceeds(findings, ctx.args["fail_on"])
        if failing:
            listed = ", ".join("%s (%s=%s)" % (f.id, f.setting, f.value) for f in failing)
            result["failed"] = True
            result["msg"] = "%d finding(s) at or above severity %r: %s" % (len(failing), ctx.args["fail_on"], listed)
        return result
