"""winrm_auth against the lab: check mode, enforce, idempotence, diff, GPO, lockout guard."""

from __future__ import annotations

from winlab.client import Lab

HARDEN = {
    "service": {"basic": False, "allow_unencrypted": False, "credssp": False, "cbt_hardening_level": "Relaxed"},
    "client": {"basic": False, "digest": False, "allow_unencrypted": False},
}


def test_check_mode_reports_and_writes_nothing(fresh: Lab, playbook) -> None:
    before = {h: fresh.state_bytes(h) for h in ("win02", "win03")}
    run = playbook("winrm_auth", {"client": {"basic": False, "digest": False}},
                   hosts={"win02": {}, "win03": {}}, check=True, diff=True)
    for host in ("win02", "win03"):
        result = run.results[host]
        assert result["changed"] is True and not result.get("failed"), result
        assert sorted(result["changes"]) == ["client.auth.basic: true -> false", "client.auth.digest: true -> false"]
        assert result["diff"]["before"] == {"client": {"auth": {"basic": True, "digest": True}}}
        assert result["diff"]["after"] == {"client": {"auth": {"basic": False, "digest": False}}}
        assert fresh.state_bytes(host) == before[host], "check mode changed the lab state of %s" % host
        assert "Put" not in fresh.stats(host)["by_action"]


def test_enforce_then_idempotent(fresh: Lab, playbook) -> None:
    first = playbook("winrm_auth", {"client": {"basic": False, "digest": False}}, hosts={"win02": {}}, diff=True)
    result = first.results["win02"]
    assert result["changed"] is True and not result.get("failed"), result
    assert result["config"] == {"client": {"auth": {"basic": False, "digest": False}}}
    auth = fresh.state("win02")["config"]["Client"]["Auth"]
    assert (auth["Basic"], auth["Digest"]) == ("false", "false")

    state = fresh.state_bytes("win02")
    second = playbook("winrm_auth", {"client": {"basic": False, "digest": False}}, hosts={"win02": {}})
    assert second.results["win02"]["changed"] is False and second.results["win02"]["changes"] == []
    assert fresh.state_bytes("win02") == state


def test_full_hardening_over_ntlm_https_then_audit_is_clean(fresh: Lab, playbook) -> None:
    run = playbook("winrm_auth", HARDEN, hosts={"win03": {}})
    result = run.results["win03"]
    # win03's Basic and AllowUnencrypted are already false by Group Policy: no change, no refusal.
    assert not result.get("failed"), result
    assert "service.auth.basic: true -> false" not in result["changes"]
    audit = playbook("winrm_info", hosts={"win03": {}}).results["win03"]
    left = {f["id"] for f in audit["findings"] if f["severity"] in ("high", "medium")}
    assert left == {"WINRM-CLI-CREDSSP-WILDCARD"}  # delegation scope is not winrm_auth's job


def test_group_policy_value_is_refused_with_the_policy_named(fresh: Lab, playbook) -> None:
    state = fresh.state_bytes("win03")
    run = playbook("winrm_auth", {"service": {"basic": True}}, hosts={"win03": {}})
    result = run.results["win03"]
    assert result["failed"] is True and result["changed"] is False
    assert "Group Policy controls service.auth.basic" in result["msg"]
    assert "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service\\AllowBasic" in result["msg"]
    assert fresh.state_bytes("win03") == state


def test_lockout_guard_refuses_to_disable_the_scheme_in_use(fresh: Lab, playbook) -> None:
    state = fresh.state_bytes("win01")
    run = playbook("winrm_auth", {"service": {"basic": False}}, hosts={"win01": {}})  # win01: Basic over HTTPS
    result = run.results["win01"]
    assert result["failed"] is True and result["changed"] is False
    assert "refusing to lock this controller out of win01" in result["msg"]
    assert "basic over HTTPS" in result["msg"] and "force: true" in result["msg"]
    assert fresh.state_bytes("win01") == state


def test_lockout_guard_strict_cbt_over_http(fresh: Lab, playbook) -> None:
    state = fresh.state_bytes("win02")
    run = playbook("winrm_auth", {"service": {"cbt_hardening_level": "Strict"}}, hosts={"win02": {}})
    assert run.results["win02"]["failed"] is True
    assert "HTTP has no TLS channel to bind" in run.results["win02"]["msg"]
    assert fresh.state_bytes("win02") == state


def test_lockout_guard_unencrypted_http(fresh: Lab, playbook) -> None:
    # win01 allows unencrypted HTTP; reach it with NTLM but message encryption off.
    over = {"ansible_port": fresh.hosts["win01"]["http_port"], "ansible_winrm_scheme": "http",
            "ansible_winrm_transport": "ntlm", "ansible_winrm_message_encryption": "never"}
    state = fresh.state_bytes("win01")
    run = playbook("winrm_auth", {"service": {"allow_unencrypted": False}}, hosts={"win01": over})
    assert run.results["win01"]["failed"] is True
    assert "sends unencrypted messages" in run.results["win01"]["msg"]
    assert fresh.state_bytes("win01") == state


def test_force_applies_and_the_lab_really_locks_basic_out(fresh: Lab, playbook) -> None:
    run = playbook("winrm_auth", {"service": {"basic": False}, "force": True}, hosts={"win01": {}})
    assert run.results["win01"]["changed"] is True and not run.results["win01"].get("failed")
    assert fresh.state("win01")["config"]["Service"]["Auth"]["Basic"] == "false"
    # The guard was right: the same Basic connection is now rejected by the host.
    after = playbook("winrm_info", hosts={"win01": {}}).results["win01"]
    assert after.get("unreachable") is True
    assert "basic authentication as 'Administrator' was rejected" in after["msg"]


def _plant_dword(state: dict, key: str, name: str, data: int) -> dict:
    """Set a REG_DWORD in a lab host state (registry kept as nested subkeys/values)."""
    node = state["registry"]["HKEY_LOCAL_MACHINE"]
    for part in key.split("\\"):
        node = node["subkeys"].setdefault(part, {"subkeys": {}, "values": []})
    node["values"] = [v for v in node["values"] if v["name"] != name] + [
        {"name": name, "type": "REG_DWORD", "data": data}
    ]
    return state


def test_fault_mid_run_group_policy_lands_between_read_and_write(fresh: Lab, playbook) -> None:
    # gpupdate applies "Allow Basic authentication" (client) after the module read the config
    # and before its Put: the host refuses the Put with the real GPO fault.
    policy = _plant_dword(fresh.state("win02"), "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Client",
                          "AllowBasic", 1)
    fresh.arm("win02", "Put", policy)
    run = playbook("winrm_auth", {"client": {"basic": False}}, hosts={"win02": {}})
    result = run.results["win02"]
    assert result["failed"] is True and not result.get("unreachable"), result
    assert "Put config/client/auth" in result["msg"]
    assert "controlled by policies" in result["msg"] and "0x8033808A" in result["msg"]
    assert "Traceback" not in run.output
    # Nothing of ours was written: Basic is still on, now held by the policy.
    assert fresh.state("win02")["config"]["Client"]["Auth"]["Basic"] == "true"
    assert fresh.stats("win02")["by_action"]["Put"] == 1
