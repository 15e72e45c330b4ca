# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter plugin winauth.winrm.explain (documentation in explain.yml)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.winauth.winrm.plugins.plugin_utils._explain import UNKNOWN, match, sentence
from ansible_collections.winauth.winrm.plugins.plugin_utils._explain import explain as _explain


def explain(text: Any, details: bool = False) -> str | dict[str, Any]:
    """``[layer] cause. Fix: fix`` for an error text, or the dict with ``details=true``.

    Args:
        text: the error message (``ansible_failed_result.msg``); a result dict is read for its ``msg``.
        details: return ``{"id", "layer", "cause", "fix", "matched"}`` instead of one line.

    Returns:
        One line, or the dict.

    Raises:
        AnsibleFilterError: ``details`` is not a boolean.
    """
    if not isinstance(details, bool):
        raise AnsibleFilterError("winauth.winrm.explain: details must be true or false, got %r" % (details,))
    if isinstance(text, dict):
        text = text.get("msg", "")
    if details:
        return _explain(text)
    return sentence(match(text) or UNKNOWN)


class FilterModule:
    """winauth.winrm filters."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"explain": explain}
