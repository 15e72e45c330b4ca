"""The second hop is real: a command on lab host B reaches a share or a WinRM endpoint on C.

Workgroup part (scenarios/default.yml): win01 has the CredSSP server role, win02 holds the
share \\\\win02\\share, and one user name has one password on every host (mirrored local
accounts), so a password delivered by CredSSP logs on to win02 by NTLM. Domain part
(scenarios/domain.yml): forwarded TGT to srv04 (unconstrained delegation), S4U2Proxy from
srv05 to CIFS/fs01 (constrained delegation with protocol transition).
"""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import wsman_helpers as wh
from winlab import credssp_policy, registry
from winlab.client import Lab
from winrm.protocol import Protocol

LAB_DIR = Path(__file__).resolve().parents[1]
TESTS_DIR = Path(__file__).resolve().parent
REPO = LAB_DIR.parents[1]
DELEGATION = r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation"


def run(p: Protocol, command: str, *args: str) -> tuple[str, str, int]:
    """What pywinrm's run_cmd sends: a cmd shell, Command + Arguments, Receive until Done."""
    shell = p.open_shell()
    try:
        command_id = p.run_command(shell, command, list(args))
        out, err, rc = p.get_command_output(shell, command_id)
        p.cleanup_command(shell, command_id)
    finally:
        p.close_shell(shell)
    return out.decode(), err.decode(), rc


def hops(lab: Lab, host: str) -> list[dict[str, Any]]:
    """Logons at ``host`` that came from another lab host (the second hops)."""
    return [lg for lg in lab.logons(host) if lg.get("from")]


def powershell(script: str) -> list[str]:
    """The command line Ansible's winrm connection sends for ``raw``."""
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    return ["PowerShell", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Unrestricted",
            "-EncodedCommand", encoded]


def clixml_text(err: str) -> str:
    """The error text inside powershell.exe's CLIXML stderr (what Ansible and pywinrm's run_ps show)."""
    assert err.startswith("#< CLIXML\r\n"), err
    root = ET.fromstring(err.split("\r\n", 1)[1])
    return "".join(s.text or "" for s in root).replace("_x000D__x000A_", "\r\n")


# -- workgroup: NTLM vs CredSSP ------------------------------------------------------------------
def test_ntlm_logon_cannot_reach_the_share(fresh: Lab) -> None:
    out, err, rc = run(wh.protocol(fresh, "win01"), "dir", r"\\win02\share")
    assert (out, err, rc) == ("", "Access is denied.\r\n", 1)
    assert fresh.logons("win01")[-1]["held"] is None
    [anonymous] = hops(fresh, "win02")
    assert anonymous["account"] == "NT AUTHORITY\\ANONYMOUS LOGON" and anonymous["anonymous"] is True
    assert (anonymous["from"], anonymous["service"], anonymous["via"]) == ("win01", "smb", None)
    assert anonymous["delegated_credentials"] is False


def test_credssp_password_reaches_the_share(fresh: Lab) -> None:
    out, err, rc = run(wh.protocol(fresh, "win01", transport="credssp"), "dir", r"\\win02\share")
    assert rc == 0 and err == "", err
    assert r" Directory of \\win02\share" in out and "lab-share.txt" in out and "1 File(s)" in out
    first = fresh.logons("win01")[-1]
    assert first["protocol"] == "credssp" and "from" not in first  # the controller's hop
    assert first["held"] == "password"  # what win01 keeps for the second hop (never the password itself)
    [second] = hops(fresh, "win02")
    assert (second["protocol"], second["account"], second["from"]) == ("ntlm", "WIN02\\Administrator", "win01")
    assert second["via"] == "password" and second["delegated_credentials"] is True


def test_unknown_host_and_share(fresh: Lab) -> None:
    p = wh.protocol(fresh, "win01", transport="credssp")
    assert run(p, "dir", r"\\nosuchhost\share")[1:] == ("The network path was not found.\r\n", 1)
    assert run(p, "dir", r"\\win02\nosuchshare")[1:] == ("The network name cannot be found.\r\n", 1)
    assert run(p, "dir", r"\\win03\share")[1:] == ("The network name cannot be found.\r\n", 1)


def test_credssp_refused_while_service_credssp_is_off(fresh: Lab) -> None:
    with pytest.raises(Exception, match="CredSSP being an available authentication method"):
        run(wh.protocol(fresh, "win02", transport="credssp"), "dir", r"\\win01\share")
    body = (f'<cfg:Auth xmlns:cfg="{wh.CONFIG}/service/auth"><cfg:CredSSP>false</cfg:CredSSP></cfg:Auth>')
    wh.put(wh.protocol(fresh, "win01"), wh.CONFIG + "/service/auth", body)
    with pytest.raises(Exception, match="CredSSP being an available authentication method"):
        run(wh.protocol(fresh, "win01", transport="credssp"), "dir", r"\\win02\share")
    assert not hops(fresh, "win02")


def test_nested_winrm_identify(fresh: Lab) -> None:
    """``winrm id -r:win02`` on win01: the WinRM client needs a credential (and TrustedHosts for NTLM)."""
    out, err, rc = run(wh.protocol(fresh, "win01"), "winrm", "id", "-r:win02")
    assert rc == 1 and out == ""
    assert err.startswith("WSManFault\r\n    Message = WinRM cannot process the request. The following error "
                          "with errorcode 0x8009030e occurred while using Negotiate authentication: A specified "
                          "logon session does not exist.")
    assert "Error number:  -2147023584 0x80070520" in err
    assert not hops(fresh, "win02")  # nothing was sent: the client had no credential
    out, err, rc = run(wh.protocol(fresh, "win01", transport="credssp"), "winrm", "id", "-r:win02")
    assert rc == 0, err
    assert out.startswith("IdentifyResponse\r\n    ProtocolVersion = http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd")
    assert "ProductVersion = OS: 10.0.20348 SP: 0.0 Stack: 3.0" in out and "SecurityProfileName = " in out
    [second] = hops(fresh, "win02")
    assert (second["service"], second["protocol"], second["via"]) == ("wsman", "ntlm", "password")
    # Unauthenticated Identify needs no credential at all; an unknown host cannot be reached.
    assert "OS: 0.0.0 SP: 0.0 Stack: 3.0" in run(wh.protocol(fresh, "win01"), "winrm", "id", "-r:win02",
                                                 "-a:None")[0]
    out, err, rc = run(wh.protocol(fresh, "win01"), "winrm", "id", "-r:nosuchhost", "-a:None")
    assert rc == 1 and "Error number:  -2144108250 0x80338126" in err


def test_trusted_hosts_needed_for_ntlm_from_a_workgroup_client(fresh: Lab) -> None:
    """win02 (TrustedHosts empty) typing explicit credentials for win01: NTLM over HTTP is refused."""
    password = fresh.hosts["win01"]["admin_password"]
    out, err, rc = run(wh.protocol(fresh, "win02"), "winrm", "id", "-r:win01", "-u:Administrator", f"-p:{password}")
    assert rc == 1 and "must be added to the TrustedHosts configuration setting" in err
    out, err, rc = run(wh.protocol(fresh, "win01"), "winrm", "id", "-r:win02", "-u:Administrator", f"-p:{password}")
    assert rc == 0, err  # win01 trusts every host (TrustedHosts *)
    assert hops(fresh, "win02")[-1]["via"] == "explicit" and hops(fresh, "win02")[-1]["delegated_credentials"] is False


def test_test_wsman_through_powershell(fresh: Lab) -> None:
    out, err, rc = run(wh.protocol(fresh, "win01", transport="credssp"),
                       *powershell("Test-WSMan win02 -Authentication Negotiate"))
    assert rc == 0, err
    assert out.splitlines()[1] == "wsmid           : http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"
    assert "ProductVersion  : OS: 10.0.20348 SP: 0.0 Stack: 3.0" in out
    script = "Test-WSMan -ComputerName win02 -Authentication Default"
    out, err, rc = run(wh.protocol(fresh, "win01"), *powershell(script))
    text = clixml_text(err)
    assert rc == 1 and text.startswith('Test-WSMan : <f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/'
                                       'wsmanfault" Code="1312" Machine="win01.lab.test"><f:Message>WinRM cannot')
    assert "0x8009030e" in text
    assert "FullyQualifiedErrorId : WsManError,Microsoft.WSMan.Management.TestWSManCommand" in text


def test_powershell_dir_errors_like_windows(fresh: Lab) -> None:
    out, err, rc = run(wh.protocol(fresh, "win01"), *powershell(r"dir \\win02\share"))
    text = clixml_text(err)
    assert rc == 1 and out == "" and text.startswith("dir : Access is denied\r\nAt line:1 char:1\r\n")
    assert "ItemExistsUnauthorizedAccessError,Microsoft.PowerShell.Commands.GetChildItemCommand" in text
    assert r"dir : Cannot find path '\\win02\share' because it does not exist." in text
    out, err, rc = run(wh.protocol(fresh, "win01", transport="credssp"), *powershell(r"Get-ChildItem \\win02\share"))
    assert (rc, err) == (0, "") and r"Directory: \\win02\share" in out and "lab-share.txt" in out


# -- the CredSSP client's delegation policy (a lab host as the client) ---------------------------
def set_value(lab: Lab, host: str, path: str, name: str, spec: Any) -> None:
    state = lab.state(host)
    key = registry.Registry(state["registry"]).create_path(path)
    registry.set_value(key, name, *registry.coerce(spec))
    lab.set_state(host, state)


def credssp_id(lab: Lab, client: str, target: str) -> tuple[str, str, int]:
    password = lab.hosts[client]["admin_password"]  # one password per user name across the lab
    return run(wh.protocol(lab, client), "winrm", "id", f"-r:{target}", "-a:CredSSP", "-u:Administrator",
               f"-p:{password}")


def test_credssp_client_honours_the_delegation_policy(fresh: Lab) -> None:
    # win03: client CredSSP on, AllowFreshCredentials wsman/*.lab.test, no NTLM-only list. win01
    # is a workgroup host, so CredSSP can only authenticate it by NTLM: the NTLM-only list decides.
    out, err, rc = credssp_id(fresh, "win03", "win01.lab.test")
    assert rc == 1 and "because the computer is not trusted" in err and "Error number:  -2144108124 0x803381A4" in err
    assert not [lg for lg in fresh.logons("win01") if lg.get("from")]  # no credential left win03
    set_value(fresh, "win03", DELEGATION, "AllowFreshCredentialsWhenNTLMOnly", 1)
    set_value(fresh, "win03", DELEGATION + r"\AllowFreshCredentialsWhenNTLMOnly", "1", "wsman/*.lab.test")
    out, err, rc = credssp_id(fresh, "win03", "win01.lab.test")  # policy passes; TrustedHosts is empty
    assert rc == 1 and "must be added to the TrustedHosts configuration setting" in err
    state = fresh.state("win03")
    state["config"]["Client"]["TrustedHosts"] = "*"
    fresh.set_state("win03", state)
    out, err, rc = credssp_id(fresh, "win03", "win01")
    assert rc == 1 and "because the computer is not trusted" in err  # short name: not covered by *.lab.test
    out, err, rc = credssp_id(fresh, "win03", "win01.lab.test")
    assert rc == 0, err
    assert out.startswith("IdentifyResponse")
    logon = fresh.logons("win01")[-1]
    assert (logon["protocol"], logon["from"], logon["service"], logon["via"]) == (
        "credssp", "win03", "wsman", "explicit")
    # win01 as client: wsman/* covers every target, but win03's service refuses CredSSP.
    set_value(fresh, "win01", DELEGATION, "AllowFreshCredentialsWhenNTLMOnly", 1)
    set_value(fresh, "win01", DELEGATION + r"\AllowFreshCredentialsWhenNTLMOnly", "1", "wsman/*")
    out, err, rc = credssp_id(fresh, "win01", "win03")
    assert rc == 1 and "The authentication mechanism requested by the client is not supported by the server" in err
    # win02: client CredSSP is off.
    assert "CredSSP authentication is currently disabled in the client configuration" in credssp_id(
        fresh, "win02", "win01")[1]


def test_policy_reads_what_enable_wsmancredssp_writes(fresh: Lab) -> None:
    """The values a client writes through StdRegProv are what the policy check reads."""
    p = wh.protocol(fresh, "win02")
    sub = r"SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation"
    for method, kwargs in [("CreateKey", {"sSubKeyName": sub + r"\AllowFreshCredentialsWhenNTLMOnly"}),
                           ("SetDWORDValue", {"sSubKeyName": sub, "sValueName": "AllowFreshCredentialsWhenNTLMOnly",
                                              "uValue": "1"}),
                           ("SetStringValue", {"sSubKeyName": sub + r"\AllowFreshCredentialsWhenNTLMOnly",
                                               "sValueName": "1", "sValue": "wsman/win01"})]:
        assert wh.return_value(wh.reg_call(p, method, **kwargs)) == 0
    reg = registry.Registry(fresh.state("win02")["registry"])
    assert credssp_policy.entries(reg, "AllowFreshCredentialsWhenNTLMOnly") == ["wsman/win01"]
    assert credssp_policy.fresh_credentials(reg, "WSMAN/WIN01", ntlm_only=True).allowed
    assert not credssp_policy.fresh_credentials(reg, "WSMAN/win01", ntlm_only=False).allowed
    # DWORD 0 switches the list off whatever it holds.
    assert wh.return_value(wh.reg_call(p, "SetDWORDValue", sSubKeyName=sub,
                                       sValueName="AllowFreshCredentialsWhenNTLMOnly", uValue="0")) == 0
    reg = registry.Registry(fresh.state("win02")["registry"])
    assert credssp_policy.entries(reg, "AllowFreshCredentialsWhenNTLMOnly") is None


# -- through Ansible ---------------------------------------------------------------------------
ANSIBLE = REPO / ".venv" / "bin" / "ansible-playbook"


@pytest.mark.skipif(not ANSIBLE.exists(), reason="ansible-playbook not installed in .venv")
def test_ansible_raw_second_hop_ntlm_vs_credssp(fresh: Lab, tmp_path: Path) -> None:
    playbook = tmp_path / "hop.yml"
    playbook.write_text(
        "- hosts: win01\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.raw: 'dir \\\\win02\\share'\n      register: hop\n      ignore_errors: true\n"
        "    - ansible.builtin.debug: {var: hop}\n")

    def play(transport: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(ANSIBLE), "-i", str(fresh.inventory), str(playbook), "-e", f"ansible_winrm_transport={transport}",
             "-e", "ansible_port=5986", "-e", "ansible_winrm_scheme=https"],
            capture_output=True, text=True, timeout=120, check=False,
            env={"PATH": f"{REPO / '.venv' / 'bin'}:/usr/bin:/bin", "ANSIBLE_HOST_KEY_CHECKING": "false",
                 "ANSIBLE_NOCOLOR": "1", "ANSIBLE_STDOUT_CALLBACK": "default"})

    ntlm = play("ntlm")
    assert "Access is denied" in ntlm.stdout and '"rc": 1' in ntlm.stdout, ntlm.stdout + ntlm.stderr
    assert hops(fresh, "win02")[-1]["account"] == "NT AUTHORITY\\ANONYMOUS LOGON"
    credssp = play("credssp")
    assert credssp.returncode == 0 and '"rc": 0' in credssp.stdout, credssp.stdout + credssp.stderr
    assert "lab-share.txt" in credssp.stdout
    assert hops(fresh, "win02")[-1]["via"] == "password"
    body = f'<cfg:Auth xmlns:cfg="{wh.CONFIG}/service/auth"><cfg:CredSSP>false</cfg:CredSSP></cfg:Auth>'
    wh.put(wh.protocol(fresh, "win01"), wh.CONFIG + "/service/auth", body)
    refused = play("credssp")
    assert refused.returncode != 0 and "CredSSP" in refused.stdout, refused.stdout + refused.stderr
    assert "UNREACHABLE" in refused.stdout


# -- domain: forwarded TGT, constrained delegation ------------------------------------------------
@pytest.fixture(scope="module")
def ns(domain_lab: Lab) -> Iterator[Any]:
    agent = domain_lab.agent(extra_path=[str(TESTS_DIR)])
    with agent:
        yield agent


@pytest.fixture(scope="module")
def ansible_cc(domain_lab: Lab, ns: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    cc = {"KRB5CCNAME": f"FILE:{tmp_path_factory.mktemp('hopcc')}/ansible"}
    user = domain_lab.user("ansible")
    assert ns.call("domain_probes:kinit", principal=user["principal"], password=user["password"], env=cc)["rc"] == 0
    return cc


def domain_run(ns: Any, lab: Lab, host: str, cc: dict[str, str], command: str, **options: Any) -> dict[str, Any]:
    info = lab.hosts[host]
    result: dict[str, Any] = ns.call("domain_probes:winrm_run", endpoint=f"http://{info['fqdn']}:{info['http_port']}/wsman",
                                     command=command, env=cc, **options)
    return result


def test_forwarded_tgt_reaches_the_file_server(domain_lab: Lab, ns: Any, ansible_cc: dict[str, str]) -> None:
    domain_lab.reset_counters()
    plain = domain_run(ns, domain_lab, "srv04", ansible_cc, r"dir \\fs01.lab.test\share")
    assert (plain["stderr"], plain["rc"]) == ("Access is denied.\r\n", 1)
    assert hops(domain_lab, "fs01")[-1]["account"] == "NT AUTHORITY\\ANONYMOUS LOGON"
    delegated = domain_run(ns, domain_lab, "srv04", ansible_cc, r"dir \\fs01.lab.test\share", kerberos_delegation=True)
    assert delegated["rc"] == 0, delegated
    assert domain_lab.logons("srv04")[-1]["delegated"] is True and domain_lab.logons("srv04")[-1]["held"] == "tgt"
    second = hops(domain_lab, "fs01")[-1]
    assert (second["protocol"], second["account"], second["from"], second["via"]) == (
        "kerberos", "LAB\\ansible", "srv04", "tgt")
    assert second["acceptor"] == "FS01$@LAB.TEST" and second["delegated_credentials"] is True
    # By IP address there is no SPN to ask a ticket for: the TGT is useless, the hop is anonymous.
    address = domain_lab.hosts["fs01"]["address"]
    by_ip = domain_run(ns, domain_lab, "srv04", ansible_cc, f"dir \\\\{address}\\share", kerberos_delegation=True)
    assert by_ip["rc"] == 1 and hops(domain_lab, "fs01")[-1]["anonymous"] is True
    # A nested WinRM call with the forwarded TGT (Kerberos to HTTP/srv01).
    nested = domain_run(ns, domain_lab, "srv04", ansible_cc, "winrm id -r:srv01.lab.test", kerberos_delegation=True)
    assert nested["rc"] == 0 and nested["stdout"].startswith("IdentifyResponse"), nested
    assert hops(domain_lab, "srv01")[-1]["protocol"] == "kerberos"


def test_constrained_delegation_only_to_listed_services(domain_lab: Lab, ns: Any, ansible_cc: dict[str, str]) -> None:
    """SRV05$ may delegate to CIFS/fs01 only (S4U2Proxy); WinRM on srv01 (HTTP/srv01) is refused by the KDC."""
    domain_lab.reset_counters()
    share = domain_run(ns, domain_lab, "srv05", ansible_cc, r"dir \\fs01.lab.test\share")
    assert share["rc"] == 0, share
    second = hops(domain_lab, "fs01")[-1]
    assert (second["account"], second["from"], second["via"]) == ("LAB\\ansible", "srv05", "s4u2proxy")
    nested = domain_run(ns, domain_lab, "srv05", ansible_cc, "winrm id -r:srv01.lab.test")
    assert nested["rc"] == 1 and "0x8009030e" in nested["stderr"]
    assert not hops(domain_lab, "srv01")
    # srv01 (no delegation at all): the same share is out of reach.
    assert domain_run(ns, domain_lab, "srv01", ansible_cc, r"dir \\fs01.lab.test\share")["rc"] == 1


def test_credssp_to_a_member_then_kerberos_with_the_password(domain_lab: Lab) -> None:
    """NTLM-authenticated CredSSP to srv01 delivers LAB\\ansible's password; srv01 gets a TGT with it."""
    domain_lab.reset_counters()
    ansible = domain_lab.user("ansible")
    p = wh.protocol(domain_lab, "srv01", transport="credssp", scheme="https", user=ansible["down_level"],
                    password=ansible["password"])
    body = f'<cfg:Auth xmlns:cfg="{wh.CONFIG}/service/auth"><cfg:CredSSP>true</cfg:CredSSP></cfg:Auth>'
    wh.put(wh.protocol(domain_lab, "srv01", user=ansible["down_level"], password=ansible["password"]),
           wh.CONFIG + "/service/auth", body)
    try:
        out, err, rc = run(p, "dir", r"\\fs01.lab.test\share")
        assert rc == 0, err
        second = hops(domain_lab, "fs01")[-1]
        assert (second["protocol"], second["account"], second["via"]) == ("kerberos", "LAB\\ansible", "password")
    finally:
        domain_lab.restore("srv01")
