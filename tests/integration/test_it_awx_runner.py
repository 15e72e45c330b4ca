"""Issue 11: the collection run as AWX runs it - ansible-runner, a private data dir laid out as AWX lays it.

The Machine credential's password is never in the inventory: AWX passes ``-u <user> --ask-pass`` and
answers the ``SSH password:`` prompt from env/passwords (awx_support.py cites the AWX source). The fact
cache is on (``fact_cache_type: jsonfile``, as a job template with "Use fact storage"). Against the
default lab (workgroup hosts win01..win03); the domain side is test_it_awx_domain.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import awx_support as awx
from conftest import CONNECTIONS, host_vars
from winlab.client import Lab

WRONG = "Wr0ng-AWX-Machine-Cred!"
AUDIT = "HARDEN | AUDIT | Compliance of every control (one gather, one rule pass)"
AFTER = "AUDIT | Read the findings again, over the connection the role left"
# The project's playbooks, as a user's project references the collection's content.
PROJECT = {
    "audit.yml": "---\n- ansible.builtin.import_playbook: winauth.winrm.audit_harden\n",
    "credssp.yml": ("---\n- name: Scope CredSSP\n  hosts: all\n  gather_facts: false\n  roles:\n"
                    "    - role: winauth.winrm.credssp_scoped\n"),
    "info.yml": ("---\n- name: Audit\n  hosts: all\n  gather_facts: false\n  tasks:\n"
                 "    - name: Audit with winrm_info\n      winauth.winrm.winrm_info:\n"),
}


def _job(lab: Lab, base: Path, playbook: str, password: str, extravars: dict[str, Any] | None = None,
         verbosity: int = 0) -> tuple[dict[str, Any], Path]:
    """An AWX job: inventory without passwords, the Machine credential as -u/--ask-pass + env/passwords."""
    hosts = {}
    for name in CONNECTIONS:
        hv = host_vars(lab, name)
        user = hv.pop("ansible_user")
        hv.pop("ansible_password")
        hosts[name] = hv
    cmdline = "-u %s --ask-pass%s" % (user, " -" + "v" * verbosity if verbosity else "")
    inventory = {"all": {"children": {"windows": {"hosts": hosts}}}}
    pdd = awx.private_data_dir(base, inventory=inventory, extravars=extravars, password=password,
                               cmdline=cmdline, envvars={"ANSIBLE_COLLECTIONS_PATH": str(awx.ROOT / ".build"),
                                                         "ANSIBLE_HOST_KEY_CHECKING": "False"},
                               project=PROJECT)
    return awx.run_job(pdd, {"kind": "playbook", "playbook": playbook, "fact_cache": True}), pdd


def _no_secret(pdd: Path, *secrets: str) -> None:
    text = awx.artifacts_text(pdd)
    assert text, "the job left no artifacts"
    for secret in secrets:
        assert secret not in text, "a password is in the artifacts of %s" % pdd


def test_audit_playbook_as_an_awx_job(fresh: Lab, tmp_path: Path) -> None:
    password = fresh.hosts["win01"]["admin_password"]
    reports = tmp_path / "reports"
    result, pdd = _job(fresh, tmp_path / "job", "audit.yml", password, {"winrm_report_dir": str(reports)})
    assert (result["status"], result["rc"]) == ("successful", 0), awx.artifacts_text(tmp_path / "job")[-4000:]
    # The findings are in the job events (what AWX's job output and its event API show).
    audited = awx.task_results(pdd, AUDIT)
    assert set(audited) == set(CONNECTIONS)
    ids = {f["id"] for f in audited["win01"]["findings"]}
    assert {"WINRM-SVC-BASIC", "WINRM-SVC-UNENCRYPTED"} <= ids, ids
    # win01 is reached with Basic: the role audits it over NTLM on the same channel first.
    assert audited["win01"]["connection"]["auth"] == "ntlm"
    # The posture is in the fact cache AWX reads back into each host's facts.
    for host in CONNECTIONS:
        facts = awx.fact_cache(pdd, host)
        assert "winauth_winrm" in facts, sorted(facts)
        assert facts["winauth_winrm"]["service"]["auth"].keys() >= {"basic", "kerberos"}
    # The hardening ran: the re-audit in the events has no high finding on any host, win01 included.
    after = awx.task_results(pdd, AFTER)
    assert {h: r["summary"]["high"] for h, r in after.items()} == {h: 0 for h in CONNECTIONS}, after
    # The cached facts are the re-audit's: Basic is off on win01 (a policy value now decides it).
    assert awx.fact_cache(pdd, "win01")["winauth_winrm"]["service"]["auth"]["basic"] is False
    assert sorted(p.suffix for p in reports.iterdir()) == [".html", ".json"]
    _no_secret(pdd, password)


def test_role_at_vvvv_and_a_wrong_password_leak_nothing(fresh: Lab, tmp_path: Path) -> None:
    password = fresh.hosts["win01"]["admin_password"]
    scope = {"credssp_scoped_clients": ["win02"], "credssp_scoped_jump_hosts": ["win03"],
             "credssp_scoped_delegate_computers": ["win03.lab.test"], "credssp_scoped_enforce_elsewhere": True}
    result, pdd = _job(fresh, tmp_path / "role", "credssp.yml", password, scope, verbosity=4)
    assert (result["status"], result["rc"]) == ("successful", 0), awx.artifacts_text(pdd)[-4000:]
    config = fresh.state("win02")["config"]
    assert config["Client"]["Auth"]["CredSSP"] == "true"
    assert fresh.state("win01")["config"]["Service"]["Auth"].get("CredSSP", "false") == "false"
    _no_secret(pdd, password)

    result, pdd = _job(fresh, tmp_path / "wrong", "info.yml", WRONG, verbosity=4)
    assert result["status"] == "failed" and result["rc"] != 0
    failed = awx.task_results(pdd, "Audit with winrm_info")
    assert set(failed) == set(CONNECTIONS) and all(r["_event"] == "runner_on_unreachable" for r in failed.values())
    assert "rejected" in failed["win02"]["msg"], failed["win02"]
    _no_secret(pdd, WRONG, password)
