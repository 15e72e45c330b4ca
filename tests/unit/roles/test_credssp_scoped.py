# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""credssp_scoped: what CREDSSP-06 would pass to ansible.windows.win_user_right (real Windows only)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROLE = Path(__file__).resolve().parents[3] / "roles" / "credssp_scoped"


def test_deny_logon_rights_arguments() -> None:
    (task,) = yaml.safe_load((ROLE / "tasks" / "deny_logon.yml").read_text(encoding="utf-8"))
    assert task["ansible.windows.win_user_right"] == {
        "name": "{{ item }}", "users": ["{{ credssp_scoped_service_account }}"], "action": "add"}
    assert task["loop"] == "{{ credssp_scoped_user_rights }}"
    rights = yaml.safe_load((ROLE / "vars" / "main.yml").read_text(encoding="utf-8"))["credssp_scoped_user_rights"]
    # "Deny log on locally" and "Deny log on through Remote Desktop Services"
    assert rights == ["SeDenyInteractiveLogonRight", "SeDenyRemoteInteractiveLogonRight"]


def test_deny_logon_is_a_dynamic_include_behind_its_toggle() -> None:
    tasks = yaml.safe_load((ROLE / "tasks" / "open.yml").read_text(encoding="utf-8"))
    (include,) = [t for t in tasks if t["name"].startswith("CREDSSP-06")]
    assert include["ansible.builtin.include_tasks"] == "deny_logon.yml"
    assert "credssp_scoped_deny_logon_rights | bool" in include["when"]
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text(encoding="utf-8"))
    assert defaults["credssp_scoped_deny_logon_rights"] is False


def test_one_boolean_per_control_and_every_task_named_by_its_control() -> None:
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text(encoding="utf-8"))
    spec = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))["argument_specs"]
    window_only = {"credssp_scoped_work_tasks", "credssp_scoped_work_transport"}
    assert set(defaults) == set(spec["main"]["options"]) | window_only
    for path in (ROLE / "tasks").glob("*.yml"):
        for task in yaml.safe_load(path.read_text(encoding="utf-8")):
            assert task["name"].startswith("CREDSSP"), (path.name, task["name"])
