# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hardening role: one boolean per control, one patch task per control, all named alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.hardening import CONTROLS
from ansible_collections.winauth.winrm.plugins.plugin_utils._report.fleet import patch_var, switch_var

ROLE = Path(__file__).resolve().parents[3] / "roles" / "hardening"
PROFILES = {"baseline", "strict"}


def _load(*parts: str) -> Any:
    return yaml.safe_load((ROLE.joinpath(*parts)).read_text(encoding="utf-8"))


def _patches() -> list[dict[str, Any]]:
    return [t for t in _load("tasks", "patch.yml") if " | PATCH | " in t["name"]]


def test_one_switch_per_control_of_the_table_in_defaults_vars_and_argument_spec() -> None:
    switches = _load("vars", "main.yml")["hardening_switches"]
    defaults = _load("defaults", "main.yml")
    options = _load("meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    assert list(switches) == [c.id for c in CONTROLS.values()]
    # the CredSSP scope is the credssp_scoped role's own variables (no default here: not ours to prefix);
    # the HTTPS listener's certificate and name are per host, without a default
    assert set(defaults) == set(options) - {"credssp_scoped_clients", "credssp_scoped_jump_hosts",
                                            "hardening_https_certificate_thumbprint", "hardening_https_hostname"}
    for control, expression in switches.items():
        var = switch_var(control)
        assert expression == "{{ %s }}" % var
        assert defaults[var] is True and options[var]["type"] == "bool" and options[var]["default"] is True
        assert options[var]["description"][0].startswith(control + ": ")
    assert {k for k in defaults if k.startswith("hardening_winrm_")} == {switch_var(c) for c in switches}


def _args(option: str) -> dict[str, str]:
    """``role: server, state: disabled`` -> {"role": "server", "state": "disabled"}."""
    return dict(part.split(": ", 1) for part in option.split(", "))


def test_one_patch_task_per_enforceable_control_with_the_row_s_module_and_option() -> None:
    tasks = {t["name"].split(" | ")[0]: t for t in _patches()}
    enforced = {c.id: c for c in CONTROLS.values() if c.module}
    assert set(tasks) == set(enforced)  # WINRM-SVC-ROOTSDDL has no module: report only
    for control_id, task in tasks.items():
        control = enforced[control_id]
        assert task["name"] == "%s | PATCH | %s" % (control_id, control.title.replace(": ", " - "))
        assert task["when"] == "'%s' in hardening_plan.todo" % control_id
        assert task["tags"][:2] == [control_id, control.profile] and len(task["tags"]) == 3
        if "ansible.builtin.import_tasks" in task:  # the listener sequence: every module task of it
            inner = _load("tasks", task["ansible.builtin.import_tasks"])
            modules = {k for t in inner for k in t if k.startswith("winauth.winrm.")}
            assert control.module in modules
            assert all(control.option in t[control.module] for t in inner if control.module in t)
            assert patch_var(control_id) in [t.get("register") for t in inner]
            continue
        assert task["register"] == patch_var(control_id)
        assert control.module in task, (control_id, control.module)
        args = task[control.module]
        if control.module == "winauth.winrm.winrm_policy":
            assert control.option in args or control.option in str(args.get("absent"))
            for option in control.also:  # set together in the same write, from the row
                assert args[option] == "{{ hardening_plan.also['%s'].%s | default(omit) }}" % (control_id, option)
            assert "hardening_plan.want['%s']" % control_id in str(args)
        elif control.module == "winauth.winrm.winrm_credssp":
            assert {k: str(v) for k, v in args.items() if k in ("role", "state")} == _args(control.option or "")
        else:
            assert control.option in args


def test_report_mode_reads_once_and_never_loads_the_patches() -> None:
    main = _load("tasks", "main.yml")
    # report mode: one audit task per host (the fallback connections are tried inside it, only when the first
    # fails); the patches are a dynamic include it never loads
    audits = [t for t in main if "winauth.winrm.hardening_audit" in t or "winauth.winrm.winrm_info" in t]
    assert [t["register"] for t in audits] == ["hardening_before"] and "winauth.winrm.hardening_audit" in audits[0]
    assert not (ROLE / "tasks" / "fallback.yml").exists()
    includes = {t["ansible.builtin.include_tasks"]: t for t in main if "ansible.builtin.include_tasks" in t}
    assert set(includes) == {"apply.yml"}
    assert "not ansible_check_mode" in includes["apply.yml"]["when"]
    # ... and report mode ends (a meta task: the controller evaluates it, no fork per host) before the include,
    # after the report written once
    ends = [i for i, t in enumerate(main) if t.get("ansible.builtin.meta") == "end_role"]
    assert ends and all("ansible_check_mode" in main[i]["when"] for i in ends)
    first_report = next(i for i, t in enumerate(main) if "winauth.winrm.hardening_report" in t)
    assert main[first_report]["run_once"] is True and main[first_report]["when"] == "ansible_check_mode"
    assert first_report < ends[0] and ends[-1] < list(main).index(includes["apply.yml"])
    apply = _load("tasks", "apply.yml")
    assert apply[0]["ansible.builtin.import_tasks"] == "patch.yml"
    assert [t["register"] for t in apply if "register" in t][-1] == "hardening_after"


def test_the_connection_a_hardened_host_accepts_is_tried_first_and_kept() -> None:
    main = _load("tasks", "main.yml")
    first = next(t for t in main if t.get("register") == "hardening_before")
    # the audit sets the connection per candidate itself (no task vars to override, no recursion)
    assert "vars" not in first and "ignore_errors" not in first
    keep = next(t for t in main if "ansible_winrm_transport" in (t.get("ansible.builtin.set_fact") or {}))
    facts = keep["ansible.builtin.set_fact"]
    assert facts["ansible_winrm_transport"] == "{{ hardening_candidates[hardening_winner].transport }}"
    assert "hardening_plan" in facts  # planned from the same (pre-switch) view
    assert _load("vars", "main.yml")["hardening_candidates"] == "{{ hardening_before.hardening.candidates }}"
    # report mode keeps the switched connection too (the end_role before it spares the hosts that kept theirs)
    assert "when" not in keep
    names = [t["name"] for t in _patches()]
    assert names.index(next(n for n in names if n.startswith("WINRM-SVC-KERBEROS"))) < \
        names.index(next(n for n in names if n.startswith("WINRM-SVC-BASIC")))
