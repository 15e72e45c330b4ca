"""Fill a freshly provisioned (not yet running) Samba AD database with the lab's accounts.

Runs under the system Python that carries Samba's bindings (``/usr/bin/python3``), not
the project venv, and therefore imports nothing from winlab: it reads one JSON plan
on stdin and prints one JSON summary. Everything is written offline, straight into
``sam.ldb``, in one process: about a second for a dozen accounts, where one
``samba-tool`` call per change would take ten or more.

Plan (built by winlab/samba_dc.py)::

    {"smb_conf": ..., "dns_domain": "lab.test", "realm": "LAB.TEST",
     "users": [{"name", "password", "groups": [...], "sensitive", "enabled",
                "spns": [...], "enctypes", "description"}],
     "computers": [{"name", "password", "dns_host_name", "spns": [...], "enabled",
                    "unconstrained", "protocol_transition", "allowed_to_delegate_to": [...],
                    "rbcd_from": [...], "enctypes", "keytab", "description"}],
     "dns": [{"name": "srv01", "address": "127.0.60.1"}]}

Summary: ``{"domain_sid": ..., "accounts": {sAMAccountName: {"dn", "sid", "uac"}}}``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

# userAccountControl bits (MS-ADTS 2.2.16)
UF_ACCOUNTDISABLE = 0x2
UF_NORMAL_ACCOUNT = 0x200
UF_WORKSTATION_TRUST_ACCOUNT = 0x1000
UF_DONT_EXPIRE_PASSWD = 0x10000
UF_TRUSTED_FOR_DELEGATION = 0x80000
UF_NOT_DELEGATED = 0x100000
UF_TRUSTED_TO_AUTHENTICATE_FOR_DELEGATION = 0x1000000

# What Set-ADComputer -PrincipalsAllowedToDelegateToAccount writes (one ACE per principal).
RBCD_SDDL_ACE = "(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;{sid})"


def _open(smb_conf: str) -> Any:
    import samba.auth
    import samba.param
    import samba.samdb

    lp = samba.param.LoadParm()
    lp.load(smb_conf)
    db = samba.samdb.SamDB(url=lp.samdb_url(), session_info=samba.auth.system_session(), lp=lp)
    return lp, db


def _find(db: Any, sam_account_name: str) -> Any:
    import ldb

    res = db.search(db.domain_dn(), scope=ldb.SCOPE_SUBTREE,
                    expression=f"(sAMAccountName={ldb.binary_encode(sam_account_name)})",
                    attrs=["objectSid", "userAccountControl"])
    if len(res) != 1:
        raise SystemExit(f"samba_setup: account {sam_account_name} not found")
    return res[0]


def _replace(db: Any, dn: Any, values: dict[str, list[str] | list[bytes]]) -> None:
    import ldb

    msg = ldb.Message(dn)
    for attr, vals in values.items():
        msg[attr] = ldb.MessageElement(vals, ldb.FLAG_MOD_REPLACE, attr)
    db.modify(msg)


def _uac(db: Any, dn: Any, set_bits: int, clear_bits: int = 0) -> None:
    import ldb

    res = db.search(dn, scope=ldb.SCOPE_BASE, attrs=["userAccountControl"])
    uac = (int(res[0]["userAccountControl"][0]) | set_bits) & ~clear_bits
    _replace(db, dn, {"userAccountControl": [str(uac)]})


def create_user(db: Any, user: dict[str, Any]) -> None:
    name = user["name"]
    db.newuser(name, user["password"], description=user.get("description") or None)
    entry = _find(db, name)
    db.setexpiry(f"(sAMAccountName={name})", 0, no_expiry_req=True)
    changes: dict[str, list[str] | list[bytes]] = {}
    if user.get("enctypes"):
        changes["msDS-SupportedEncryptionTypes"] = [str(user["enctypes"])]
    if changes:
        _replace(db, entry.dn, changes)
    for group in user.get("groups", []):
        db.add_remove_group_members(group, [name], add_members_operation=True)
    set_bits = UF_NOT_DELEGATED if user.get("sensitive") else 0
    if not user.get("enabled", True):
        set_bits |= UF_ACCOUNTDISABLE
    if set_bits:
        _uac(db, entry.dn, set_bits)


def create_computer(db: Any, computer: dict[str, Any]) -> None:
    name = computer["name"].upper()
    db.newcomputer(name, description=computer.get("description") or None, prepare_oldjoin=True)
    account = name + "$"
    entry = _find(db, account)
    # A joined machine sets its own random password; the lab picks one so keys are reproducible
    # within a run (the keytab is exported from these keys).
    db.setpassword(f"(sAMAccountName={account})", computer["password"], False)
    changes: dict[str, list[str] | list[bytes]] = {
        "dNSHostName": [computer["dns_host_name"]],
        "msDS-SupportedEncryptionTypes": [str(computer.get("enctypes") or 28)],
    }
    if computer.get("spns"):
        changes["servicePrincipalName"] = list(computer["spns"])
    if computer.get("allowed_to_delegate_to"):
        changes["msDS-AllowedToDelegateTo"] = list(computer["allowed_to_delegate_to"])
    _replace(db, entry.dn, changes)
    set_bits = 0
    if computer.get("unconstrained"):
        set_bits |= UF_TRUSTED_FOR_DELEGATION
    if computer.get("protocol_transition"):
        set_bits |= UF_TRUSTED_TO_AUTHENTICATE_FOR_DELEGATION
    if not computer.get("enabled", True):
        set_bits |= UF_ACCOUNTDISABLE
    if set_bits:
        _uac(db, entry.dn, set_bits)


def add_user_spns(db: Any, user: dict[str, Any]) -> None:
    """Service account SPNs go in after the computers joined, as they do in real life.

    Order matters: Samba refuses HOST/x on a computer while HTTP/x (an sPNMappings alias
    of HOST) sits on another account, but accepts HTTP/x on a service account while the
    computer holds HOST/x -- which is how the 0x80090322 collision arises in practice.
    """
    if user.get("spns"):
        _replace(db, _find(db, user["name"]).dn, {"servicePrincipalName": list(user["spns"])})


def set_rbcd(db: Any, computer: dict[str, Any]) -> None:
    """msDS-AllowedToActOnBehalfOfOtherIdentity: who may delegate to this computer (RBCD)."""
    from samba.dcerpc import security
    from samba.ndr import ndr_pack

    principals = computer.get("rbcd_from") or []
    if not principals:
        return
    aces = "".join(RBCD_SDDL_ACE.format(sid=_sid(db, p)) for p in principals)
    sd = security.descriptor.from_sddl("O:BAD:" + aces, security.dom_sid(str(db.get_domain_sid())))
    entry = _find(db, computer["name"].upper() + "$")
    _replace(db, entry.dn, {"msDS-AllowedToActOnBehalfOfOtherIdentity": [ndr_pack(sd)]})


def _sid(db: Any, sam_account_name: str) -> str:
    from samba.dcerpc import security
    from samba.ndr import ndr_unpack

    return str(ndr_unpack(security.dom_sid, _find(db, sam_account_name)["objectSid"][0]))


def add_dns(db: Any, dns_domain: str, name: str, address: str) -> None:
    """An A record in the domain's zone (DomainDnsZones partition), replacing any earlier one."""
    import ldb
    from samba.ndr import ndr_pack
    from samba.provision.sambadns import ARecord

    dn = ldb.Dn(db, f"DC={name},DC={dns_domain},CN=MicrosoftDNS,DC=DomainDnsZones,{db.domain_dn()}")
    record = ndr_pack(ARecord(address))
    if _exists(db, dn):
        _replace(db, dn, {"dnsRecord": [record]})
        return
    msg = ldb.Message(dn)
    msg["objectClass"] = ["top", "dnsNode"]
    msg["dnsRecord"] = ldb.MessageElement([record], ldb.FLAG_MOD_ADD, "dnsRecord")
    db.add(msg)


def _exists(db: Any, dn: Any) -> bool:
    import ldb

    try:
        db.search(dn, scope=ldb.SCOPE_BASE, attrs=[])
    except ldb.LdbError:
        return False
    return True


def add_dc_spns(db: Any, lp: Any) -> None:
    """The DC's own SPNs (ldap/, GC/, E3514235-.../...), as samba_spnupdate adds them on a running DC.

    The lab DC runs without the dnsupdate service (it would rewrite the lab's DNS), which is
    what normally calls samba_spnupdate: without these SPNs an LDAP GSSAPI bind to the DC
    fails with "Server not found in Kerberos database".
    """
    import ldb
    import samba

    res = db.search(db.get_default_basedn(), scope=ldb.SCOPE_BASE, attrs=["objectGUID"])
    variables = {
        "DNSDOMAIN": db.domain_dns_name(),
        "DNSFOREST": db.forest_dns_name(),
        "HOSTNAME": db.host_dns_name(),
        "NETBIOSNAME": lp.get("netbios name").upper(),
        "WORKGROUP": lp.get("workgroup"),
        "NTDSGUID": db.get_ntds_GUID(),
        "DOMAINGUID": str(db.schema_format_value("objectGUID", res[0]["objectGUID"][0]), "utf-8"),
    }
    wanted = []
    with open(lp.private_path("spn_update_list"), encoding="utf-8") as spn_list:
        for line in spn_list:
            line = line.strip()
            if line and not line.startswith("#"):
                wanted.append(samba.substitute_var(line, variables))
    entry = _find(db, variables["NETBIOSNAME"] + "$")
    have = {str(v).upper() for v in db.search(entry.dn, scope=ldb.SCOPE_BASE,
                                              attrs=["servicePrincipalName"])[0].get("servicePrincipalName", [])}
    missing = [spn for spn in wanted if spn.upper() not in have]
    if missing:
        msg = ldb.Message(entry.dn)
        msg["servicePrincipalName"] = ldb.MessageElement(missing, ldb.FLAG_MOD_ADD, "servicePrincipalName")
        db.modify(msg)


def export_keytab(lp: Any, account: str, path: str) -> None:
    from samba import enable_net_export_keytab
    from samba.net import Net

    enable_net_export_keytab()
    Net(None, lp).export_keytab(keytab=path, principal=account)


def run(plan: dict[str, Any]) -> dict[str, Any]:
    lp, db = _open(plan["smb_conf"])
    db.transaction_start()
    try:
        add_dc_spns(db, lp)
        for group in plan.get("groups", []):
            db.newgroup(group["name"], description=group.get("description") or None)
        for group in plan.get("groups", []):
            for parent in group.get("groups", []):
                db.add_remove_group_members(parent, [group["name"]], add_members_operation=True)
        for user in plan.get("users", []):
            create_user(db, user)
        for computer in plan.get("computers", []):
            create_computer(db, computer)
        for user in plan.get("users", []):
            add_user_spns(db, user)
        for computer in plan.get("computers", []):
            set_rbcd(db, computer)
        for record in plan.get("dns", []):
            add_dns(db, plan["dns_domain"], record["name"], record["address"])
    except BaseException:
        db.transaction_cancel()
        raise
    db.transaction_commit()
    for computer in plan.get("computers", []):
        if computer.get("keytab"):
            export_keytab(lp, computer["name"].upper() + "$", computer["keytab"])
    accounts = {}
    names = [u["name"] for u in plan.get("users", [])] + [c["name"].upper() + "$" for c in plan.get("computers", [])]
    for name in names:
        entry = _find(db, name)
        accounts[name] = {"dn": str(entry.dn), "sid": _sid(db, name), "uac": int(entry["userAccountControl"][0])}
    return {"domain_sid": str(db.get_domain_sid()), "accounts": accounts}


def main() -> int:
    plan = json.load(sys.stdin)
    json.dump(run(plan), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
