"""The domain half of the lab: Samba AD DC, Kerberos to member hosts, domain accounts, DNS, LDAP.

Client actions run inside the lab name space (DNS = the lab DC, the lab's krb5.conf)
through one nsagent process; the test process itself stays in the machine's name space.
Scenario: scenarios/domain.yml on 127.0.60.0/24 (DC 127.0.60.250).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import wsman_helpers as wh
from nsagent import AgentError, NsAgent
from winlab.client import Lab
from winrm.exceptions import InvalidCredentialsError, WSManFaultError

TESTS_DIR = Path(__file__).resolve().parent
UF_ACCOUNTDISABLE = 0x2
UF_TRUSTED_FOR_DELEGATION = 0x80000
UF_TRUSTED_TO_AUTH_FOR_DELEGATION = 0x1000000


@pytest.fixture(scope="module")
def ns(domain_lab: Lab) -> Iterator[NsAgent]:
    agent: NsAgent = domain_lab.agent(extra_path=[str(TESTS_DIR)])
    with agent:
        yield agent


@pytest.fixture(scope="module")
def admin_cc(domain_lab: Lab, ns: NsAgent, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A ticket cache holding LAB\\ansible's TGT (forwardable), as `kinit ansible@LAB.TEST` makes it."""
    cc = {"KRB5CCNAME": f"FILE:{tmp_path_factory.mktemp('cc')}/ansible"}
    user = domain_lab.user("ansible")
    result = ns.call("domain_probes:kinit", principal=user["principal"], password=user["password"], env=cc)
    assert result["rc"] == 0, result
    return cc


def domain_of(lab: Lab) -> dict[str, Any]:
    assert lab.domain is not None
    return lab.domain


def user_cc(lab: Lab, ns: NsAgent, tmp: Path, name: str) -> dict[str, str]:
    cc = {"KRB5CCNAME": f"FILE:{tmp}/{name}"}
    user = lab.user(name)
    result = ns.call("domain_probes:kinit", principal=user["principal"], password=user["password"], env=cc)
    assert result["rc"] == 0, result
    return cc


def endpoint(lab: Lab, host: str, name: str | None = None) -> str:
    info = lab.hosts[host]
    return f"http://{name or info['fqdn']}:{info['http_port']}/wsman"


def whoami(ns: NsAgent, lab: Lab, host: str, cc: dict[str, str], name: str | None = None,
           **options: Any) -> dict[str, Any]:
    result: dict[str, Any] = ns.call("domain_probes:winrm_whoami", endpoint=endpoint(lab, host, name),
                                     env=cc, **options)
    return result


def last_logon(lab: Lab, host: str) -> dict[str, Any]:
    logons = lab.logons(host)
    assert logons, f"{host} saw no logon"
    return logons[-1]


def test_domain_lab_starts_quickly(domain_lab: Lab) -> None:
    domain = domain_lab.domain
    assert domain is not None
    assert domain["realm"] == "LAB.TEST" and domain["netbios"] == "LAB"
    assert domain["dc"]["address"] == "127.0.60.250"
    assert domain_lab.startup_seconds < 60  # type: ignore[attr-defined]
    for path in (domain["krb5_conf"], domain["resolv_conf"], domain["ca"], domain["labns"]):
        assert Path(path).is_file(), path
    for host in ("srv01", "srv02", "srv03", "srv04", "srv05", "fs01", "srv06"):
        computer = domain_lab.hosts[host]["computer"]
        assert Path(computer["keytab"]).is_file()
    assert domain_lab.hosts["win02"]["domain_member"] is False
    inventory = domain_lab.inventory.read_text()
    assert "srv01.lab.test:" in inventory and "ansible_winrm_transport: kerberos" in inventory
    assert "ansible@LAB.TEST" in inventory


def test_kinit_with_the_admin_password(domain_lab: Lab, ns: NsAgent, admin_cc: dict[str, str]) -> None:
    listing = ns.call("domain_probes:klist", env=admin_cc)["stdout"]
    assert "Default principal: ansible@LAB.TEST" in listing
    assert "krbtgt/LAB.TEST@LAB.TEST" in listing
    assert ns.call("domain_probes:env", name="KRB5_CONFIG") == domain_of(domain_lab)["krb5_conf"]
    wrong = ns.call("domain_probes:kinit", principal="ansible@LAB.TEST", password="wrong",
                    env={"KRB5CCNAME": admin_cc["KRB5CCNAME"] + ".bad"})
    assert wrong["rc"] != 0 and "Password incorrect" in wrong["stderr"]  # MIT kinit: preauth failed


def test_dns_srv_records_find_the_dc(domain_lab: Lab, ns: NsAgent) -> None:
    assert ns.call("domain_probes:srv", name="_ldap._tcp.dc._msdcs.lab.test") == [
        {"target": "dc1.lab.test", "port": 389}]
    assert ns.call("domain_probes:srv", name="_kerberos._udp.lab.test") == [{"target": "dc1.lab.test", "port": 88}]
    assert ns.call("domain_probes:resolve", name="dc1.lab.test") == ["127.0.60.250"]
    for host in ("srv01", "fs01", "win02"):  # every lab host has an A record, members or not
        assert ns.call("domain_probes:resolve", name=f"{host}.lab.test") == [domain_lab.hosts[host]["address"]]
    assert ns.call("domain_probes:resolve", name="srv03") == [domain_lab.hosts["srv03"]["address"]]  # search list


def test_kerberos_by_fqdn_is_encrypted_over_http(domain_lab: Lab, ns: NsAgent, admin_cc: dict[str, str]) -> None:
    domain_lab.reset_counters("srv01")
    result = whoami(ns, domain_lab, "srv01", admin_cc)
    assert result == {"stdout": "lab\\ansible", "rc": 0, "encryption": "kerberos"}
    logon = last_logon(domain_lab, "srv01")
    assert (logon["protocol"], logon["client"], logon["account"]) == ("kerberos", "ansible@LAB.TEST", "LAB\\ansible")
    assert logon["acceptor"] == "SRV01$@LAB.TEST" and "mutual" in logon["flags"]
    assert logon["delegated"] is False and logon["ok_as_delegate"] is False
    # HOST/-only member: HTTP/ is covered by HOST/ (sPNMappings), WSMAN/ is not registered.
    assert whoami(ns, domain_lab, "srv02", admin_cc)["stdout"] == "lab\\ansible"
    with pytest.raises(AgentError, match="Server not found in Kerberos database"):
        whoami(ns, domain_lab, "srv02", admin_cc, service="WSMAN")
    assert whoami(ns, domain_lab, "srv01", admin_cc, service="WSMAN")["encryption"] == "kerberos"


def test_kerberos_by_ip_fails_and_hostname_override_fixes_it(domain_lab: Lab, ns: NsAgent,
                                                             admin_cc: dict[str, str]) -> None:
    address = domain_lab.hosts["srv01"]["address"]
    with pytest.raises(AgentError, match="Server not found in Kerberos database"):
        whoami(ns, domain_lab, "srv01", admin_cc, name=address)
    result = whoami(ns, domain_lab, "srv01", admin_cc, name=address, kerberos_hostname_override="srv01.lab.test")
    assert result["stdout"] == "lab\\ansible" and result["encryption"] == "kerberos"


def test_spn_owned_by_a_service_account_is_rejected(domain_lab: Lab, ns: NsAgent, admin_cc: dict[str, str]) -> None:
    """The 0x80090322 trap: HTTP/srv03 belongs to svc_iis, so srv03 cannot decrypt the ticket."""
    domain_lab.reset_counters("srv03")
    with pytest.raises(AgentError) as err:
        whoami(ns, domain_lab, "srv03", admin_cc)
    assert err.value.type == "InvalidCredentialsError"
    assert "credentials were rejected by the server" in err.value.message
    assert domain_lab.stats("srv03")["auth_failures"] >= 1 and not domain_lab.logons("srv03")
    result = whoami(ns, domain_lab, "srv03", admin_cc, service="WSMAN")
    assert result["stdout"] == "lab\\ansible" and result["encryption"] == "kerberos"


def test_delegation_is_observed_by_the_host(tmp_path: Path, domain_lab: Lab, ns: NsAgent,
                                            admin_cc: dict[str, str]) -> None:
    domain_lab.reset_counters()
    whoami(ns, domain_lab, "srv04", admin_cc, kerberos_delegation=True)
    logon = last_logon(domain_lab, "srv04")
    assert logon["protocol"] == "kerberos" and logon["delegated"] is True and "delegate" in logon["flags"]
    assert logon["ok_as_delegate"] is True and "forwardable" in logon["ticket_flags"]
    # srv04 is trusted for unconstrained delegation: its tickets carry ok-as-delegate (klist flag O).
    assert "O" in ns.call("domain_probes:ticket_flags", server="HTTP/srv04.lab.test@LAB.TEST", env=admin_cc)
    assert ns.call("domain_probes:kvno", spn="HTTP/srv01.lab.test", env=admin_cc)["rc"] == 0
    assert "O" not in ns.call("domain_probes:ticket_flags", server="HTTP/srv01.lab.test@LAB.TEST", env=admin_cc)
    # Without the request nothing is forwarded.
    whoami(ns, domain_lab, "srv04", admin_cc)
    assert last_logon(domain_lab, "srv04")["delegated"] is False
    # A sensitive account's TGT is never forwardable, so there is nothing to delegate.
    sensitive = user_cc(domain_lab, ns, tmp_path, "sensitive")
    with pytest.raises(AgentError, match="Access is denied"):  # authenticated, not an admin
        whoami(ns, domain_lab, "srv04", sensitive, kerberos_delegation=True)
    logon = last_logon(domain_lab, "srv04")
    assert logon["client"] == "sensitive@LAB.TEST" and logon["delegated"] is False


def test_constrained_delegation_with_protocol_transition(domain_lab: Lab, ns: NsAgent, tmp_path: Path) -> None:
    """SRV05$ may impersonate any user (S4U2Self) to CIFS/fs01 only (S4U2Proxy), never a sensitive one."""
    keytab = domain_lab.hosts["srv05"]["computer"]["keytab"]
    cc = {"KRB5CCNAME": f"FILE:{tmp_path}/srv05"}

    def proxy(user: str, target: str) -> str:
        result: str = ns.call("domain_probes:s4u_proxy", service="SRV05$@LAB.TEST", keytab=keytab, user=user,
                              target=target, env=cc)
        return result

    assert proxy("alice@LAB.TEST", "cifs@fs01.lab.test") == "ok"
    assert "can't fulfill requested option" in proxy("alice@LAB.TEST", "http@srv01.lab.test")  # not listed
    assert "can't fulfill requested option" in proxy("sensitive@LAB.TEST", "cifs@fs01.lab.test")  # NOT_DELEGATED


def test_disabled_computer_account(domain_lab: Lab, ns: NsAgent, tmp_path: Path, admin_cc: dict[str, str]) -> None:
    """SRV06$ is disabled: the machine's own logon to the KDC is refused (its 'tickets fail')."""
    computer = domain_lab.hosts["srv06"]["computer"]
    assert computer["uac"] & UF_ACCOUNTDISABLE
    own = ns.call("domain_probes:kinit_keytab", principal="SRV06$@LAB.TEST", keytab=computer["keytab"],
                  env={"KRB5CCNAME": f"FILE:{tmp_path}/srv06"})
    assert own["rc"] != 0 and "credentials have been revoked" in own["stderr"]
    enabled = ns.call("domain_probes:kinit_keytab", principal="SRV01$@LAB.TEST",
                      keytab=domain_lab.hosts["srv01"]["computer"]["keytab"],
                      env={"KRB5CCNAME": f"FILE:{tmp_path}/srv01"})
    assert enabled["rc"] == 0, enabled
    # Samba 4.17 still issues service tickets for the disabled account's SPNs (README: differences),
    # and the member holds valid keys, so Kerberos to it works.
    assert ns.call("domain_probes:kvno", spn="HTTP/srv06.lab.test", env=admin_cc)["rc"] == 0
    assert whoami(ns, domain_lab, "srv06", admin_cc)["stdout"] == "lab\\ansible"
    # Domain NTLM logons need the member's secure channel, which a disabled account does not have.
    ansible = domain_lab.user("ansible")
    with pytest.raises(InvalidCredentialsError):
        wh.get(wh.protocol(domain_lab, "srv06", user=ansible["down_level"], password=ansible["password"]), wh.CONFIG)
    wh.get(wh.protocol(domain_lab, "srv06"), wh.CONFIG)  # local accounts are unaffected


def test_ntlm_with_domain_accounts(domain_lab: Lab) -> None:
    """NTLM needs no DNS or KDC: straight from the test process, by IP address."""
    domain_lab.reset_counters("srv01")
    ansible = domain_lab.user("ansible")
    for name in (ansible["down_level"], ansible["principal"]):
        p = wh.protocol(domain_lab, "srv01", user=name, password=ansible["password"])
        wh.get(p, wh.CONFIG)
        assert p.transport.encryption is not None and p.transport.encryption.protocol == "ntlm"
    assert [lg["protocol"] for lg in domain_lab.logons("srv01")] == ["ntlm", "ntlm"]
    assert domain_lab.logons("srv01")[0]["account"] == "LAB\\ansible"
    alice = domain_lab.user("alice")
    with pytest.raises(WSManFaultError) as err:  # authenticated, not an administrator
        wh.get(wh.protocol(domain_lab, "srv01", user=alice["down_level"], password=alice["password"]), wh.CONFIG)
    assert err.value.wsman_fault_code == 5
    protected = domain_lab.user("protected")  # Protected Users: the DC refuses NTLM
    with pytest.raises(InvalidCredentialsError):
        wh.get(wh.protocol(domain_lab, "srv01", user=protected["down_level"], password=protected["password"]),
               wh.CONFIG)
    with pytest.raises(InvalidCredentialsError):  # a workgroup host knows no domain accounts
        wh.get(wh.protocol(domain_lab, "win02", user=ansible["down_level"], password=ansible["password"]), wh.CONFIG)
    with pytest.raises(InvalidCredentialsError):  # WinRM Basic is for local accounts only
        wh.get(wh.protocol(domain_lab, "win01", transport="basic", scheme="https", user=ansible["down_level"],
                           password=ansible["password"]), wh.CONFIG)


def test_workgroup_host_refuses_kerberos(domain_lab: Lab, ns: NsAgent, admin_cc: dict[str, str]) -> None:
    with pytest.raises(AgentError, match="Server not found in Kerberos database"):  # no account, no SPN
        whoami(ns, domain_lab, "win02", admin_cc)
    # Even a valid ticket (for srv01) is refused: the host has no keys at all.
    with pytest.raises(AgentError) as err:
        whoami(ns, domain_lab, "win02", admin_cc, kerberos_hostname_override="srv01.lab.test")
    assert err.value.type == "InvalidCredentialsError"


def test_spnego_and_kerberos_scheme_with_sealing(domain_lab: Lab, ns: NsAgent, admin_cc: dict[str, str]) -> None:
    host = "srv01.lab.test"
    port = domain_lab.hosts["srv01"]["http_port"]
    spnego = ns.call("domain_probes:raw_kerberos_session", host=host, port=port, scheme="Negotiate",
                     mech="negotiate", env=admin_cc)
    assert spnego["status"] == 200 and spnego["negotiated"] == "kerberos" and spnego["mutual_token"]
    assert spnego["sealed_status"] == 200 and spnego["identify"] is True
    assert 'protocol="application/HTTP-SPNEGO-session-encrypted"' in spnego["reply_type"]
    direct = ns.call("domain_probes:raw_kerberos_session", host=host, port=port, scheme="Kerberos",
                     mech="kerberos", env=admin_cc)
    assert direct["status"] == 200 and direct["mutual_token"] and direct["identify"] is True
    assert 'protocol="application/HTTP-Kerberos-session-encrypted"' in direct["reply_type"]
    assert [lg["scheme"] for lg in domain_lab.logons("srv01")[-2:]] == ["negotiate", "kerberos"]


def test_ldap_sees_the_computer_accounts(domain_lab: Lab, ns: NsAgent, admin_cc: dict[str, str]) -> None:
    domain = domain_of(domain_lab)
    entries = ns.call("domain_probes:ldapsearch_gssapi", uri="ldap://dc1.lab.test", base=domain["base_dn"],
                      ldap_filter="(objectClass=computer)",
                      attrs=["sAMAccountName", "servicePrincipalName", "userAccountControl", "dNSHostName",
                             "msDS-AllowedToDelegateTo", "msDS-AllowedToActOnBehalfOfOtherIdentity"],
                      env=admin_cc)
    found = {e["sAMAccountName"][0]: e for e in entries}
    assert "DC1$" in found
    for host in ("srv01", "srv02", "srv03", "srv04", "srv05", "fs01", "srv06"):
        computer = domain_lab.hosts[host]["computer"]
        entry = found[computer["account"]]
        assert {s.lower() for s in entry["servicePrincipalName"]} == {s.lower() for s in computer["spns"]}
        assert entry["dNSHostName"] == [f"{host}.lab.test"]
        assert int(entry["userAccountControl"][0]) == computer["uac"]
    assert int(found["SRV04$"]["userAccountControl"][0]) & UF_TRUSTED_FOR_DELEGATION
    assert int(found["SRV05$"]["userAccountControl"][0]) & UF_TRUSTED_TO_AUTH_FOR_DELEGATION
    assert sorted(found["SRV05$"]["msDS-AllowedToDelegateTo"]) == ["CIFS/fs01", "CIFS/fs01.lab.test"]
    assert "msDS-AllowedToActOnBehalfOfOtherIdentity" in found["FS01$"]
    assert int(found["SRV06$"]["userAccountControl"][0]) & UF_ACCOUNTDISABLE
    iis = ns.call("domain_probes:ldapsearch_gssapi", uri="ldap://dc1.lab.test", base=domain["base_dn"],
                  ldap_filter="(servicePrincipalName=HTTP/srv03.lab.test)", attrs=["sAMAccountName"], env=admin_cc)
    assert [e["sAMAccountName"] for e in iis] == [["svc_iis"]]


def test_ldaps_validates_with_the_lab_ca(domain_lab: Lab, ns: NsAgent) -> None:
    domain = domain_of(domain_lab)
    ansible = domain_lab.user("ansible")
    entries = ns.call("domain_probes:ldaps_simple_bind", host="dc1.lab.test", user=ansible["upn"],
                      password=ansible["password"], ca_file=domain["ca"], base=domain["base_dn"],
                      ldap_filter="(sAMAccountName=srv01$)", attrs=["dNSHostName"])
    assert entries == [{"dn": "CN=SRV01,CN=Computers,DC=lab,DC=test", "dNSHostName": ["srv01.lab.test"]}]
    with pytest.raises(AgentError, match="(?i)certificate|hostname|doesn't match"):  # the IP is not in the cert
        ns.call("domain_probes:ldaps_simple_bind", host=domain["dc"]["address"], user=ansible["upn"],
                password=ansible["password"], ca_file=domain["ca"], base=domain["base_dn"],
                ldap_filter="(sAMAccountName=srv01$)", attrs=["dNSHostName"])
    # Strong auth stays required: no simple bind over plain LDAP.
    assert ns.call("domain_probes:ldap_simple_bind_plain", host="dc1.lab.test", user=ansible["upn"],
                   password=ansible["password"]) == "strongerAuthRequired"


def test_ansible_reaches_a_member_with_kerberos_from_the_inventory(domain_lab: Lab) -> None:
    """inventory.yml's domain group as written by `up`: ansible kinits with the password itself."""
    import subprocess
    import sys

    started = time.monotonic()
    ansible = str(Path(sys.executable).parent / "ansible")
    result = subprocess.run(
        domain_lab.ns_command(ansible, "-i", str(domain_lab.inventory), "srv01.lab.test", "-m", "raw", "-a", "whoami"),
        env=domain_lab.ns_env(ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_NOCOLOR="1"),
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    logon = last_logon(domain_lab, "srv01")
    assert logon["protocol"] == "kerberos" and logon["client"] == "ansible@LAB.TEST"
    assert time.monotonic() - started < 30
