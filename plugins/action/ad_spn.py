# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winauth.winrm.ad_spn (documentation in plugins/modules)."""

from __future__ import annotations

from typing import Any

from ansible_collections.winauth.winrm.plugins.modules.ad_spn import ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.spn import (
    SpnDirectory,
    apply_change,
    parse_spn,
    plan_change,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._adaction import ADAction


class ActionModule(ADAction):
    AD_PLUGIN = "winauth.winrm.ad_spn"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        for spn in args["spns"]:
            parse_spn(spn)  # a malformed SPN fails before the DC is contacted
        with self.ad_connection() as ad:
            directory = SpnDirectory(ad)
            change = plan_change(directory, args["account"], args["spns"], args["state"], args["move"])
            after = change.after
            if change.changed and not self._task.check_mode:
                after = apply_change(directory, change)
        result: dict[str, Any] = {
            "changed": change.changed, "spns": after, "added": change.add, "removed": change.remove,
            "moved": change.moved, "account": change.target.as_dict(),
            "diff": {"before": {"spns": change.before}, "after": {"spns": after}},
        }
        if change.warnings:
            result["warnings"] = change.warnings
        return result
