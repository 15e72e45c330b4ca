# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter plugin winauth.winrm.hardening_plan (documentation in hardening_plan.yml)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.winauth.winrm.plugins.plugin_utils._report.fleet import ReportInputError, plan


def hardening_plan(compliance: Any, switches: Any = None, exempt: Any = None) -> dict[str, Any]:
    """What the hardening role patches on one host, and why the rest is left alone.

    Args:
        compliance: ``winrm_info``'s ``compliance`` table.
        switches: ``{control id: bool}`` (missing controls are on).
        exempt: ``{control id: reason}`` of controls that do not apply to this host.

    Returns:
        ``{"todo", "want", "skipped", "gpo"}`` (see ``_report.fleet.plan``).

    Raises:
        AnsibleFilterError: the table or the mappings are malformed.
    """
    for name, value in (("switches", switches), ("exempt", exempt)):
        if value is not None and not isinstance(value, Mapping):
            raise AnsibleFilterError("winauth.winrm.hardening_plan: %s must be a mapping of control id to "
                                     "value, got %s" % (name, type(value).__name__))
    try:
        return plan(compliance, switches or {}, exempt or {})
    except ReportInputError as e:
        raise AnsibleFilterError("winauth.winrm.hardening_plan: %s" % e) from None


class FilterModule:
    """winauth.winrm filters."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"hardening_plan": hardening_plan}
