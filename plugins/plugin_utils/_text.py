# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two shape helpers every package uses: shortening untrusted text, nesting dotted keys.

For internal collection use only; this is not a public API.

A leaf like :mod:`._errors`: it imports nothing of the collection's, so ``_wsman``, ``_winrm``,
``_ad`` and ``_kerberos`` can all use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ELLIPSIS = "…"


def shorten(text: object, limit: int = 300) -> str:
    """``str(text)`` cut to ``limit`` characters (marked with an ellipsis) for messages.

    Text from hosts and libraries is untrusted and may be huge; every message that quotes it
    goes through here so no error or fact carries more than ``limit`` characters of it.
    """
    value = str(text)
    return value if len(value) <= limit else value[: max(limit - 1, 0)] + ELLIPSIS


def nested(values: Mapping[str, Any]) -> dict[str, Any]:
    """``{"service.auth.basic": True}`` → ``{"service": {"auth": {"basic": True}}}`` (keys sorted)."""
    tree: dict[str, Any] = {}
    for key, value in sorted(values.items()):
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return tree
