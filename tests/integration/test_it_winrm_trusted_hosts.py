"""winrm_trusted_hosts against the lab: present / absent / exact, wildcards, Group Policy, check mode."""

from __future__ import annotations

from winlab.client import Lab


def _trusted(lab: Lab, host: str) -> str:
    return str(lab.state(host)["config"]["Client"]["TrustedHosts"])


def test_present_exact_absent_check_mode_and_idempotence(fresh: Lab, playbook) -> None:
    before = fresh.state_bytes("win02")
    add = {"entries": ["build01.lab.test", "10.0.0.5"]}
    check = playbook("winrm_trusted_hosts", add, hosts={"win02": {}}, check=True, diff=True).results["win02"]
    assert check["changed"] is True and check["trusted_hosts"] == ["build01.lab.test", "10.0.0.5"], check
    assert check["diff"] == {"before": {"trusted_hosts": []}, "after": {"trusted_hosts": ["build01.lab.test",
                                                                                          "10.0.0.5"]}}
    assert fresh.state_bytes("win02") == before, "check mode changed the lab state"

    run = playbook("winrm_trusted_hosts", add, hosts={"win02": {}}).results["win02"]
    assert run["changed"] is True and not run.get("failed"), run
    assert _trusted(fresh, "win02") == "build01.lab.test,10.0.0.5"
    settled = fresh.state_bytes("win02")
    again = playbook("winrm_trusted_hosts", {"entries": ["BUILD01.lab.test"]}, hosts={"win02": {}}).results["win02"]
    assert again["changed"] is False and again["trusted_hosts"] == ["build01.lab.test", "10.0.0.5"], again
    assert fresh.state_bytes("win02") == settled

    exact = playbook("winrm_trusted_hosts", {"entries": ["jump01.lab.test"], "state": "exact"},
                     hosts={"win02": {}}).results["win02"]
    assert exact["changed"] is True and exact["trusted_hosts"] == ["jump01.lab.test"], exact
    gone = playbook("winrm_trusted_hosts", {"entries": ["jump01.lab.test"], "state": "absent"},
                    hosts={"win02": {}}).results["win02"]
    assert gone["changed"] is True and gone["trusted_hosts"] == [] and _trusted(fresh, "win02") == "", gone
    twice = playbook("winrm_trusted_hosts", {"entries": ["jump01.lab.test"], "state": "absent"},
                     hosts={"win02": {}}).results["win02"]
    assert twice["changed"] is False, twice


def test_wildcards_refused_unless_allowed_and_removable(fresh: Lab, playbook) -> None:
    before = fresh.state_bytes("win02")
    for pattern in ("*", "*.corp.example", "10.0.0.*"):
        run = playbook("winrm_trusted_hosts", {"entries": ["a.lab.test", pattern]},
                       hosts={"win02": {}}).results["win02"]
        assert run["failed"] is True and repr(pattern) in run["msg"] and "allow_wildcard" in run["msg"], run
    assert fresh.state_bytes("win02") == before
    allowed = playbook("winrm_trusted_hosts", {"entries": ["*.lab.test"], "allow_wildcard": True},
                       hosts={"win02": {}}).results["win02"]
    assert allowed["changed"] is True and allowed["trusted_hosts"] == ["*.lab.test"], allowed
    # win01's leftover '*' is removed without allow_wildcard.
    removed = playbook("winrm_trusted_hosts", {"entries": ["*"], "state": "absent"},
                       hosts={"win01": {}}).results["win01"]
    assert removed["changed"] is True and removed["trusted_hosts"] == [] and _trusted(fresh, "win01") == "", removed


def test_group_policy_control_is_one_clear_error(fresh: Lab, playbook) -> None:
    policy = playbook("winrm_policy", {"client_trusted_hosts": "jump01.lab.test"}, hosts={"win02": {}}).results["win02"]
    assert policy["changed"] is True and not policy.get("failed"), policy
    before = fresh.state_bytes("win02")
    run = playbook("winrm_trusted_hosts", {"entries": ["build01.lab.test"]}, hosts={"win02": {}}).results["win02"]
    assert run["failed"] is True, run
    assert "Group Policy controls TrustedHosts" in run["msg"] and "WinRM\\Client\\TrustedHostsList" in run["msg"], run
    assert "'jump01.lab.test'" in run["msg"]
    assert fresh.state_bytes("win02") == before
    # Already what the policy says: nothing to change, no error.
    same = playbook("winrm_trusted_hosts", {"entries": ["jump01.lab.test"]}, hosts={"win02": {}}).results["win02"]
    assert same["changed"] is False and not same.get("failed"), same
