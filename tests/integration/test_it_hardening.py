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


def test_a_host_reached_with_basic_ends_hardened_not_refused(fresh: Lab, play, tmp_path: Path) -> None:
    assert _auth(fresh, "win01")["Basic"] == "true"
    run = play(PLAYBOOK, {"hardening_report_dir": str(tmp_path)}, hosts={"win01": {}})
    assert run.rc == 0, run.output
    assert _auth(fresh, "win01")["Basic"] == "false"
    assert fresh.state("win01")["config"]["Service"]["AllowUnencrypted"] == "false"
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
    # win03: Basic and AllowUnencrypted off by Group Policy; plant a non-compliant GPO value on win02.
    fresh.set_state("win02", _plant_dword(fresh.state("win02"), POLICIES + "Client", "AllowBasic", 1))
    before = fresh.state("win02")["config"]["Client"]["Auth"]
    run = play(PLAYBOOK, {"hardening_report_dir": str(tmp_path), "hardening_fail": False},
               hosts={"win02": {}, "win03": {}})
    assert run.rc == 0, run.output
    report = _report(tmp_path)
    assert _cells(report, "win03")["WINRM-SVC-BASIC"]["status"] == "gpo"
    assert _cells(report, "win03")["WINRM-SVC-UNENCRYPTED"]["status"] == "gpo"
    assert _cells(report, "win02")["WINRM-CLI-BASIC"]["status"] == "gpo"
    assert fresh.state("win02")["config"]["Client"]["Auth"].get("Basic") == before.get("Basic")
    assert not any(c["status"] == "fixed" and c["source"] == "gpo" for h in report["hosts"] for c in h["cells"])
