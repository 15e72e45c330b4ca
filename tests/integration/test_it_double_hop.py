"""winrm_credssp opens and closes the lab's real second hop (issue 8): CredSSP from win02 to win01.

win02 is the CredSSP client (a lab host running ``winrm id -r:win01.lab.test -a:CredSSP``, as an
admin on it would), win01 the jump host with the server role. The lab decides from the registry
values and config that winrm_credssp wrote, as Windows would.
"""

from __future__ import annotations

from winlab.client import Lab
from winrm.protocol import Protocol

TARGET = "win01.lab.test"


def credssp_identify(lab: Lab) -> tuple[str, int]:
    """On win02: ``winrm id -r:win01.lab.test -a:CredSSP -u:Administrator -p:…`` (stderr, exit code)."""
    info = lab.hosts["win02"]
    p = Protocol(endpoint=lab.endpoint("win02"), transport="ntlm", username=info["admin_user"],
                 password=info["admin_password"], ca_trust_path=lab.ca)
    shell = p.open_shell()
    try:
        command = p.run_command(shell, "winrm", ["id", f"-r:{TARGET}", "-a:CredSSP", "-u:Administrator",
                                                 f"-p:{info['admin_password']}"])
        _out, err, rc = p.get_command_output(shell, command)
        p.cleanup_command(shell, command)
    finally:
        p.close_shell(shell)
    return err.decode(), rc


def test_credssp_window_opens_and_closes_the_hop(fresh: Lab, playbook) -> None:
    state = fresh.state("win02")
    state["config"]["Client"]["TrustedHosts"] = TARGET  # workgroup client: NTLM over HTTP needs it
    fresh.set_state("win02", state)

    err, rc = credssp_identify(fresh)  # before: the client role is off
    assert rc == 1 and "CredSSP authentication is currently disabled in the client configuration" in err

    run = playbook("winrm_credssp", {"role": "client", "delegate_computers": [TARGET]},
                   hosts={"win02": {}}).results["win02"]
    assert run["changed"] is True and not run.get("failed"), run
    err, rc = credssp_identify(fresh)  # Kerberos-only list: win01 is NTLM-authenticated (workgroup)
    assert rc == 1 and "because the computer is not trusted" in err, err

    run = playbook("winrm_credssp", {"role": "client", "delegate_computers": [TARGET], "ntlm_only": True},
                   hosts={"win02": {}}).results["win02"]
    assert run["changed"] is True and not run.get("failed"), run
    fresh.reset_counters("win01")
    err, rc = credssp_identify(fresh)
    assert rc == 0, err
    logon = fresh.logons("win01")[-1]
    assert (logon["protocol"], logon["from"], logon["service"]) == ("credssp", "win02", "wsman")

    run = playbook("winrm_credssp", {"role": "client", "state": "disabled", "ntlm_only": True},
                   hosts={"win02": {}}).results["win02"]
    assert run["changed"] is True and not run.get("failed"), run
    err, rc = credssp_identify(fresh)  # after: off again
    assert rc == 1 and "CredSSP authentication is currently disabled in the client configuration" in err
