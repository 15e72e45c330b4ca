"""Issue 9 against the Samba AD lab: ad_spn_info finds each SPN trap, ad_spn (or the vars it recommends) fixes it.

One domain lab for the module (scenarios/domain.yml with the spn_lab block of winlab/spnlab.py):
srv03 (HTTP/ on svc_iis), srv02 (HOST/ only), web07 (a CNAME of srv07, no SPN for it), srv07 by
IP (no IP SPN), srv08 (an IP-address SPN), srv09 (HTTP/ planted twice), srv06 (disabled), the
Protected Users member ``protected``. Each fix is proved by a real Kerberos connection
(winrm_info, transport kerberos) that fails before and succeeds after. Check mode is proved by
the DC's highestCommittedUSN and an LDAP dump of the domain partition, before and after.
Tests that change AD put it back; the duplicate's removal cannot be undone through LDAP (AD
refuses a duplicate), so that test runs last.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import domain_lab, domain_lab_marks
from test_it_ad import domain, in_lab
from winlab.client import Lab

NETWORK = "127.0.69.0/24"
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"

pytestmark = domain_lab_marks()


@pytest.fixture(scope="module")
def slab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with domain_lab(tmp_path_factory, NETWORK, "spnlab") as lab:
        yield lab


def ad_options(lab: Lab, user: str = "ansible") -> dict[str, Any]:
    d = domain(lab)
    return {"domain": d["dns_domain"], "ca_cert": d["ca"], "username": d["users"][user]["principal"],
            "password": d["users"][user]["password"]}


def kerberos_vars(lab: Lab, name: str, host: str | None = None, user: str = "ansible", **extra: Any) -> dict[str, Any]:
    """How an admin reaches a lab member with Kerberos (pywinrm, service HTTP unless told otherwise)."""
    account = domain(lab)["users"][user]
    return {"ansible_connection": "winrm", "ansible_winrm_transport": "kerberos", "ansible_user": account["principal"],
            "ansible_password": account["password"], "ansible_host": host or lab.hosts[name]["fqdn"],
            "ansible_port": lab.hosts[name]["http_port"], **extra}


def scenario_hosts(lab: Lab) -> dict[str, dict[str, Any]]:
    h = lab.hosts
    return {
        "srv01": kerberos_vars(lab, "srv01"),
        "srv02": kerberos_vars(lab, "srv02"),
        "srv02-wsman": kerberos_vars(lab, "srv02", ansible_winrm_service="WSMAN"),
        "srv02-psrp": {"ansible_connection": "psrp", "ansible_host": h["srv02"]["fqdn"]},
        "srv03": kerberos_vars(lab, "srv03", user="protected"),
        "srv04": kerberos_vars(lab, "srv04"),
        "srv05": kerberos_vars(lab, "srv05"),
        "fs01": kerberos_vars(lab, "fs01"),
        "srv06": kerberos_vars(lab, "srv06"),
        "web07": kerberos_vars(lab, "srv07", host="web07.%s" % domain(lab)["dns_domain"]),
        "srv07": kerberos_vars(lab, "srv07", host=h["srv07"]["address"]),
        "srv08": kerberos_vars(lab, "srv08", host=h["srv08"]["address"]),
        "srv09": kerberos_vars(lab, "srv09"),
        "win02": kerberos_vars(lab, "win02"),
    }


def inventory(lab: Lab, tmp_path: Path, hosts: dict[str, dict[str, Any]]) -> Path:
    path = tmp_path / "spn-inventory.yml"
    local = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    path.write_text(yaml.safe_dump({"all": {"hosts": {"localhost": local},
                                            "children": {"targets": {"hosts": hosts}}}}), encoding="utf-8")
    return path


def ad_module(lab: Lab, tmp_path: Path, module: str, args: dict[str, Any], check: bool = False,
              user: str = "ansible", hosts: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Run ad_spn_info / ad_spn once on the controller; its result."""
    out = tmp_path / ("%s.json" % module)
    out.unlink(missing_ok=True)
    extra = {"module": module, "module_args": {**ad_options(lab, user), **args}, "result_file": str(out)}
    run = in_lab(lab, "ansible-playbook", "-i", str(inventory(lab, tmp_path, hosts or scenario_hosts(lab))),
                 str(PLAYBOOKS / "ad_module.yml"), "-e", json.dumps(extra), *(["--check", "--diff"] if check else []))
    assert run.returncode == 0 and out.exists(), run.stdout + run.stderr
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def connect(lab: Lab, tmp_path: Path, hosts: dict[str, dict[str, Any]]) -> dict[str, str]:
    """A real WinRM connection (winrm_info) to each host: the auth it used, or ``fail: <msg>``."""
    results = tmp_path / "connect"
    shutil.rmtree(results, ignore_errors=True)
    results.mkdir()
    in_lab(lab, "ansible-playbook", "-i", str(inventory(lab, tmp_path, hosts)), str(PLAYBOOKS / "run_module.yml"),
           "-e", json.dumps({"module": "winrm_info", "target": "targets", "result_dir": str(results)}))
    seen = {}
    for name in hosts:
        result = json.loads((results / ("%s.json" % name)).read_text(encoding="utf-8"))
        failed = result.get("failed") or result.get("unreachable")
        seen[name] = "fail: %s" % result.get("msg", "")[:300] if failed else result["connection"]["auth"]
    return seen


_LOGGED_ON: set[tuple[Path, str]] = set()  # (lab, user) pairs whose first logon is done
VOLATILE = ("#", "lastLogon:", "logonCount:", "badPwdCount:", "badPasswordTime:")


def directory_state(lab: Lab, tmp_path: Path | None = None, user: str = "ansible") -> tuple[str, str]:
    """(highestCommittedUSN, LDAP dump of every object's attributes): any write changes the first.

    With ``tmp_path``, a read as ``user`` first: a user's first logon writes its lastLogonTimestamp
    (a replicated attribute, so it takes a USN); later logons within the sync interval write nothing.
    """
    if tmp_path is not None and (lab.dir, user) not in _LOGGED_ON:
        assert not ad_module(lab, tmp_path, "ad_spn_info", {"hosts": ["srv01"], "duplicates": False}, user=user,
                             hosts={"srv01": {}}).get("failed")
        _LOGGED_ON.add((lab.dir, user))
    d = domain(lab)
    base = ["ldbsearch", "-H", str(Path(d["dc"]["smb_conf"]).parent.parent / "private" / "sam.ldb")]
    usn = subprocess.run([*base, "-s", "base", "-b", "", "highestCommittedUSN"], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    dump = subprocess.run([*base, "-b", d["base_dn"], "(objectClass=*)", "*", "uSNChanged"], capture_output=True,
                          text=True, timeout=120, check=True).stdout
    # ldbsearch lists records in no fixed order: compare them sorted, without the "# record N" lines
    # and the logon bookkeeping every bind updates on the DC (not replicated, no USN: not a change).
    records = sorted("\n".join(line for line in block.splitlines() if not line.startswith(VOLATILE))
                     for block in dump.split("\n\n"))
    return usn, "\n\n".join(r for r in records if r.strip())


def ids(record: dict[str, Any]) -> list[str]:
    return [f["id"] for f in record["findings"]]


def test_every_scenario_host_is_judged_right(slab: Lab, tmp_path: Path) -> None:
    hosts = scenario_hosts(slab)
    result = ad_module(slab, tmp_path, "ad_spn_info", {"hosts": list(hosts)})
    assert not result.get("failed"), result
    r = result["hosts"]
    status = {name: (v["spn"], v["status"], v["via"], (v["owner"] or {}).get("name")) for name, v in r.items()}
    ip7, ip8 = slab.hosts["srv07"]["address"], slab.hosts["srv08"]["address"]
    assert status == {
        "srv01": ("HTTP/srv01.lab.test", "ok", "direct", "SRV01$"),
        "srv02": ("HTTP/srv02.lab.test", "ok", "host_mapping", "SRV02$"),
        "srv02-wsman": ("WSMAN/srv02.lab.test", "missing", None, None),
        "srv02-psrp": ("WSMAN/srv02.lab.test", "missing", None, None),
        "srv03": ("HTTP/srv03.lab.test", "collision", "direct", "svc_iis"),
        "srv04": ("HTTP/srv04.lab.test", "ok", "host_mapping", "SRV04$"),
        "srv05": ("HTTP/srv05.lab.test", "ok", "host_mapping", "SRV05$"),
        "fs01": ("HTTP/fs01.lab.test", "ok", "host_mapping", "FS01$"),
        "srv06": ("HTTP/srv06.lab.test", "ok", "host_mapping", "SRV06$"),
        "web07": ("HTTP/web07.lab.test", "missing", None, None),
        "srv07": ("HTTP/%s" % ip7, "missing", None, None),
        "srv08": ("HTTP/%s" % ip8, "ok", "direct", "SRV08$"),
        "srv09": ("HTTP/srv09.lab.test", "duplicate", "direct", None),
        "win02": ("HTTP/win02.lab.test", "missing", None, None),
    }
    assert {n: v["recommended_vars"] for n, v in r.items() if v["recommended_vars"]} == {
        "srv02-wsman": {"ansible_winrm_service": "HTTP"},
        "srv02-psrp": {"ansible_psrp_negotiate_service": "HTTP"},
        "srv03": {"ansible_winrm_service": "WSMAN"},
        "web07": {"ansible_winrm_kerberos_hostname_override": "srv07.lab.test"},
        "srv07": {"ansible_winrm_kerberos_hostname_override": "srv07.lab.test"},
        "srv09": {"ansible_winrm_service": "WSMAN"},
    }
    assert r["srv02-psrp"]["client"] == "psrp" and r["srv03"]["owner"]["type"] == "user"
    assert ids(r["srv03"]) == ["SPN-COLLISION", "SPN-USER-PROTECTED"]  # protected: no NTLM to fall back to
    assert "0x80090322" in r["srv03"]["findings"][0]["why"]
    assert ids(r["srv09"]) == ["SPN-DUPLICATE"]
    assert "remove it from svc_dup" in r["srv09"]["findings"][0]["fix"]
    assert sorted(h["name"] for h in r["srv09"]["holders"]) == ["SRV09$", "svc_dup"]
    assert ids(r["srv06"]) == ["SPN-HOST-DISABLED"] and r["srv06"]["computer"]["disabled"] is True
    assert ids(r["win02"]) == ["SPN-MISSING", "SPN-NO-COMPUTER"] and r["win02"]["computer"] is None
    assert "alias" in r["web07"]["findings"][0]["why"] and r["web07"]["computer"]["name"] == "SRV07$"
    assert "IP address" in r["srv07"]["findings"][0]["why"] and r["srv07"]["computer"]["name"] == "SRV07$"
    # Delegation, with the names PingCastle and BloodHound use.
    assert ids(r["srv04"]) == ["DELEG-UNCONSTRAINED"] and r["srv04"]["delegation"]["unconstrained"] is True
    assert "PingCastle P-UnconstrainedDelegation" in r["srv04"]["findings"][0]["refs"]
    assert ids(r["srv05"]) == ["DELEG-PROTOCOL-TRANSITION"]
    assert r["srv05"]["delegation"]["constrained"] == ["CIFS/fs01.lab.test", "CIFS/fs01"]
    assert "BloodHound AllowedToDelegate" in r["srv05"]["findings"][0]["refs"]
    assert r["fs01"]["delegation"]["resource_based"] == ["SRV01$"]
    assert r["fs01"]["findings"][0]["refs"] == ["BloodHound AllowedToAct"]
    assert ids(r["srv01"]) == [] and ids(r["srv02"]) == [] and ids(r["srv08"]) == []
    # setspn -X: the planted duplicate, and nothing else.
    assert result["duplicates"] == [{"spn": "HTTP/srv09.lab.test", "owners": [
        "CN=SRV09,CN=Computers,DC=lab,DC=test", "CN=svc_dup,CN=Users,DC=lab,DC=test"]}]
    assert "SPN-DUPLICATE-DOMAIN" in [f["id"] for f in result["findings"]]
    assert not any("sPNMappings could not be read" in n for n in result["notes"])  # read from the directory


def test_recommended_vars_make_kerberos_work(slab: Lab, tmp_path: Path) -> None:
    hosts = {k: v for k, v in scenario_hosts(slab).items() if k in ("srv02-wsman", "srv03", "web07", "srv07")}
    hosts["srv03-ansible"] = kerberos_vars(slab, "srv03")
    before = connect(slab, tmp_path, hosts)
    assert all(v.startswith("fail") for v in before.values()), before
    recommended = ad_module(slab, tmp_path, "ad_spn_info", {"hosts": list(hosts), "duplicates": False},
                            hosts=hosts)["hosts"]
    fixed = {name: {**hv, **recommended[name]["recommended_vars"]} for name, hv in hosts.items()}
    # srv06 (disabled): no var to change, Kerberos still works; the domain NTLM logon the finding warns of fails.
    ansible = domain(slab)["users"]["ansible"]
    fixed["srv06"] = kerberos_vars(slab, "srv06")
    fixed["srv06-ntlm"] = kerberos_vars(slab, "srv06", ansible_winrm_transport="ntlm",
                                        ansible_user=ansible["down_level"])
    slab.reset_counters("srv03")
    after = connect(slab, tmp_path, fixed)
    # protected (srv03) is an ordinary user: Kerberos authenticates it, then WinRM's configuration is denied.
    assert "Access is denied" in after.pop("srv03"), after
    assert {"kerberos"} == {lg["protocol"] for lg in slab.logons("srv03") if lg["client"].startswith("protected@")}
    assert after == {**dict.fromkeys(set(hosts) - {"srv03"}, "kerberos"), "srv06": "kerberos",
                     "srv06-ntlm": after["srv06-ntlm"]}
    assert after["srv06-ntlm"].startswith("fail"), after


def test_ad_spn_registers_the_alias_and_the_ip_spn(slab: Lab, tmp_path: Path) -> None:
    ip7 = slab.hosts["srv07"]["address"]
    hosts = {k: v for k, v in scenario_hosts(slab).items() if k in ("web07", "srv07")}
    spns = ["HTTP/web07.lab.test", "HTTP/%s" % ip7]
    try:
        first = ad_module(slab, tmp_path, "ad_spn", {"account": "SRV07$", "spns": spns})
        assert first["changed"] is True and first["added"] == spns and first["moved"] == []
        assert set(spns) <= set(first["spns"]) and first["diff"]["after"]["spns"] == first["spns"]
        again = ad_module(slab, tmp_path, "ad_spn", {"account": "srv07$", "spns": [s.upper() for s in spns]})
        assert again["changed"] is False and again["added"] == []  # idempotent, compared as the KDC does
        info = ad_module(slab, tmp_path, "ad_spn_info", {"hosts": list(hosts), "duplicates": False})["hosts"]
        assert {n: (v["status"], v["owner"]["name"]) for n, v in info.items()} == \
            {"web07": ("ok", "SRV07$"), "srv07": ("ok", "SRV07$")}
        assert connect(slab, tmp_path, hosts) == {"web07": "kerberos", "srv07": "kerberos"}
    finally:
        gone = ad_module(slab, tmp_path, "ad_spn", {"account": "SRV07$", "spns": spns, "state": "absent"})
    assert gone["removed"] == spns and not set(spns) & set(gone["spns"])


def test_ad_spn_moves_the_collision_and_back(slab: Lab, tmp_path: Path) -> None:
    hosts = {"srv03": kerberos_vars(slab, "srv03")}
    spns = ["HTTP/srv03.lab.test", "HTTP/srv03"]
    refused = ad_module(slab, tmp_path, "ad_spn", {"account": "SRV03$", "spns": spns})
    assert refused["failed"] is True and "already held by svc_iis (user, CN=svc_iis" in refused["msg"]
    assert "move: true" in refused["msg"]
    try:
        moved = ad_module(slab, tmp_path, "ad_spn", {"account": "SRV03$", "spns": spns, "move": True})
        assert moved["changed"] is True
        assert moved["moved"] == [{"spn": s, "from": "CN=svc_iis,CN=Users,DC=lab,DC=test"} for s in spns]
        info = ad_module(slab, tmp_path, "ad_spn_info", {"hosts": ["srv03"], "duplicates": False}, hosts=hosts)
        assert (info["hosts"]["srv03"]["status"], info["hosts"]["srv03"]["owner"]["name"]) == ("ok", "SRV03$")
        assert connect(slab, tmp_path, hosts) == {"srv03": "kerberos"}
    finally:
        back = ad_module(slab, tmp_path, "ad_spn", {"account": "svc_iis", "spns": spns, "move": True})
    assert back["moved"] == [{"spn": s, "from": "CN=SRV03,CN=Computers,DC=lab,DC=test"} for s in spns]
    assert connect(slab, tmp_path, hosts)["srv03"].startswith("fail")  # the trap is back, as the scenario has it


def test_check_mode_changes_nothing_in_ad(slab: Lab, tmp_path: Path) -> None:
    before = directory_state(slab, tmp_path)
    cases = [
        {"account": "SRV03$", "spns": ["HTTP/srv03.lab.test"], "move": True},
        {"account": "SRV07$", "spns": ["HTTP/web07.lab.test"]},
        {"account": "SRV01$", "spns": ["HOST/srv01.lab.test"], "state": "exact"},
        {"account": "svc_iis", "spns": ["HTTP/srv03"], "state": "absent"},
    ]
    results = [ad_module(slab, tmp_path, "ad_spn", case, check=True) for case in cases]
    assert [r["changed"] for r in results] == [True, True, True, True], results
    assert results[0]["moved"] == [{"spn": "HTTP/srv03.lab.test", "from": "CN=svc_iis,CN=Users,DC=lab,DC=test"}]
    assert results[2]["diff"]["after"]["spns"] == ["HOST/srv01.lab.test"]
    assert results[3]["removed"] == ["HTTP/srv03"]
    assert directory_state(slab) == before


BAD = [
    ("unknown-account", {"account": "ghost", "spns": ["HTTP/x.lab.test"]}, "ansible",
     "no account 'ghost' in the domain (a computer account's name ends in $: ghost$)"),
    ("malformed-spn", {"account": "SRV07$", "spns": ["HTTP/web07.lab.test", "HTTP//srv07"]}, "ansible",
     "'HTTP//srv07' is not a service principal name: use service/host[:port][/name]"),
    ("no-rights", {"account": "SRV07$", "spns": ["HTTP/web07.lab.test"]}, "alice",
     "insufficientAccessRights"),
    ("no-rights-move", {"account": "SRV03$", "spns": ["HTTP/srv03.lab.test"], "move": True}, "alice",
     "may not write servicePrincipalName on CN=SRV03,CN=Computers,DC=lab,DC=test, so the move cannot be done all "
     "at once; nothing was changed"),
    ("dc-unreachable", {"account": "SRV07$", "spns": ["HTTP/web07.lab.test"], "server": ["dc9.lab.test"]}, "ansible",
     "no domain controller reachable: dc9.lab.test:636 unreachable"),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_input_one_clear_error_nothing_written(case: tuple[str, dict[str, Any], str, str], slab: Lab,
                                                   tmp_path: Path) -> None:
    _name, args, user, expected = case
    before = directory_state(slab, tmp_path, user)
    result = ad_module(slab, tmp_path, "ad_spn", args, user=user)
    assert result["failed"] is True and expected in result["msg"], result
    assert result["msg"].startswith("winauth.winrm.ad_spn: ") and "Traceback" not in result["msg"]
    if user == "alice":  # the DC refused: the message says that nothing was written
        assert "(alice@LAB.TEST)" in result["msg"] and "nothing was changed" in result["msg"]
    assert domain(slab)["users"][user]["password"] not in json.dumps(result)
    assert directory_state(slab) == before


def test_ad_spn_info_dc_unreachable(slab: Lab, tmp_path: Path) -> None:
    result = ad_module(slab, tmp_path, "ad_spn_info", {"hosts": ["srv01"], "server": ["dc9.lab.test"]})
    assert result["failed"] is True and "no domain controller reachable" in result["msg"]


def test_zz_removing_the_planted_duplicate_makes_kerberos_work(slab: Lab, tmp_path: Path) -> None:
    """Last in the module: AD refuses to plant the duplicate again, so this change stays."""
    hosts = {"srv09": kerberos_vars(slab, "srv09")}
    assert connect(slab, tmp_path, hosts)["srv09"].startswith("fail")
    removed = ad_module(slab, tmp_path, "ad_spn", {"account": "svc_dup", "spns": ["HTTP/srv09.lab.test"],
                                                   "state": "absent"})
    assert removed["changed"] is True and removed["removed"] == ["HTTP/srv09.lab.test"]
    info = ad_module(slab, tmp_path, "ad_spn_info", {"hosts": ["srv09"]}, hosts=hosts)
    assert info["duplicates"] == [] and info["hosts"]["srv09"]["status"] == "ok"
    assert connect(slab, tmp_path, hosts) == {"srv09": "kerberos"}
