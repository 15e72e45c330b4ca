"""winrm_probe against the Samba AD lab: the Kerberos layer, and explain of the real Kerberos errors.

Everything runs inside the lab's name space (tests/lab/labns.py): lab names resolve through the
DC, KRB5_CONFIG points at the lab realm, as in test_it_ad.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from winlab.client import Lab

ROOT = Path(__file__).resolve().parents[2]
NETWORK = "127.0.65.0/24"
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
WRONG = "Wr0ng-Kerb-Pr0be!"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("samba") is None or shutil.which("unshare") is None,
    reason="the AD lab needs root, unshare and samba (scripts/bootstrap.sh installs samba)",
)


def _in_lab(lab: Lab, *cmd: str) -> subprocess.CompletedProcess[str]:
    labns = [sys.executable, str(ROOT / "tests" / "lab" / "labns.py"), "--dir", str(lab.dir), "--"]
    env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_RETRY_FILES_ENABLED="False")
    return subprocess.run([*labns, *cmd], capture_output=True, text=True, timeout=300, env=env, check=False)


class Phase(NamedTuple):
    """The probe result per host, the real connection's error and explain per host, the -vvv output, the lab."""

    probed: dict[str, Any]
    real: dict[str, Any]
    output: str
    lab: Lab


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Phase]:
    tmp = tmp_path_factory.mktemp("probe-domain")
    scenario = str(ROOT / "tests" / "lab" / "scenarios" / "domain.yml")
    with Lab.started(tmp / "lab", NETWORK, "--scenario", scenario) as lab:
        assert lab.domain is not None
        user = lab.domain["users"]["ansible"]
        h = lab.hosts

        def at(name: str, **extra: Any) -> dict[str, Any]:
            return {"ansible_connection": "winrm", "ansible_winrm_transport": "kerberos",
                    "ansible_user": user["principal"], "ansible_password": user["password"],
                    "ansible_host": h[name]["fqdn"], "ansible_port": h[name]["http_port"], **extra}

        inventory = {
            "srv01-fqdn": at("srv01"),
            "srv01-ip": at("srv01", ansible_host=h["srv01"]["address"]),
            "srv03-collision": at("srv03"),
            "srv02-wsman-no-spn": at("srv02", ansible_winrm_service="WSMAN"),
            "srv01-wrong-password": at("srv01", ansible_password=WRONG),
            # No managed kinit, Kerberos first: the ticket fails (IP), the connection falls through to NTLM.
            "srv01-ip-then-ntlm": at("srv01", ansible_host=h["srv01"]["address"],
                                     ansible_winrm_transport="kerberos,ntlm", ansible_winrm_kinit_mode="manual"),
        }
        inv = tmp / "inventory.yml"
        inv.write_text(yaml.safe_dump({"all": {"hosts": inventory}}), encoding="utf-8")
        results = tmp / "results"
        results.mkdir()
        probe = _in_lab(lab, "ansible-playbook", "-vvv", "-i", str(inv), str(PLAYBOOKS / "run_module.yml"), "-e",
                        json.dumps({"module": "winrm_probe", "result_dir": str(results),
                                    "module_args": {"timeout": 3}}))
        connect = _in_lab(lab, "ansible-playbook", "-i", str(inv), str(PLAYBOOKS / "connect_explain.yml"), "-e",
                          json.dumps({"result_dir": str(results)}))
        assert connect.returncode == 0, connect.stdout[-3000:] + connect.stderr[-3000:]
        probed = {n: json.loads((results / ("%s.json" % n)).read_text(encoding="utf-8")) for n in inventory}
        real = {n: json.loads((results / ("%s.connect.json" % n)).read_text(encoding="utf-8")) for n in inventory}
        yield Phase(probed, real, probe.stdout + probe.stderr, lab)


def _step(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in result["steps"] if s["name"] == name)


def test_kerberos_by_name_is_healthy(runs: Phase) -> None:
    probed, lab = runs.probed, runs.lab
    result = probed["srv01-fqdn"]
    assert result["healthy"] is True and result["auth"] == "kerberos", result["msg"]
    ticket = _step(result, "kerberos")
    assert ticket["status"] == "ok" and ticket["evidence"]["spn"] == "HTTP/srv01.lab.test"
    # The KDC's clock, measured from its KRB-ERROR (same machine: no skew).
    clock = _step(result, "clock")["evidence"]
    assert clock["kdc"].endswith(":88") and abs(clock["kdc_skew_s"]) < 5 and clock["kdc_error_code"] == 25
    # A member host offers Kerberos as its own scheme too.
    assert "kerberos" in _step(result, "schemes")["evidence"]["offered"]
    assert lab.logons("srv01")[-1]["protocol"] == "kerberos"


def test_ip_target_fails_at_kerberos_with_the_spn_fix(runs: Phase) -> None:
    probed, real, lab = runs.probed, runs.real, runs.lab
    result = probed["srv01-ip"]
    address = lab.hosts["srv01"]["address"]
    assert (result["layer"], result["cause"]) == ("kerberos", "spn-not-found"), result["msg"]
    step = _step(result, "kerberos")
    assert step["evidence"]["spn"] == "HTTP/%s" % address
    assert "Server not found in Kerberos database" in step["evidence"]["error"]
    assert "ansible_winrm_kerberos_hostname_override" in step["fix"] and "not an address" in step["fix"]
    # Every layer below Kerberos still reported; the round trip is spared (Kerberos is the only transport).
    assert [(s["name"], s["status"]) for s in result["steps"]][:4] == [
        ("dns", "ok"), ("tcp", "ok"), ("identify", "ok"), ("schemes", "ok")]
    assert _step(result, "roundtrip")["status"] == "skip"
    assert real["srv01-ip"]["explain"]["id"] == "spn-not-found", real["srv01-ip"]


def test_spn_collision_and_missing_wsman_spn(runs: Phase) -> None:
    probed, real = runs.probed, runs.real
    collision = probed["srv03-collision"]
    # The KDC issues the ticket (for svc_iis's key); the host cannot decrypt it.
    assert _step(collision, "kerberos")["status"] == "ok"
    assert (collision["layer"], collision["cause"]) == ("kerberos", "kerberos-rejected"), collision["msg"]
    assert "setspn -Q" in collision["fix"]
    assert real["srv03-collision"]["explain"]["id"] == "kerberos-rejected", real["srv03-collision"]
    missing = probed["srv02-wsman-no-spn"]
    assert missing["cause"] == "spn-not-found" and "setspn -S WSMAN/srv02.lab.test" in missing["fix"]
    assert real["srv02-wsman-no-spn"]["explain"]["id"] == "spn-not-found"


def test_wrong_kerberos_password(runs: Phase) -> None:
    probed, real, output, lab = runs
    result = probed["srv01-wrong-password"]
    assert (result["layer"], result["cause"]) == ("credentials", "wrong-password"), result["msg"]
    assert _step(result, "roundtrip")["status"] == "skip"  # no second failed logon
    assert real["srv01-wrong-password"]["explain"]["id"] == "wrong-password", real["srv01-wrong-password"]
    assert lab.domain is not None
    for secret in (WRONG, lab.domain["users"]["ansible"]["password"]):
        assert secret not in output + json.dumps(probed)  # -vvv run
    assert "WS-Man http://" in output


def test_kerberos_failure_with_ntlm_after_it_is_a_warning(runs: Phase) -> None:
    probed, real = runs.probed, runs.real
    result = probed["srv01-ip-then-ntlm"]
    assert result["healthy"] is True and result["auth"] == "ntlm", result["msg"]
    ticket = _step(result, "kerberos")
    assert (ticket["status"], ticket["cause"]) == ("warn", "spn-not-found")
    assert ticket["summary"].endswith("the client falls through to ntlm")
    assert "warnings: no service ticket for HTTP/" in result["msg"] and "(spn-not-found)" in result["msg"]
    assert real["srv01-ip-then-ntlm"]["failed"] is False  # the real connection works too, over NTLM


def test_clock_skew_beyond_five_minutes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A DC whose clock runs 10 minutes ahead (libfaketime): the probe and the real connection agree."""
    if shutil.which("faketime") is None:
        pytest.skip("faketime is not installed (scripts/bootstrap.sh installs it)")
    monkeypatch.setenv("WINLAB_DC_CLOCK_OFFSET", "+10m")  # read by the lab when it starts the DC
    scenario = str(ROOT / "tests" / "lab" / "scenarios" / "domain.yml")
    with Lab.started(tmp_path / "lab", "127.0.67.0/24", "--scenario", scenario) as lab:
        assert lab.domain is not None
        user, srv01 = lab.domain["users"]["ansible"], lab.hosts["srv01"]
        host = {"ansible_connection": "winrm", "ansible_winrm_transport": "kerberos", "ansible_user": user["principal"],
                "ansible_password": user["password"], "ansible_host": srv01["fqdn"], "ansible_port": srv01["http_port"]}
        inv = tmp_path / "inventory.yml"
        inv.write_text(yaml.safe_dump({"all": {"hosts": {"srv01-skewed": host}}}), encoding="utf-8")
        results = tmp_path / "results"
        results.mkdir()
        _in_lab(lab, "ansible-playbook", "-i", str(inv), str(PLAYBOOKS / "run_module.yml"), "-e",
                json.dumps({"module": "winrm_probe", "result_dir": str(results), "module_args": {"timeout": 3}}))
        _in_lab(lab, "ansible-playbook", "-i", str(inv), str(PLAYBOOKS / "connect_explain.yml"), "-e",
                json.dumps({"result_dir": str(results)}))
        probed = json.loads((results / "srv01-skewed.json").read_text(encoding="utf-8"))
        real = json.loads((results / "srv01-skewed.connect.json").read_text(encoding="utf-8"))
    clock = _step(probed, "clock")
    assert clock["status"] == "fail" and 590 <= clock["evidence"]["kdc_skew_s"] <= 610, clock
    assert (probed["layer"], probed["cause"]) == ("clock", "clock-skew"), probed["msg"]
    # The real connection fails, but pywinrm words an AP-REQ refused for skew like any other refused
    # ticket ("credentials were rejected"), so explain names the candidates, skew among them, and the
    # probe (above) pins it down.
    assert real["failed"] is True and real["explain"]["id"] == "kerberos-rejected", real
    assert "clocks" in real["explain"]["cause"] and "winrm_probe" in real["explain"]["fix"], real
    assert user["password"] not in json.dumps(probed) + json.dumps(real)
