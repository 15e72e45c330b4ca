"""The WS-Man core used directly against the lab (no Ansible): models that no module exposes yet."""

from __future__ import annotations

from winlab.client import Lab

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.policy import read_winrm_policy
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import Registry
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import build_settings
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.transport import WSManTransport


def _client(lab: Lab, host: str) -> WSManClient:
    info = lab.hosts[host]
    settings = build_settings(host=info["address"], port=info["http_port"], username=info["admin_user"],
                              password=info["admin_password"], transport="ntlm")
    return WSManClient(WSManTransport(settings), settings.endpoint)


def test_winrm_policy_values_read_through_stdregprov(fresh: Lab) -> None:
    policy = read_winrm_policy(Registry(_client(fresh, "win03")))
    assert policy.as_dict() == {"Service": {"AllowBasic": 0, "AllowUnencryptedTraffic": 0}}
    assert policy.get("Service", "AllowBasic").leaf == "service.auth.basic"  # type: ignore[union-attr]
    assert read_winrm_policy(Registry(_client(fresh, "win02"))).values == ()


def test_registry_write_then_policy_takes_effect(fresh: Lab) -> None:
    client = _client(fresh, "win02")
    registry = Registry(client)
    key = "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Client"
    registry.create_key(key)
    registry.set_dword(key, "AllowDigest", 0)
    assert registry.get_dword(key, "AllowDigest") == 0
    assert read_winrm_policy(registry).get("Client", "AllowDigest").data == 0  # type: ignore[union-attr]
    registry.delete_value(key, "AllowDigest")
    assert registry.get_dword(key, "AllowDigest") is None
    registry.delete_key(key)
    assert registry.enum_values(key) is None
