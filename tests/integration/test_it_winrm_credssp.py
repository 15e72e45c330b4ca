"""winrm_credssp against the lab: exact delegate sets, clean-up, check mode, Group Policy, lockout guard."""

from __future__ import annotations

from typing import Any

from winlab.client import Lab

DELEGATION = ("SOFTWARE", "Policies", "Microsoft", "Windows", "CredentialsDelegation")
JUMPS = ["jump01.lab.test", "jump02.lab.test"]


def _key(state: dict[str, Any], *parts: str) -> dict[str, Any] | None:
    node: dict[str, Any] | None = state["registry"]["HKEY_LOCAL_MACHINE"]
    for part in parts:
        node = (node or {}).get("subkeys", {}).get(part)
    return node


def _values(state: dict[str, Any], *parts: str) -> dict[str, Any]:
    node = _key(state, *parts)
    return {v["name"]: v["data"] for v in (node or {}).get("values", [])}


def _plant_list(lab: Lab, host: str, entries: dict[str, str]) -> None:
    state = lab.state(host)
    node = state["registry"]["HKEY_LOCAL_MACHINE"]
    for part in (*DELEGATION, "AllowFreshCredentials"):
        node = node["subkeys"].setdefault(part, {"subkeys": {}, "values": []})
    node["values"] = [{"name": n, "type": "REG_SZ", "data": t} for n, t in entries.items()]
    lab.set_state(host, state)


def test_exact_set_check_mode_then_apply_then_idempotent(fresh: Lab, playbook) -> None:
    # win01 delegates to wsman/* and, after this, to a stale host; an RDP entry sits in between.
    _plant_list(fresh, "win01", {"1": "wsman/*", "2": "TERMSRV/rdp01.lab.test", "3": "wsman/old01.lab.test"})
    before = fresh.state_bytes("win01")
    args = {"role": "client", "delegate_computers": JUMPS, "allow_wildcard": False}

    check = playbook("winrm_credssp", args, hosts={"win01": {}}, check=True, diff=True).results["win01"]
    assert check["changed"] is True and not check.get("failed"), check
    assert fresh.state_bytes("win01") == before, "check mode changed the lab state"
    assert check["diff"]["after"]["AllowFreshCredentials"] == [
        "TERMSRV/rdp01.lab.test", "wsman/jump01.lab.test", "wsman/jump02.lab.test"]

    run = playbook("winrm_credssp", args, hosts={"win01": {}}).results["win01"]
    assert run["changed"] is True and not run.get("failed"), run
    state = fresh.state("win01")
    assert _values(state, *DELEGATION, "AllowFreshCredentials") == {
        "1": "TERMSRV/rdp01.lab.test", "2": "wsman/jump01.lab.test", "3": "wsman/jump02.lab.test"}
    flags = _values(state, *DELEGATION)
    assert flags["AllowFreshCredentials"] == 1 and flags["ConcatenateDefaults_AllowFresh"] == 1
    assert state["config"]["Client"]["Auth"]["CredSSP"] == "true"
    assert run["get_wsmancredssp"][0] == ("The machine is configured to allow delegating fresh credentials to the "
                                          "following target(s):wsman/jump01.lab.test, wsman/jump02.lab.test")
    assert run["credssp"]["client"]["delegate_computers"] == ["wsman/jump01.lab.test", "wsman/jump02.lab.test"]

    settled = fresh.state_bytes("win01")
    again = playbook("winrm_credssp", args, hosts={"win01": {}}).results["win01"]
    assert again["changed"] is False and again["changes"] == [], again
    assert fresh.state_bytes("win01") == settled


def test_disable_client_cleans_up_as_disable_wsmancredssp(fresh: Lab, playbook) -> None:
    _plant_list(fresh, "win01", {"1": "wsman/a.lab.test", "2": "TERMSRV/rdp01.lab.test", "3": "wsman/*"})
    run = playbook("winrm_credssp", {"role": "client", "state": "disabled"}, hosts={"win01": {}}).results["win01"]
    assert run["changed"] is True and not run.get("failed"), run
    state = fresh.state("win01")
    assert _values(state, *DELEGATION, "AllowFreshCredentials") == {"1": "TERMSRV/rdp01.lab.test"}
    assert state["config"]["Client"]["Auth"]["CredSSP"] == "false"
    assert run["get_wsmancredssp"][0] == "The machine is not configured to allow delegating fresh credentials."

    # Nothing left but wsman/ entries: the flags and the subkey go too.
    _plant_list(fresh, "win01", {"1": "wsman/a.lab.test"})
    run = playbook("winrm_credssp", {"role": "client", "state": "disabled"}, hosts={"win01": {}}).results["win01"]
    assert run["changed"] is True, run
    state = fresh.state("win01")
    assert _key(state, *DELEGATION, "AllowFreshCredentials") is None
    assert "AllowFreshCredentials" not in _values(state, *DELEGATION)
    assert "ConcatenateDefaults_AllowFresh" not in _values(state, *DELEGATION)


def test_server_role_on_and_the_lockout_guard(fresh: Lab, playbook) -> None:
    run = playbook("winrm_credssp", {"role": "server"}, hosts={"win02": {}}).results["win02"]
    assert run["changed"] is True and not run.get("failed"), run
    assert fresh.state("win02")["config"]["Service"]["Auth"]["CredSSP"] == "true"
    assert run["get_wsmancredssp"][1] == ("This computer is configured to receive credentials from a remote "
                                          "client computer.")

    # win01 reached with CredSSP: switching its server role off would cut this very connection.
    over_credssp = {"ansible_winrm_transport": "credssp"}
    before = fresh.state_bytes("win01")
    refused = playbook("winrm_credssp", {"role": "server", "state": "disabled"},
                       hosts={"win01": over_credssp}).results["win01"]
    assert refused["failed"] is True and refused["changed"] is False, refused
    assert "refusing to lock this controller out of win01" in refused["msg"] and "force: true" in refused["msg"]
    assert fresh.state_bytes("win01") == before


def test_refusals_leave_the_host_unchanged(fresh: Lab, playbook) -> None:
    before = fresh.state_bytes("win02")
    wild = playbook("winrm_credssp", {"role": "client", "delegate_computers": ["*.lab.test"]},
                    hosts={"win02": {}}).results["win02"]
    assert wild["failed"] is True and "is a wildcard" in wild["msg"] and "allow_wildcard" in wild["msg"], wild
    missing = playbook("winrm_credssp", {"role": "client"}, hosts={"win02": {}}).results["win02"]
    assert missing["failed"] is True and "needs delegate_computers" in missing["msg"], missing
    assert fresh.state_bytes("win02") == before

    # Group Policy sets "Allow CredSSP authentication" for the client: refused, the policy named.
    state = fresh.state("win02")
    node = state["registry"]["HKEY_LOCAL_MACHINE"]
    for part in ("SOFTWARE", "Policies", "Microsoft", "Windows", "WinRM", "Client"):
        node = node["subkeys"].setdefault(part, {"subkeys": {}, "values": []})
    node["values"].append({"name": "AllowCredSSP", "type": "REG_DWORD", "data": 0})
    fresh.set_state("win02", state)
    before = fresh.state_bytes("win02")
    gpo = playbook("winrm_credssp", {"role": "client", "delegate_computers": JUMPS},
                   hosts={"win02": {}}).results["win02"]
    assert gpo["failed"] is True, gpo
    assert "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Client\\AllowCredSSP" in gpo["msg"]
    assert fresh.state_bytes("win02") == before


def test_delegation_list_delivered_by_group_policy_is_refused(fresh: Lab, playbook) -> None:
    # A GPO delivers win03's AllowFreshCredentials (wsman/*.lab.test): a local exact set would be undone.
    state = fresh.state("win03")
    state["group_policy"] = [{
        "name": "Tier-1 CredSSP", "guid": "{6AC1786C-016F-11D2-945F-00C04FB984F9}",
        "values": [["Software\\Policies\\Microsoft\\Windows\\CredentialsDelegation", "AllowFreshCredentials"],
                   ["Software\\Policies\\Microsoft\\Windows\\CredentialsDelegation\\AllowFreshCredentials", "1"]],
    }]
    fresh.set_state("win03", state)
    before = fresh.state_bytes("win03")
    run = playbook("winrm_credssp", {"role": "client", "delegate_computers": JUMPS}, hosts={"win03": {}})
    result = run.results["win03"]
    assert result["failed"] is True, result
    assert "Group Policy object 'Tier-1 CredSSP' delivers AllowFreshCredentials" in result["msg"]
    assert "Allow delegating fresh credentials" in result["msg"] and "gpupdate" in result["msg"]
    assert fresh.state_bytes("win03") == before
    assert "Put" not in fresh.stats("win03")["by_action"]


def test_default_and_ntlm_only_wildcards_fail_fail_on_high(fresh: Lab, playbook) -> None:
    state = fresh.state("win02")
    node = state["registry"]["HKEY_LOCAL_MACHINE"]
    for part in DELEGATION:
        node = node["subkeys"].setdefault(part, {"subkeys": {}, "values": []})
    node["values"] += [{"name": "AllowDefaultCredentials", "type": "REG_DWORD", "data": 1},
                       {"name": "AllowFreshCredentialsWhenNTLMOnly", "type": "REG_DWORD", "data": 1}]
    lists = (("AllowDefaultCredentials", "wsman/*"), ("AllowFreshCredentialsWhenNTLMOnly", "wsman/*.lab.test"))
    for name, target in lists:
        node["subkeys"][name] = {"subkeys": {}, "values": [{"name": "1", "type": "REG_SZ", "data": target}]}
    state["config"]["Client"]["Auth"]["CredSSP"] = "true"
    fresh.set_state("win02", state)
    run = playbook("winrm_info", {"fail_on": "high"}, hosts={"win02": {}, "win01": {}})
    result = run.results["win02"]
    assert result["failed"] is True, result
    high = sorted((f["id"], f["setting"]) for f in result["findings"]
                  if f["severity"] == "high" and "CREDSSP" in f["id"])
    assert "WINRM-CLI-CREDSSP-DEFAULT" in result["msg"]
    assert high == [("WINRM-CLI-CREDSSP-DEFAULT", "credential_delegation.AllowDefaultCredentials"),
                    ("WINRM-CLI-CREDSSP-WILDCARD", "credential_delegation.AllowFreshCredentialsWhenNTLMOnly")], high
