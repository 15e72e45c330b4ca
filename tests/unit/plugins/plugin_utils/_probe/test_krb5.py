"""The krb5_conf and kdc steps (the Kerberos preflight's first layers): pure judgement on given facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.winauth.winrm.plugins.module_utils._choices import PROBE_OPT_IN_STEPS, PROBE_STEPS
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe import krb5
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.run import NAMES, STEPS
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.tcp import PortResult

CONF = """[libdefaults]
    default_realm = LAB.TEST
    dns_lookup_kdc = true
    rdns = false
[realms]
    OTHER.TEST = {
        kdc = dc9.other.test:88
    }
"""


def test_opt_in_steps_are_in_the_table_but_not_the_default() -> None:
    assert set(PROBE_OPT_IN_STEPS) <= {row[0] for row in STEPS}
    assert NAMES == PROBE_STEPS and not set(NAMES) & set(PROBE_OPT_IN_STEPS)
    kerberos = next(row for row in STEPS if row[0] == "kerberos")
    assert {"krb5_conf", "kdc"} <= set(kerberos[1])  # no ticket is asked for without a realm and a KDC


def test_no_krb5_conf_names_kerberos_config() -> None:
    step = krb5.judge_config("ansible@LAB.TEST", [], ["/etc/krb5.conf"], "")
    assert (step.status, step.cause) == ("fail", "no-default-realm")
    assert "KRB5_CONFIG" in step.fix and "/etc/krb5.conf" in step.summary


def test_a_realm_from_the_user_or_the_default() -> None:
    assert krb5.judge_config("ansible@LAB.TEST", ["/k"], [], CONF).status == "ok"
    step = krb5.judge_config("ansible", ["/k"], [], CONF)
    assert step.status == "ok" and step.evidence["realm"] == "LAB.TEST" and step.evidence["rdns"] == "false"
    none = krb5.judge_config("LAB\\ansible", ["/k"], [], "[libdefaults]\n")
    assert (none.status, none.cause) == ("fail", "no-default-realm") and "default_realm" in none.fix


def test_lower_case_realm_fails_with_the_capitalised_name() -> None:
    step = krb5.judge_config("ansible@lab.test", ["/k"], [], CONF)
    assert (step.status, step.cause) == ("fail", "kdc-not-found") and "ansible@LAB.TEST" in step.fix


def test_another_realm_warns_unless_krb5_conf_knows_it() -> None:
    warn = krb5.judge_config("svc@CORP.TEST", ["/k"], [], CONF)
    assert (warn.status, warn.cause) == ("warn", "kdc-not-found") and "CORP.TEST" in warn.fix
    assert krb5.judge_config("svc@OTHER.TEST", ["/k"], [], CONF).status == "ok"


def test_kdcs_from_krb5_conf_or_dns() -> None:
    up = PortResult("dc1.lab.test", 88, "open", 2)
    step = krb5.judge_kdcs("LAB.TEST", [], [("dc1.lab.test", 88)], [up])
    assert step.status == "ok" and step.evidence["from"] == "dns" and step.evidence["srv"] == ["dc1.lab.test:88"]
    answering = [PortResult("dc9.other.test", 88, "open", 1)]
    configured = krb5.judge_kdcs("OTHER.TEST", [("dc9.other.test", 88)], [], answering)
    assert configured.evidence["from"] == "krb5.conf"
    none = krb5.judge_kdcs("LAB.TEST", [], [], [])
    assert (none.status, none.cause) == ("fail", "kdc-not-found") and "_kerberos._tcp.lab.test" in none.fix
    down = krb5.judge_kdcs("LAB.TEST", [], [("dc1.lab.test", 88)], [PortResult("dc1.lab.test", 88, "filtered", 3000)])
    assert (down.status, down.cause) == ("fail", "kdc-unreachable") and "filtered" in down.summary


def test_config_files_follow_kerberos_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    present = tmp_path / "krb5.conf"
    present.write_text(CONF, encoding="utf-8")
    monkeypatch.setenv("KRB5_CONFIG", "%s:%s" % (present, tmp_path / "absent.conf"))
    assert krb5.config_files() == ([str(present)], [str(tmp_path / "absent.conf")])
    assert krb5.check_config("ansible@LAB.TEST").status == "ok"
