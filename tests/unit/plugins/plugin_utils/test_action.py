# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WSManAction.run itself: argument errors reach the user as the argument-spec message."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.winauth.winrm.plugins.action import winrm_auth, winrm_info
from ansible_collections.winauth.winrm.plugins.plugin_utils._action import WSManAction


def _action(cls: type[WSManAction], args: dict[str, Any]) -> WSManAction:
    """An action as the task executor builds it, minus what argument validation never touches."""
    action = object.__new__(cls)
    action._task = SimpleNamespace(args=args, async_val=0, check_mode=False, diff=False,  # type: ignore[assignment]
                                   action="winauth.winrm.x", get_name=lambda: "t")
    action._connection = SimpleNamespace(_shell=SimpleNamespace(tmpdir=None))  # type: ignore[assignment]
    action._load_name = "winauth.winrm.x"
    return action


@pytest.mark.parametrize(("cls", "args", "expected"), [
    (winrm_info.ActionModule, {"fail_on": "bogus"}, "value of fail_on must be one of: none, low, medium, high"),
    (winrm_info.ActionModule, {"nonsense": 1}, "Unsupported parameters for (winauth.winrm.x) module: nonsense"),
    (winrm_auth.ActionModule, {"force": True}, "one of the following is required: service, client"),
    (winrm_auth.ActionModule, {"service": {"cbt_hardening_level": "Tight"}},
     "value of cbt_hardening_level must be one of: None, Relaxed, Strict"),
])
def test_argument_errors_give_the_spec_message(cls: type[WSManAction], args: dict[str, Any], expected: str) -> None:
    result = _action(cls, args).run(task_vars={"inventory_hostname": "win01"})
    assert result["failed"] is True
    assert expected in result["msg"], result
    assert "Unknown error" not in result["msg"]


def test_message_kept_when_the_exception_result_has_none(monkeypatch: pytest.MonkeyPatch) -> None:
    # ansible-core 2.21 raises AnsibleActionFail whose .result no longer carries msg.
    def refuse(**_kwargs: Any) -> Any:
        raise AnsibleActionFail("value of fail_on must be one of: none, low, medium, high, got: bogus", result={})

    action = _action(winrm_info.ActionModule, {"fail_on": "bogus"})
    monkeypatch.setattr(action, "validate_argument_spec", refuse)
    result = action.run(task_vars={})
    assert result["failed"] is True
    assert result["msg"] == "value of fail_on must be one of: none, low, medium, high, got: bogus"
