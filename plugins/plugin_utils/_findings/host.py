# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every rule that judges one host, in catalogue order.

For internal collection use only; this is not a public API.

docs/findings.md is this catalogue (``catalogue_markdown(RULES)``); a unit test keeps the two equal.
"""

from __future__ import annotations

from ansible_collections.winauth.winrm.plugins.plugin_utils._findings import credssp, hardening, listener, winrm
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import Finding, Rule, Scope
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import evaluate as _evaluate
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.posture import Posture

RULES: tuple[Rule, ...] = (*winrm.RULES, *credssp.RULES, *listener.RULES, *hardening.RULES)


def evaluate(posture: Posture, scope: Scope | None = None) -> list[Finding]:
    """Every rule on one host's posture; highest severity first, then by id."""
    return _evaluate(posture, RULES, scope)
