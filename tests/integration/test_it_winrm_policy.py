"""winrm_policy against the lab: every option round-trips, Group Policy and lockout refusals, check mode, compliance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from winlab.client import Lab

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.policy import OPTIONS

HKLM = "HKEY_LOCAL_MACHINE"
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
# A value for every option that leaves win02 (NTLM over HTTP with message encryption) reachable.
EVERY: dict[str, Any] = {
    "service_allow_basic": False, "service_allow_unencrypted": False, "service_allow_credssp": False,
    "service_allow_kerberos": True, "service_allow_negotiate": True, "service_allow_auto_config": True,
    "service_ipv4_filter": "*", "service_ipv6_filter": "*", "service_disable_run_as": True,
    "service_cbt_hardening_level": "relaxed", "winrs_allow_remote_shell_access": True,
    "client_allow_basic": False, "client_allow_unencrypted": False, "client_allow_digest": False,
    "client_allow_credssp": False, "client_allow_kerberos": True, "client_allow_negotiate": True,
    "client_trusted_hosts": "jump01.lab.test", "allow_encryption_oracle": "force_updated_clients",
    "allow_protected_creds": True, "local_account_token_filter_policy": False,
}


def _values(state: dict[str, Any], path: str) -> dict[str, tuple[str, Any]]:
    node: dict[str, Any] | None = state["registry"][HKLM]
    for part in path.split("\\"):
        node = (node or {}).get("subkeys", {}).get(part)
    return {v["name"]: (v["type"], v["data"]) for v in (node or {}).get("values", [])}


def _plant(lab: Lab, host: str, path: str, name: str, kind: str, data: Any) -> dict[str, Any]:
    state = lab.state(host)
    node = state["registry"][HKLM]
    for part in path.split("\\"):
        node = node["subkeys"].setdefault(part, {"subkeys": {}, "values": []})
    node["values"] = [v for v in node["values"] if v["name"] != name] + [{"name": name, "type": kind, "data": data}]
    return state


def test_every_option_round_trips_check_mode_first_then_idempotent(fresh: Lab, playbook) -> None:
    assert set(EVERY) == set(OPTIONS)
    before = fresh.state_bytes("win02")
    check = playbook("winrm_policy", EVERY, hosts={"win02": {}}, check=True, diff=True).results["win02"]
    assert check["changed"] is True and not check.get("failed"), check
    assert fresh.state_bytes("win02") == before, "check mode changed the lab state"
    assert check["diff"]["after"] == EVERY and check["diff"]["before"]["service_allow_basic"] is None

    run = playbook("winrm_policy", EVERY, hosts={"win02": {}}).results["win02"]
    assert run["changed"] is True and not run.get("failed"), run
    assert run["policy"] == EVERY
    state = fresh.state("win02")
    for name, option in OPTIONS.items():
        stored = _values(state, option.key)
        kind = "REG_DWORD" if isinstance(option.to_data(EVERY[name]), int) else "REG_SZ"
        assert stored[option.value] == (kind, option.to_data(EVERY[name])), name
        if option.switch:
            assert stored[option.switch] == ("REG_DWORD", 1), name

    # As on Windows, each policy value makes its config leaf Source="GPO" (and read-only).
    info = playbook("winrm_info", hosts={"win02": {}}).results["win02"]
    gpo = info["ansible_facts"]["winauth_winrm"]["gpo_controlled"]
    assert {o.leaf for o in OPTIONS.values() if o.leaf} <= set(gpo), gpo
    refused = playbook("winrm_auth", {"client": {"basic": True}}, hosts={"win02": {}}).results["win02"]
    assert refused["failed"] is True and "Group Policy" in refused["msg"], refused

    settled = fresh.state_bytes("win02")
    again = playbook("winrm_policy", EVERY, hosts={"win02": {}}).results["win02"]
    assert again["changed"] is False and again["changes"] == [], again
    assert fresh.state_bytes("win02") == settled

    # absent hands every value back to local configuration; twice is a no-op.
    gone = playbook("winrm_policy", {"absent": list(OPTIONS)}, hosts={"win02": {}}).results["win02"]
    assert gone["changed"] is True and not gone.get("failed"), gone
    assert all(v is None for v in gone["policy"].values()), gone["policy"]
    state = fresh.state("win02")
    for option in OPTIONS.values():
        assert option.value not in _values(state, option.key), option.name
    cleared = fresh.state_bytes("win02")
    twice = playbook("winrm_policy", {"absent": list(OPTIONS)}, hosts={"win02": {}}).results["win02"]
    assert twice["changed"] is False, twice
    assert fresh.state_bytes("win02") == cleared


def test_value_a_domain_gpo_delivers_is_refused(fresh: Lab, playbook) -> None:
    state = _plant(fresh, "win02", "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service", "AllowBasic",
                   "REG_DWORD", 1)
    state["group_policy"] = [{"name": "WinRM legacy", "guid": "{6AC1786C-016F-11D2-945F-00C04FB984F9}",
                              "values": [["Software\\Policies\\Microsoft\\Windows\\WinRM\\Service", "AllowBasic"]]}]
    fresh.set_state("win02", state)
    before = fresh.state_bytes("win02")
    run = playbook("winrm_policy", {"service_allow_basic": False}, hosts={"win02": {}}).results["win02"]
    assert run["failed"] is True and run["changed"] is False, run
    assert "'WinRM legacy'" in run["msg"] and "WinRM\\Service\\AllowBasic" in run["msg"], run["msg"]
    assert "gpupdate" in run["msg"]
    assert fresh.state_bytes("win02") == before
    # A value that GPO does not deliver is still written.
    other = playbook("winrm_policy", {"service_disable_run_as": True}, hosts={"win02": {}}).results["win02"]
    assert other["changed"] is True and not other.get("failed"), other


def test_lockout_cases_refused_without_force_host_unchanged(fresh: Lab, play, tmp_path: Path) -> None:
    # One ansible-playbook run: each host runs its cases in order.
    cases: dict[str, list[tuple[dict[str, Any], str]]] = {
        # win01 over HTTP with Basic: unencrypted messages too.
        "win01": [({"service_allow_basic": False}, "disable the scheme this connection authenticates with"),
                  ({"service_allow_unencrypted": False}, "sends unencrypted messages")],
        "win02": [
            ({"service_cbt_hardening_level": "strict"}, "HTTP has no TLS channel to bind"),
            ({"service_allow_negotiate": False}, "disable the scheme this connection authenticates with"),
            ({"service_allow_auto_config": False}, "stops the service answering remote requests"),
            ({"service_allow_auto_config": True}, "listen on no IPv4 address"),
            ({"winrs_allow_remote_shell_access": False}, "run each module in one"),
        ],
    }
    http_basic = {"ansible_winrm_scheme": "http", "ansible_port": fresh.hosts["win01"]["http_port"]}
    before = {host: fresh.state_bytes(host) for host in cases}
    run = play(PLAYBOOKS / "policy_cases.yml",
               {"cases": {h: [args for args, _reason in c] for h, c in cases.items()}, "result_dir": str(tmp_path)},
               hosts={"win01": http_basic, "win02": {}})
    for host, expected in cases.items():
        results = json.loads((tmp_path / ("%s.json" % host)).read_text(encoding="utf-8"))
        assert len(results) == len(expected), run.output
        for result, (args, reason) in zip(results, expected, strict=True):
            assert result["failed"] is True and result["changed"] is False, (args, result)
            assert "refusing to lock this controller out of %s" % host in result["msg"], result["msg"]
            assert reason in result["msg"] and "force: true" in result["msg"], result["msg"]
        assert fresh.state_bytes(host) == before[host], host
    # The same value over a path it does not cut: Basic off for a host reached with NTLM.
    fine = playbook_result(play, tmp_path, "win03", [{"service_allow_basic": False}])
    assert not fine.get("failed"), fine  # win03's policy already says 0: nothing to write, nothing refused
    # With force the guard steps aside (win02 keeps working: remote shells are not what WS-Man uses).
    forced = playbook_result(play, tmp_path, "win02", [{"winrs_allow_remote_shell_access": False, "force": True}])
    assert forced["changed"] is True, forced
    assert _values(fresh.state("win02"), "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service\\WinRS") == {
        "AllowRemoteShellAccess": ("REG_DWORD", 0)}


def playbook_result(play: Any, result_dir: Path, host: str, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """The last result of running ``cases`` with winrm_policy on one host (policy_cases.yml)."""
    run = play(PLAYBOOKS / "policy_cases.yml", {"cases": {host: cases}, "result_dir": str(result_dir)},
               hosts={host: {}})
    results = json.loads((result_dir / ("%s.json" % host)).read_text(encoding="utf-8"))
    assert results, run.output
    return dict(results[-1])


def test_bad_input_names_the_option(fresh: Lab, playbook) -> None:
    before = fresh.state_bytes("win02")
    both = playbook("winrm_policy", {"service_allow_basic": False, "absent": ["service_allow_basic"]},
                    hosts={"win02": {}}).results["win02"]
    assert both["failed"] is True and "both set and listed in absent" in both["msg"], both
    unknown = playbook("winrm_policy", {"absent": ["service_basic"]}, hosts={"win02": {}}).results["win02"]
    assert unknown["failed"] is True and "service_basic" in unknown["msg"], unknown
    choice = playbook("winrm_policy", {"service_cbt_hardening_level": "max"}, hosts={"win02": {}}).results["win02"]
    assert choice["failed"] is True and "cbt" in choice["msg"].lower(), choice
    assert fresh.state_bytes("win02") == before


def _compliance(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["control"]: row for row in result["compliance"]}


def test_compliance_insecure_host_then_hardened(fresh: Lab, playbook) -> None:
    insecure = playbook("winrm_info", {"profile": "baseline"}, hosts={"win01": {}}).results["win01"]
    rows = _compliance(insecure)
    for control in ("WINRM-SVC-BASIC", "WINRM-SVC-UNENCRYPTED", "WINRM-CLI-TRUSTEDHOSTS", "WINRM-UAC-LOCAL-ACCOUNTS",
                    "WINRM-SVC-RUNAS", "WINRM-CREDSSP-ORACLE", "WINRM-SVC-AUTOCONFIG"):
        assert rows[control]["status"] == "fail", rows[control]
    assert rows["WINRM-SVC-BASIC"]["actual"] is True and rows["WINRM-SVC-BASIC"]["source"] == "local"
    assert rows["WINRM-SVC-RUNAS"]["source"] == "default" and rows["WINRM-SVC-RUNAS"]["actual"] is False
    assert rows["WINRM-UAC-LOCAL-ACCOUNTS"]["actual"] is True
    assert rows["WINRM-SVC-AUTOCONFIG"]["follows"] == "Microsoft Server 2025"
    assert rows["WINRM-SVC-ROOTSDDL"]["status"] == "pass"
    assert "WINRM-WINRS-SHELL" not in rows  # strict only
    ids = {f["id"] for f in insecure["findings"]}
    assert "WINRM-UAC-LOCAL-ACCOUNTS" in ids and "WINRM-SVC-RUNAS" not in ids  # a default is no finding
    strict = _compliance(playbook("winrm_info", {"profile": "strict"}, hosts={"win01": {}}).results["win01"])
    assert strict["WINRM-WINRS-SHELL"]["status"] == "fail" and strict["WINRM-SVC-CBT"]["want"] == "strict"
    assert strict["WINRM-SVC-AUTOCONFIG"]["want"] is None

    # win02 (defaults) with every baseline control applied through the modules the rows name.
    wanted: dict[str, Any] = {}
    audit = playbook("winrm_info", {"profile": "baseline"}, hosts={"win02": {}}).results["win02"]
    for row in _compliance(audit).values():
        if row["status"] == "fail" and row["module"] == "winauth.winrm.winrm_policy":
            wanted.update({row["option"]: row["want"], **row["also"]})
    applied = playbook("winrm_policy", wanted, hosts={"win02": {}}).results["win02"]
    assert applied["changed"] is True and not applied.get("failed"), applied
    fresh.reset_counters("win02")
    hardened = playbook("winrm_info", {"profile": "baseline"}, hosts={"win02": {}}).results["win02"]
    failing = {c: r for c, r in _compliance(hardened).items() if r["status"] != "pass"}
    assert failing == {}, failing
    # 4 + 1 (the HTTPS listener's certificate) + 3, + a Get for each configured leafless value:
    # AllowAutoConfig, DisableRunAs, AllowProtectedCreds.
    assert hardened["wsman_round_trips"] == fresh.requests("win02") == 11


def test_compliance_marks_gpo_delivered_values(fresh: Lab, playbook) -> None:
    state = _plant(fresh, "win02", "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service", "AllowBasic",
                   "REG_DWORD", 1)
    state["domain_member"] = True
    state["group_policy"] = [{"name": "WinRM legacy", "guid": "{31B2F340-016D-11D2-945F-00C04FB984F9}",
                              "values": [["Software\\Policies\\Microsoft\\Windows\\WinRM\\Service", "AllowBasic"]]}]
    fresh.set_state("win02", state)
    result = playbook("winrm_info", {"profile": "baseline"}, hosts={"win02": {}}).results["win02"]
    row = _compliance(result)["WINRM-SVC-BASIC"]
    assert row["status"] == "gpo" and row["source"] == "gpo" and row["actual"] is True, row
    assert _compliance(result)["WINRM-SVC-RUNAS"]["source"] == "default"


def test_plain_audit_keeps_its_request_budget(fresh: Lab, playbook) -> None:
    fresh.reset_counters("win02")
    plain = playbook("winrm_info", hosts={"win02": {}}).results["win02"]
    # 4 reads + 1 certificate read for win02's HTTPS listener (winrm_listener's budget)
    assert "compliance" not in plain and plain["wsman_round_trips"] == fresh.requests("win02") == 5
    fresh.reset_counters("win02")
    audited = playbook("winrm_info", {"profile": "baseline"}, hosts={"win02": {}}).results["win02"]
    assert audited["wsman_round_trips"] == fresh.requests("win02") == 8  # + the policy keys' EnumValues


def test_a_write_that_stops_part_way_says_what_the_host_has(fresh: Lab, playbook) -> None:
    # Just before the TrustedHostsList write, policy filters the built-in Administrator's remote token:
    # that write and the read-back are refused (access denied); AllowBasic was already written.
    fresh.arm_registry_value("win02", "SetStringValue wmi/root/default/StdRegProv",
                             "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System",
                             "FilterAdministratorToken", 1)
    run = playbook("winrm_policy", {"service_allow_basic": False, "client_trusted_hosts": "jump01.lab.test"},
                   hosts={"win02": {}}).results["win02"]
    assert run["failed"] is True and run["changed"] is True and "Traceback" not in str(run), run
    assert [c.split(":")[0] for c in run["applied"]] == ["service_allow_basic"]
    assert [c.split(":")[0] for c in run["not_applied"]] == ["client_trusted_hosts"]
    assert "partly changed" in run["msg"] and "could not be read back" in run["msg"], run["msg"]
    state = fresh.state("win02")
    assert _values(state, "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service")["AllowBasic"] == ("REG_DWORD", 0)
    assert "TrustedHostsList" not in _values(state, "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Client")


def test_rootsddl_and_trusted_hosts_patterns_are_judged(fresh: Lab, playbook) -> None:
    state = fresh.state("win03")
    state["config"]["Service"]["RootSDDL"] = "O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)(A;;GX;;;AU)S:P(AU;FA;GA;;;WD)"
    state["config"]["Client"]["TrustedHosts"] = "10.0.0.*,build01.lab.test"
    fresh.set_state("win03", state)
    result = playbook("winrm_info", {"profile": "baseline"}, hosts={"win03": {}}).results["win03"]
    rows = _compliance(result)
    assert rows["WINRM-SVC-ROOTSDDL"]["status"] == "fail" and rows["WINRM-CLI-TRUSTEDHOSTS"]["status"] == "fail"
    found = {f["id"]: f for f in result["findings"]}
    assert found["WINRM-SVC-ROOTSDDL-BROAD"]["value"] == ["Authenticated Users (S-1-5-11: GX)"]
    assert found["WINRM-CLI-TRUSTEDHOSTS-WILDCARD"]["value"] == ["10.0.0.*"]
    assert "WINRM-CLI-TRUSTEDHOSTS-ANY" not in found
