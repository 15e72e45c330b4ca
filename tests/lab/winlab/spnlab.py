"""The SPN-trap scenarios (branch spn, issue 9) that the normal account set-up cannot make.

Scenario key (top level, next to ``domain``; see scenarios/domain.yml)::

    spn_lab:
      cnames: {web07: srv07}       # DNS alias web07.<domain> CNAME srv07.<domain>; no SPN for the alias
      ip_spns: {srv08: [HTTP]}     # <class>/<the host's address> on the host's computer account
      planted_duplicates:          # past Samba's uniqueness check, straight into the raw partition file
        - {spn: "HTTP/srv09.{domain}", account: svc_dup}

Run by domainbuild.build after the accounts exist and before the DC starts. A duplicate SPN
is refused at every normal entry point (samba-tool, ldbmodify on sam.ldb, LDAP, even with
relax); like a replication conflict between two Windows DCs, it can only be made below the
directory's checks: ``ldbmodify`` on ``private/sam.ldb.d/<domain DN>.ldb`` (lab-notes.md).
The KDC then answers "Server not found in Kerberos database" for that SPN, as a Windows KDC
does for an SPN held twice (KDC_ERR_S_PRINCIPAL_UNKNOWN).

CNAMEs are written as dnsNode records (what ``samba-tool dns add … CNAME`` stores); the lab
client's krb5.conf has ``dns_canonicalize_hostname = false``, so a client asks for the alias.
The records and SPN changes are winlab/dnsrecords.py's LDIF, the same that the prediction tests
send to a running DC: here applied through SamDB (checked like any write) and, for the planted
duplicates, through ldbmodify on the raw partition file.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from . import dnsrecords, samba_dc
from .scenario import Scenario, _read

# Runs under Samba's Python (samba_dc.SAMBA_PYTHON): dnsrecords' LDIF through SamDB (checked like any
# write), in one transaction. Plan on stdin.
_SAMDB_SCRIPT = r"""
import json, sys
import samba.auth, samba.param, samba.samdb
plan = json.load(sys.stdin)
lp = samba.param.LoadParm(); lp.load(plan["smb_conf"])
db = samba.samdb.SamDB(url=lp.samdb_url(), session_info=samba.auth.system_session(), lp=lp)
db.transaction_start()
try:
    db.modify_ldif(plan["ldif"])
except BaseException:
    db.transaction_cancel()
    raise
db.transaction_commit()
"""


class SpnLabError(RuntimeError):
    """The spn_lab part of a scenario is wrong or could not be applied; the message says which."""


def plan(scenario: Scenario) -> dict[str, Any]:
    """The ``spn_lab`` section of the scenario, resolved against its hosts and domain ({} when absent)."""
    raw = _read(scenario.path).get("spn_lab") or {}
    if not raw or scenario.domain is None:
        return {}
    domain = scenario.domain
    hosts = {h.name: h for h in scenario.hosts}
    where = f"{scenario.path}: spn_lab"

    def host(name: str) -> Any:
        if name not in hosts or hosts[name].computer is None:
            raise SpnLabError(f"{where}: {name} is not a domain member host of the scenario")
        return hosts[name]

    cnames = {str(alias).lower(): f"{host(str(target)).name}.{domain.dns_domain}"
              for alias, target in (raw.get("cnames") or {}).items()}
    ip_spns = {host(str(name)).computer.account: [f"{cls}/{host(str(name)).address}" for cls in classes]
               for name, classes in (raw.get("ip_spns") or {}).items()}
    users = {u.name.lower() for u in domain.users}
    duplicates = []
    for item in raw.get("planted_duplicates") or []:
        account = str(item.get("account", ""))
        if account.lower() not in users and account.upper() not in {h.computer.account for h in hosts.values()
                                                                    if h.computer}:
            raise SpnLabError(f"{where}: planted_duplicates names unknown account {account!r}")
        duplicates.append({"spn": str(item["spn"]).format(domain=domain.dns_domain), "account": account})
    return {"cnames": cnames, "ip_spns": ip_spns, "duplicates": duplicates, "dns_domain": domain.dns_domain}


def apply(scenario: Scenario, lay: samba_dc.DCLayout, accounts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Write the spn_lab records into the stopped DC's database; returns what was made (for hosts.json).

    Args:
        scenario: the scenario (its ``spn_lab`` and domain).
        lay: the DC's layout.
        accounts: samba_setup's summary of the accounts made (sAMAccountName → dn, sid, uac).
    """
    wanted = plan(scenario)
    if not wanted:
        return {}
    assert scenario.domain is not None
    base_dn = scenario.domain.base_dn
    by_name = {name.lower(): entry["dn"] for name, entry in accounts.items()}
    ldif = [dnsrecords.cname_ldif(alias, target, wanted["dns_domain"], base_dn)
            for alias, target in wanted["cnames"].items()]
    ldif += [dnsrecords.spn_ldif(by_name[account.lower()], spns) for account, spns in wanted["ip_spns"].items()]
    run = subprocess.run([samba_dc.SAMBA_PYTHON, "-c", _SAMDB_SCRIPT],
                         input=json.dumps({"ldif": "\n".join(ldif), "smb_conf": str(lay.smb_conf)}),
                         capture_output=True, text=True, timeout=120, check=False, env=samba_dc._samba_env())
    if run.returncode != 0:
        raise SpnLabError(f"spn_lab: writing CNAMEs / IP SPNs failed: {run.stderr[-2000:]}")
    # The duplicates go below the directory's checks, with the same LDIF (see the module docstring).
    partition = _partition_file(lay, base_dn)
    dn_of = {item["account"]: by_name[item["account"].lower()] for item in wanted["duplicates"]}
    for item in wanted["duplicates"]:
        done = subprocess.run(["ldbmodify", "-H", str(partition)],
                              input=dnsrecords.spn_ldif(dn_of[item["account"]], [item["spn"]]), capture_output=True,
                              text=True, timeout=60, check=False, env=samba_dc._samba_env())
        if done.returncode != 0:
            raise SpnLabError(f"spn_lab: planting {item['spn']} on {item['account']} in {partition} failed: "
                              f"{done.stdout}{done.stderr}")
    return {"cnames": wanted["cnames"], "ip_spns": wanted["ip_spns"],
            "planted_duplicates": [{**d, "dn": dn_of[d["account"]]} for d in wanted["duplicates"]]}


def _partition_file(lay: samba_dc.DCLayout, domain_dn: str) -> Path:
    folder = lay.root / "private" / "sam.ldb.d"
    for candidate in folder.glob("*.ldb"):
        if candidate.stem.lower() == domain_dn.lower():
            return candidate
    raise SpnLabError(f"spn_lab: no partition file for {domain_dn} in {folder}")
