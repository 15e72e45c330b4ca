"""Build a lab run directory from a scenario: PKI, host states, hosts.json, inventory.

Layout of the run directory (default .lab/)::

    pki/ca.pem, pki/<host>.pem|.key      lab CA and one server certificate per host
    state/<host>.json                    live configuration (the server rewrites it)
    state/<host>.scenario.json           pristine copy, used by restore
    state/<host>.stats.json              request counters
    ntlm_users.txt                       NTLM_USER_FILE for pyspnego's acceptor
    hosts.json, inventory.yml            what tests and playbooks read
    dc/, keytabs/, krb5*.conf, ...       the domain, when the scenario enables one (domainbuild.py)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from . import certstore, defaults, domainbuild, policy
from .hoststate import atomic_write, dump_state
from .pki import CertificateAuthority
from .registry import Registry
from .resources.listener import derived_listeners
from .scenario import HostSpec, Scenario


def _listeners(spec: HostSpec, scenario: Scenario, thumbprint: str) -> list[dict[str, str]]:
    out = []
    for item in spec.listeners:
        if isinstance(item, str) and item.upper() == "HTTP":
            out.append(defaults.listener("HTTP", scenario.http_port))
        elif isinstance(item, str):
            out.append(defaults.listener("HTTPS", scenario.https_port, spec.fqdn, thumbprint))
        else:
            transport = str(item.get("Transport", "HTTP")).upper()
            base = defaults.listener(
                transport,
                scenario.https_port if transport == "HTTPS" else scenario.http_port,
                spec.fqdn if transport == "HTTPS" else "",
                thumbprint if transport == "HTTPS" else "",
            )
            base.update({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in item.items()})
            out.append(base)
    return out


def host_state(spec: HostSpec, scenario: Scenario, cert: dict[str, Any]) -> dict[str, Any]:
    state = {
        "name": spec.name,
        "address": spec.address,
        "fqdn": spec.fqdn,
        "description": spec.description,
        "domain_member": spec.domain_member,
        "os": {"version": defaults.OS_VERSION, "caption": defaults.OS_CAPTION},
        "config": spec.config,
        "listeners": _listeners(spec, scenario, cert["thumbprint"]),
        "registry": spec.registry,
        "users": spec.users,
        "certificates": [],
    }
    # LocalMachine\\My: the Blob in the registry (as Windows keeps it) plus the lab's key files.
    certstore.install(state, cert, certstore.der_of_file(cert["cert_file"]))
    if spec.domain_member and scenario.domain is not None:
        state["domain"] = scenario.domain.dns_domain  # Win32_ComputerSystem.Domain
    return state


def ntlm_user_lines(host: str, users: dict[str, dict[str, Any]]) -> set[str]:
    """NTLM_USER_FILE lines: a local account answers to "user", ".\\user" and "HOST\\user"."""
    return {f"{domain}:{user}:{info['password']}" for user, info in users.items()
            for domain in ("", ".", host.upper())}


def domain_ntlm_lines(domain: dict[str, Any] | None) -> set[str]:
    """NTLM_USER_FILE lines for domain accounts: LAB\\user, LAB.TEST\\user and the UPN user@LAB.TEST.

    On Windows a member passes NTLM logons of domain accounts to its DC. Disabled accounts
    and members of Protected Users (the DC refuses NTLM for them) get no line, so their
    NTLM handshake fails like it would there. Which member may use a line is auth.py's call.
    """
    if not domain:
        return set()
    lines = set()
    for name, user in domain["users"].items():
        if not user["enabled"] or user["protected"]:
            continue
        password = user["password"]
        lines |= {f"{domain['netbios']}:{name}:{password}", f"{domain['realm']}:{name}:{password}",
                  f":{name}@{domain['realm']}:{password}"}
    return lines


def build(scenario: Scenario, run_dir: Path) -> dict[str, Any]:
    """Write everything the server and the tests need; returns the hosts.json document."""
    run_dir = run_dir.resolve()
    for sub in ("pki", "state"):
        shutil.rmtree(run_dir / sub, ignore_errors=True)
        (run_dir / sub).mkdir(parents=True)
    ca = CertificateAuthority.create(run_dir / "pki")
    ca_file = str(run_dir / "pki" / "ca.pem")
    domainbuild.clean(run_dir)
    domain = domainbuild.build(scenario, run_dir, ca, ca_file) if scenario.domain is not None else None

    hosts: dict[str, Any] = {}
    ntlm_lines: set[str] = set()
    for spec in scenario.hosts:
        issued = ca.issue(run_dir / "pki", spec.name, spec.fqdn, spec.name, spec.address)
        cert = {
            "thumbprint": issued.thumbprint,
            "subject": issued.subject,
            "dns_names": list(issued.dns_names),
            "cert_file": str(issued.cert_file),
            "key_file": str(issued.key_file),
            "store": "LocalMachine\\My",
        }
        state = host_state(spec, scenario, cert)
        text = dump_state(state)
        state_file = run_dir / "state" / f"{spec.name}.json"
        atomic_write(state_file, text)
        atomic_write(run_dir / "state" / f"{spec.name}.scenario.json", text)
        stats_file = run_dir / "state" / f"{spec.name}.stats.json"
        atomic_write(stats_file, json.dumps({"requests": 0, "by_action": {}}, indent=2) + "\n")

        admin = next(u for u, i in spec.users.items() if i["admin"])
        # Where the host answers: enabled listeners only (a disabled one is configured but not bound,
        # so `labctl up` must not wait for it), Group Policy and compatibility listeners included.
        effective = policy.effective(state["config"], Registry(state["registry"]))
        running = [lst for lst in derived_listeners(state, effective) if lst["Enabled"] == "true"]
        ports = {lst["Transport"]: int(lst["Port"]) for lst in reversed(running)}
        hosts[spec.name] = {
            "name": spec.name,
            "fqdn": spec.fqdn,
            "address": spec.address,
            "http_port": ports.get("HTTP"),
            "https_port": ports.get("HTTPS"),
            "admin_user": admin,
            "admin_password": spec.users[admin]["password"],
            "users": spec.users,
            "ca": ca_file,
            "thumbprint": issued.thumbprint,
            "state_file": str(state_file),
            "stats_file": str(stats_file),
            "description": spec.description,
            "domain_member": spec.domain_member,
        }
        if spec.computer is not None and domain is not None:
            hosts[spec.name]["computer"] = {"account": spec.computer.account,
                                            **domain["computers"][spec.computer.account]}
        ntlm_lines |= ntlm_user_lines(spec.name, spec.users)
    ntlm_lines |= domain_ntlm_lines(domain)

    atomic_write(run_dir / "ntlm_users.txt", "\n".join(sorted(ntlm_lines)) + "\n")
    doc = {"scenario": str(scenario.path.resolve()), "run_dir": str(run_dir), "ca": ca_file, "hosts": hosts,
           "domain": domain}
    atomic_write(run_dir / "hosts.json", json.dumps(doc, indent=2) + "\n")
    atomic_write(run_dir / "inventory.yml", inventory(doc, scenario))
    return doc


def inventory(doc: dict[str, Any], scenario: Scenario) -> str:
    """Ansible YAML inventory: NTLM over HTTP with message encryption (pywinrm's 'auto').

    Domain members (group ``domain``) are listed by FQDN and reached with Kerberos as the
    domain's automation account, the way a domain admin would write them; they need the
    lab's name space (labns.py: DNS and krb5.conf of the lab domain).
    """
    group_of = {s.name: s.group for s in scenario.hosts}
    groups: dict[str, dict[str, Any]] = {"lab": {"hosts": {}}, "domain": {"hosts": {}}, "bench": {"hosts": {}}}
    for name, info in doc["hosts"].items():
        if group_of[name] == "domain":
            groups["domain"]["hosts"][info["fqdn"]] = {
                "ansible_port": info["http_port"] or 5985,
                "lab_name": name,
                "lab_address": info["address"],
                "lab_https_port": info["https_port"],
                "lab_state_file": info["state_file"],
            }
            continue
        host_vars = {
            "ansible_host": info["address"],
            "ansible_port": info["http_port"] or 5985,
            "ansible_user": info["admin_user"],
            "ansible_password": info["admin_password"],
            "lab_https_port": info["https_port"],
            "lab_state_file": info["state_file"],
        }
        groups[group_of[name]]["hosts"][name] = host_vars
    domain = doc.get("domain")
    if domain and groups["domain"]["hosts"]:
        admin = next((u for u in domain["users"].values() if u["admin"] and u["enabled"]), None)
        user, password = (admin["principal"], admin["password"]) if admin else (
            domain["admin"]["principal"], domain["admin"]["password"])
        groups["domain"]["vars"] = {
            "ansible_winrm_transport": "kerberos",
            "ansible_user": user,
            "ansible_password": password,
        }
    common = {
        "ansible_connection": "winrm",
        "ansible_winrm_scheme": "http",
        "ansible_winrm_transport": "ntlm",
        "ansible_winrm_message_encryption": "auto",
        "ansible_winrm_server_cert_validation": "validate",
        "ansible_winrm_ca_trust_path": doc["ca"],
    }
    children = {k: v for k, v in groups.items() if v["hosts"]}
    tree = {"all": {"children": {"windows": {"children": children, "vars": common}}}}
    header = "# Generated by tests/lab/labctl.py up -- lab hosts, NTLM over HTTP with message encryption.\n"
    if "domain" in children:
        header += ("# Group domain: members by FQDN with Kerberos; run ansible inside the lab name space:\n"
                   f"#   python {domain['labns'] if domain else 'tests/lab/labns.py'} --dir {doc['run_dir']} "
                   "-- ansible-playbook -i <this file> ...\n")
    return header + yaml.safe_dump(tree, sort_keys=False, default_flow_style=False)
