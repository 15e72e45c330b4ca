# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ad_spn_info's findings: each SPN status with its exact fix, delegation with PingCastle/BloodHound refs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.accounts import (
    UAC_ACCOUNTDISABLE,
    UAC_TRUSTED_FOR_DELEGATION,
    UAC_TRUSTED_TO_AUTH_FOR_DELEGATION,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.delegation import Delegation
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.spn import Owner, Resolution
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import SEVERITIES
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.spn import (
    ENTRIES,
    Alternative,
    HostFacts,
    UserFacts,
    alternatives_for,
    delegation_findings,
    duplicate_findings,
    host_record,
    recommended_vars,
    spn_findings,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.names import Krb5Names, client_request

NO_DNS = Krb5Names("false", False)


def computer(name: str, uac: int = 0x1000, **extra: Any) -> Owner:
    short = name.rstrip("$").lower()
    return Owner.from_entry({"dn": "CN=%s,CN=Computers,DC=lab,DC=test" % short.upper(), "sAMAccountName": [name],
                             "dNSHostName": ["%s.lab.test" % short], "userAccountControl": [str(uac)],
                             "objectClass": ["top", "user", "computer"], **extra})


SVC = Owner.from_entry({"dn": "CN=svc_iis,CN=Users,DC=lab,DC=test", "sAMAccountName": ["svc_iis"],
                        "objectClass": ["top", "user"]})


def facts(host: str, hostvars: dict[str, Any], resolution: Resolution, comp: Owner | None,
          alternatives: list[Alternative] | None = None, user: UserFacts | None = None) -> HostFacts:
    req = client_request(host, hostvars, NO_DNS)
    return HostFacts(req, req.spn(), req.kerberos_name, resolution, comp,
                     Delegation.of(comp.account) if comp else None, alternatives or [], user)


def ids(found: list[Any]) -> list[str]:
    return [f.id for f in found]


def test_collision_recommends_wsman_and_names_the_move() -> None:
    srv03 = computer("SRV03$")
    f = facts("srv03", {"ansible_host": "srv03.lab.test"}, Resolution(SVC, "direct", "collision", (SVC,)), srv03,
              [Alternative({"ansible_winrm_service": "WSMAN"}, "WSMAN/srv03.lab.test", "ok")],
              UserFacts("protected@LAB.TEST", protected_users=True))
    found = spn_findings(f)
    assert ids(found) == ["SPN-COLLISION", "SPN-USER-PROTECTED"]
    assert "0x80090322" in found[0].why and "svc_iis (user)" in found[0].why
    assert found[0].fix.startswith("connect with ansible_winrm_service: WSMAN; or move it to the host: "
                                   "winauth.winrm.ad_spn: {account: SRV03$, spns: [HTTP/srv03.lab.test], move: true}")
    assert "HTTP/srv03.lab.test:5985" in found[0].fix
    assert recommended_vars(f) == {"ansible_winrm_service": "WSMAN"}
    record = host_record(f)
    assert record["status"] == "collision" and record["owner"]["name"] == "svc_iis"
    assert record["findings"][0]["host"] == "srv03"


def test_duplicate_says_which_holder_to_clear() -> None:
    srv09 = computer("SRV09$")
    svc = Owner.from_entry({"dn": "CN=svc_dup,CN=Users,DC=lab,DC=test", "sAMAccountName": ["svc_dup"],
                            "objectClass": ["user"]})
    f = facts("srv09", {"ansible_host": "srv09.lab.test"}, Resolution(None, "direct", "duplicate", (srv09, svc)),
              srv09)
    (found,) = spn_findings(f)
    assert found.id == "SPN-DUPLICATE" and "held by 2 accounts (SRV09$, svc_dup)" in found.why
    assert found.fix == ("remove it from svc_dup: winauth.winrm.ad_spn: {account: svc_dup, "
                         "spns: [HTTP/srv09.lab.test], state: absent}")
    assert recommended_vars(f) == {}


def test_missing_alias_recommends_the_fqdn_override() -> None:
    srv07 = computer("SRV07$")
    pairs = alternatives_for(client_request("web07", {"ansible_host": "web07.lab.test"}, NO_DNS), "web07.lab.test",
                             srv07)
    assert pairs == [({"ansible_winrm_service": "WSMAN"}, "WSMAN/web07.lab.test"),
                     ({"ansible_winrm_kerberos_hostname_override": "srv07.lab.test"}, "HTTP/srv07.lab.test"),
                     ({"ansible_winrm_service": "WSMAN", "ansible_winrm_kerberos_hostname_override": "srv07.lab.test"},
                      "WSMAN/srv07.lab.test")]
    alternatives = [Alternative(v, s, st) for (v, s), st in zip(pairs, ["missing", "ok", "ok"], strict=True)]
    f = facts("web07", {"ansible_host": "web07.lab.test"}, Resolution(None, None, "missing"), srv07, alternatives)
    assert f.alias
    (found,) = spn_findings(f)
    assert "another name (an alias or a short name) of srv07.lab.test" in found.why
    assert found.fix == ("connect with ansible_winrm_kerberos_hostname_override: srv07.lab.test; or register it on "
                         "SRV07$: winauth.winrm.ad_spn: {account: SRV07$, spns: [HTTP/web07.lab.test]}")
    assert recommended_vars(f) == {"ansible_winrm_kerberos_hostname_override": "srv07.lab.test"}


def test_missing_ip_and_no_computer() -> None:
    f = facts("x", {"ansible_host": "127.0.30.11"}, Resolution(None, None, "missing"), None)
    found = spn_findings(f)
    assert ids(found) == ["SPN-MISSING", "SPN-NO-COMPUTER"]
    assert "connects by IP address" in found[0].why
    assert found[0].fix == "connect by the host's FQDN as registered in AD"


def test_disabled_computer_and_ok_spn() -> None:
    f = facts("srv06", {"ansible_host": "srv06.lab.test"}, Resolution(computer("SRV06$"), "host_mapping", "ok"),
              computer("SRV06$", 0x1000 | UAC_ACCOUNTDISABLE))
    assert ids(spn_findings(f)) == ["SPN-HOST-DISABLED"]
    assert recommended_vars(f) == {}


def test_delegation_findings_carry_tool_names() -> None:
    unconstrained = Delegation.of(computer("SRV04$", 0x1000 | UAC_TRUSTED_FOR_DELEGATION).account)
    (f,) = delegation_findings(unconstrained, "SRV04$")
    assert f.id == "DELEG-UNCONSTRAINED" and "PingCastle P-UnconstrainedDelegation" in f.refs
    dc = Delegation.of(computer("DC1$", 0x2000 | UAC_TRUSTED_FOR_DELEGATION).account)
    assert delegation_findings(dc, "DC1$") == []  # DCs delegate by design
    t2a4d = Delegation.of(computer("SRV05$", 0x1000 | UAC_TRUSTED_TO_AUTH_FOR_DELEGATION,
                                   **{"msDS-AllowedToDelegateTo": ["CIFS/fs01"]}).account)
    (f,) = delegation_findings(t2a4d, "SRV05$")
    assert f.id == "DELEG-PROTOCOL-TRANSITION" and "BloodHound AllowedToDelegate" in f.refs
    kerberos_only = Delegation.of(computer("SRV05$", **{"msDS-AllowedToDelegateTo": ["CIFS/fs01"]}).account)
    assert ids(delegation_findings(kerberos_only, "SRV05$")) == ["DELEG-CONSTRAINED"]
    rbcd = Delegation.of(computer("FS01$").account, ["SRV01$"])
    (f,) = delegation_findings(rbcd, "FS01$")
    assert f.id == "DELEG-RESOURCE-BASED" and f.refs == ("BloodHound AllowedToAct",) and f.value == ["SRV01$"]
    user = UserFacts("sensitive@LAB.TEST", sensitive=True, delegation_asked=True)
    assert ids(delegation_findings(Delegation(), "SRV01$", user)) == ["DELEG-USER-NOT-DELEGABLE"]
    assert delegation_findings(Delegation(), "SRV01$", UserFacts("a", sensitive=True)) == []


def test_rbcd_presence_without_principals_is_said() -> None:
    account = computer("FS01$", **{"msDS-AllowedToActOnBehalfOfOtherIdentity": ["AQAEgA=="]}).account
    d = Delegation.of(account, None)
    assert d.resource_based == ("(present, principals not read)",) and d.notes


def test_domain_duplicates_and_catalogue() -> None:
    (f,) = duplicate_findings([{"spn": "HTTP/x", "owners": ["CN=a", "CN=b"]}])
    assert f.id == "SPN-DUPLICATE-DOMAIN" and "CN=a; CN=b" in f.why
    assert len({e.id for e in ENTRIES}) == len(ENTRIES)
    assert all(e.severity in SEVERITIES for e in ENTRIES)


def test_every_finding_is_documented_in_the_spn_trap_page() -> None:
    page = (Path(__file__).resolve().parents[5] / "docs" / "spn-trap.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `") for line in page.splitlines() if line.startswith("| `")}
    assert {e.id for e in ENTRIES} <= rows
