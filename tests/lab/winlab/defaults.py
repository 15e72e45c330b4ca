"""Windows Server 2022 defaults for an emulated host (before scenario overrides)."""

from __future__ import annotations

from typing import Any

from . import registry

OS_VERSION = "10.0.20348"
OS_CAPTION = "Microsoft Windows Server 2022 Standard"

# RootSDDL and Winrs values as in windows-recorded/config-get.response.xml.
ROOT_SDDL = "O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"


def config() -> dict[str, Any]:
    """The cfg:Config tree of a freshly installed Server 2022 (values as Windows renders them)."""
    return {
        "MaxEnvelopeSizekb": "500",
        "MaxTimeoutms": "60000",
        "MaxBatchItems": "32000",
        "MaxProviderRequests": "4294967295",
        "Client": {
            "NetworkDelayms": "5000",
            "URLPrefix": "wsman",
            "AllowUnencrypted": "false",
            "Auth": {
                "Basic": "true",
                "Digest": "true",
                "Kerberos": "true",
                "Negotiate": "true",
                "Certificate": "true",
                "CredSSP": "false",
            },
            "DefaultPorts": {"HTTP": "5985", "HTTPS": "5986"},
            "TrustedHosts": "",
        },
        "Service": {
            "RootSDDL": ROOT_SDDL,
            "MaxConcurrentOperations": "4294967295",
            "MaxConcurrentOperationsPerUser": "1500",
            "EnumerationTimeoutms": "240000",
            "MaxConnections": "300",
            "MaxPacketRetrievalTimeSeconds": "120",
            "AllowUnencrypted": "false",
            "Auth": {
                "Basic": "false",
                "Kerberos": "true",
                "Negotiate": "true",
                "Certificate": "false",
                "CredSSP": "false",
                "CbtHardeningLevel": "Relaxed",
            },
            "DefaultPorts": {"HTTP": "5985", "HTTPS": "5986"},
            "IPv4Filter": "*",
            "IPv6Filter": "*",
            "EnableCompatibilityHttpListener": "false",
            "EnableCompatibilityHttpsListener": "false",
            "CertificateThumbprint": "",
            "AllowRemoteAccess": "true",
        },
        "Winrs": {
            "AllowRemoteShellAccess": "true",
            "IdleTimeout": "7200000",
            "MaxConcurrentUsers": "2147483647",
            "MaxShellRunTime": "2147483647",
            "MaxProcessesPerShell": "2147483647",
            "MaxMemoryPerShellMB": "2147483647",
            "MaxShellsPerUser": "2147483647",
        },
    }


def listener(transport: str, port: int, hostname: str = "", thumbprint: str = "") -> dict[str, str]:
    """A listener as stored in state; ListeningOn is derived at render time."""
    return {
        "Address": "*",
        "Transport": transport,
        "Port": str(port),
        "Hostname": hostname,
        "Enabled": "true",
        "URLPrefix": "wsman",
        "CertificateThumbprint": thumbprint,
    }


def registry_tree() -> dict[str, registry.Key]:
    """A small, plausible HKLM: OS identity, UAC defaults and the empty policy roots."""
    reg = registry.Registry({})
    nt = reg.create_path(r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion")
    for name, spec in (
        ("ProductName", "Windows Server 2022 Standard"),
        ("EditionID", "ServerStandard"),
        ("InstallationType", "Server"),
        ("CurrentBuild", "20348"),
        ("CurrentBuildNumber", "20348"),
        ("DisplayVersion", "21H2"),
        ("CurrentMajorVersionNumber", 10),
        ("CurrentMinorVersionNumber", 0),
    ):
        registry.set_value(nt, name, *registry.coerce(spec))
    uac = reg.create_path(r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System")
    for name, value in (("ConsentPromptBehaviorAdmin", 5), ("EnableLUA", 1), ("PromptOnSecureDesktop", 1)):
        registry.set_value(uac, name, "REG_DWORD", value)
    reg.create_path(r"HKLM\SOFTWARE\Policies\Microsoft\Windows")
    reg.create_path(r"HKLM\SYSTEM\CurrentControlSet\Control\Lsa")
    return reg.data
