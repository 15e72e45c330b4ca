"""WMI root/cimv2 classes over WS-Man: Get by key, Enumerate a class, Enumerate ``*`` with a WQL filter.

Shapes as recorded from Windows Server 2012 (windows-recorded/wmi-*): a typed instance
``<p:Class xmlns:xsi xmlns:p=<class URI> xmlns:cim xsi:type="p:Class_Type">`` with its
properties in case-insensitive alphabetical order, a NULL scalar as ``xsi:nil``, an array
as repeated elements (a NULL array is left out), datetimes as ``cim:Datetime``. A WQL
query with a property list gets ``w:XmlFragment`` items with unprefixed elements. WMI
Enumerate/Pull envelopes declare s, a, n and w only; a WMI Get reply carries p:ActivityId.
The instance carries ``xml:lang`` only when the request set ``w:Locale`` (the recorded
clients sent none and got none; Get-WSManInstance, which sends it, shows ``lang``) -- that
rule is inferred, not confirmed. The property sets are the recorded Server 2012 ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import defaults, faults, xmlns
from ..hoststate import HostState
from ..operation import Context, Reply
from ..xmlns import q
from ..xmlutil import esc
from . import enumeration

CIMV2 = xmlns.URI_PREFIX + "wmi/root/cimv2/"
WQL_DIALECT = "http://schemas.microsoft.com/wbem/wsman/1/WQL"
_WQL = re.compile(r"^\s*select\s+(?P<props>\*|[\w\s,]+?)\s+from\s+(?P<cls>\w+)"
                  r"(?:\s+where\s+(?P<key>\w+)\s*=\s*(?P<q>['\"])(?P<value>[^'\"]*)(?P=q))?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Datetime:
    """A CIM datetime, rendered as ``<cim:Datetime>``."""

    value: str


Value = str | None | list[str] | Datetime  # None: NULL (xsi:nil); a list: an array (left out when empty)
Instance = dict[str, Value]


@dataclass(frozen=True)
class WmiClass:
    key: str
    instances: Callable[[HostState], list[Instance]]
    batch_limit: int | None = None  # instances per reply whatever MaxElements asks


def _computer_system(host: HostState) -> list[Instance]:
    state: dict[str, Any] = host.state
    member = bool(state.get("domain_member"))
    domain = state.get("domain", "WORKGROUP") if member else "WORKGROUP"
    return [{
        "AdminPasswordStatus": "3", "AutomaticManagedPagefile": "true", "AutomaticResetBootOption": "true",
        "AutomaticResetCapability": "true", "BootOptionOnLimit": None, "BootOptionOnWatchDog": None,
        "BootROMSupported": "true", "BootupState": "Normal boot", "Caption": host.netbios, "ChassisBootupState": "3",
        "CreationClassName": "Win32_ComputerSystem", "CurrentTimeZone": "0", "DaylightInEffect": None,
        "Description": "AT/AT COMPATIBLE", "DNSHostName": host.name, "Domain": domain,
        "DomainRole": "3" if member else "2",  # member server / standalone server
        "EnableDaylightSavingsTime": "true", "FrontPanelResetStatus": "3", "HypervisorPresent": "true",
        "InfraredSupported": "false", "InstallDate": None, "KeyboardPasswordStatus": "3", "LastLoadInfo": None,
        "Manufacturer": "winauth lab", "Model": "Emulated WinRM host", "Name": host.netbios, "NameFormat": None,
        "NetworkServerModeEnabled": "true", "NumberOfLogicalProcessors": "2", "NumberOfProcessors": "1",
        "PartOfDomain": "true" if member else "false", "PauseAfterReset": "-1", "PCSystemType": "1",
        "PowerManagementSupported": None, "PowerOnPasswordStatus": "3", "PowerState": "0", "PowerSupplyState": "3",
        "PrimaryOwnerContact": None, "PrimaryOwnerName": "Windows User", "ResetCapability": "1", "ResetCount": "-1",
        "ResetLimit": "-1", "Roles": ["LM_Workstation", "LM_Server", "NT", "Server_NT"], "Status": "OK",
        "SystemStartupDelay": None, "SystemStartupSetting": None, "SystemType": "x64-based PC", "ThermalState": "3",
        "TotalPhysicalMemory": "4294414336", "UserName": None, "WakeUpType": "6",
        "Workgroup": None if member else "WORKGROUP",
    }]


def _operating_system(host: HostState) -> list[Instance]:
    build = defaults.OS_VERSION.rsplit(".", 1)[-1]
    return [{
        "BootDevice": "\\Device\\HarddiskVolume1", "BuildNumber": build, "BuildType": "Multiprocessor Free",
        "Caption": defaults.OS_CAPTION, "CodeSet": "1252", "CountryCode": "1",
        "CreationClassName": "Win32_OperatingSystem", "CSCreationClassName": "Win32_ComputerSystem",
        "CSDVersion": None, "CSName": host.netbios, "CurrentTimeZone": "0",
        "DataExecutionPrevention_32BitApplications": "true", "DataExecutionPrevention_Available": "true",
        "DataExecutionPrevention_Drivers": "true", "DataExecutionPrevention_SupportPolicy": "3", "Debug": "false",
        "Description": "", "Distributed": "false", "EncryptionLevel": "256", "ForegroundApplicationBoost": "2",
        "FreePhysicalMemory": "2097152", "FreeSpaceInPagingFiles": "1310720", "FreeVirtualMemory": "3407872",
        "InstallDate": Datetime("2026-01-01T00:00:00Z"), "LargeSystemCache": None,
        "LastBootUpTime": Datetime("2026-01-01T00:00:00Z"), "LocalDateTime": Datetime("2026-01-01T00:00:00Z"),
        "Locale": "0409", "Manufacturer": "Microsoft Corporation", "MaxNumberOfProcesses": "4294967295",
        "MaxProcessMemorySize": "137438953344", "MUILanguages": ["en-US"],
        "Name": defaults.OS_CAPTION + "|C:\\Windows|\\Device\\Harddisk0\\Partition2", "NumberOfLicensedUsers": "0",
        "NumberOfProcesses": "38", "NumberOfUsers": "0", "OperatingSystemSKU": "7", "Organization": "winauth lab",
        "OSArchitecture": "64-bit", "OSLanguage": "1033", "OSProductSuite": "272", "OSType": "18",
        "OtherTypeDescription": None, "PAEEnabled": None, "PlusProductID": None, "PlusVersionNumber": None,
        "PortableOperatingSystem": "false", "Primary": "true", "ProductType": "3", "RegisteredUser": "Windows User",
        "SerialNumber": "00454-40000-00001-AA000", "ServicePackMajorVersion": "0", "ServicePackMinorVersion": "0",
        "SizeStoredInPagingFiles": "1310720", "Status": "OK", "SuiteMask": "272",
        "SystemDevice": "\\Device\\HarddiskVolume2", "SystemDirectory": "C:\\Windows\\system32", "SystemDrive": "C:",
        "TotalSwapSpaceSize": None, "TotalVirtualMemorySize": "5505024", "TotalVisibleMemorySize": "4193784",
        "Version": defaults.OS_VERSION, "WindowsDirectory": "C:\\Windows",
    }]


_VOLUME_NULLS = ("Access", "Availability", "ConfigManagerErrorCode", "ConfigManagerUserConfig", "CreationClassName",
                 "Description", "ErrorCleared", "ErrorDescription", "ErrorMethodology", "InstallDate",
                 "LastErrorCode", "NumberOfBlocks", "PNPDeviceID", "PowerManagementSupported", "Purpose", "Status",
                 "StatusInfo", "SystemCreationClassName", "SystemName")


def _volumes(_host: HostState) -> list[Instance]:
    out: list[Instance] = []
    for guid, letter, label, size, boot in (("3f2504e0-4f89-11d3-9a0c-0305e82c3301", None, "System Reserved",
                                             "366997504", False),
                                            ("3f2504e0-4f89-11d3-9a0c-0305e82c3302", "C:", None, "68718424064", True)):
        device = f"\\\\?\\Volume{{{guid}}}\\"
        volume: Instance = dict.fromkeys(_VOLUME_NULLS)
        volume.update({
            "Automount": "true", "BlockSize": "4096", "BootVolume": "true" if boot else "false", "Capacity": size,
            "Caption": letter + "\\" if letter else device, "Compressed": "false", "DeviceID": device,
            "DirtyBitSet": "false", "DriveLetter": letter, "DriveType": "3", "FileSystem": "NTFS",
            "FreeSpace": str(int(size) // 3), "IndexingEnabled": "true", "Label": label,
            "MaximumFileNameLength": "255", "Name": letter + "\\" if letter else device,
            "PageFilePresent": "true" if boot else "false", "QuotasEnabled": "false", "QuotasIncomplete": "false",
            "QuotasRebuilding": "false", "SerialNumber": "1248565016", "SupportsDiskQuotas": "true",
            "SupportsFileBasedCompression": "true", "SystemVolume": "false" if boot else "true",
        })
        out.append(volume)
    return out


_DISK_NULLS = ("Availability", "BlockSize", "ConfigManagerErrorCode", "ConfigManagerUserConfig", "ErrorCleared",
               "ErrorDescription", "ErrorMethodology", "InstallDate", "LastErrorCode", "NumberOfBlocks",
               "PNPDeviceID", "PowerManagementSupported", "ProviderName", "Purpose", "Status", "StatusInfo")


def _logical_disks(host: HostState) -> list[Instance]:
    disk: Instance = dict.fromkeys(_DISK_NULLS)
    disk.update({
        "Access": "0", "Caption": "C:", "Compressed": "false", "CreationClassName": "Win32_LogicalDisk",
        "Description": "Local Fixed Disk", "DeviceID": "C:", "DriveType": "3", "FileSystem": "NTFS",
        "FreeSpace": "22906474496", "MaximumComponentLength": "255", "MediaType": "12", "Name": "C:",
        "QuotasDisabled": "true", "QuotasIncomplete": "false", "QuotasRebuilding": "false", "Size": "68718424064",
        "SupportsDiskQuotas": "true", "SupportsFileBasedCompression": "true",
        "SystemCreationClassName": "Win32_ComputerSystem", "SystemName": host.netbios, "VolumeDirty": "false",
        "VolumeName": "", "VolumeSerialNumber": "4A3C2E10",
    })
    return [disk]


CLASSES: dict[str, WmiClass] = {
    "Win32_ComputerSystem": WmiClass("Name", _computer_system),
    "Win32_OperatingSystem": WmiClass("Name", _operating_system),
    # Windows answered one volume per reply although MaxElements was 32000 (recorded Enumerate + Pull).
    "Win32_Volume": WmiClass("DeviceID", _volumes, batch_limit=1),
    "Win32_LogicalDisk": WmiClass("DeviceID", _logical_disks),
}


def _class_of(name: str) -> tuple[str, WmiClass] | None:
    return next(((n, c) for n, c in CLASSES.items() if n.lower() == name.lower()), None)


def _properties(instance: Instance, only: list[str] | None, prefix: str) -> str:
    names = sorted(instance, key=str.lower)
    if only is not None:
        wanted = {p.lower() for p in only}
        names = [n for n in names if n.lower() in wanted]
    parts = []
    for name in names:
        tag = f"{prefix}{name}"
        value = instance[name]
        if value is None:
            parts.append(f'<{tag} xsi:nil="true"/>')
        elif isinstance(value, list):
            parts += [f"<{tag}>{esc(v)}</{tag}>" for v in value]
        elif isinstance(value, Datetime):
            parts.append(f"<{tag}><cim:Datetime>{esc(value.value)}</cim:Datetime></{tag}>")
        else:
            parts.append(f"<{tag}>{esc(value)}</{tag}>")
    return "".join(parts)


def render(class_name: str, instance: Instance, lang: bool, namespace: str = "") -> str:
    """A typed instance: ``p`` is the class URI (in root/cimv2 unless ``namespace`` names another)."""
    lang_attr = ' xml:lang="en-US"' if lang else ""
    return (
        f'<p:{class_name} xmlns:xsi="{xmlns.XSI}" xmlns:p="{namespace or CIMV2}{class_name}" xmlns:cim="{xmlns.CIM}" '
        f'xsi:type="p:{class_name}_Type"{lang_attr}>{_properties(instance, None, "p:")}</p:{class_name}>'
    )


def _fragment(instance: Instance, only: list[str]) -> str:
    return (f'<w:XmlFragment xmlns:xsi="{xmlns.XSI}" xmlns:w="{xmlns.WSMAN}">'
            f"{_properties(instance, only, '')}</w:XmlFragment>")


def wants_lang(ctx: Context) -> bool:
    return ctx.request.header_child(xmlns.WSMAN, "Locale") is not None


def class_of_uri(uri: str) -> str | None:
    """``…/wmi/root/cimv2/Win32_Volume`` -> ``Win32_Volume``; ``*`` for the WQL endpoint; None otherwise."""
    if not uri.lower().startswith(CIMV2.lower()):
        return None
    return uri[len(CIMV2):]


def get(ctx: Context) -> Reply:
    found = _class_of(class_of_uri(ctx.request.resource_uri) or "")
    if found is None:
        raise faults.resource_not_found(faults.WMI_PROVIDER)
    name, wmi_class = found
    key = ctx.request.selector(wmi_class.key)
    if key is None:
        raise faults.insufficient_selectors(faults.WMI_PROVIDER)
    if len(ctx.request.selectors) != 1:
        raise faults.invalid_selectors(faults.WMI_PROVIDER)
    instance = next((i for i in wmi_class.instances(ctx.host) if str(i[wmi_class.key]).lower() == key.lower()), None)
    if instance is None:
        raise faults.resource_not_found(faults.WMI_PROVIDER)
    return Reply(xmlns.ACTION_GET + "Response", render(name, instance, wants_lang(ctx)), activity=True)


def enumerate_instances(ctx: Context) -> Reply:
    """Enumerate a class URI, or ``*`` with a WQL ``w:Filter`` (``select * | a, b from Class [where k = 'v']``)."""
    target = class_of_uri(ctx.request.resource_uri) or ""
    body = ctx.request.body
    filt = body.find(q(xmlns.WSMAN, "Filter")) if body is not None else None
    only: list[str] | None = None
    where: tuple[str, str] | None = None
    if target == "*":
        query = (filt.text or "").strip() if filt is not None else ""
        if filt is None or (filt.get("Dialect") or "").lower() != WQL_DIALECT.lower():
            raise faults.cannot_process_filter(query)
        match = _WQL.match(query)
        found = _class_of(match.group("cls")) if match else None
        if match is None or found is None:
            raise faults.cannot_process_filter(query)
        if match.group("props") != "*":
            only = [p.strip() for p in match.group("props").split(",")]
        if match.group("key"):
            where = (match.group("key").lower(), match.group("value").lower())
    else:
        found = _class_of(target)
        if found is None:
            raise faults.resource_not_found(faults.WMI_PROVIDER)
    name, wmi_class = found
    instances = [i for i in wmi_class.instances(ctx.host)
                 if where is None or any(k.lower() == where[0] and str(v).lower() == where[1] for k, v in i.items())]
    items = [_fragment(i, only) if only is not None else render(name, i, wants_lang(ctx)) for i in instances]
    return enumeration.enumerate_items(ctx, items, "s a n w", batch_limit=wmi_class.batch_limit)
