"""Issue 9.3 acceptance: the spn_validation role against the Samba AD lab.

Report only: it finds the SPN problems, writes the NTLM-readiness report, and the variables it
sets make a host that used NTLM (srv03 through Negotiate: HTTP/srv03 belongs to svc_iis) connect
with Kerberos later in the same play. Check mode writes nothing to AD. Fixing (policy move)
makes the failing hosts connect with Kerberos by their own SPN; a second fix run changes nothing.

ansible-playbook runs inside the lab's name space (DNS = the lab DC, its krb5.conf).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, domain_lab, domain_lab_marks, recap
from winlab.client import Lab

NETWORK = "127.0.68.0/24"
PLAYBOOK = Path(__file__).resolve().parent / "playbooks" / "spn_validation.yml"

pytestmark = domain_lab_marks()


@pytest.fixture(scope="module")
def dlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with domain_lab(tmp_path_factory, NETWORK, "spnlab") as lab:
        yield lab


def inventory(lab: Lab, *, local: bool = True) -> dict[str, Any]:
    """Each host reached one way; the names say which problem it has."""
    account = lab.user("ansible")
    kerberos = {"ansible_connection": "winrm", "ansible_winrm_transport": "kerberos",
                "ansible_user": account["principal"], "ansible_password": account["password"]}

    def at(name: str, **extra: Any) -> dict[str, Any]:
        return {**kerberos, "ansible_host": lab.hosts[name]["fqdn"], "ansible_port": lab.hosts[name]["http_port"],
                **extra}

    hosts = {
        "srv01": at("srv01"),                                           # Kerberos today
        "srv02-wsman": at("srv02", ansible_winrm_service="WSMAN"),      # WSMAN/srv02 missing: fails
        "srv03": at("srv03"),                                           # HTTP/srv03 on svc_iis: fails
        "srv03-negotiate": at("srv03", ansible_winrm_transport="kerberos,ntlm"),  # the same, silently NTLM
        "web07-alias": at("srv07", ansible_host="web07.lab.test"),      # a CNAME without an SPN: fails
        "srv09-dup": at("srv09"),                                       # HTTP/srv09 also on svc_dup: fails
    }
    if local:  # a workgroup host with a local account: NTLM, nothing in AD can change that
        win02 = lab.hosts["win02"]
        hosts["win02-local"] = {"ansible_connection": "winrm", "ansible_host": win02["address"],
                                "ansible_port": win02["http_port"], "ansible_winrm_transport": "ntlm",
                                "ansible_user": win02["admin_user"], "ansible_password": win02["admin_password"]}
    return {"all": {"hosts": hosts}}


def role_vars(lab: Lab, results: Path, **extra: Any) -> dict[str, Any]:
    d = lab.domain
    account = lab.user("ansible")
    return {"spn_validation_ad": {"domain": d["dns_domain"], "ca_cert": d["ca"], "username": account["principal"],
                                  "password": account["password"]},
            "result_dir": str(results), **extra}


def spn_dump(lab: Lab) -> list[tuple[str, str]]:
    """Every (dn, servicePrincipalName) of the directory, straight from the DC's sam.ldb, sorted."""
    sam = Path(lab.domain["dc"]["smb_conf"]).parent.parent / "private" / "sam.ldb"
    out = subprocess.run(["ldbsearch", "-H", str(sam), "(servicePrincipalName=*)", "servicePrincipalName"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    pairs, dn = [], ""
    for line in out.replace("\n ", "").splitlines():  # LDIF folds long lines with "\n "
        if line.startswith("dn: "):
            dn = line[4:]
        elif line.startswith("servicePrincipalName: "):
            pairs.append((dn, line.split(": ", 1)[1]))
    assert ("CN=svc_iis,CN=Users,DC=lab,DC=test", "HTTP/srv03") in pairs, out[-2000:]
    return sorted(pairs)


def owners(dump: list[tuple[str, str]], spn: str) -> list[str]:
    """The DNs holding ``spn`` in an spn_dump()."""
    return sorted(dn for dn, value in dump if value.lower() == spn.lower())


def results(path: Path) -> dict[str, dict[str, Any]]:
    found = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in path.glob("*.json")}
    for p in path.glob("*.json"):
        p.unlink()
    return found


def protocols(lab: Lab, host: str) -> list[str]:
    return [logon["protocol"] for logon in lab.logons(host)]


def run_role(play: Any, lab: Lab, tmp_path: Path, check: bool = False, local: bool = True,
             **extra: Any) -> tuple[Run, dict[str, dict[str, Any]]]:
    out = tmp_path / "results"
    out.mkdir(exist_ok=True)
    lab.reset_counters()
    run = play(PLAYBOOK, role_vars(lab, out, **extra), inventory=inventory(lab, local=local), inside=lab,
               check=check)
    return run, results(out)


def test_report_only_finds_the_problems_writes_the_report_and_moves_ntlm_to_kerberos(
        dlab: Lab, play: Any, tmp_path: Path) -> None:
    before = spn_dump(dlab)
    report_dir = tmp_path / "report"
    run, got = run_role(play, dlab, tmp_path, spn_validation_report_dir=str(report_dir))
    assert spn_dump(dlab) == before, "report-only mode wrote to AD"
    counts = recap(run.output)
    assert set(counts) == {"srv01", "srv02-wsman", "srv03", "srv03-negotiate", "web07-alias", "srv09-dup",
                           "win02-local"}, run.output
    # One line per host that still fails or needs NTLM: what is wrong, the exact fix.
    assert run.rc != 0
    assert counts["win02-local"]["failed"] == 1, run.output
    assert "win02-local: ansible_winrm_transport is ntlm" in run.output and "-> fix: " in run.output
    # srv03 by both names: the role sets ansible_winrm_service WSMAN (the host's own WSMAN/ SPN) and the
    # later task in the same play connects with Kerberos, where the Negotiate one used NTLM before.
    for name in ("srv03", "srv03-negotiate"):
        assert got[name]["recommended_vars"] == {"ansible_winrm_service": "WSMAN"}, got[name]
        assert got[name]["service"] == "WSMAN" and got[name]["connected"], got[name]
    assert counts["srv03"]["failed"] == 0 and counts["srv03-negotiate"]["failed"] == 0
    assert got["srv01"]["recommended_vars"] == {} and got["srv01"]["connected"]
    # srv02 holds HOST/ only: WSMAN/ is missing, HTTP/ works through sPNMappings. Without fixing the
    # role applies that workaround; ad_spn_info confirmed it (auth_plan alone cannot, so it fails).
    if got.get("srv02-wsman"):
        assert got["srv02-wsman"]["recommended_vars"] == {"ansible_winrm_service": "HTTP"}
        assert got["srv02-wsman"]["connected"]
    assert protocols(dlab, "srv03") and set(protocols(dlab, "srv03")) == {"kerberos"}, dlab.logons("srv03")

    doc = json.loads((report_dir / "ntlm-readiness.json").read_text(encoding="utf-8"))
    rows = {r["host"]: r for r in doc["hosts"]}
    assert {name for name, r in rows.items() if r["uses_ntlm"]} == {"srv03-negotiate", "win02-local"}
    assert rows["srv03-negotiate"]["today"] == "ntlm" and rows["srv03-negotiate"]["after"] == "kerberos"
    assert "0x80090322" in rows["srv03-negotiate"]["reason"]
    assert rows["srv03-negotiate"]["change"].startswith("set ansible_winrm_service: WSMAN")
    assert rows["srv03"]["today"] == "fail" and rows["srv03"]["after"] == "kerberos"
    assert rows["srv02-wsman"]["today"] == "fail"
    assert "register WSMAN/srv02.lab.test" in rows["srv02-wsman"]["change"]
    assert rows["win02-local"]["after"] == "ntlm"
    assert "ansible_winrm_transport: certificate" in rows["win02-local"]["change"]
    assert rows["srv01"]["today"] == "kerberos" and rows["srv01"]["change"] == ""
    assert doc["summary"]["ntlm"] == 2 and doc["summary"]["kerberos"] == 1 and doc["summary"]["fail"] == 4
    assert doc["ad_spn_info"] is True
    assert rows["srv03"]["spn_status"] == "collision" and rows["srv03"]["owner"] == "svc_iis"
    assert rows["srv02-wsman"]["spn_status"] == "missing" and rows["srv02-wsman"]["computer"] == "SRV02$"
    assert rows["srv02-wsman"]["after"] == "kerberos"
    assert rows["srv02-wsman"]["change"].endswith("or set ansible_winrm_service: HTTP")
    # The alias: register its SPN, or meanwhile ask for the real name's; the duplicate: the other class.
    assert rows["web07-alias"]["spn_status"] == "missing" and rows["web07-alias"]["computer"] == "SRV07$"
    assert rows["web07-alias"]["change"].startswith("register HTTP/web07.lab.test on SRV07$")
    assert got["web07-alias"]["recommended_vars"] == {"ansible_winrm_kerberos_hostname_override": "srv07.lab.test"}
    assert rows["srv09-dup"]["spn_status"] == "duplicate" and rows["srv09-dup"]["today"] == "fail"
    assert got["srv09-dup"]["recommended_vars"] == {"ansible_winrm_service": "WSMAN"}
    assert all(rows[h]["after"] == "kerberos" and got[h]["connected"] for h in ("web07-alias", "srv09-dup"))
    assert set(doc["failures"]) == {"win02-local"}
    assert {"spn": "HTTP/srv09.lab.test", "owners": ["CN=SRV09,CN=Computers,DC=lab,DC=test",
                                                     "CN=svc_dup,CN=Users,DC=lab,DC=test"]} in doc["duplicates"]
    text = (report_dir / "ntlm-readiness.md").read_text(encoding="utf-8")
    assert "## Hosts whose connection uses NTLM today (2)" in text
    assert "| srv03-negotiate | " in text and "## Kerberos today (1)\n\nsrv01" in text


def test_check_mode_changes_nothing_in_ad(dlab: Lab, play: Any, tmp_path: Path) -> None:
    before = spn_dump(dlab)
    run, _got = run_role(play, dlab, tmp_path, check=True, local=False, spn_validation_fix=True,
                         spn_validation_policy="move")
    assert run.rc == 0, run.output
    assert spn_dump(dlab) == before, "check mode wrote to AD"
    counts = recap(run.output)
    assert counts["srv03"]["changed"] >= 1 and counts["srv02-wsman"]["changed"] >= 1, run.output


def test_fix_moves_and_registers_then_kerberos_and_a_second_run_changes_nothing(
        dlab: Lab, play: Any, tmp_path: Path) -> None:
    before = spn_dump(dlab)
    run, got = run_role(play, dlab, tmp_path, local=False, spn_validation_fix=True, spn_validation_policy="move")
    assert run.rc == 0, run.output
    after = spn_dump(dlab)
    assert after != before
    # HTTP/srv03.lab.test now on SRV03$ (moved from svc_iis), HTTP/srv09.lab.test on SRV09$ alone,
    # WSMAN/srv02.lab.test and HTTP/web07.lab.test registered on SRV02$ and SRV07$.
    assert owners(after, "HTTP/srv03.lab.test") == ["CN=SRV03,CN=Computers,DC=lab,DC=test"]
    assert owners(after, "HTTP/srv09.lab.test") == ["CN=SRV09,CN=Computers,DC=lab,DC=test"]
    assert owners(after, "WSMAN/srv02.lab.test") == ["CN=SRV02,CN=Computers,DC=lab,DC=test"]
    assert owners(after, "HTTP/web07.lab.test") == ["CN=SRV07,CN=Computers,DC=lab,DC=test"]
    assert owners(after, "HTTP/srv03") == ["CN=svc_iis,CN=Users,DC=lab,DC=test"]  # what no client asked for stays
    for name in ("srv01", "srv02-wsman", "srv03", "srv03-negotiate", "web07-alias", "srv09-dup"):
        assert got[name]["connected"], got[name]
        assert got[name]["recommended_vars"] == {}, got[name]  # fixed in AD: no variable needed
    assert set(protocols(dlab, "srv03")) == {"kerberos"} and set(protocols(dlab, "srv02")) == {"kerberos"}
    counts = recap(run.output)
    assert counts["srv03"]["changed"] + counts["srv03-negotiate"]["changed"] >= 1
    assert counts["srv02-wsman"]["changed"] >= 1

    again, _got = run_role(play, dlab, tmp_path, local=False, spn_validation_fix=True, spn_validation_policy="move")
    assert again.rc == 0, again.output
    assert all(c["changed"] == 0 for c in recap(again.output).values()), again.output
    assert spn_dump(dlab) == after
