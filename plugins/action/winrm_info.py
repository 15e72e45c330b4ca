# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winauth.winrm.winrm_info (documentation in plugins/modules)."""

from __future__ import annotations

from typing import Any

from ansible_collections.winauth.winrm.plugins.modules.winrm_info import ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._action import WSManAction
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import SEVERITIES, evaluate, exceeds
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.posture import gather
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import WSManSettings
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.transport import WSManTransport


class ActionModule(WSManAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, client: WSManClient, settings: WSManSettings, transport: WSManTransport,
                args: dict[str, Any], host: str) -> dict[str, Any]:
        posture = gather(client)
        findings = evaluate(posture)
        result: dict[str, Any] = {
            "changed": False,
            "ansible_facts": {"winauth_winrm": posture.as_facts()},
            "findings": [f.as_dict(host) for f in findings],
            "summary": {sev: sum(1 for f in findings if f.severity == sev) for sev in reversed(SEVERITIES)},
            "connection": {
                "endpoint": settings.endpoint,
                "auth": transport.auth_used,
                "message_encryption": settings.encrypts_messages(transport.auth_used or ""),
            },
        }
        failing = exceeds(findings, args["fail_on"])
        if failing:
            listed = ", ".join("%s (%s=%s)" % (f.id, f.setting, f.value) for f in failing)
            result["failed"] = True
            result["msg"] = "%d finding(s) at or above severity %r: %s" % (len(failing), args["fail_on"], listed)
        return result
