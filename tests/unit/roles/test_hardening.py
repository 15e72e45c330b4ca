# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hardening role: one boolean per control, one patch task per control, all named alike."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ansible_collections.winauth.winrm.plugins.plugin_utils._report.fleet import patch_var, switch_var

ROLE = Path(__file__).resolve().parents[3] / "roles" / "hardening"
PROFILES = {"baseline", "strict"}


def _load(*parts: str) -> Any:
    return yaml.safe_load((ROLE.joinpath(*parts)).read_text(encoding="utf-8"))


def _patches() -> list[dict[str, Any]]:
    return [t for t in _load("tasks", "patch.yml") if " | PATCH | " in t["name"]]


def test_switches_defaults_and_argument_spec_agree() -> None:
    switches = _load("vars", "main.yml")["hardening_switches"]
    defaults = _load("defaults", "main.yml")
    options = _load("meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    # the CredSSP scope is the credssp_scoped role's own variables (no default here: not ours to prefix)
    assert set(defaults) == set(options) - {"credssp_scoped_clients", "credssp_scoped_jump_hosts"}
    for control, expression in switches.items():
        var = switch_var(control)
        assert expression == "{{ %s }}" % var
        assert defaults[var] is True and options[var]["type"] == "bool" and options[var]["default"] is True
        assert options[var]["description"][0].startswith(control + ": ")
    per_control = {k for k in defaults if k.startswith("hardening_winrm_")}
    assert per_control == {switch_var(c) for c in switches}


def test_one_patch_task_per_control_named_tagged_registered() -> None:
    switches = _load("vars", "main.yml")["hardening_switches"]
    tasks = _patches()
    assert [t["name"].split(" | ")[0] for t in tasks if t["name"].split(" | ")[0] in switches] \
        and {t["name"].split(" | ")[0] for t in tasks} == set(switches)
    for task in tasks:
        control = task["name"].split(" | ")[0]
        assert re.fullmatch(r"[A-Z0-9-]+ \| PATCH \| \S.*", task["name"]), task["name"]
        assert task["register"] == patch_var(control)
        assert task["when"] == "'%s' in hardening_plan.todo" % control
        assert control in task["tags"] and PROFILES & set(task["tags"]), task["tags"]
        module = next(k for k in task if k.startswith("winauth.winrm."))
        assert module in ("winauth.winrm.winrm_auth", "winauth.winrm.winrm_credssp", "winauth.winrm.winrm_policy",
                          "winauth.winrm.winrm_trusted_hosts", "winauth.winrm.winrm_listener")


def test_report_mode_reads_once_and_never_patches() -> None:
    main = _load("tasks", "main.yml")
    gathers = [t for t in main if "winauth.winrm.winrm_info" in t]
    # up to three connections are tried, each only while none worked; the re-audit is apply mode only
    assert [t["register"] for t in gathers] == ["hardening_audit_1", "hardening_audit_2", "hardening_audit_3",
                                                "hardening_after"]
    assert "hardening_winner < 0" in gathers[1]["when"] and "hardening_winner < 0" in gathers[2]["when"]
    assert "not ansible_check_mode" in gathers[3]["when"]
    (patch,) = [t for t in main if "ansible.builtin.import_tasks" in t]
    assert patch["when"] == "not ansible_check_mode"


def test_the_connection_a_hardened_host_accepts_is_tried_first_and_kept() -> None:
    main = _load("tasks", "main.yml")
    first = next(t for t in main if t.get("register") == "hardening_audit_1")
    assert first["vars"]["ansible_winrm_transport"] == "{{ hardening_candidates[0].transport }}"
    assert first["ignore_unreachable"] is True
    keep = next(t for t in main if "ansible_winrm_transport" in (t.get("ansible.builtin.set_fact") or {}))
    assert keep["ansible.builtin.set_fact"]["ansible_winrm_transport"] == \
        "{{ hardening_candidates[hardening_winner].transport }}"
    assert keep["when"] == "hardening_winner >= 0"
    names = [t["name"] for t in _patches()]
    assert names.index(next(n for n in names if n.startswith("WINRM-SVC-KERBEROS"))) < \
        names.index(next(n for n in names if n.startswith("WINRM-SVC-BASIC")))
