"""Group Policy precedence: WinRM policy registry values override local config.

A policy value under HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\…
replaces the matching config leaf; Get replies mark that leaf Source="GPO"
and a Put of it is refused (2150858890). DWORD 1 means "true", 0 "false".

Values with a switch: CbtHardeningLevel counts only with CBTHardeningLevelStatus=1, the
TrustedHostsList only with TrustedHosts=1, the IPv4Filter/IPv6Filter only with AllowAutoConfig
(which also adds a Source="GPO" listener, see resources/listener.py). Policy values with no
config leaf on Windows either (DisableRunAs, AllowEncryptionOracle, AllowProtectedCreds) live
in the registry only; LocalAccountTokenFilterPolicy filters remote tokens (dispatch.elevated).
tests/lab/tests/test_policy_values.py walks every leaf this module forces.
"""

from __future__ import annotations

from typing import Any

from . import registry, schema

POLICY_ROOT = r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\WinRM"

# (policy key under POLICY_ROOT, DWORD value name) -> config leaf
DWORD_POLICIES: dict[tuple[str, str], schema.Path] = {
    ("Service", "AllowBasic"): ("Service", "Auth", "Basic"),
    ("Service", "AllowUnencryptedTraffic"): ("Service", "AllowUnencrypted"),
    ("Service", "AllowCredSSP"): ("Service", "Auth", "CredSSP"),
    ("Service", "AllowNegotiate"): ("Service", "Auth", "Negotiate"),
    ("Service", "AllowKerberos"): ("Service", "Auth", "Kerberos"),
    ("Service", "HttpCompatibilityListener"): ("Service", "EnableCompatibilityHttpListener"),
    ("Service", "HttpsCompatibilityListener"): ("Service", "EnableCompatibilityHttpsListener"),
    ("Service\\WinRS", "AllowRemoteShellAccess"): ("Winrs", "AllowRemoteShellAccess"),
    ("Client", "AllowBasic"): ("Client", "Auth", "Basic"),
    ("Client", "AllowUnencryptedTraffic"): ("Client", "AllowUnencrypted"),
    ("Client", "AllowDigest"): ("Client", "Auth", "Digest"),
    ("Client", "AllowCredSSP"): ("Client", "Auth", "CredSSP"),
    ("Client", "AllowNegotiate"): ("Client", "Auth", "Negotiate"),
    ("Client", "AllowKerberos"): ("Client", "Auth", "Kerberos"),
}


def _dword(key: registry.Key | None, name: str) -> int | None:
    value = registry.get_value(key, name) if key is not None else None
    if value is None or value["type"] != "REG_DWORD":
        return None  # Windows ignores a policy value of the wrong type
    return int(value["data"])


def _string(key: registry.Key | None, name: str) -> str | None:
    value = registry.get_value(key, name) if key is not None else None
    if value is None or value["type"] not in ("REG_SZ", "REG_EXPAND_SZ"):
        return None
    return str(value["data"])


def overrides(reg: registry.Registry) -> dict[schema.Path, str]:
    """Config leaves forced by policy, with their effective values."""
    out: dict[schema.Path, str] = {}
    keys: dict[str, registry.Key | None] = {}

    def key(sub: str) -> registry.Key | None:
        if sub not in keys:
            keys[sub] = reg.find_path(POLICY_ROOT + "\\" + sub)
        return keys[sub]

    for (sub, name), path in DWORD_POLICIES.items():
        value = _dword(key(sub), name)
        if value is not None:
            out[path] = "true" if value else "false"

    service = key("Service")
    if _dword(service, "CBTHardeningLevelStatus") == 1:
        level = _string(service, "CbtHardeningLevel")
        for canonical in ("None", "Relaxed", "Strict"):
            if level is not None and level.lower() == canonical.lower():
                out[("Service", "Auth", "CbtHardeningLevel")] = canonical
    auto_config = _dword(service, "AllowAutoConfig")
    if auto_config is not None:
        # "Allow remote server management through WinRM": enabled carries the filters,
        # disabled leaves both empty, which means the service listens nowhere.
        for leaf in ("IPv4Filter", "IPv6Filter"):
            out[("Service", leaf)] = (_string(service, leaf) or "") if auto_config else ""

    client = key("Client")
    if _dword(client, "TrustedHosts") == 1:
        out[("Client", "TrustedHosts")] = _string(client, "TrustedHostsList") or ""
    return out


def auto_config(reg: registry.Registry) -> bool:
    """Whether "Allow remote server management through WinRM" is enabled (it creates a listener)."""
    return _dword(reg.find_path(POLICY_ROOT + "\\Service"), "AllowAutoConfig") == 1


def effective(config: dict[str, Any], reg: registry.Registry) -> schema.Effective:
    """Every config leaf with its effective value and source ('GPO' or None)."""
    forced = overrides(reg)
    result: schema.Effective = {}
    for path, _leaf in schema.leaves():
        if path in forced:
            result[path] = (forced[path], "GPO")
        else:
            node: Any = config
            for name in path:
                node = node[name]
            result[path] = (str(node), None)
    return result


def set_leaf(config: dict[str, Any], path: schema.Path, value: str) -> bool:
    node = config
    for name in path[:-1]:
        node = node[name]
    if node[path[-1]] == value:
        return False
    node[path[-1]] = value
    return True
