"""Scenario files: hosts and their differences from Windows Server 2022 defaults."""

from __future__ import annotations

import copy
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import defaults, domainspec, faults, registry, schema
from .domainspec import ComputerAccount, DomainSpec
from .policy import set_leaf


class ScenarioError(ValueError):
    """The scenario file is not usable; the message says where."""


@dataclass
class HostSpec:
    """One emulated host before PKI and persistence are attached."""

    name: str
    address: str
    fqdn: str
    description: str
    listeners: list[Any]
    users: dict[str, dict[str, Any]]
    config: dict[str, Any]
    registry: dict[str, registry.Key]
    domain_member: bool = False
    computer: ComputerAccount | None = None  # its AD computer account (domain members only)
    group: str = "lab"  # inventory group: lab (scenario hosts), domain (members) or bench (--hosts copies)


@dataclass
class Scenario:
    path: Path
    network: ipaddress.IPv4Network
    dns_suffix: str
    http_port: int
    https_port: int
    hosts: list[HostSpec]
    domain: DomainSpec | None


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in (over or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _yaml_scalar(value: Any) -> str:
    """YAML true/5985 -> the string Windows renders ('true', '5985')."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _apply_config(config: dict[str, Any], overrides: dict[str, Any], where: str) -> None:
    def walk(over: dict[str, Any], node: schema.Node, path: schema.Path) -> None:
        for name, value in over.items():
            child = next((c for c in node.children if c.name == name), None)
            if child is None:
                raise ScenarioError(f"{where}: unknown config element {'/'.join(path + (name,))}")
            if isinstance(child, schema.Node):
                if not isinstance(value, dict):
                    raise ScenarioError(f"{where}: {name} needs a mapping")
                walk(value, child, path + (name,))
            else:
                try:
                    normalized = schema.normalize(child.kind, _yaml_scalar(value), name)
                except faults.WSManFault as e:
                    raise ScenarioError(f"{where}: invalid value {value!r} for {name}") from e
                set_leaf(config, path + (name,), normalized)

    walk(overrides or {}, schema.TREE, ())


def _apply_registry(data: dict[str, registry.Key], overrides: dict[str, Any], where: str) -> None:
    reg = registry.Registry(data)
    for path, values in (overrides or {}).items():
        try:
            key = reg.create_path(path)
            for name, spec in (values or {}).items():
                registry.set_value(key, str(name), *registry.coerce(spec))
        except (ValueError, KeyError, TypeError) as e:
            raise ScenarioError(f"{where}: registry {path}: {e}") from e


def _host_spec(name: str, raw: dict[str, Any], address: str, suffix: str, domain: DomainSpec | None) -> HostSpec:
    where = f"host {name}"
    member = raw.get("domain_member", False)
    if not isinstance(member, bool):
        raise ScenarioError(f"{where}: domain_member must be true or false")
    if member and domain is None:
        raise ScenarioError(f"{where}: domain_member needs domain.enabled: true")
    if "computer" in raw and not member:
        raise ScenarioError(f"{where}: a computer account needs domain_member: true")
    computer = None
    if member:
        assert domain is not None
        try:
            computer = domainspec.parse_computer(raw.get("computer") or {}, name, f"{name}.{suffix}".lower(),
                                                 domain, where)
        except domainspec.DomainSpecError as e:
            raise ScenarioError(str(e)) from e
    config = defaults.config()
    _apply_config(config, raw.get("config") or {}, where)
    reg = defaults.registry_tree()
    _apply_registry(reg, raw.get("registry") or {}, where)
    users = raw.get("users") or {}
    for user, info in users.items():
        if not isinstance(info, dict) or not info.get("password"):
            raise ScenarioError(f"{where}: user {user} needs a password")
    if not any(u.get("admin") for u in users.values()):
        raise ScenarioError(f"{where}: needs at least one admin user")
    listeners = raw.get("listeners") or []
    for item in listeners:
        if isinstance(item, str) and item.upper() not in ("HTTP", "HTTPS"):
            raise ScenarioError(f"{where}: listener {item!r} must be HTTP, HTTPS or a mapping")
    return HostSpec(
        name=name,
        address=address,
        fqdn=f"{name}.{suffix}".lower(),
        description=str(raw.get("description", "")),
        listeners=list(listeners),
        users={u: {"password": str(i["password"]), "admin": bool(i.get("admin"))} for u, i in users.items()},
        config=config,
        registry=reg,
        domain_member=member,
        computer=computer,
    )


def _read(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The scenario document, with `extends: other.yml` (relative to this file) merged under it."""
    path = path.resolve()
    if path in seen:
        raise ScenarioError(f"{path}: circular extends")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ScenarioError(f"cannot read scenario {path}: {e}") from e
    if not isinstance(doc, dict):
        raise ScenarioError(f"{path}: a scenario is a mapping")
    if doc.get("version", 1) != 1:
        raise ScenarioError(f"{path}: unsupported scenario version {doc.get('version')}")
    base = doc.pop("extends", None)
    if base is None:
        return doc
    return _merge(_read(path.parent / str(base), (*seen, path)), doc)


def load(path: Path, bench_hosts: int = 0, network: str | None = None) -> Scenario:
    doc = _read(path)
    lab = doc.get("lab") or {}
    net = ipaddress.ip_network(network or lab.get("network", "127.0.10.0/24"), strict=False)
    if not isinstance(net, ipaddress.IPv4Network) or not net.subnet_of(ipaddress.IPv4Network("127.0.0.0/8")):
        raise ScenarioError(f"{path}: the lab only binds loopback addresses (127.0.0.0/8), not {net}")
    ports = lab.get("ports") or {}
    suffix = str(lab.get("dns_suffix", "lab.test"))
    raw_domain = doc.get("domain") or {}
    domain = None
    if raw_domain.get("enabled"):
        try:
            domain = domainspec.parse_domain(raw_domain, net, suffix, f"{path}: domain")
        except domainspec.DomainSpecError as e:
            raise ScenarioError(str(e)) from e
    base = doc.get("defaults") or {}

    named: list[tuple[str, dict[str, Any], str]] = []
    for name, raw in (doc.get("hosts") or {}).items():
        named.append((str(name), _merge(base, raw or {}), "lab"))
    bench = doc.get("bench") or {}
    fmt = str(bench.get("name_format", "bench{:03d}"))
    for i in range(1, bench_hosts + 1):
        named.append((fmt.format(i), _merge(base, bench.get("host") or {}), "bench"))

    hosts: list[HostSpec] = []
    used: set[str] = set()
    available = net.num_addresses - 2
    for index, (name, raw, group) in enumerate(named):
        if not name.replace("-", "").isalnum() or len(name) > 15:
            raise ScenarioError(f"{path}: host name {name!r} must be a NetBIOS-style name (<= 15 chars)")
        if "address" in raw:
            address = str(ipaddress.ip_address(raw["address"]))
        elif index < available:
            address = str(net.network_address + index + 1)
        else:
            raise ScenarioError(f"{path}: network {net} has no address left for {name}")
        if address in used or not ipaddress.ip_address(address).is_loopback:
            raise ScenarioError(f"{path}: address {address} of {name} is taken or not loopback")
        if domain is not None and address == domain.dc_address:
            raise ScenarioError(f"{path}: address {address} of {name} is the domain controller's")
        used.add(address)
        spec = _host_spec(name, raw, address, suffix, domain)
        spec.group = "domain" if spec.domain_member and group == "lab" else group
        hosts.append(spec)

    if domain is not None:
        try:
            domainspec.check_accounts(domain, [h.computer for h in hosts if h.computer], str(path))
        except domainspec.DomainSpecError as e:
            raise ScenarioError(str(e)) from e
    # One process-wide NTLM user file serves every host: a user name must mean one password.
    passwords: dict[str, str] = {}
    for host in hosts:
        for user, info in host.users.items():
            if passwords.setdefault(user.lower(), info["password"]) != info["password"]:
                raise ScenarioError(f"{path}: user {user} has different passwords on different hosts")
    return Scenario(
        path=path,
        network=net,
        dns_suffix=suffix,
        http_port=int(ports.get("http", 5985)),
        https_port=int(ports.get("https", 5986)),
        hosts=hosts,
        domain=domain,
    )
