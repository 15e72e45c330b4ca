# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WinRM configuration (``winrm get winrm/config``) as typed settings with their source.

For internal collection use only; this is not a public API.

One table, :data:`LEAVES`, says for every setting the collection knows: where it sits
in ``cfg:Config``, which sub-resource a Put goes to, its type, and the Group Policy
registry value that controls it. Parsing, diffing, Put bodies and the "controlled by
policy" messages all read that table.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ansible_collections.winauth.winrm.plugins.plugin_utils._text import nested, shorten
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ParseError, ProtocolError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import WSMAN_BASE, local_name, namespace_of

Value = bool | int | str | None

CONFIG_URI = WSMAN_BASE + "config"
POLICY_ROOT = "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM"


@dataclass(frozen=True)
class Leaf:
    """A known configuration value.

    Attributes:
        key: our name, e.g. ``service.auth.basic``.
        path: element names below ``cfg:Config``, e.g. ``("Service", "Auth", "Basic")``.
        kind: ``bool``, ``int`` or ``str``.
        policy: ``(subkey, value name)`` below HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM,
            or None when no Group Policy sets it.
        option: the winrm_auth option that sets it (``basic`` under ``service:``), or None.
    """

    key: str
    path: tuple[str, ...]
    kind: str
    policy: tuple[str, str] | None = None
    option: str | None = None

    @property
    def side(self) -> str:
        """``service``, ``client`` or ``winrs``: the top-level section the leaf sits in."""
        return self.key.split(".", 1)[0]

    @property
    def resource_uri(self) -> str:
        """The sub-resource a Put of this leaf goes to (its parent element)."""
        return CONFIG_URI + "".join("/" + part.lower() for part in self.path[:-1])

    @property
    def policy_path(self) -> str | None:
        """Full registry path of the controlling policy value, for messages."""
        if self.policy is None:
            return None
        subkey, value = self.policy
        return "HKLM\\%s\\%s\\%s" % (POLICY_ROOT, subkey, value)

    def fix(self, want: Value) -> str | None:
        """The module call that sets ``want``, e.g. ``winauth.winrm.winrm_auth: {service: {basic: false}}``."""
        if self.option is None:
            return None
        shown = ("true" if want else "false") if isinstance(want, bool) else str(want)
        return "winauth.winrm.winrm_auth: {%s: {%s: %s}}" % (self.side, self.option, shown)


# key, path below cfg:Config, type, Group Policy value (WinRM\<subkey>, name), winrm_auth option
_ROWS: tuple[tuple[str, tuple[str, ...], str, tuple[str, str] | None, str | None], ...] = (
    ("service.allow_unencrypted", ("Service", "AllowUnencrypted"), "bool", ("Service", "AllowUnencryptedTraffic"),
     "allow_unencrypted"),
    ("service.auth.basic", ("Service", "Auth", "Basic"), "bool", ("Service", "AllowBasic"), "basic"),
    ("service.auth.kerberos", ("Service", "Auth", "Kerberos"), "bool", ("Service", "AllowKerberos"), "kerberos"),
    ("service.auth.negotiate", ("Service", "Auth", "Negotiate"), "bool", ("Service", "AllowNegotiate"), "negotiate"),
    ("service.auth.certificate", ("Service", "Auth", "Certificate"), "bool", None, "certificate"),
    ("service.auth.credssp", ("Service", "Auth", "CredSSP"), "bool", ("Service", "AllowCredSSP"), "credssp"),
    ("service.auth.cbt_hardening_level", ("Service", "Auth", "CbtHardeningLevel"), "str",
     ("Service", "CbtHardeningLevel"), "cbt_hardening_level"),
    ("service.root_sddl", ("Service", "RootSDDL"), "str", None, None),
    ("service.max_connections", ("Service", "MaxConnections"), "int", None, None),
    ("service.ipv4_filter", ("Service", "IPv4Filter"), "str", ("Service", "IPv4Filter"), None),
    ("service.ipv6_filter", ("Service", "IPv6Filter"), "str", ("Service", "IPv6Filter"), None),
    ("service.enable_compatibility_http_listener", ("Service", "EnableCompatibilityHttpListener"), "bool",
     ("Service", "HttpCompatibilityListener"), None),
    ("service.enable_compatibility_https_listener", ("Service", "EnableCompatibilityHttpsListener"), "bool",
     ("Service", "HttpsCompatibilityListener"), None),
    ("service.certificate_thumbprint", ("Service", "CertificateThumbprint"), "str", None, None),
    ("service.allow_remote_access", ("Service", "AllowRemoteAccess"), "bool", None, None),
    ("client.allow_unencrypted", ("Client", "AllowUnencrypted"), "bool", ("Client", "AllowUnencryptedTraffic"),
     "allow_unencrypted"),
    ("client.trusted_hosts", ("Client", "TrustedHosts"), "str", ("Client", "TrustedHostsList"), None),
    ("client.auth.basic", ("Client", "Auth", "Basic"), "bool", ("Client", "AllowBasic"), "basic"),
    ("client.auth.digest", ("Client", "Auth", "Digest"), "bool", ("Client", "AllowDigest"), "digest"),
    ("client.auth.kerberos", ("Client", "Auth", "Kerberos"), "bool", ("Client", "AllowKerberos"), "kerberos"),
    ("client.auth.negotiate", ("Client", "Auth", "Negotiate"), "bool", ("Client", "AllowNegotiate"), "negotiate"),
    ("client.auth.certificate", ("Client", "Auth", "Certificate"), "bool", None, "certificate"),
    ("client.auth.credssp", ("Client", "Auth", "CredSSP"), "bool", ("Client", "AllowCredSSP"), "credssp"),
    ("winrs.allow_remote_shell_access", ("Winrs", "AllowRemoteShellAccess"), "bool",
     ("Service\\WinRS", "AllowRemoteShellAccess"), None),
)
LEAVES: dict[str, Leaf] = {row[0]: Leaf(*row) for row in _ROWS}


def option_leaves() -> dict[tuple[str, str], Leaf]:
    """``{(side, option): leaf}`` of every leaf winrm_auth sets."""
    return {(leaf.side, leaf.option): leaf for leaf in LEAVES.values() if leaf.option}


class ConfigParseError(ParseError):
    """A config reply does not have the shape of ``cfg:Config``."""


@dataclass(frozen=True)
class Setting:
    """One value as read from the host."""

    leaf: Leaf
    value: Value
    gpo: bool


def _convert(leaf: Leaf, raw: str) -> Value:
    if leaf.kind == "bool":
        lowered = raw.strip().lower()
        if lowered not in ("true", "false"):
            raise ConfigParseError("%s: expected true or false, got %r" % (leaf.key, shorten(raw, 50)))
        return lowered == "true"
    if leaf.kind == "int":
        try:
            return int(raw.strip())
        except ValueError:
            raise ConfigParseError("%s: expected a number, got %r" % (leaf.key, shorten(raw, 50))) from None
    return raw.strip()


def _child(parent: ET.Element, name: str) -> ET.Element | None:
    ns = namespace_of(parent.tag)
    for elem in parent:
        if local_name(elem.tag) == name and namespace_of(elem.tag) == ns:
            return elem
    return None


@dataclass(frozen=True)
class WinRMConfig:
    """A snapshot of the host's WinRM configuration."""

    settings: Mapping[str, Setting]

    @classmethod
    def from_element(cls, root: ET.Element) -> WinRMConfig:
        """Parse the body of a Get of ``…/wsman/1/config``.

        Raises:
            ConfigParseError: the element is not ``cfg:Config`` or a value is malformed.
        """
        if local_name(root.tag) != "Config" or namespace_of(root.tag) != CONFIG_URI:
            raise ConfigParseError("expected cfg:Config in namespace %s, got %s" % (CONFIG_URI, root.tag))
        found: dict[str, Setting] = {}
        for leaf in LEAVES.values():
            node: ET.Element | None = root
            for part in leaf.path:
                node = _child(node, part) if node is not None else None
            if node is None:
                continue  # older Windows versions lack some leaves (e.g. CbtHardeningLevel)
            gpo = (node.get("Source") or "").upper() == "GPO"
            found[leaf.key] = Setting(leaf, _convert(leaf, node.text or ""), gpo)
        return cls(found)

    def value(self, key: str) -> Value:
        """The current value of ``key`` (None when the host does not report it)."""
        setting = self.settings.get(key)
        return setting.value if setting else None

    def is_gpo(self, key: str) -> bool:
        """Whether Group Policy controls ``key``."""
        setting = self.settings.get(key)
        return bool(setting and setting.gpo)

    def gpo_controlled(self) -> dict[str, str]:
        """``{key: policy registry path}`` of every policy-controlled value."""
        return {
            key: s.leaf.policy_path or "(Group Policy)"
            for key, s in sorted(self.settings.items())
            if s.gpo
        }

    def as_tree(self) -> dict[str, object]:
        """Nested dict ``{"service": {"auth": {"basic": False, …}, …}, …}`` for facts."""
        return nested({key: setting.value for key, setting in self.settings.items()})


def read_config(client: WSManClient) -> WinRMConfig:
    """One Get of ``config``, parsed.

    Raises:
        ProtocolError: the reply is not a ``cfg:Config``.
    """
    try:
        return WinRMConfig.from_element(client.get(CONFIG_URI))
    except ConfigParseError as e:
        raise ProtocolError(e.message, target=client.endpoint, operation="Get config") from e


def trusted_hosts_entries(value: Value) -> list[str]:
    """Split a TrustedHosts string into entries (comma separated, blanks dropped)."""
    if not isinstance(value, str):
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


def wildcard_entries(entries: Iterable[str]) -> list[str]:
    """TrustedHosts entries that are patterns (``*``, ``*.corp.example``, ``10.0.0.*``), not one host."""
    return [entry for entry in entries if "*" in entry]


def put_bodies(changes: Iterable[tuple[str, Value]]) -> dict[str, ET.Element]:
    """Group changed leaves into one partial Put body per sub-resource.

    Like Windows' own WSMan provider, a Put carries only the leaves that change, in
    the sub-resource's namespace (``<cfg:Auth xmlns:cfg="…/config/service/auth">``).

    Returns:
        ``{resource_uri: body element}``.
    """
    bodies: dict[str, ET.Element] = {}
    for key, value in changes:
        leaf = LEAVES[key]
        uri = leaf.resource_uri
        body = bodies.get(uri)
        if body is None:
            body = bodies[uri] = ET.Element("{%s}%s" % (uri, leaf.path[-2]))
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        ET.SubElement(body, "{%s}%s" % (uri, leaf.path[-1])).text = text
    return bodies
