"""The WinRM configuration tree (cfg:Config): element order, value types, sub-resources.

Element order is the one of windows-recorded/config-get.response.xml. Each
sub-resource (config/service/auth, ...) is rendered with its own namespace,
as Windows and PowerShell's WSMan provider do.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from . import faults, xmlns
from .xmlutil import esc, local, ns_of

Path = tuple[str, ...]


@dataclass(frozen=True)
class Leaf:
    name: str
    kind: str  # bool | uint | port | string | cbt | sddl | filter


@dataclass(frozen=True)
class Node:
    name: str
    children: tuple[Leaf | Node, ...]


def _bools(*names: str) -> tuple[Leaf, ...]:
    return tuple(Leaf(n, "bool") for n in names)


def _uints(*names: str) -> tuple[Leaf, ...]:
    return tuple(Leaf(n, "uint") for n in names)


_PORTS = Node("DefaultPorts", (Leaf("HTTP", "port"), Leaf("HTTPS", "port")))

TREE = Node("Config", (
    *_uints("MaxEnvelopeSizekb", "MaxTimeoutms", "MaxBatchItems", "MaxProviderRequests"),
    Node("Client", (
        Leaf("NetworkDelayms", "uint"),
        Leaf("URLPrefix", "string"),
        Leaf("AllowUnencrypted", "bool"),
        Node("Auth", _bools("Basic", "Digest", "Kerberos", "Negotiate", "Certificate", "CredSSP")),
        _PORTS,
        Leaf("TrustedHosts", "string"),
    )),
    Node("Service", (
        Leaf("RootSDDL", "sddl"),
        *_uints(
            "MaxConcurrentOperations", "MaxConcurrentOperationsPerUser", "EnumerationTimeoutms",
            "MaxConnections", "MaxPacketRetrievalTimeSeconds",
        ),
        Leaf("AllowUnencrypted", "bool"),
        Node("Auth", (
            *_bools("Basic", "Kerberos", "Negotiate", "Certificate", "CredSSP"),
            Leaf("CbtHardeningLevel", "cbt"),
        )),
        _PORTS,
        Leaf("IPv4Filter", "filter"),
        Leaf("IPv6Filter", "filter"),
        *_bools("EnableCompatibilityHttpListener", "EnableCompatibilityHttpsListener"),
        Leaf("CertificateThumbprint", "string"),
        Leaf("AllowRemoteAccess", "bool"),
    )),
    Node("Winrs", (
        Leaf("AllowRemoteShellAccess", "bool"),
        *_uints(
            "IdleTimeout", "MaxConcurrentUsers", "MaxShellRunTime", "MaxProcessesPerShell",
            "MaxMemoryPerShellMB", "MaxShellsPerUser",
        ),
    )),
))


@dataclass(frozen=True)
class Resource:
    """A config resource URI: where it sits in the tree and its XML namespace."""

    uri: str
    path: Path
    namespace: str

    @property
    def node(self) -> Node:
        return node_at(self.path)


RESOURCES: dict[str, Resource] = {
    r.uri.lower(): r
    for r in (
        Resource(xmlns.CONFIG, (), xmlns.CONFIG),
        Resource(xmlns.CONFIG + "/client", ("Client",), xmlns.CONFIG + "/client"),
        Resource(xmlns.CONFIG + "/client/auth", ("Client", "Auth"), xmlns.CONFIG + "/client/auth"),
        Resource(xmlns.CONFIG + "/service", ("Service",), xmlns.CONFIG + "/service"),
        Resource(xmlns.CONFIG + "/service/auth", ("Service", "Auth"), xmlns.CONFIG + "/service/auth"),
        Resource(xmlns.CONFIG + "/winrs", ("Winrs",), xmlns.CONFIG + "/winrs"),
    )
}


def resource_for(uri: str) -> Resource | None:
    return RESOURCES.get(uri.rstrip("/").lower())


def node_at(path: Path) -> Node:
    node = TREE
    for name in path:
        node = next(c for c in node.children if isinstance(c, Node) and c.name == name)
    return node


def leaves(node: Node = TREE, prefix: Path = ()) -> Iterator[tuple[Path, Leaf]]:
    for child in node.children:
        if isinstance(child, Node):
            yield from leaves(child, prefix + (child.name,))
        else:
            yield prefix + (child.name,), child


LEAF_KINDS: dict[Path, str] = {path: leaf.kind for path, leaf in leaves()}

Effective = dict[Path, tuple[str, str | None]]  # path -> (value, source or None)


def render(resource: Resource, effective: Effective) -> str:
    """The resource body, e.g. <cfg:Auth xmlns:cfg="…/config/service/auth">…</cfg:Auth>."""

    def emit(node: Node, path: Path, top: bool) -> str:
        attrs = f' xmlns:cfg="{resource.namespace}"' if top else ""
        inner = []
        for child in node.children:
            child_path = path + (child.name,)
            if isinstance(child, Node):
                inner.append(emit(child, child_path, False))
            else:
                value, source = effective[child_path]
                src = f' Source="{source}"' if source else ""
                inner.append(f"<cfg:{child.name}{src}>{esc(value)}</cfg:{child.name}>")
        return f"<cfg:{node.name}{attrs}>{''.join(inner)}</cfg:{node.name}>"

    return emit(resource.node, resource.path, True)


def normalize(kind: str, raw: str, name: str) -> str:
    """Validate and canonicalize one leaf value; raises the fault Windows would."""
    value = raw.strip() if kind != "string" else raw
    if kind == "bool":
        if value.lower() not in ("true", "false"):
            raise _invalid(name, raw)
        return value.lower()
    if kind in ("uint", "port"):
        if not value.isdigit() or int(value) > 4294967295:
            raise _invalid(name, raw)
        if kind == "port" and not 1 <= int(value) <= 65535:
            raise _invalid(name, raw)
        return str(int(value))
    if kind == "cbt":
        for level in ("None", "Relaxed", "Strict"):
            if value.lower() == level.lower():
                return level
        raise faults.invalid_cbt_level()
    if kind == "sddl":
        if not value or value[:2] not in ("O:", "G:", "D:", "S:"):
            raise _invalid(name, raw)
        return value
    if kind == "filter":
        if not valid_filter(value):
            raise _invalid(name, raw)
        return value
    return raw


def _invalid(name: str, raw: str) -> faults.WSManFault:
    # Windows answers a bad value with the generic schema-validation text.
    del name, raw
    return faults.schema_validation()


def valid_filter(value: str) -> bool:
    """IPv4Filter/IPv6Filter syntax: '*', '' or comma-separated addresses and ranges."""
    if value in ("*", ""):
        return True
    for part in value.split(","):
        bounds = [b.strip() for b in part.split("-")]
        if len(bounds) > 2:
            return False
        try:
            for b in bounds:
                ipaddress.ip_address(b)
        except ValueError:
            return False
    return True


def parse_put(resource: Resource, body: Element | None) -> dict[Path, str]:
    """Leaves set by a Put body (whole or partial), validated against the tree."""
    root_node = resource.node
    if body is None or local(body.tag) != root_node.name or ns_of(body.tag) != resource.namespace:
        raise faults.schema_validation()
    updates: dict[Path, str] = {}

    def walk(el: Element, node: Node, path: Path) -> None:
        for child_el in el:
            name = local(child_el.tag)
            child = next((c for c in node.children if c.name == name), None)
            if child is None or ns_of(child_el.tag) != resource.namespace:
                raise faults.schema_validation()
            child_path = path + (name,)
            if isinstance(child, Node):
                walk(child_el, child, child_path)
            else:
                updates[child_path] = normalize(child.kind, child_el.text or "", name)

    walk(body, root_node, resource.path)
    return updates
