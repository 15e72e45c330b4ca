"""winrm_info against three lab hosts reached three different ways."""

from __future__ import annotations

from winlab.client import Lab


def ids(result: dict) -> set[str]:
    return {f["id"] for f in result["findings"]}


def test_audit_reports_each_host_and_how_it_was_reached(fresh: Lab, playbook) -> None:
    run = playbook("winrm_info")
    assert set(run.results) == {"win01", "win02", "win03"}, run.output
    win01, win02, win03 = (run.results[h] for h in ("win01", "win02", "win03"))
    for result in (win01, win02, win03):
        assert not result.get("failed") and not result.get("unreachable"), result

    assert win01["connection"]["auth"] == "basic" and win01["connection"]["endpoint"].startswith("https://")
    assert win02["connection"] == {
        "auth": "ntlm", "message_encryption": True, "endpoint": "http://%s:5985/wsman" % fresh.hosts["win02"]["address"]
    }
    assert win03["connection"]["auth"] == "ntlm" and win03["connection"]["message_encryption"] is False

    # win01: the insecure leftovers of the scenario, each found.
    assert {"WINRM-SVC-BASIC", "WINRM-SVC-UNENCRYPTED", "WINRM-SVC-CREDSSP", "WINRM-CLI-TRUSTEDHOSTS-ANY",
            "WINRM-CLI-CREDSSP-WILDCARD"} <= ids(win01)
    wildcard = next(f for f in win01["findings"] if f["id"] == "WINRM-CLI-CREDSSP-WILDCARD")
    assert wildcard["severity"] == "high" and wildcard["value"] == ["wsman/*"] and wildcard["host"] == "win01"
    # win02: Windows Server 2022 defaults -> only the client Basic/Digest defaults.
    assert ids(win02) == {"WINRM-CLI-BASIC", "WINRM-CLI-DIGEST"}
    # win03: Group Policy sets two service values; reported as such, not as problems.
    gpo = {f["setting"]: f for f in win03["findings"] if f["id"] == "WINRM-GPO-CONTROLLED"}
    assert set(gpo) == {"service.auth.basic", "service.allow_unencrypted"}
    assert all(f["severity"] == "info" and f["source"] == "gpo" for f in gpo.values())
    assert "WinRM\\Service\\AllowBasic" in gpo["service.auth.basic"]["fix"]
    medium = next(f for f in win03["findings"] if f["id"] == "WINRM-CLI-CREDSSP-WILDCARD")
    assert medium["severity"] == "medium" and medium["value"] == ["wsman/*.lab.test"]

    facts = win03["ansible_facts"]["winauth_winrm"]
    assert facts["service"]["auth"]["basic"] is False
    assert facts["gpo_controlled"]["service.auth.basic"].endswith("WinRM\\Service\\AllowBasic")
    assert {(li["transport"], li["port"]) for li in facts["listeners"]} == {("HTTP", 5985), ("HTTPS", 5986)}
    assert facts["computer"]["part_of_domain"] is False


def test_round_trips_stay_within_budget(fresh: Lab, playbook) -> None:
    run = playbook("winrm_info", hosts={"win02": {}})
    # Four reads (config, listeners, Win32_ComputerSystem, delegation policy), plus one
    # GetBinaryValue per HTTPS listener for its certificate: win02 has one.
    listeners = run.results["win02"]["ansible_facts"]["winauth_winrm"]["listeners"]
    assert sum(1 for li in listeners if li["transport"] == "HTTPS") == 1
    assert run.results["win02"]["wsman_round_trips"] == 4 + 1
    # The lab counts what it really received: the module's own count is honest.
    assert fresh.requests("win02") == 4 + 1


def test_fail_on_fails_exactly_the_noncompliant_hosts(fresh: Lab, playbook) -> None:
    audit = playbook("winrm_info")
    expected = {h for h, r in audit.results.items() if any(f["severity"] == "high" for f in r["findings"])}
    # Make one host compliant at the high level first so the set is not simply "all".
    fresh.set_state("win02", _without_client_basic(fresh.state("win02")))
    audit = playbook("winrm_info")
    expected = {h for h, r in audit.results.items() if any(f["severity"] == "high" for f in r["findings"])}
    assert "win02" not in expected and expected

    gated = playbook("winrm_info", {"fail_on": "high"})
    failed = {h for h, r in gated.results.items() if r.get("failed")}
    assert failed == expected
    for host in failed:
        assert "at or above severity 'high'" in gated.results[host]["msg"]
    # medium catches more: win02 still has Digest enabled.
    medium = playbook("winrm_info", {"fail_on": "medium"})
    assert {h for h, r in medium.results.items() if r.get("failed")} == {"win01", "win02", "win03"}


def _without_client_basic(state: dict) -> dict:
    state["config"]["Client"]["Auth"]["Basic"] = "false"
    return state
