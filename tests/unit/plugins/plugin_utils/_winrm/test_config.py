# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm import config as mc
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.envelope import reply_body
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import parse, to_bytes
from ansible_collections.winauth.winrm.tests.unit.helpers import config_element

Loader = Callable[[str], ET.Element]
CFG = mc.CONFIG_URI
POLICY = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\"

# Every value of windows-recorded/config-get.response.xml, typed.
RECORDED: dict[str, mc.Value] = {
    "service.allow_unencrypted": False,
    "service.auth.basic": True,
    "service.auth.kerberos": True,
    "service.auth.negotiate": True,
    "service.auth.certificate": False,
    "service.auth.credssp": True,
    "service.auth.cbt_hardening_level": "Relaxed",
    "service.root_sddl": "O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)",
    "service.max_connections": 300,
    "service.ipv4_filter": "*",
    "service.ipv6_filter": "*",
    "service.enable_compatibility_http_listener": False,
    "service.enable_compatibility_https_listener": False,
    "service.certificate_thumbprint": "",
    "service.allow_remote_access": True,
    "client.allow_unencrypted": False,
    "client.trusted_hosts": "",
    "client.auth.basic": True,
    "client.auth.digest": True,
    "client.auth.kerberos": True,
    "client.auth.negotiate": True,
    "client.auth.certificate": True,
    "client.auth.credssp": False,
    "winrs.allow_remote_shell_access": True,
}


@pytest.fixture
def recorded_config(recorded_root: Loader) -> mc.WinRMConfig:
    body = reply_body(recorded_root("config-get.response.xml"))
    assert body is not None
    return mc.WinRMConfig.from_element(body)


# --------------------------------------------------------------------------- the real reply


def test_recorded_reply_every_value(recorded_config: mc.WinRMConfig) -> None:
    assert set(recorded_config.settings) == set(mc.LEAVES)
    assert {key: recorded_config.value(key) for key in mc.LEAVES} == RECORDED


def test_recorded_reply_types(recorded_config: mc.WinRMConfig) -> None:
    py_type = {"bool": bool, "int": int, "str": str}
    for key, setting in recorded_config.settings.items():
        assert setting.value.__class__ is py_type[setting.leaf.kind], key
        assert setting.leaf is mc.LEAVES[key]


def test_recorded_reply_has_no_gpo(recorded_config: mc.WinRMConfig) -> None:
    assert recorded_config.gpo_controlled() == {}
    assert not any(recorded_config.is_gpo(key) for key in mc.LEAVES)


def test_recorded_reply_as_tree(recorded_config: mc.WinRMConfig) -> None:
    tree = recorded_config.as_tree()
    assert set(tree) == {"client", "service", "winrs"}
    assert tree["service"]["auth"] == {  # type: ignore[index]
        "basic": True, "certificate": False, "credssp": True, "kerberos": True, "negotiate": True,
        "cbt_hardening_level": "Relaxed",
    }
    assert tree["client"]["trusted_hosts"] == ""  # type: ignore[index]
    assert tree["winrs"] == {"allow_remote_shell_access": True}


# --------------------------------------------------------------------------- synthetic variants


def test_synthetic_matches_recorded_shape(recorded_root: Loader) -> None:
    recorded = reply_body(recorded_root("config-get.response.xml"))
    assert recorded is not None
    ours = config_element({"client.auth.basic": "true"})
    # the builder nests leaves the way Windows does (same paths below cfg:Config)
    for leaf in mc.LEAVES.values():
        path = "/".join("{%s}%s" % (CFG, p) for p in leaf.path)
        assert recorded.find(path) is not None, leaf.key
        assert ours.find(path) is not None, leaf.key


def test_gpo_sources() -> None:
    root = config_element({"service.auth.basic": "false"},
                          gpo={"service.auth.basic", "client.trusted_hosts", "winrs.allow_remote_shell_access"})
    config = mc.WinRMConfig.from_element(root)
    assert config.is_gpo("service.auth.basic") is True
    assert config.is_gpo("service.auth.kerberos") is False
    assert config.is_gpo("not.a.key") is False
    assert config.value("service.auth.basic") is False
    assert config.gpo_controlled() == {
        "client.trusted_hosts": POLICY + "Client\\TrustedHostsList",
        "service.auth.basic": POLICY + "Service\\AllowBasic",
        "winrs.allow_remote_shell_access": POLICY + "Service\\WinRS\\AllowRemoteShellAccess",
    }


def test_gpo_source_case_insensitive_and_through_the_wire() -> None:
    root = config_element()
    leaf = root.find("{%s}Service/{%s}AllowUnencrypted" % (CFG, CFG))
    assert leaf is not None
    leaf.set("Source", "gpo")
    config = mc.WinRMConfig.from_element(parse(to_bytes(root)))
    assert config.gpo_controlled() == {"service.allow_unencrypted": POLICY + "Service\\AllowUnencryptedTraffic"}


def test_gpo_on_leaf_without_policy_names_group_policy() -> None:
    config = mc.WinRMConfig.from_element(config_element(gpo={"service.auth.certificate"}))
    assert config.gpo_controlled() == {"service.auth.certificate": "(Group Policy)"}


@pytest.mark.parametrize("bad", ["yes", "1", "", "tru"])
def test_malformed_bool(bad: str) -> None:
    with pytest.raises(mc.ConfigParseError, match="service.auth.basic: expected true or false"):
        mc.WinRMConfig.from_element(config_element({"service.auth.basic": bad}))


def test_bool_case_and_whitespace() -> None:
    config = mc.WinRMConfig.from_element(config_element({"service.auth.basic": " TRUE ",
                                                         "client.auth.digest": "False"}))
    assert config.value("service.auth.basic") is True
    assert config.value("client.auth.digest") is False


def test_malformed_int() -> None:
    with pytest.raises(mc.ConfigParseError, match="service.max_connections: expected a number"):
        mc.WinRMConfig.from_element(config_element({"service.max_connections": "lots"}))


def test_missing_cbt_hardening_level_older_windows() -> None:
    config = mc.WinRMConfig.from_element(config_element({"service.auth.cbt_hardening_level": None}))
    assert "service.auth.cbt_hardening_level" not in config.settings
    assert config.value("service.auth.cbt_hardening_level") is None
    assert config.is_gpo("service.auth.cbt_hardening_level") is False
    assert config.value("service.auth.basic") is False


def test_wrong_root() -> None:
    with pytest.raises(mc.ConfigParseError, match="expected cfg:Config"):
        mc.WinRMConfig.from_element(ET.Element("{%s}Listener" % CFG))
    with pytest.raises(mc.ConfigParseError, match="expected cfg:Config"):
        mc.WinRMConfig.from_element(config_element(namespace="urn:not-winrm"))


def test_leaves_in_another_namespace_are_ignored() -> None:
    root = config_element({"service.auth.basic": None})
    service_auth = root.find("{%s}Service/{%s}Auth" % (CFG, CFG))
    assert service_auth is not None
    ET.SubElement(service_auth, "{urn:other}Basic").text = "true"
    assert mc.WinRMConfig.from_element(root).value("service.auth.basic") is None


def test_trusted_hosts_entries() -> None:
    assert mc.trusted_hosts_entries("a.lab.test, b.lab.test,,*") == ["a.lab.test", "b.lab.test", "*"]
    assert mc.trusted_hosts_entries("") == []
    assert mc.trusted_hosts_entries(None) == []
    assert mc.trusted_hosts_entries(True) == []


# --------------------------------------------------------------------------- LEAVES


@pytest.mark.parametrize(
    ("key", "uri"),
    [
        ("service.auth.basic", CFG + "/service/auth"),
        ("service.allow_unencrypted", CFG + "/service"),
        ("client.auth.digest", CFG + "/client/auth"),
        ("client.trusted_hosts", CFG + "/client"),
        ("winrs.allow_remote_shell_access", CFG + "/winrs"),
    ],
)
def test_leaf_resource_uri(key: str, uri: str) -> None:
    assert mc.LEAVES[key].resource_uri == uri


def test_leaf_policy_paths() -> None:
    assert mc.LEAVES["service.auth.basic"].policy_path == POLICY + "Service\\AllowBasic"
    assert mc.LEAVES["client.auth.basic"].policy_path == POLICY + "Client\\AllowBasic"
    assert mc.LEAVES["client.auth.digest"].policy_path == POLICY + "Client\\AllowDigest"
    assert mc.LEAVES["service.allow_unencrypted"].policy_path == POLICY + "Service\\AllowUnencryptedTraffic"
    assert mc.LEAVES["client.allow_unencrypted"].policy_path == POLICY + "Client\\AllowUnencryptedTraffic"
    assert mc.LEAVES["service.auth.credssp"].policy_path == POLICY + "Service\\AllowCredSSP"
    assert mc.LEAVES["service.auth.certificate"].policy_path is None
    for leaf in mc.LEAVES.values():
        assert leaf.kind in ("bool", "int", "str")
        assert leaf.key.split(".")[0] == leaf.path[0].lower()


# --------------------------------------------------------------------------- put bodies


def test_put_bodies_group_per_sub_resource() -> None:
    bodies = mc.put_bodies([
        ("service.auth.basic", False),
        ("service.allow_unencrypted", False),
        ("service.auth.credssp", True),
        ("service.auth.cbt_hardening_level", "Strict"),
        ("client.auth.digest", False),
    ])
    assert list(bodies) == [CFG + "/service/auth", CFG + "/service", CFG + "/client/auth"]

    auth = bodies[CFG + "/service/auth"]
    ns = CFG + "/service/auth"
    assert auth.tag == "{%s}Auth" % ns
    assert [(child.tag, child.text) for child in auth] == [
        ("{%s}Basic" % ns, "false"),
        ("{%s}CredSSP" % ns, "true"),
        ("{%s}CbtHardeningLevel" % ns, "Strict"),
    ]
    service = bodies[CFG + "/service"]
    assert service.tag == "{%s/service}Service" % CFG
    assert [(child.tag, child.text) for child in service] == [("{%s/service}AllowUnencrypted" % CFG, "false")]
    client_auth = bodies[CFG + "/client/auth"]
    assert client_auth.tag == "{%s/client/auth}Auth" % CFG
    assert [(child.tag, child.text) for child in client_auth] == [("{%s/client/auth}Digest" % CFG, "false")]


def test_put_bodies_other_types_and_empty() -> None:
    bodies = mc.put_bodies([("client.trusted_hosts", "a,b"), ("service.max_connections", 25),
                            ("winrs.allow_remote_shell_access", False)])
    assert bodies[CFG + "/client"].findtext("{%s/client}TrustedHosts" % CFG) == "a,b"
    assert bodies[CFG + "/service"].findtext("{%s/service}MaxConnections" % CFG) == "25"
    assert bodies[CFG + "/winrs"].tag == "{%s/winrs}Winrs" % CFG
    assert bodies[CFG + "/winrs"].findtext("{%s/winrs}AllowRemoteShellAccess" % CFG) == "false"
    assert mc.put_bodies([]) == {}
    with pytest.raises(KeyError):
        mc.put_bodies([("service.auth.digest", False)])
