"""WMI root/cimv2/Win32_ComputerSystem over WS-Man (Get by Name, Enumerate).

Instance shape as Get-WSManInstance shows it (PowerShell docs, Microsoft.WSMan.Management):
``<p:Win32_ComputerSystem xmlns:xsi xmlns:p=<resource URI> xmlns:cim
xsi:type="p:Win32_ComputerSystem_Type" xml:lang="en-US">`` with properties in
case-insensitive alphabetical order and NULL properties as xsi:nil.
"""

from __future__ import annotations

from typing import Any

from .. import faults, xmlns
from ..hoststate import HostState
from ..operation import Context, Reply
from ..xmlutil import esc
from . import enumeration


def properties(host: HostState) -> dict[str, str | None]:
    state: dict[str, Any] = host.state
    member = bool(state.get("domain_member"))
    domain = state.get("domain", "WORKGROUP") if member else "WORKGROUP"
    return {
        "AdminPasswordStatus": "3",
        "AutomaticManagedPagefile": "true",
        "BootupState": "Normal boot",
        "Caption": host.netbios,
        "CreationClassName": "Win32_ComputerSystem",
        "CurrentTimeZone": "0",
        "Description": "AT/AT COMPATIBLE",
        "DNSHostName": host.name,
        "Domain": domain,
        "DomainRole": "3" if member else "2",  # member server / standalone server
        "HypervisorPresent": "true",
        "InstallDate": None,
        "Manufacturer": "winauth lab",
        "Model": "Emulated WinRM host",
        "Name": host.netbios,
        "NumberOfLogicalProcessors": "2",
        "NumberOfProcessors": "1",
        "PartOfDomain": "true" if member else "false",
        "PCSystemType": "1",
        "PrimaryOwnerName": "Windows User",
        "Status": "OK",
        "SystemType": "x64-based PC",
        "TotalPhysicalMemory": "4294414336",
        "UserName": None,
        "Workgroup": None if member else "WORKGROUP",
    }


def render(host: HostState) -> str:
    uri = xmlns.COMPUTER_SYSTEM
    parts = []
    for name, value in sorted(properties(host).items(), key=lambda kv: kv[0].lower()):
        parts.append(f'<p:{name} xsi:nil="true"/>' if value is None else f"<p:{name}>{esc(value)}</p:{name}>")
    return (
        f'<p:Win32_ComputerSystem xmlns:xsi="{xmlns.XSI}" xmlns:p="{uri}" xmlns:cim="{xmlns.CIM}" '
        f'xsi:type="p:Win32_ComputerSystem_Type" xml:lang="en-US">{"".join(parts)}</p:Win32_ComputerSystem>'
    )


def get(ctx: Context) -> Reply:
    name = ctx.request.selector("Name")
    if name is None:
        raise faults.insufficient_selectors(faults.WMI_PROVIDER)
    if len(ctx.request.selectors) != 1:
        raise faults.invalid_selectors(faults.WMI_PROVIDER)
    if name.upper() != ctx.host.netbios:
        raise faults.resource_not_found(faults.WMI_PROVIDER)
    return Reply(xmlns.ACTION_GET + "Response", render(ctx.host))


def enumerate_instances(ctx: Context) -> Reply:
    return enumeration.enumerate_items(ctx, [render(ctx.host)])
