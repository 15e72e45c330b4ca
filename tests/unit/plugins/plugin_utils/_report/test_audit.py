# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hardening role's audit: the connections it tries and what it keeps from the one that worked."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from ansible_collections.winauth.winrm.plugins.action.hardening_audit import ActionModule
from ansible_collections.winauth.winrm.plugins.action.hardening_report import records
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.hardening import CONTROLS
from ansible_collections.winauth.winrm.plugins.plugin_utils._report.audit import (
    Connection,
    Inputs,
    candidates,
    inventory_connection,
    outcome,
)

from .sample import row

BASIC_HTTPS = Connection("basic", "https", 5986)
NTLM_HTTP = Connection("ntlm", "http", 5985)


def _audit(auth: str = "ntlm", status: str = "fail") -> dict[str, Any]:
    return {"connection": {"endpoint": "https://h:5986/wsman", "auth": auth, "message_encryption": True},
            "compliance": [row("WINRM-SVC-BASIC", status, actual=True, want=False), row("WINRM-WINRS-SHELL", "fail")]}


def test_the_inventory_connection_takes_the_winrm_plugin_defaults_and_the_role_fallback() -> None:
    assert inventory_connection(None, None, None, "ntlm") == Connection("ntlm", "https", 5986)
    assert inventory_connection(["basic"], None, 5985, "ntlm") == Connection("basic", "http", 5985)
    assert inventory_connection("kerberos,ntlm", "https", "5986", "ntlm") == Connection("kerberos,ntlm", "https", 5986)
    assert Connection("kerberos,ntlm", "https", 5986).plugin_options() == {
        "transport": ["kerberos", "ntlm"], "scheme": "https", "port": 5986}


def test_a_host_reached_with_basic_is_audited_over_the_fallback_on_the_same_channel_first() -> None:
    tried = candidates(BASIC_HTTPS, Inputs(), winrm=True)
    assert tried.connections == (Connection("ntlm", "https", 5986), BASIC_HTTPS)  # the duplicate is dropped
    assert tried.from_basic and not tried.to_https
    # the Basic control off: nothing to switch away from
    basic_off = Inputs(switches={"WINRM-SVC-BASIC": False})
    assert candidates(BASIC_HTTPS, basic_off, winrm=True).connections == (BASIC_HTTPS,)
    # psrp: the inventory's connection only
    assert candidates(BASIC_HTTPS, Inputs(), winrm=False).connections == (BASIC_HTTPS,)


def test_strict_tries_https_first_where_the_inventory_says_http_then_the_scheme_switch_alone() -> None:
    inputs = Inputs(profile="strict", https_default_port=5999, kerberos_ready="true")
    tried = candidates(Connection("basic", "http", 5985), inputs, winrm=True)
    assert tried.connections == (Connection("ntlm", "https", 5999), Connection("ntlm", "http", 5985),
                                 Connection("basic", "http", 5985))
    assert tried.to_https and tried.from_basic and tried.require_kerberos
    assert not candidates(NTLM_HTTP, Inputs(profile="strict", switches={"WINRM-LISTENER-HTTPS": "no"}),
                          winrm=True).to_https


def test_the_first_connection_that_worked_is_kept_and_planned_from() -> None:
    tried = candidates(BASIC_HTTPS, Inputs(), winrm=True)
    kept = outcome(tried, [_audit()], Inputs(), check_mode=True)
    assert kept["winner"] == 0 and kept["connection"] == {"transport": "ntlm", "scheme": "https", "port": 5986}
    assert kept["switched"] and kept["switched_from_basic"] and not kept["switched_to_https"]
    record = kept["record"]
    assert record["plan"]["todo"] == ["WINRM-SVC-BASIC"]
    assert "hardening_no_remote_shell_ok" in record["plan"]["skipped"]["WINRM-WINRS-SHELL"]
    assert record["plan"]["skipped"]["WINRM-WINRS-SHELL"] == kept["exempt"]["WINRM-WINRS-SHELL"]
    assert any("set ansible_winrm_transport: ntlm" in n for n in record["notes"])
    assert record["mode"] == "report" and record["before"] == _audit()["compliance"] and "after" not in record
    assert record["connection"]["auth"] == "ntlm" and record["connection"]["switched_from_basic"] is True


def test_basic_stays_when_only_the_inventory_s_basic_connection_worked() -> None:
    tried = candidates(BASIC_HTTPS, Inputs(), winrm=True)
    kept = outcome(tried, [{"unreachable": True, "msg": "ntlm: logon refused"}, _audit(auth="basic")],
                   Inputs(no_remote_shell_ok=True), check_mode=False)
    assert kept["winner"] == 1 and not kept["switched"] and not kept["switched_from_basic"]
    reason = kept["record"]["plan"]["skipped"]["WINRM-SVC-BASIC"]
    assert reason.startswith("Basic stays on so the controller keeps its way in: ntlm over the same channel failed")
    assert "ntlm: logon refused" in reason and kept["record"]["plan"]["todo"] == ["WINRM-WINRS-SHELL"]
    assert kept["record"]["mode"] == "apply" and kept["record"]["notes"] == []


def test_strict_on_a_kerberos_ready_host_without_kerberos_is_missing_kerberos_and_says_so() -> None:
    inputs = Inputs(profile="strict", kerberos_ready=True)
    kept = outcome(candidates(Connection("ntlm", "https", 5986), inputs, winrm=True), [_audit()], inputs, True)
    assert kept["kerberos_missing"] and "Kerberos required" in kept["record"]["notes"][0]
    ok = outcome(candidates(Connection("kerberos", "https", 5986), inputs, winrm=True), [_audit("kerberos")],
                 inputs, True)
    assert not ok["kerberos_missing"]


def test_no_connection_worked_no_plan_no_record() -> None:
    tried = candidates(BASIC_HTTPS, Inputs(), winrm=True)
    kept = outcome(tried, [{"unreachable": True, "msg": "a"}, {"failed": True, "msg": "b"}], Inputs(), True)
    assert kept["winner"] == -1 and kept["connection"] is None and kept["record"] is None
    assert not kept["switched"]


class _HostVars:
    """ansible-core's hostvars: raw_get gives a host's variables untemplated, unknown hosts a marker."""

    def __init__(self, data: dict[str, dict[str, Any]]) -> None:
        self.data = data

    def raw_get(self, host: str) -> Any:
        return self.data.get(host, object())

    def __getitem__(self, host: str) -> Any:
        raise AssertionError("the report must not template a host's variables")


def test_the_report_reads_a_dotted_record_path_untemplated() -> None:
    record = outcome(candidates(NTLM_HTTP, Inputs(), winrm=True), [_audit()], Inputs(), True)["record"]
    hostvars = _HostVars({"h1": {"hardening_before": {"hardening": {"record": record}}}, "h2": {}})
    found = records(hostvars, ["h1", "h2", "gone"], "hardening_before.hardening.record")
    assert found["h1"]["before"] == record["before"] and found["h1"]["patches"] == {
        "WINRM-SVC-BASIC": None, "WINRM-WINRS-SHELL": None}
    assert found["h2"] is None and found["gone"] is None


def _inputs(**task_vars: Any) -> Inputs:
    """The action's reading of the role variables, with each plain value as its own template."""
    fake = SimpleNamespace(_task=SimpleNamespace(args={}), _var=lambda tv, name, default=None: tv.get(name, default))
    fake._kerberos_ready = lambda tv: ActionModule._kerberos_ready(fake, tv)  # type: ignore[arg-type]
    return ActionModule._inputs(fake, {"inventory_hostname": "h1", **task_vars})  # type: ignore[arg-type]


def test_the_action_reads_one_switch_per_control_id_and_the_role_variables() -> None:
    task_vars = {"hardening_winrm_svc_basic": False, "hardening_profile": "strict",
                 "hardening_https_default_port": "5999", "hardening_listeners": "{{ not a switch }}"}
    inputs = _inputs(**task_vars)
    assert set(inputs.switches or {}) == {c.id for c in CONTROLS.values()}
    assert inputs.switches["WINRM-SVC-BASIC"] is False and not inputs.on("WINRM-SVC-BASIC")  # type: ignore[index]
    assert inputs.on("WINRM-SVC-CBT") and inputs.profile == "strict" and inputs.https_default_port == 5999
    assert inputs.fallback_transport == "ntlm" and inputs.no_remote_shell_ok is False


def test_kerberos_ready_is_the_kerberos_ready_group_unless_set_and_read_only_in_strict() -> None:
    inputs = _inputs
    in_group = {"groups": {"kerberos_ready": ["h1"]}}
    assert inputs(hardening_profile="strict", **in_group).kerberos_ready is True
    assert inputs(hardening_profile="strict", hardening_kerberos_ready="no", **in_group).kerberos_ready is False
    assert inputs(hardening_profile="strict", hardening_kerberos_ready=True).kerberos_ready is True
    assert inputs(hardening_profile="strict").kerberos_ready is False
    assert inputs(hardening_kerberos_ready=True, **in_group).kerberos_ready is False  # baseline never requires it
