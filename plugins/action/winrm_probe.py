# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winauth.winrm.winrm_probe (documentation in plugins/modules)."""

from __future__ import annotations

from typing import Any

from ansible_collections.winauth.winrm.plugins.modules.winrm_probe import ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._action import ActionContext, WSManAction
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.run import NAMES, Probe, run
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.step import redact, verdict


class ActionModule(WSManAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, ctx: ActionContext) -> dict[str, Any]:
        # The base builds the transport without connecting; every probe error is caught by its step,
        # so nothing reaches the base's unreachable handling: finding the failure is the result.
        args = ctx.args
        probe = Probe(ctx.settings, ctx.transport, ctx.client, timeout=max(1, args["timeout"]))
        steps = run(probe, tuple(args["steps"] or NAMES))
        healthy, line = verdict(ctx.settings.endpoint, steps)
        first = next((s for s in steps if s.status == "fail"), None)
        trip = probe.steps.get("roundtrip")
        result: dict[str, Any] = {
            "changed": False,
            "msg": line,
            "healthy": healthy,
            "layer": first.layer if first else None,
            "cause": first.cause if first else None,
            "fix": first.fix if first else None,
            "auth": trip.evidence.get("auth") if trip is not None and trip.status == "ok" else None,
            "endpoint": ctx.settings.endpoint,
            "steps": [s.as_dict() for s in steps],
        }
        if not healthy and args["fail"]:
            result["failed"] = True
        # Belt and braces: no library message may carry the password into the result.
        return redact(result, ctx.settings.password)
