"""Issue 11 against the Samba AD lab: each shipped credential type feeds a real plugin run, as AWX runs it.

Every injector is rendered as AWX renders it (awx_support.inject, citing AWX's source) into the job's
private data dir; the job then runs through ansible-runner inside the lab's name space (lab names and
SRV records resolve through the DC), with the injected environment in env/envvars:

- ``winauth_ad``: the ``ad`` inventory as an inventory source synced from a project (``*.ad.yml`` with
  no credentials in it; ``ansible-inventory --list --export`` as AWX's inventory update runs it);
- ``krb5_conf``: the ``kerberos_preflight`` playbook, first with no krb5.conf (fails at krb5_conf,
  naming the fix), then with the credential's file (passes; a target whose SPN does not exist fails
  with its fix);
- ``keytab``: a keytab made for ``ansible@LAB.TEST``, entered base64, decoded by the
  ``kerberos_keytab`` playbook, and ``winrm_info`` over Kerberos with no password at all.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import awx_support as awx
import labns
import pytest
from winlab.client import Lab

ROOT = Path(__file__).resolve().parents[2]
NETWORK = "127.0.81.0/24"

_NO_LABNS = labns.unavailable()
pytestmark = [
    pytest.mark.skipif(_NO_LABNS is not None, reason=f"the AD lab needs the lab name space: {_NO_LABNS}"),
    pytest.mark.skipif(shutil.which("samba") is None, reason="the AD lab needs samba (bootstrap.sh installs it)"),
]

PREFLIGHT = "PREFLIGHT | Fail with the fix"


@pytest.fixture(scope="module")
def dlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    scenario = str(ROOT / "tests" / "lab" / "scenarios" / "domain.yml")
    with Lab.started(tmp_path_factory.mktemp("awxlab"), NETWORK, "--scenario", scenario) as lab:
        yield lab


def _prefix(lab: Lab) -> list[str]:
    return [sys.executable, str(ROOT / "tests" / "lab" / "labns.py"), "--dir", str(lab.dir), "--"]


def _envvars(injected: dict[str, str], **more: str) -> dict[str, str]:
    """env/envvars: the injected credential environment plus what AWX itself sets for the job."""
    return {"ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".build"), "ANSIBLE_HOST_KEY_CHECKING": "False", **injected,
            **more}


def _members(lab: Lab, password: bool = True, **extra: Any) -> dict[str, Any]:
    hosts = {}
    for name in ("srv01", "srv02"):
        hosts["%s.lab.test" % name] = {"ansible_connection": "winrm", "ansible_winrm_transport": "kerberos",
                                       "ansible_port": lab.hosts[name]["http_port"], **extra}
    hosts["srv02.lab.test"]["ansible_winrm_service"] = "WSMAN"  # no WSMAN/srv02 SPN: the failing target
    return {"all": {"children": {"windows": {"hosts": hosts}}}}


def test_ad_credential_feeds_the_inventory_source(dlab: Lab, tmp_path: Path) -> None:
    assert dlab.domain is not None
    user = dlab.domain["users"]["ansible"]
    pdd = tmp_path / "inventory_update"
    inputs = {"domain": dlab.domain["dns_domain"], "username": user["principal"], "password": user["password"],
              "ca_cert": Path(dlab.domain["ca"]).read_text(encoding="utf-8")}
    env, safe_env = awx.inject(awx.credential_type("winauth_ad"), inputs, pdd)
    assert safe_env["WINAUTH_AD_PASSWORD"] == "**********" and env["WINAUTH_AD_PASSWORD"] == user["password"]
    assert env["WINAUTH_AD_AUTH"] == "kerberos" and env["WINAUTH_AD_TLS_MODE"] == "ldaps"
    assert Path(env["WINAUTH_AD_CA_CERT"]).read_text(encoding="utf-8") == inputs["ca_cert"]
    assert oct(Path(env["WINAUTH_AD_CA_CERT"]).stat().st_mode & 0o777) == "0o600"
    # The source file in the project holds no credential: they come from the injected environment.
    source = "inventories/windows.ad.yml"
    project = {source: "---\nplugin: winauth.winrm.ad\ncompose:\n  ansible_connection: \"'winrm'\"\n"}
    awx.private_data_dir(pdd, envvars=_envvars(env, **awx.STANDARD_INVENTORY_UPDATE_ENV), project=project)
    output = pdd / "artifacts" / "1" / "output.json"
    args = ["--list", "--export", "-i", str(pdd / "project" / source), "--output", str(output),
            "--playbook-dir", str(pdd / "project" / "inventories")]
    result = awx.run_job(pdd, {"kind": "command", "executable": "ansible-inventory", "args": args}, _prefix(dlab))
    assert result["rc"] == 0, result["stdout"][-3000:] + result["stderr"][-3000:]
    inventory = json.loads(output.read_text(encoding="utf-8"))
    assert {"srv01.lab.test", "srv03.lab.test"} <= set(inventory["_meta"]["hostvars"])
    assert inventory["spn_collision"]["hosts"] == ["srv03.lab.test"]
    # What AWX keeps (the output, the job's stdout/stderr) has no password; the runner's own record of
    # the command's environment (artifacts/1/command) has it, as for every injected cloud credential:
    # AWX deletes the private data dir after the job and stores safe_env instead.
    for text in (output.read_text(encoding="utf-8"), result["stdout"], result["stderr"]):
        assert user["password"] not in text


def test_krb5_conf_credential_and_the_preflight(dlab: Lab, tmp_path: Path) -> None:
    assert dlab.domain is not None
    user = dlab.domain["users"]["ansible"]
    project = {"preflight.yml": "---\n- ansible.builtin.import_playbook: winauth.winrm.kerberos_preflight\n"}

    def job(name: str, env: dict[str, str]) -> tuple[dict[str, Any], Path]:
        pdd = awx.private_data_dir(tmp_path / name, inventory=_members(dlab), password=user["password"],
                                   cmdline="-u %s --ask-pass" % user["principal"], envvars=_envvars(env),
                                   project=project)
        return awx.run_job(pdd, {"kind": "playbook", "playbook": "preflight.yml"}, _prefix(dlab)), pdd

    # An execution environment without a krb5.conf: every Kerberos host fails at krb5_conf, saying what to do.
    result, pdd = job("no_krb5", {"KRB5_CONFIG": str(tmp_path / "absent.conf"),
                                  "KRB5CCNAME": "FILE:%s" % (tmp_path / "cc0")})
    assert result["status"] == "failed"
    failed = awx.task_results(pdd, PREFLIGHT)
    assert set(failed) == {"srv01.lab.test", "srv02.lab.test"}
    assert all("FAIL at kerberos (no-default-realm)" in r["msg"] and "KRB5_CONFIG" in r["msg"] for r in failed.values())

    # The krb5.conf credential: the same job passes for srv01; srv02 (WSMAN, no such SPN) fails with the fix.
    pdd = tmp_path / "with_krb5"
    text = Path(dlab.domain["krb5_conf"]).read_text(encoding="utf-8")
    env, safe_env = awx.inject(awx.credential_type("krb5_conf"),
                               {"krb5_conf": text, "ccache": "FILE:%s" % (tmp_path / "cc1")}, pdd)
    assert Path(env["KRB5_CONFIG"]).read_text(encoding="utf-8") == text and env == safe_env
    result, pdd = job("with_krb5", env)
    assert result["status"] == "failed"
    probed = awx.task_results(pdd, "PREFLIGHT | krb5.conf, KDC, clock skew, the user's ticket and the SPN ticket")
    steps = {host: {s["name"]: s for s in res["steps"]} for host, res in probed.items()}
    good = steps["srv01.lab.test"]
    assert [good[n]["status"] for n in ("krb5_conf", "kdc", "clock", "kerberos")] == ["ok"] * 4, good
    assert good["krb5_conf"]["evidence"]["files"] == [env["KRB5_CONFIG"]]
    assert good["kdc"]["evidence"]["from"] == "dns" and good["kdc"]["evidence"]["srv"]  # _kerberos SRV records
    assert good["kerberos"]["evidence"]["spn"] == "HTTP/srv01.lab.test"
    bad = steps["srv02.lab.test"]["kerberos"]
    assert (bad["status"], bad["cause"]) == ("fail", "spn-not-found") and "setspn -S WSMAN/srv02.lab.test" in bad["fix"]
    verdict = awx.task_results(pdd, PREFLIGHT)
    assert verdict["srv01.lab.test"]["_event"] == "runner_on_ok"
    assert verdict["srv02.lab.test"]["_event"] == "runner_on_failed" and "fix:" in verdict["srv02.lab.test"]["msg"]
    assert user["password"] not in "\n".join(p.read_text(encoding="utf-8", errors="replace")
                                             for p in (pdd / "artifacts").rglob("*") if p.is_file())


def _keytab(path: Path, principal: str, password: str) -> bytes:
    """A client keytab made from the password (MIT ktutil; AD's salt for a user is REALM + sAMAccountName)."""
    script = "addent -password -p %s -k 1 -e aes256-cts-hmac-sha1-96\n%s\nwkt %s\nquit\n" % (principal, password, path)
    subprocess.run(["ktutil"], input=script, text=True, capture_output=True, check=True, timeout=30)
    return path.read_bytes()


def test_keytab_credential_gives_kerberos_without_a_password(dlab: Lab, tmp_path: Path) -> None:
    assert dlab.domain is not None
    user = dlab.domain["users"]["ansible"]
    keytab = _keytab(tmp_path / "ansible.keytab", user["principal"], user["password"])
    encoded = base64.encodebytes(keytab).decode("ascii")  # wrapped lines, as base64 without -w0 prints it
    pdd = tmp_path / "keytab_job"
    env, safe_env = awx.inject(awx.credential_type("keytab"), {"principal": user["principal"],
                                                               "keytab_base64": encoded,
                                                               "ccache": "FILE:%s" % (tmp_path / "cc")}, pdd)
    assert safe_env == env  # the env holds paths only; the secret is in the 0600 file
    project = {"audit.yml": ("---\n- ansible.builtin.import_playbook: winauth.winrm.kerberos_keytab\n"
                             "- name: Audit over Kerberos with the keytab's ticket\n  hosts: srv01.lab.test\n"
                             "  gather_facts: false\n  tasks:\n    - name: Audit with winrm_info\n"
                             "      winauth.winrm.winrm_info:\n")}
    inventory = _members(dlab, ansible_user=user["principal"])
    awx.private_data_dir(pdd, inventory=inventory, envvars=_envvars(env), project=project)
    dlab.reset_counters("srv01")
    result = awx.run_job(pdd, {"kind": "playbook", "playbook": "audit.yml"}, _prefix(dlab),
                         env={k: v for k, v in os.environ.items() if not k.startswith("KRB5")})
    assert (result["status"], result["rc"]) == ("successful", 0), awx.artifacts_text(pdd)[-4000:]
    decoded = Path(env["KRB5_CLIENT_KTNAME"].removeprefix("FILE:"))
    assert decoded.read_bytes() == keytab and oct(decoded.stat().st_mode & 0o777) == "0o600"
    audit = awx.task_results(pdd, "Audit with winrm_info")["srv01.lab.test"]
    assert audit["connection"]["auth"] == "kerberos", audit
    assert dlab.logons("srv01")[-1]["protocol"] == "kerberos"
    text = awx.artifacts_text(pdd)
    assert encoded.splitlines()[0] not in text and user["password"] not in text
