"""Writes that stop part-way, on several hosts of one run: results equal the lab state of each host."""

from __future__ import annotations

from typing import Any

from winlab.client import Lab

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import LEAVES

POLICIES = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\"
# Two Puts per host: config/service/auth first, then config/client/auth.
ARGS = {"service": {"certificate": True}, "client": {"basic": False, "digest": False}}


def _local_text(lab: Lab, host: str, key: str) -> str:
    node: Any = lab.state(host)["config"]
    for part in LEAVES[key].path:
        node = node[part]
    return str(node).lower()


def _parse(change: str) -> tuple[str, str, str]:
    key, values = change.split(": ", 1)
    before, after = values.split(" -> ")
    return key, before, after


def test_faults_between_puts_on_several_hosts(fresh: Lab, playbook) -> None:
    # Group Policy lands on win02 and win03 after their service Put and before their client Put.
    fresh.arm_registry_value("win02", "Put config/client/auth", POLICIES + "Client", "AllowDigest", 1)
    fresh.arm_registry_value("win03", "Put config/client/auth", POLICIES + "Client", "AllowBasic", 1)
    run = playbook("winrm_auth", ARGS)
    assert "Traceback" not in run.output

    clean = run.results["win01"]
    assert clean["changed"] is True and not clean.get("failed"), clean
    for host in ("win02", "win03"):
        result = run.results[host]
        assert result["failed"] is True and not result.get("unreachable"), result
        assert result["changed"] is True, result
        assert result["applied"] == ["service.auth.certificate: false -> true"]
        assert "partly changed" in result["msg"] and "gpupdate" in result["msg"], result["msg"]
        # Every reported change agrees with what the host really holds.
        for change in result["applied"]:
            key, _before, after = _parse(change)
            assert _local_text(fresh, host, key) == after, (host, change)
        for change in result["not_applied"]:
            key, before, _after = _parse(change)
            assert _local_text(fresh, host, key) == before, (host, change)
        assert fresh.stats(host)["by_action"]["Put"] == 2
    assert run.results["win02"]["not_applied"] == ["client.auth.basic: true -> false",
                                                   "client.auth.digest: true -> false"]
    assert "Client\\AllowDigest" in run.results["win02"]["msg"]
    assert "Client\\AllowBasic" in run.results["win03"]["msg"]

    # Re-running after the GPO change finishes nothing more on its own: the GPO still holds the value.
    again = playbook("winrm_auth", {"service": {"certificate": True}}, hosts={"win02": {}})
    assert again.results["win02"]["changed"] is False
