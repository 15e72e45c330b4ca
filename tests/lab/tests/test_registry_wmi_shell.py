"""StdRegProv, Win32_ComputerSystem, the cmd shell, Ansible's winrm connection, the lab CLI."""

from __future__ import annotations

import concurrent.futures
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import wsman_helpers as wh
import yaml
from winrm.exceptions import WSManFaultError

KEY = r"SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation"
LAB_DIR = Path(__file__).resolve().parents[1]


def test_stdregprov_round_trip(fresh):
    p = wh.protocol(fresh, "win02")
    base = r"SOFTWARE\LabTest"
    assert wh.return_value(wh.reg_call(p, "CreateKey", sSubKeyName=base + r"\Child\Grandchild")) == 0
    out = wh.reg_call(p, "SetStringValue", sSubKeyName=base, sValueName="Name", sValue="wsman/*.lab.test")
    assert wh.return_value(out) == 0
    wh.reg_call(p, "SetDWORDValue", sSubKeyName=base.lower(), sValueName="Flag", uValue=1)  # case-insensitive
    enum = wh.reg_call(p, "EnumValues", sSubKeyName=base)
    assert wh.reg_out(enum, "sNames") == ["Name", "Flag"] and wh.reg_out(enum, "Types") == ["1", "4"]
    assert [el.tag.split("}")[1] for el in enum] == ["sNames", "sNames", "Types", "Types", "ReturnValue"]
    assert wh.reg_out(wh.reg_call(p, "GetStringValue", sSubKeyName=base, sValueName="NAME"), "sValue") == [
        "wsman/*.lab.test"]
    assert wh.reg_out(wh.reg_call(p, "GetDWORDValue", sSubKeyName=base, sValueName="Flag"), "uValue") == ["1"]
    keys = wh.reg_call(p, "EnumKey", sSubKeyName="SOFTWARE")
    assert "LabTest" in wh.reg_out(keys, "sNames")
    assert wh.return_value(wh.reg_call(p, "DeleteKey", sSubKeyName=base)) == 5  # has subkeys
    assert wh.return_value(wh.reg_call(p, "DeleteValue", sSubKeyName=base, sValueName="Flag")) == 0
    missing = wh.reg_call(p, "GetDWORDValue", sSubKeyName=base, sValueName="Flag")
    assert wh.return_value(missing) == 2
    assert missing.find(f"{{{wh.REG}}}uValue").get(f"{{{wh.NS['xsi']}}}nil") == "true"
    assert wh.return_value(wh.reg_call(p, "EnumKey", sSubKeyName=r"SOFTWARE\Nope")) == 2
    for sub in (r"\Child\Grandchild", r"\Child", ""):
        assert wh.return_value(wh.reg_call(p, "DeleteKey", sSubKeyName=base + sub)) == 0
    assert "LabTest" not in wh.reg_out(wh.reg_call(p, "EnumKey", sSubKeyName="SOFTWARE"), "sNames")


def test_scenario_registry_and_invoke_reply_shape(fresh):
    p = wh.protocol(fresh, "win01")
    xml = p.send_message(wh.envelope(
        f"{wh.REG}/EnumValues", wh.REG,
        f'<p:EnumValues_INPUT xmlns:p="{wh.REG}"><p:hDefKey>{wh.HKLM}</p:hDefKey>'
        f"<p:sSubKeyName>{KEY}\\AllowFreshCredentials</p:sSubKeyName></p:EnumValues_INPUT>",
    )).decode()
    assert f"<a:Action>{wh.REG}/EnumValuesResponse</a:Action>" in xml
    assert f'<p:EnumValues_OUTPUT xmlns:xsi="{wh.NS["xsi"]}" xmlns:p="{wh.REG}"' in xml
    assert "<p:sNames>1</p:sNames><p:Types>1</p:Types><p:ReturnValue>0</p:ReturnValue>" in xml
    value = wh.reg_call(p, "GetStringValue", sSubKeyName=KEY + r"\AllowFreshCredentials", sValueName="1")
    assert wh.reg_out(value, "sValue") == ["wsman/*"]
    with pytest.raises(WSManFaultError):
        wh.send(p, f"{wh.REG}/FormatDisk", wh.REG, "")


def test_win32_computersystem(fresh):
    p = wh.protocol(fresh, "win02")
    instance = wh.body_of(wh.get(p, wh.CS, {"Name": "WIN02"}))[0]
    props = {el.tag.split("}")[1]: el.text for el in instance}
    assert props["Name"] == "WIN02" and props["Domain"] == "WORKGROUP" and props["PartOfDomain"] == "false"
    assert props["Workgroup"] == "WORKGROUP" and props["DNSHostName"] == "win02"
    assert instance.get(f"{{{wh.NS['xsi']}}}type") == "p:Win32_ComputerSystem_Type"
    assert list(props) == sorted(props, key=str.lower)
    body = f'<n:Enumerate xmlns:n="{wh.NS["n"]}" xmlns:w="{wh.NS["w"]}"><w:OptimizeEnumeration/></n:Enumerate>'
    items = wh.body_of(wh.send(p, wh.ENUM + "Enumerate", wh.CS, body)).find("n:EnumerateResponse/w:Items", wh.NS)
    assert len(items) == 1
    with pytest.raises(WSManFaultError) as err:
        wh.get(p, wh.CS, {"Name": "OTHER"})
    assert err.value.fault_subcode == "a:DestinationUnreachable"


def test_cmd_shell_lifecycle(fresh):
    p = wh.protocol(fresh, "win02")
    shell = p.open_shell()
    command = p.run_command(shell, "whoami")
    out, err, rc = p.get_command_output(shell, command)
    assert (out, err, rc) == (b"win02\\administrator\r\n", b"", 0)
    p.cleanup_command(shell, command)
    p.close_shell(shell)
    by_action = fresh.stats("win02")["by_action"]
    assert by_action["Create"] == 1 and by_action["Delete"] == 1 and by_action["Receive"] >= 1


@pytest.mark.skipif(shutil.which("ansible", path=str(LAB_DIR.parents[1] / ".venv" / "bin")) is None,
                    reason="ansible not installed in .venv")
def test_ansible_winrm_connection_connects(fresh):
    ansible = str(LAB_DIR.parents[1] / ".venv" / "bin" / "ansible")
    result = subprocess.run(
        [ansible, "win02", "-i", str(fresh.inventory), "-m", "raw", "-a", "whoami"],
        capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": "/usr/bin:/bin", "ANSIBLE_HOST_KEY_CHECKING": "false", "ANSIBLE_NOCOLOR": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "CHANGED" in result.stdout and "rc=0" in result.stdout


def test_hosts_json_and_inventory(lab):
    doc = json.loads((lab.dir / "hosts.json").read_text())
    assert list(doc["hosts"]) == ["win01", "win02", "win03"]
    win01 = doc["hosts"]["win01"]
    assert win01["address"] == "127.0.20.1" and win01["http_port"] == 5985 and win01["https_port"] == 5986
    assert win01["admin_user"] == "Administrator" and win01["admin_password"] == "Lab-Adm1n!Secret-7q"
    inventory = yaml.safe_load(lab.inventory.read_text())
    windows = inventory["all"]["children"]["windows"]
    assert windows["vars"]["ansible_connection"] == "winrm"
    assert windows["vars"]["ansible_winrm_transport"] == "ntlm"
    assert windows["children"]["lab"]["hosts"]["win03"]["ansible_host"] == "127.0.20.3"
    assert lab.startup_seconds < 10


def test_concurrent_clients(fresh):
    def session(i: int) -> int:
        host = ("win01", "win02", "win03")[i % 3]
        p = wh.protocol(fresh, host)
        for _request in range(4):
            wh.get(p, wh.CONFIG)
        return 4

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        assert sum(pool.map(session, range(24))) == 96
    assert sum(fresh.requests(h) for h in ("win01", "win02", "win03")) == 96


def test_status_cli(lab):
    result = subprocess.run([sys.executable, str(LAB_DIR / "labctl.py"), "status", "--dir", str(lab.dir)],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0 and "win03" in result.stdout, result.stdout + result.stderr
