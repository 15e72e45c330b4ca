# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The winrm_probe action: result shape, fail switch and redaction (the step table is faked)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.action import winrm_probe
from ansible_collections.winauth.winrm.plugins.plugin_utils._action import ActionContext
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.step import Step, ok, problem
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import build_settings

SECRET = "Pr0be-S3cret!"


def _execute(monkeypatch: pytest.MonkeyPatch, found: list[Step], **args: Any) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def fake_run(probe: Any, only: tuple[str, ...]) -> list[Step]:
        seen["only"], seen["timeout"] = only, probe.timeout
        probe.steps = {s.name: s for s in found}
        return found

    monkeypatch.setattr(winrm_probe, "run", fake_run)
    settings = build_settings("win01.example.com", username="bob", password=SECRET, transport="ntlm")
    ctx = ActionContext(None, settings, SimpleNamespace(auth_used="ntlm"),  # type: ignore[arg-type]
                        {"steps": None, "timeout": 0, "fail": True, **args}, "win01")
    result = object.__new__(winrm_probe.ActionModule).execute(ctx)
    result["_seen"] = seen
    return result


def test_healthy_result(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _execute(monkeypatch, [ok("dns", "fine"), ok("roundtrip", "ntlm authenticated bob", auth="ntlm")])
    assert result["healthy"] is True and "failed" not in result and result["changed"] is False
    assert result["auth"] == "ntlm" and (result["layer"], result["cause"], result["fix"]) == (None, None, None)
    assert result["msg"] == "http://win01.example.com:5985/wsman: OK - ntlm authenticated bob"
    assert result["_seen"]["only"][0] == "dns" and result["_seen"]["timeout"] == 1  # at least one second


def test_failure_fails_unless_told_not_to_and_never_shows_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    leaky = problem("roundtrip", "ntlm-rejected", "library said %s" % SECRET, error="pw=%s" % SECRET)
    result = _execute(monkeypatch, [ok("dns", "fine"), leaky])
    assert result["failed"] is True and result["healthy"] is False and result["auth"] is None
    assert (result["layer"], result["cause"]) == ("credentials", "ntlm-rejected")
    assert SECRET not in repr(result) and "********" in result["msg"]
    quiet = _execute(monkeypatch, [leaky], fail=False, steps=["roundtrip"])
    assert "failed" not in quiet and quiet["healthy"] is False and quiet["_seen"]["only"] == ("roundtrip",)
