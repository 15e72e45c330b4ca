# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compliance rows in winrm_info's documented shape (/work/contracts.md), for the report tests."""

from __future__ import annotations

from typing import Any

HOSTILE = '<script>alert("x")</script>&"\'<img src=x onerror=alert(1)>'


def row(control: str, status: str, actual: Any = False, want: Any = False, **extra: Any) -> dict[str, Any]:
    """One compliance row; metadata derived from the id unless given."""
    return {
        "control": control, "title": extra.pop("title", "title of %s" % control),
        "setting": extra.pop("setting", control.lower()), "want": want, "actual": actual,
        "follows": extra.pop("follows", "CIS 2022 v4"), "refs": extra.pop("refs", ["CIS 18.10.89.2.1"]),
        "profile": extra.pop("profile", "baseline"), "status": status,
        "source": extra.pop("source", "gpo" if status == "gpo" else "local"),
        "module": extra.pop("module", "winauth.winrm.winrm_auth"), "option": extra.pop("option", "service.basic"),
        **extra,
    }
