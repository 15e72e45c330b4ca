# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired-state diff for WinRM configuration values.

For internal collection use only; this is not a public API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import LEAVES, Value, WinRMConfig


@dataclass(frozen=True)
class Change:
    """One value that differs from what is wanted."""

    key: str
    before: Value
    after: Value
    gpo: bool

    def describe(self) -> str:
        return "%s: %s -> %s" % (self.key, _show(self.before), _show(self.after))


def _show(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "(absent)" if value is None else repr(value)


def _equal(current: Value, wanted: Value) -> bool:
    # WinRM compares CbtHardeningLevel case-insensitively; so do we, to stay idempotent.
    if isinstance(current, str) and isinstance(wanted, str):
        return current.lower() == wanted.lower()
    return current == wanted


def plan(config: WinRMConfig, desired: Mapping[str, Value]) -> list[Change]:
    """Changes needed to reach ``desired`` (keys from :data:`LEAVES`; None = leave alone).

    Raises:
        KeyError: a key is not a known leaf (a programming error, not user input).
    """
    changes = []
    for key, wanted in desired.items():
        if wanted is None:
            continue
        LEAVES[key]
        current = config.value(key)
        if not _equal(current, wanted):
            changes.append(Change(key, current, wanted, config.is_gpo(key)))
    return changes


def gpo_message(blocked: list[Change]) -> str:
    """Explain which wanted values Group Policy prevents, naming each policy value."""
    parts = [
        "%s (wanted %s, policy sets %s via %s)"
        % (c.key, _show(c.after), _show(c.before), LEAVES[c.key].policy_path or "Group Policy")
        for c in blocked
    ]
    return (
        "Group Policy controls %s. The WinRM service refuses local changes to policy-controlled values "
        "(0x8033808A): change the GPO (or set the policy to Not Configured), run gpupdate, then re-run."
        % "; ".join(parts)
    )
