"""Issue 3 acceptance against the Samba AD lab: predicted == observed, the ad inventory, AD bad inputs.

Everything runs inside the lab's name space (tests/lab/labns.py) so lab names and the DC's
SRV records resolve through the DC's DNS, and KRB5_CONFIG points at the lab realm.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import labns
import pytest
import yaml
from winlab import dnsrecords
from winlab.client import Lab

ROOT = Path(__file__).resolve().parents[2]
NETWORK = "127.0.62.0/24"
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"

# The same rule as the lab's domain tests: skipped where the lab name space cannot exist (not root,
# no unshare, unshare --mount refused, as in a chroot or an unprivileged container), with the reason.
_NO_LABNS = labns.unavailable()
pytestmark = [
    pytest.mark.skipif(_NO_LABNS is not None, reason=f"the AD lab needs the lab name space: {_NO_LABNS}"),
    pytest.mark.skipif(shutil.which("samba") is None, reason="the AD lab needs samba (bootstrap.sh installs it)"),
]


@pytest.fixture(scope="module")
def dlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    scenario = str(ROOT / "tests" / "lab" / "scenarios" / "domain.yml")
    with Lab.started(tmp_path_factory.mktemp("adlab"), NETWORK, "--scenario", scenario) as lab:
        yield lab


def in_lab(lab: Lab, *cmd: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    labns = [sys.executable, str(ROOT / "tests" / "lab" / "labns.py"), "--dir", str(lab.dir), "--"]
    env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="False", PW=domain(lab)["users"]["ansible"]["password"])
    return subprocess.run([*labns, *cmd], capture_output=True, text=True, timeout=timeout, env=env, check=False)


def domain(lab: Lab) -> dict[str, Any]:
    doc = json.loads((lab.dir / "hosts.json").read_text(encoding="utf-8"))
    return doc["domain"]


ALIAS = "web"  # web.<domain>: a CNAME of srv01 added by name_forms(); nobody holds HTTP/web.<domain>


def name_forms(lab: Lab) -> None:
    """The DNS alias and the IP-address SPN the prediction table needs (once per lab; winlab/dnsrecords.py)."""
    marker = lab.dir / "name-forms.done"
    if marker.exists():
        return
    dnsrecords.add_cname(lab, ALIAS, lab.hosts["srv01"]["fqdn"])
    dnsrecords.add_spn(lab, "SRV05$", "HTTP/%s" % lab.hosts["srv05"]["address"])
    marker.write_text("web CNAME srv01; HTTP/<srv05 address> on SRV05$\n", encoding="utf-8")


def variants(lab: Lab) -> dict[str, dict[str, Any]]:
    """Connection variants covering every prediction reason, keyed by inventory name."""
    d = domain(lab)
    kerb = {"ansible_connection": "winrm", "ansible_winrm_transport": "kerberos",
            "ansible_user": d["users"]["ansible"]["principal"], "ansible_password": d["users"]["ansible"]["password"]}
    h = lab.hosts

    def at(name: str, **extra: Any) -> dict[str, Any]:
        return {**kerb, "ansible_host": h[name]["fqdn"], "ansible_port": h[name]["http_port"], **extra}

    def local(name: str, transport: str, **extra: Any) -> dict[str, Any]:
        return at(name, ansible_winrm_transport=transport, ansible_user=".\\" + h[name]["admin_user"],
                  ansible_password=h[name]["admin_password"], **extra)

    ansible, protected = d["users"]["ansible"], d["users"]["protected_admin"]
    ntlm = {"ansible_winrm_transport": "ntlm", "ansible_user": ansible["down_level"]}
    shielded = {"ansible_user": protected["down_level"], "ansible_password": protected["password"]}
    return {
        "srv01-fqdn": at("srv01"),
        "srv01-ip": at("srv01", ansible_host=h["srv01"]["address"]),
        "srv01-ip-override": at("srv01", ansible_host=h["srv01"]["address"],
                                ansible_winrm_kerberos_hostname_override=h["srv01"]["fqdn"]),
        "srv01-ip-negotiate": at("srv01", ansible_host=h["srv01"]["address"], ansible_winrm_transport="kerberos,ntlm",
                                 ansible_user=d["users"]["ansible"]["down_level"]),
        # No managed kinit (the ticket would come from a cache, and there is none): Kerberos fails on
        # its own and the next transport, NTLM with the domain account, is used.
        "srv01-ip-kerberos-then-ntlm": at("srv01", ansible_host=h["srv01"]["address"],
                                          ansible_winrm_transport="kerberos,ntlm", ansible_winrm_kinit_mode="manual",
                                          ansible_user=d["users"]["ansible"]["down_level"]),
        "srv02-host-spn-only": at("srv02"),
        "srv02-wsman-no-spn": at("srv02", ansible_winrm_service="WSMAN"),
        "srv05-constrained": at("srv05"),
        "fs01-rbcd-target": at("fs01"),
        "srv03-http-collision": at("srv03"),
        "srv03-wsman": at("srv03", ansible_winrm_service="WSMAN"),
        "srv04-unconstrained": at("srv04"),
        "srv06-disabled": at("srv06"),
        "win02-workgroup-kerberos": at("win02", ansible_host=h["win02"]["fqdn"]),
        "win02-local-ntlm": {
            "ansible_connection": "winrm", "ansible_host": h["win02"]["address"],
            "ansible_port": h["win02"]["http_port"], "ansible_winrm_transport": "ntlm",
            "ansible_user": h["win02"]["admin_user"], "ansible_password": h["win02"]["admin_password"],
        },
        # --- issue 9.4: every name form, transport and kind of account ------------------------------
        "srv01-short": at("srv01", ansible_host="srv01"),  # qualify_shortname: HTTP/srv01.lab.test
        "srv01-short-ntlm": at("srv01", ansible_host="srv01", **ntlm),
        "srv01-alias": at("srv01", ansible_host="%s.%s" % (ALIAS, d["dns_domain"])),
        "srv01-alias-ntlm": at("srv01", ansible_host="%s.%s" % (ALIAS, d["dns_domain"]), **ntlm),
        "srv05-ip-spn": at("srv05", ansible_host=h["srv05"]["address"]),
        "srv01-ntlm": at("srv01", **ntlm),
        "srv01-ntlm-protected": at("srv01", **{**ntlm, **shielded}),
        "srv01-negotiate-protected": at("srv01", ansible_winrm_transport="kerberos,ntlm", **{
            **shielded, "ansible_user": protected["principal"]}),
        # Kerberos fails (an IP address, no IP SPN on srv01), and NTLM is refused: Protected Users.
        "srv01-ip-negotiate-protected": at("srv01", ansible_host=h["srv01"]["address"],
                                           ansible_winrm_transport="kerberos,ntlm",
                                           **{**shielded, "ansible_user": protected["principal"]}),
        "srv06-ntlm-fqdn": at("srv06", **ntlm),
        "srv06-ntlm-short": at("srv06", ansible_host="srv06", **ntlm),
        "srv06-ntlm-ip": at("srv06", ansible_host=h["srv06"]["address"], **ntlm),
        "srv01-basic-domain": at("srv01", ansible_winrm_transport="basic", ansible_user=ansible["down_level"]),
        # No transport and a down-level name: ansible-core's winrm plugin picks plaintext, i.e. Basic.
        "srv01-default-down-level": {k: v for k, v in at("srv01", ansible_user=ansible["down_level"]).items()
                                     if k != "ansible_winrm_transport"},
        "srv01-local-ntlm": local("srv01", "ntlm"),
        "srv01-local-kerberos": local("srv01", "kerberos"),
        "win01-local-basic": {"ansible_connection": "winrm", "ansible_host": h["win01"]["fqdn"],
                              "ansible_port": h["win01"]["http_port"], "ansible_winrm_transport": "basic",
                              "ansible_user": h["win01"]["admin_user"],
                              "ansible_password": h["win01"]["admin_password"]},
        "win01-domain-basic": {"ansible_connection": "winrm", "ansible_host": h["win01"]["fqdn"],
                               "ansible_port": h["win01"]["http_port"], "ansible_winrm_transport": "basic",
                               "ansible_user": ansible["down_level"], "ansible_password": ansible["password"]},
        "srv01-realm-lower-case": at("srv01", ansible_user="ansible@%s" % d["dns_domain"]),
    }


def plan_and_observe(lab: Lab, tmp_path: Path, hosts: dict[str, dict[str, Any]], tag: str,
                     krb5_conf: Path | None = None) -> tuple[dict[str, Any], dict[str, str], list[tuple[str, ...]]]:
    """auth_plan for every host, then a real winrm_info connection to each; (plans, observed, report rows).

    ``krb5_conf`` replaces the lab's krb5.conf for both steps (the prediction reads the same file the
    connection's GSSAPI does).
    """
    d = domain(lab)
    inventory = {"all": {"children": {"targets": {"hosts": hosts}}}}
    inv = tmp_path / ("inventory-%s.yml" % tag)
    inv.write_text(yaml.safe_dump(inventory), encoding="utf-8")
    results = tmp_path / ("results-%s" % tag)
    results.mkdir()
    extra = {"ad_domain": d["dns_domain"], "ad_ca": d["ca"], "ad_user": d["users"]["ansible"]["principal"],
             "ad_password": d["users"]["ansible"]["password"], "result_dir": str(results)}
    prefix = ("env", "KRB5_CONFIG=%s" % krb5_conf) if krb5_conf else ()
    planned = in_lab(lab, *prefix, "ansible-playbook", "-i", str(inv), str(PLAYBOOKS / "auth_plan.yml"),
                     "-e", json.dumps(extra))
    assert planned.returncode == 0, planned.stdout + planned.stderr
    plan = {p["host"]: p for p in json.loads((results / "plan.json").read_text(encoding="utf-8"))}
    assert set(plan) == set(hosts)
    observed_run = in_lab(lab, *prefix, "ansible-playbook", "-i", str(inv), str(PLAYBOOKS / "run_module.yml"), "-e",
                          json.dumps({"module": "winrm_info", "target": "targets", "result_dir": str(results)}))
    observed: dict[str, str] = {}
    report: list[tuple[str, ...]] = []
    for name in plan:
        result = json.loads((results / ("%s.json" % name)).read_text(encoding="utf-8"))
        failed = result.get("failed") or result.get("unreachable")
        observed[name] = "fail" if failed else str((result.get("connection") or {}).get("auth"))
        report.append((name, plan[name]["protocol"], observed[name], plan[name]["reason"], result.get("msg", "")))
    for r in report:
        print("%-30s predicted %-9s observed %-9s %s | %s" % (r[0], r[1], r[2], r[3][:200], r[4][:200]))
    mismatches = [r for r in report if r[1] != r[2]]
    assert not mismatches, "\n".join("%s: predicted %s, observed %s\n  why: %s\n  msg: %s" % r for r in mismatches) \
        + "\n" + observed_run.stdout[-2000:]
    return plan, observed, report


def test_prediction_equals_what_happens(dlab: Lab, tmp_path: Path) -> None:
    name_forms(dlab)
    hosts = variants(dlab)
    plan, _observed, _report = plan_and_observe(dlab, tmp_path, hosts, "as-given")
    expected = {
        "srv01-fqdn": "kerberos", "srv01-ip": "fail", "srv01-ip-override": "kerberos",
        "srv01-ip-negotiate": "fail", "srv02-host-spn-only": "kerberos", "srv03-http-collision": "fail",
        "srv03-wsman": "kerberos", "srv04-unconstrained": "kerberos", "srv06-disabled": "kerberos",
        "srv01-ip-kerberos-then-ntlm": "ntlm", "srv02-wsman-no-spn": "fail", "srv05-constrained": "kerberos",
        "fs01-rbcd-target": "kerberos",
        "win02-workgroup-kerberos": "fail", "win02-local-ntlm": "ntlm",
        # issue 9.4
        "srv01-short": "kerberos", "srv01-short-ntlm": "ntlm", "srv01-alias": "fail", "srv01-alias-ntlm": "ntlm",
        "srv05-ip-spn": "kerberos", "srv01-ntlm": "ntlm", "srv01-ntlm-protected": "fail",
        "srv01-negotiate-protected": "kerberos", "srv01-ip-negotiate-protected": "fail",
        "srv06-ntlm-fqdn": "fail", "srv06-ntlm-short": "fail", "srv06-ntlm-ip": "fail",
        "srv01-basic-domain": "fail", "srv01-default-down-level": "fail", "srv01-local-ntlm": "ntlm",
        "srv01-local-kerberos": "fail", "win01-local-basic": "basic", "win01-domain-basic": "fail",
        "srv01-realm-lower-case": "fail",
    }
    assert {name: p["protocol"] for name, p in plan.items()} == expected
    assert "0x80090322" in plan["srv03-http-collision"]["reason"]
    assert plan["srv03-http-collision"]["fix"] == {"ansible_winrm_service": "WSMAN"}
    assert "IP address" in plan["srv01-ip"]["reason"]
    assert "runs kinit" in plan["srv01-ip-negotiate"]["reason"]  # a failed managed kinit ends the attempt
    assert "disabled" in plan["srv06-disabled"]["reason"]
    assert "no account holds WSMAN/srv02.lab.test" in plan["srv02-wsman-no-spn"]["reason"]
    assert plan["srv02-wsman-no-spn"]["fix"] == {"ansible_winrm_service": "HTTP"}
    assert "Protected Users" in plan["srv01-ntlm-protected"]["reason"]
    assert "Protected Users" in plan["srv01-ip-negotiate-protected"]["reason"]
    for form in ("fqdn", "short", "ip"):  # the disabled computer is found whatever the target's form
        assert "SRV06$ is disabled" in plan["srv06-ntlm-%s" % form]["reason"], plan["srv06-ntlm-%s" % form]
    assert "DNS alias (CNAME) of srv01.lab.test" in plan["srv01-alias"]["reason"]
    assert plan["srv01-alias"]["fix"] == {"ansible_winrm_kerberos_hostname_override": "srv01.lab.test"}
    assert "WinRM Basic accepts local accounts only" in plan["srv01-default-down-level"]["reason"]
    assert plan["srv05-ip-spn"]["spn"] == "HTTP/%s" % dlab.hosts["srv05"]["address"]
    for name, p in plan.items():
        if p["protocol"] == "fail":
            assert p["remedy"], name  # every failure says what to do

    # Every fail whose fix is a set of connection vars: applied, the prediction and the connection both work.
    fixable = {name: {**hosts[name], **p["fix"]} for name, p in plan.items()
               if p["protocol"] == "fail" and p["fix"] and not any("<" in str(v) for v in p["fix"].values())}
    assert set(fixable) >= {"srv01-ip", "srv03-http-collision", "srv02-wsman-no-spn", "srv01-alias",
                            "srv01-ntlm-protected", "srv06-ntlm-fqdn", "srv06-ntlm-short", "srv06-ntlm-ip",
                            "srv01-basic-domain", "srv01-default-down-level", "srv01-local-kerberos",
                            "srv01-ip-negotiate", "srv01-realm-lower-case"}
    fixed, observed, _report = plan_and_observe(dlab, tmp_path, fixable, "fixed")
    assert not [name for name, protocol in observed.items() if protocol == "fail"], observed
    assert {name: p["protocol"] for name, p in fixed.items()} == observed
    kerberos_fixes = {name for name, p in plan.items() if p["fix"].get("ansible_winrm_transport") != "ntlm"}
    assert {name for name in fixable if name in kerberos_fixes and observed[name] != "kerberos"} == set(), observed


def test_alias_followed_when_krb5_conf_canonicalizes(dlab: Lab, tmp_path: Path) -> None:
    """dns_canonicalize_hostname = true: the client asks for HTTP/<CNAME target>, so the alias just works."""
    name_forms(dlab)
    lab_conf = Path(domain(dlab)["krb5_conf"]).read_text(encoding="utf-8")
    assert "dns_canonicalize_hostname = false" in lab_conf
    canon = tmp_path / "krb5.canonicalize.conf"
    canon.write_text(lab_conf.replace("dns_canonicalize_hostname = false", "dns_canonicalize_hostname = true"),
                     encoding="utf-8")
    v = variants(dlab)
    hosts = {name: v[name] for name in ("srv01-alias", "srv01-fqdn", "srv01-short")}
    plan, _observed, _report = plan_and_observe(dlab, tmp_path, hosts, "canonical", krb5_conf=canon)
    assert {name: p["protocol"] for name, p in plan.items()} == dict.fromkeys(hosts, "kerberos")
    assert plan["srv01-alias"]["spn"] == "HTTP/srv01.lab.test"


def _inventory(dlab: Lab, tmp_path: Path, **options: Any) -> subprocess.CompletedProcess[str]:
    d = domain(dlab)
    config = {"plugin": "winauth.winrm.ad", "domain": d["dns_domain"], "ca_cert": d["ca"],
              "username": d["users"]["ansible"]["principal"], "password": d["users"]["ansible"]["password"]}
    config.update(options)
    config = {k: v for k, v in config.items() if v is not None}
    path = tmp_path / "lab.ad.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return in_lab(dlab, "ansible-inventory", "-i", str(path), "--list")


def _plain(value: Any) -> Any:
    """Drop ansible-core 2.19's {"__ansible_unsafe": …} markers: LDAP data is untrusted, as it should be."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_inventory_groups_and_vars(dlab: Lab, tmp_path: Path) -> None:
    run = _inventory(dlab, tmp_path)
    assert run.returncode == 0, run.stderr
    assert '"__ansible_unsafe"' in run.stdout  # directory data is never templated
    inv = _plain(json.loads(run.stdout))
    members = {g: set(inv.get(g, {}).get("hosts", [])) for g in
               ("kerberos_ready", "spn_missing", "spn_collision", "unconstrained_delegation", "disabled")}
    assert members["spn_collision"] == {"srv03.lab.test"}
    assert members["disabled"] == {"srv06.lab.test"}
    assert members["unconstrained_delegation"] == {"srv04.lab.test"}  # DCs are filtered out by default
    assert {"srv01.lab.test", "srv02.lab.test", "srv04.lab.test", "srv05.lab.test", "fs01.lab.test"} \
        <= members["kerberos_ready"]
    assert not members["kerberos_ready"] & {"srv03.lab.test", "srv06.lab.test"}
    hv = inv["_meta"]["hostvars"]
    assert hv["srv05.lab.test"]["winauth_ad"]["constrained_delegation_to"] == ["CIFS/fs01.lab.test", "CIFS/fs01"]
    assert hv["srv05.lab.test"]["winauth_ad"]["protocol_transition"] is True
    assert hv["fs01.lab.test"]["winauth_ad"]["resource_based_delegation"] is True
    assert hv["srv03.lab.test"]["winauth_ad"]["spn_owner"] == "svc_iis"
    assert hv["srv01.lab.test"]["ansible_host"] == "srv01.lab.test"
    # With the WSMAN service class, srv02 (HOST/ only, WinRM never registered WSMAN/) has no SPN.
    wsman = _plain(json.loads(_inventory(dlab, tmp_path, service="WSMAN").stdout))
    assert "srv02.lab.test" in wsman.get("spn_missing", {}).get("hosts", [])
    assert "srv03.lab.test" not in wsman.get("spn_collision", {}).get("hosts", [])


def test_inventory_posture_by_default_account_facts_on_request(dlab: Lab, tmp_path: Path) -> None:
    """Default: the posture, keys at their default left out; account_facts: every key, the account's attributes."""
    lean = _plain(json.loads(_inventory(dlab, tmp_path).stdout))["_meta"]["hostvars"]["srv01.lab.test"]["winauth_ad"]
    assert lean["predicted_protocol"] == "kerberos" and lean["spn_status"] == "ok"
    assert not {"dn", "spns", "sam_account_name", "supported_enctypes", "disabled", "fix", "prediction_reason"} \
        & set(lean)  # nothing but the posture, and a plain Kerberos prediction needs no reason
    run = _inventory(dlab, tmp_path, account_facts=True)
    assert run.returncode == 0, run.stderr
    full = _plain(json.loads(run.stdout))["_meta"]["hostvars"]["srv01.lab.test"]["winauth_ad"]
    assert full["dn"].startswith("CN=SRV01,") and "HOST/srv01.lab.test" in full["spns"]
    expected = ("SRV01$", "srv01.lab.test", "HTTP/srv01.lab.test")
    assert (full["sam_account_name"], full["dns_host_name"], full["spn"]) == expected
    assert full["disabled"] is False and full["fix"] == {} and full["delegation_findings"] == []
    assert {k: v for k, v in full.items() if k in lean} == lean
    assert full["prediction_reason"] == "Kerberos to HTTP/srv01.lab.test"


BINDS = [("kerberos", "principal", "ldaps"), ("simple", "down_level", "ldaps"), ("ntlm", "down_level", "ldaps"),
         ("ntlm", "upn", "ldaps"),
         # sansldap + pyspnego (issue 6): Negotiate, StartTLS, and signed+sealed binds on plain LDAP (389).
         ("negotiate", "principal", "ldaps"), ("kerberos", "principal", "starttls"), ("ntlm", "upn", "starttls"),
         ("kerberos", "principal", "none"), ("ntlm", "down_level", "none"), ("negotiate", "principal", "none")]


@pytest.mark.parametrize(("auth", "user", "tls_mode"), BINDS)
def test_inventory_binds(auth: str, user: str, tls_mode: str, dlab: Lab, tmp_path: Path) -> None:
    account = domain(dlab)["users"]["ansible"]
    run = _inventory(dlab, tmp_path, auth=auth, username=account[user], tls_mode=tls_mode)
    assert run.returncode == 0, run.stderr
    assert "srv01.lab.test" in json.loads(run.stdout)["_meta"]["hostvars"]


def test_inventory_server_without_domain_reads_the_rootdse(dlab: Lab, tmp_path: Path) -> None:
    run = _inventory(dlab, tmp_path, domain=None, server=[domain(dlab)["dc"]["fqdn"]])
    assert run.returncode == 0, run.stderr
    hostvars = json.loads(run.stdout)["_meta"]["hostvars"]
    assert {"srv01.lab.test", "srv03.lab.test"} <= set(hostvars)


def test_lookup_with_server_only(dlab: Lab) -> None:
    d = domain(dlab)
    expr = ("{{ lookup('winauth.winrm.auth_plan', 'srv03.lab.test', server='%s', ca_cert='%s', username='%s', "
            "check_ticket=False, "
            "password='%s') }}" % (d["dc"]["fqdn"], d["ca"], d["users"]["ansible"]["principal"],
                                   d["users"]["ansible"]["password"]))
    run = in_lab(dlab, "ansible", "localhost", "-m", "ansible.builtin.debug", "-a", "var=plan",
                 "-e", json.dumps({"plan": expr}))
    assert run.returncode == 0, run.stdout + run.stderr
    plan = json.loads(run.stdout.split("=>", 1)[1])["plan"]
    assert plan["protocol"] == "fail" and "0x80090322" in plan["reason"]  # the collision is seen: AD was searched


def test_lookup_non_string_term(dlab: Lab) -> None:
    run = in_lab(dlab, "ansible", "localhost", "-m", "ansible.builtin.debug", "-a",
                 "msg={{ query('winauth.winrm.auth_plan', 42) }}")
    assert run.returncode != 0
    assert "term 1 is int 42, not a host name" in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_inventory_constructed_features_and_cache(dlab: Lab, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    options = {"keyed_groups": [{"key": "winauth_ad.predicted_protocol", "prefix": "winrm"}],
               "compose": {"ansible_winrm_transport": "'kerberos'"},
               "cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(cache)}
    first = _inventory(dlab, tmp_path, **options)
    assert first.returncode == 0, first.stderr
    inv = _plain(json.loads(first.stdout))
    assert "srv01.lab.test" in inv["winrm_kerberos"]["hosts"] and "srv03.lab.test" in inv["winrm_fail"]["hosts"]
    assert inv["_meta"]["hostvars"]["srv01.lab.test"]["ansible_winrm_transport"] == "kerberos"
    assert any(cache.iterdir())
    # A cache hit does not touch the DC: a wrong password does not matter now.
    second = _inventory(dlab, tmp_path, **options, password="not-the-password")
    assert second.returncode == 0, second.stderr
    assert _plain(json.loads(second.stdout))["winrm_kerberos"] == inv["winrm_kerberos"]


AD_BAD = [
    ("wrong-realm", {"domain": "nosuch.test"}, "no domain controller found"),
    ("dc-unreachable", {"server": ["dc9.lab.test"]}, "unreachable"),
    ("bad-credentials", {"password": "not-the-password"}, "wrong password"),
    ("invalid-filter", {"filter": "(objectClass=computer"}, "invalid LDAP filter"),
    ("ldaps-name-mismatch", {"server": ["SERVER_IP"]}, "TLS certificate not trusted or does not match the name"),
    ("simple-without-tls", {"auth": "simple", "tls_mode": "none"}, "use tls_mode ldaps or starttls"),
]


@pytest.mark.parametrize("case", AD_BAD, ids=[c[0] for c in AD_BAD])
def test_inventory_bad_input(case: tuple[str, dict[str, Any], str], dlab: Lab, tmp_path: Path) -> None:
    _name, options, expected = case
    if options.get("server") == ["SERVER_IP"]:
        options = {"server": [domain(dlab)["dc"]["address"]]}
    run = _inventory(dlab, tmp_path, **options)
    assert expected in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_lookup_unknown_host_name(dlab: Lab, tmp_path: Path) -> None:
    d = domain(dlab)
    expr = ("{{ lookup('winauth.winrm.auth_plan', 'nosuch.lab.test', domain='%s', ca_cert='%s', username='%s', "
            "password='%s') }}" % (d["dns_domain"], d["ca"], d["users"]["ansible"]["principal"],
                                   d["users"]["ansible"]["password"]))
    run = in_lab(dlab, "ansible", "localhost", "-m", "ansible.builtin.debug", "-a", "var=plan",
                 "-e", json.dumps({"plan": expr}))
    assert run.returncode == 0, run.stdout + run.stderr
    plan = json.loads(run.stdout.split("=>", 1)[1])["plan"]
    assert plan["protocol"] == "fail" and "nosuch.lab.test does not resolve in DNS" in plan["reason"]


def _run_module(dlab: Lab, tmp_path: Path, module: str, hosts: dict[str, dict[str, Any]],
                module_args: dict[str, Any] | None = None, check: bool = False) -> dict[str, Any]:
    inv = tmp_path / "kerb.yml"
    inv.write_text(yaml.safe_dump({"all": {"hosts": hosts}}), encoding="utf-8")
    results = tmp_path / "kerb-results"
    results.mkdir(exist_ok=True)
    cmd = ["ansible-playbook", "-i", str(inv), str(PLAYBOOKS / "run_module.yml"), "-e",
           json.dumps({"module": module, "module_args": module_args or {}, "result_dir": str(results)})]
    run = in_lab(dlab, *cmd, *(["--check"] if check else []))
    assert run.returncode == 0, run.stdout + run.stderr
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in results.glob("*.json")}


def test_kerberos_with_password_and_delegation(dlab: Lab, tmp_path: Path) -> None:
    v = variants(dlab)
    dlab.reset_counters()
    hosts = {"srv04": {**v["srv04-unconstrained"], "ansible_winrm_kerberos_delegation": True},
             "srv01": v["srv01-fqdn"]}
    results = _run_module(dlab, tmp_path, "winrm_info", hosts)
    assert results["srv04"]["connection"]["auth"] == "kerberos", results["srv04"]
    assert results["srv04"]["connection"]["message_encryption"] is True
    assert results["srv04"]["ansible_facts"]["winauth_winrm"]["computer"]["part_of_domain"] is True
    delegated = [lg for lg in dlab.logons("srv04") if lg["protocol"] == "kerberos"]
    assert delegated and all(lg["delegated"] for lg in delegated), dlab.logons("srv04")
    assert delegated[0]["ok_as_delegate"] is True  # srv04 is trusted for delegation
    plain = [lg for lg in dlab.logons("srv01") if lg["protocol"] == "kerberos"]
    assert plain and not any(lg["delegated"] for lg in plain)  # no delegation asked for srv01


def test_kerberos_with_an_existing_ticket_cache(dlab: Lab, tmp_path: Path) -> None:
    d = domain(dlab)
    user = d["users"]["ansible"]
    kinit = in_lab(dlab, "sh", "-c", 'printf "%s\\n" "$PW" | kinit ' + user["principal"])
    assert kinit.returncode == 0, kinit.stderr
    # No password in the inventory: the ticket cache is used, as after a kinit by the operator (or AWX).
    host = {k: v for k, v in variants(dlab)["srv01-fqdn"].items() if k != "ansible_password"}
    results = _run_module(dlab, tmp_path, "winrm_auth", {"srv01": host}, {"client": {"basic": False}}, check=True)
    assert results["srv01"]["changed"] is True and not results["srv01"].get("failed"), results["srv01"]
    assert results["srv01"]["changes"] == ["client.auth.basic: true -> false"]
    in_lab(dlab, "kdestroy")


def test_credssp_service_account_check(dlab: Lab, tmp_path: Path) -> None:
    """winauth.winrm.ad_account and the credssp_scoped role's CREDSSP-05 against the Samba DC."""
    d = domain(dlab)
    ad = {"domain": d["dns_domain"], "ca_cert": d["ca"], "username": d["users"]["ansible"]["principal"],
          "password": d["users"]["ansible"]["password"]}
    playbook = tmp_path / "account.yml"
    playbook.write_text(yaml.safe_dump([{
        "name": "Check service accounts", "hosts": "localhost", "gather_facts": False,
        "tasks": [{"name": "Save", "ansible.builtin.copy": {
            "content": "{{ query('winauth.winrm.ad_account', 'svc_hop', 'svc_tier0', 'protected@lab.test', 'ghost', "
                       "**ad) | to_nice_json }}", "dest": str(tmp_path / "accounts.json"), "mode": "0600"}}],
    }]), encoding="utf-8")
    run = in_lab(dlab, "ansible-playbook", str(playbook), "-e", json.dumps({"ad": ad}))
    assert run.returncode == 0, run.stdout + run.stderr
    hop, tier0, protected, ghost = json.loads((tmp_path / "accounts.json").read_text(encoding="utf-8"))
    assert hop["ok"] is True and hop["enabled"] is True and hop["privileged_groups"] == []
    assert tier0["ok"] is False
    # Tier0 Operators -> Domain Admins -> Administrators (Domain Admins is in the built-in group, as on Windows)
    assert sorted(tier0["privileged_groups"]) == ["Administrators (through a nested group)",
                                                  "Domain Admins (through a nested group)"], tier0
    assert "svc_tier0 is a member of Domain Admins (through a nested group)" in " ".join(tier0["problems"])
    assert protected["ok"] is True and protected["protected_users"] is True, protected
    assert "never delegated" in protected["notes"][0]
    assert ghost["found"] is False and "does not exist" in ghost["problems"][0]

    # The role refuses the privileged account before it changes anything.
    role = tmp_path / "role.yml"
    role.write_text(yaml.safe_dump([{
        "name": "CredSSP scope", "hosts": "all", "gather_facts": False,
        "roles": [{"role": "winauth.winrm.credssp_scoped", "vars": {
            "credssp_scoped_service_account": "svc_tier0", "credssp_scoped_ad": ad,
            "credssp_scoped_report_elsewhere": False}}],
    }]), encoding="utf-8")
    inventory = tmp_path / "inventory.yml"
    hosts = {"win02": {"ansible_host": dlab.hosts["win02"]["address"]}}
    inventory.write_text(yaml.safe_dump({"all": {"hosts": hosts}}), encoding="utf-8")
    before = dlab.state_bytes("win02")
    refused = in_lab(dlab, "ansible-playbook", "-i", str(inventory), str(role))
    assert refused.returncode != 0
    assert "svc_tier0 is a member of Domain Admins (through a nested group)" in refused.stdout
    assert dlab.state_bytes("win02") == before
