"""Build the domain half of a lab run directory: provision the DC, create accounts, export keytabs.

Writes (besides <run dir>/dc, see samba_dc.py)::

    keytabs/<host>.keytab         the member's machine-account keys (what a joined host holds)
    krb5.conf, krb5.direct.conf   client Kerberos configuration (clientconf.py)
    resolv.conf                   DC as name server, for labns.py
    pki/dc.pem, pki/dc.key        the DC's LDAPS certificate, issued by the lab CA

and returns the ``domain`` section of hosts.json plus each member's ``computer`` entry.
Nothing is cached across runs: every `up` provisions a new domain (new SIDs, new keys).
"""

from __future__ import annotations

import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from . import clientconf, samba_dc, spnlab
from .domainspec import DomainSpec, DomainUser
from .pki import CertificateAuthority
from .scenario import HostSpec, Scenario

LABNS = Path(__file__).resolve().parents[1] / "labns.py"


def _machine_password() -> str:
    # A joined Windows machine picks a random 120-character password; any strong one will do.
    return secrets.token_urlsafe(32) + "aA1!"


def _user_plan(user: DomainUser) -> dict[str, Any]:
    return {"name": user.name, "password": user.password, "groups": user.groups, "sensitive": user.sensitive,
            "enabled": user.enabled, "spns": user.spns, "enctypes": user.enctypes, "description": user.description}


def _computer_plan(host: HostSpec, keytab: Path) -> dict[str, Any]:
    c = host.computer
    assert c is not None
    return {
        "name": c.account[:-1], "password": _machine_password(), "dns_host_name": c.dns_host_name,
        "spns": c.spns, "enabled": c.enabled, "unconstrained": c.trusted_for_delegation,
        "protocol_transition": c.trusted_to_auth_for_delegation,
        "allowed_to_delegate_to": c.allowed_to_delegate_to, "rbcd_from": c.allowed_to_act,
        "enctypes": c.enctypes, "keytab": str(keytab), "description": host.description,
    }


def user_entry(domain: DomainSpec, user: DomainUser, account: dict[str, Any]) -> dict[str, Any]:
    return {
        "password": user.password,
        "principal": f"{user.name}@{domain.realm}",
        "upn": f"{user.name}@{domain.dns_domain}",
        "down_level": f"{domain.netbios}\\{user.name}",
        "groups": user.groups,
        "admin": user.admin,
        "protected": user.protected,
        "sensitive": user.sensitive,
        "enabled": user.enabled,
        "spns": user.spns,
        "sid": account["sid"],
        "dn": account["dn"],
        "description": user.description,
    }


def build(scenario: Scenario, run_dir: Path, ca: CertificateAuthority, ca_file: str) -> dict[str, Any]:
    """Provision and populate the DC (not started); returns the hosts.json `domain` section."""
    domain = scenario.domain
    assert domain is not None
    lay = samba_dc.layout(run_dir)
    timings: dict[str, float] = {}
    started = time.monotonic()
    samba_dc.provision(domain, lay)
    timings["provision"] = time.monotonic() - started

    started = time.monotonic()
    cert = ca.issue(run_dir / "pki", "dc", domain.dc_fqdn, domain.dc_name, None,
                    extra_dns=(domain.dns_domain, domain.netbios))
    samba_dc.write_smb_conf(domain, lay, cert.cert_file, cert.key_file, Path(ca_file))
    keytab_dir = run_dir / "keytabs"
    shutil.rmtree(keytab_dir, ignore_errors=True)
    keytab_dir.mkdir(mode=0o700)
    members = [h for h in scenario.hosts if h.computer is not None]
    keytabs = {h.name: keytab_dir / f"{h.name}.keytab" for h in members}
    plan = {
        "dns_domain": domain.dns_domain,
        "realm": domain.realm,
        "groups": [{"name": g.name, "groups": g.groups, "description": g.description} for g in domain.groups],
        "users": [_user_plan(u) for u in domain.users],
        "computers": [_computer_plan(h, keytabs[h.name]) for h in members],
        # Every lab host gets an A record, members or not (a workgroup box can be in DNS too).
        "dns": [{"name": h.name, "address": h.address} for h in scenario.hosts if h.group != "bench"],
    }
    summary = samba_dc.populate(lay, plan)
    # Branch spn (issue 9): CNAMEs, IP-address SPNs and planted duplicate SPNs (winlab/spnlab.py).
    spn_lab = spnlab.apply(scenario, lay, summary["accounts"])
    timings["accounts"] = time.monotonic() - started
    client = clientconf.write(domain, run_dir)
    accounts = summary["accounts"]

    computers: dict[str, Any] = {}
    for host in members:
        c = host.computer
        assert c is not None
        info = accounts[c.account]
        computers[c.account] = {
            "host": host.name,
            "dns_host_name": c.dns_host_name,
            "spns": c.spns,
            "enabled": c.enabled,
            "trusted_for_delegation": c.trusted_for_delegation,
            "trusted_to_auth_for_delegation": c.trusted_to_auth_for_delegation,
            "allowed_to_delegate_to": c.allowed_to_delegate_to,
            "allowed_to_act": c.allowed_to_act,
            "enctypes": c.enctypes,
            "keytab": str(keytabs[host.name]),
            "sid": info["sid"],
            "dn": info["dn"],
            "uac": info["uac"],
        }
    return {
        "realm": domain.realm,
        "netbios": domain.netbios,
        "dns_domain": domain.dns_domain,
        "base_dn": domain.base_dn,
        "sid": summary["domain_sid"],
        "dc": {
            "name": domain.dc_name,
            "fqdn": domain.dc_fqdn,
            "address": domain.dc_address,
            "ports": {"dns": 53, "kerberos": 88, "ldap": 389, "ldaps": 636, "gc": 3268, "gc_tls": 3269},
            "cert": str(cert.cert_file),
            "cert_names": list(cert.dns_names),
            "smb_conf": str(lay.smb_conf),
            "pid_file": str(lay.pid_file),
            "log": str(lay.stdout_log),
        },
        "ca": ca_file,  # issued the LDAPS certificate: validate LDAPS/StartTLS with it
        **client,
        "labns": str(LABNS),
        "admin": {"user": "Administrator", "password": domain.admin_password,
                  "principal": f"Administrator@{domain.realm}"},
        "users": {u.name: user_entry(domain, u, accounts[u.name]) for u in domain.users},
        "computers": computers,
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "spn_lab": spn_lab,
    }


def clean(run_dir: Path) -> None:
    """Remove what an earlier domain lab left in this run directory (its DC is already stopped)."""
    for sub in ("dc", "keytabs", "ccache", "rcache"):
        shutil.rmtree(run_dir / sub, ignore_errors=True)
    for name in ("krb5.conf", "krb5.direct.conf", "resolv.conf"):
        (run_dir / name).unlink(missing_ok=True)
