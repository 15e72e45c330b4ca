"""The hardening role against the lab's deliberately insecure fleet.

win01 (Basic, AllowUnencrypted, CredSSP everywhere, TrustedHosts *) is reached with Basic over
HTTPS, win02 (Server 2022 defaults) with NTLM over HTTP, win03 (Basic and AllowUnencrypted off by
Group Policy) with NTLM over HTTPS.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import recap
from winlab.client import Lab

PLAYBOOK = Path(__file__).resolve().parent / "playbooks" / "hardening.yml"
HOSTS = ("win01", "win02", "win03")
POLICIES = "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\"


def _report(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((path / "winrm-hardening.json").read_text(encoding="utf-8"))
    return doc


def _cells(report: dict[str, Any], host: str) -> dict[str, dict[str, Any]]:
    (entry,) = [h for h in report["hosts"] if h["name"] == host]
    return {c["control"]: c for c in entry["cells"]}


def _auth(lab: Lab, host: str, side: str = "Service") -> dict[str, str]:
    auth: dict[str, str] = lab.state(host)["config"][side]["Auth"]
    return auth


def _plant_dword(state: dict[str, Any], key: str, name: str, data: int) -> dict[str, Any]:
    node = state["registry"]["HKEY_LOCAL_MACHINE"]
    for part in key.split("\\"):
        node = node["subkeys"].setdefault(part, {"subkeys": {}, "values": []})
    node["values"] = [v for v in node["values"] if v["name"] != name] + [
        {"name": name, "type": "REG_DWORD", "data": data}]
    return state


def test_check_mode_reports_and_leaves_every_state_file_byte_identical(fresh: Lab, play, tmp_path: Path) -> None:
    before = {h: fresh.state_bytes(h) for h in HOSTS}
    run = play(PLAYBOOK, {"hardening_report_dir": str(tmp_path)}, check=True)
    assert run.rc == 0, run.output
    assert all(fresh.state_bytes(h) == before[h] for h in HOSTS), "check mode changed a lab state file"
    report = _report(tmp_path)
    assert report["mode"] == "report" and report["totals"]["fixed"] == 0
    assert _cells(report, "win01")["WINRM-SVC-BASIC"]["status"] == "fail"
    # One audit per host: the report mode reads each host once (Basic host: over NTLM already).
    assert all("Put" not in fresh.stats(h)["by_action"] for h in HOSTS)


def test_insecure_fleet_converges_then_nothing_changes(fresh: Lab, play, playbook, tmp_path: Path) -> None:
    first = play(PLAYBOOK, {"hardening_report_dir": str(tmp_path / "1")})
    assert first.rc == 0, first.output
    report = _report(tmp_path / "1")
    assert report["totals"]["fail"] == 0, [h["cells"] for h in report["hosts"]]
    assert report["totals"]["fixed"] > 0
    assert recap(first.output)["win01"]["changed"] > 0

    second = play(PLAYBOOK, {"hardening_report_dir": str(tmp_path / "2")})
    assert second.rc == 0, second.output
    assert all(recap(second.output)[h]["changed"] == 0 for h in HOSTS), second.output
    again = _report(tmp_path / "2")
    assert again["totals"]["fixed"] == 0 and again["totals"]["fail"] == 0

    # A re-audit (win01 now over NTLM, as the role left it) shows no high finding anywhere.
    audit = playbook("winrm_info", hosts={"win01": {"ansible_winrm_transport": "ntlm"}, "win02": {}, "win03": {}})
    for host in HOSTS:
        assert audit.results[host]["summary"]["high"] == 0, audit.results[host]["findings"]


def _policy(lab: Lab, host: str, subkey: str) -> dict[str, Any]:
    node = lab.state(host)["registry"]["HKEY_LOCAL_MACHINE"]
    for part in (POLICIES + subkey).split("\\"):
        node = node.get("subkeys", {}).get(part, {})
    return {v["name"]: v["data"] for v in node.get("values", [])}


def test_a_host_reached_with_basic_ends_hardened_not_refused(fresh: Lab, play, playbook, tmp_path: Path) -> None:
    assert _auth(fresh, "win01")["Basic"] == "true"
    run = play(PLAYBOOK, {"hardening_report_dir": str(tmp_path)}, hosts={"win01": {}})
    assert run.rc == 0, run.output
    # Basic and unencrypted traffic are off by policy now (the policy value wins over the local leaf) ...
    assert _policy(fresh, "win01", "Service")["AllowBasic"] == 0
    assert _policy(fresh, "win01", "Service")["AllowUnencryptedTraffic"] == 0
    # ... and the host really refuses the connection the inventory still describes.
    refused = playbook("winrm_info", hosts={"win01": {}}).results["win01"]
    assert refused.get("unreachable") is True and "basic" in refused["msg"].lower(), refused
    cells = _cells(_report(tmp_path), "win01")
    assert cells["WINRM-SVC-BASIC"]["status"] == "fixed"
    entry = [h for h in _report(tmp_path)["hosts"] if h["name"] == "win01"][0]
    assert entry["connection"]["switched_from_basic"] is True and entry["connection"]["auth"] == "ntlm"
    assert any("set ansible_winrm_transport: ntlm" in n for n in entry["notes"])
    # Every authentication after the first Basic-free audit was NTLM: Basic was never needed.
    assert {logon["protocol"] for logon in fresh.logons("win01")} == {"ntlm"}


def test_basic_stays_when_the_fallback_does_not_work(fresh: Lab, play, tmp_path: Path) -> None:
    state = fresh.state("win01")
    state["config"]["Service"]["Auth"]["Negotiate"] = "false"  # no NTLM on this host
    fresh.set_state("win01", state)
    run = play(PLAYBOOK, {"hardening_report_dir": str(tmp_path), "hardening_fail": False}, hosts={"win01": {}})
    assert run.rc == 0, run.output
    assert _auth(fresh, "win01")["Basic"] == "true"  # still reachable
    cell = _cells(_report(tmp_path), "win01")["WINRM-SVC-BASIC"]
    assert cell["status"] == "skipped" and "Basic stays on so the controller keeps its way in" in cell["reason"]


def test_group_policy_values_are_reported_as_such_never_fixed(fresh: Lab, play, tmp_path: Path) -> None:
    # A domain GPO ("WinRM legacy") delivers AllowBasic=1 to win02: the role must not "fix" it locally.
    state = _plant_dword(fresh.state("win02"), POLICIES + "Service", "AllowBasic", 1)
    state["domain_member"] = True
    state["group_policy"] = [{"name": "WinRM legacy", "guid": "{31B2F340-016D-11D2-945F-00C04FB984F9}",
                              "values": [["Software\\Policies\\Microsoft\\Windows\\WinRM\\Service", "AllowBasic"]]}]
    fresh.set_state("win02", state)
    run = play(PLAYBOOK, {"hardening_report_dir": str(tmp_path), "hardening_fail": False}, hosts={"win02": {}})
    assert run.rc == 0, run.output
    cells = _cells(_report(tmp_path), "win02")
    assert cells["WINRM-SVC-BASIC"]["status"] == "gpo" and cells["WINRM-SVC-BASIC"]["source"] == "gpo"
    assert "change it in the GPO" in cells["WINRM-SVC-BASIC"]["reason"]
    assert _policy(fresh, "win02", "Service")["AllowBasic"] == 1  # untouched
    assert cells["WINRM-SVC-RUNAS"]["status"] == "fixed"  # what no GPO delivers is still hardened
    assert not any(c["status"] == "fixed" and c["source"] == "gpo" for c in cells.values())


STRICT = {"hardening_profile": "strict", "credssp_scoped_clients": ["win02"], "credssp_scoped_jump_hosts": ["win03"]}


def test_strict_https_only_and_credssp_in_scope_then_idempotent(fresh: Lab, play, playbook, tmp_path: Path) -> None:
    first = play(PLAYBOOK, {**STRICT, "hardening_report_dir": str(tmp_path / "1")})
    assert first.rc == 0, first.output
    report = _report(tmp_path / "1")
    assert report["profile"] == "strict" and report["totals"]["fail"] == 0, \
        [(h["name"], c) for h in report["hosts"] for c in h["cells"] if c["status"] == "fail"]
    win02 = _cells(report, "win02")
    assert win02["WINRM-LISTENER-HTTPS"]["status"] == "fixed"  # HTTP listener gone, after HTTPS was verified
    shell = win02["WINRM-WINRS-SHELL"]
    assert shell["status"] == "skipped" and "hardening_no_remote_shell_ok" in shell["reason"]
    assert _cells(report, "win01")["WINRM-SVC-CREDSSP"]["status"] == "fixed"  # not a declared jump host
    assert any("switched to HTTPS" in n for h in report["hosts"] if h["name"] == "win02" for n in h["notes"])

    # win02 is reachable over HTTPS only now; its HTTP listener is gone.
    over_https = {"ansible_winrm_scheme": "https", "ansible_port": fresh.hosts["win02"]["https_port"]}
    info = playbook("winrm_info", hosts={"win02": over_https}).results["win02"]
    assert {li["transport"] for li in info["ansible_facts"]["winauth_winrm"]["listeners"]
            if li["source"] == "local"} == {"HTTPS"}, info
    assert playbook("winrm_info", hosts={"win02": {}}).results["win02"].get("unreachable") is True

    # The second run starts from the inventory that still says HTTP (win02) and Basic (win01).
    second = play(PLAYBOOK, {**STRICT, "hardening_report_dir": str(tmp_path / "2")})
    assert second.rc == 0, second.output
    assert all(recap(second.output)[h]["changed"] == 0 for h in HOSTS), second.output
    assert _report(tmp_path / "2")["totals"]["fixed"] == 0


def test_strict_requires_kerberos_on_a_kerberos_ready_host_no_silent_fallback(fresh: Lab, play, tmp_path: Path) -> None:
    # win02 is declared Kerberos-ready, but this workgroup lab has no KDC: only NTLM works.
    # (Only win02 is in the inventory: the declared jump host win03 is not, which winrm_info must take.)
    run = play(PLAYBOOK, {**STRICT, "hardening_report_dir": str(tmp_path)},
               hosts={"win02": {"hardening_kerberos_ready": True}})
    assert run.rc != 0 and recap(run.output)["win02"]["failed"] == 1, run.output
    assert "is Kerberos-ready, so the strict profile requires Kerberos, but the controller reached it with ntlm" \
        in run.output
    (entry,) = _report(tmp_path)["hosts"]
    assert entry["connection"]["auth"] == "ntlm" and any("Kerberos required" in n for n in entry["notes"])
