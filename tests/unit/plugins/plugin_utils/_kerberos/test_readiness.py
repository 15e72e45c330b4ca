# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The spn_validation role's rules: remedies per host, failure lines, the readiness report.

The predictions come from predict() itself (not hand-written dicts) wherever the reason's wording
matters, so a rewording in predict.py that the report depends on fails here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import readiness
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.predict import TargetFacts, predict

from .test_predict import IP, SVC_IIS, WIN02, WIN02_WSMAN, computer, facts


def write(account: str, spn: str, move: bool = False, state: str = "present") -> dict[str, Any]:
    """One ad_spn call as the remedies list them."""
    return {"account": account, "spns": [spn], "move": move, "state": state}


def plan(**kwargs: Any) -> dict[str, Any]:
    return predict(facts(directory=True, **kwargs)).as_dict()


def spn_host(status: str, spn: str = "HTTP/win02.lab.test", owner: str | None = None, client: str = "winrm",
             computer_name: str | None = "WIN02$", recommended: dict[str, Any] | None = None) -> dict[str, Any]:
    """One host of ad_spn_info's result (contracts.md shape)."""
    return {
        "target": spn.split("/", 1)[1], "client": client, "service_class": spn.split("/", 1)[0],
        "kerberos_name": spn.split("/", 1)[1], "spn": spn,
        "owner": {"name": owner, "dn": "CN=%s,CN=Users,DC=lab,DC=test" % owner, "type": "user"} if owner else None,
        "via": "direct" if owner else None, "status": status,
        "computer": {"name": computer_name, "dn": "CN=WIN02,CN=Computers,DC=lab,DC=test", "disabled": False}
        if computer_name else None,
        "findings": [], "recommended_vars": recommended or {},
    }


# The 0x80090322 trap as predict() names it: HTTP/win02 on svc_iis, the host's account has WSMAN/.
COLLISION = plan(host="win02", target="win02.lab.test", spn_owner=SVC_IIS, host_account=WIN02_WSMAN,
                 wsman_spn_on_host=True)
COLLISION_INFO = spn_host("collision", owner="svc_iis", recommended={"ansible_winrm_service": "WSMAN"})
# WSMAN/ asked for, the host's account has HOST/ only (WinRM never registered WSMAN/).
MISSING = plan(host="win02", target="win02.lab.test", service="WSMAN", host_account=WIN02)
MISSING_INFO = spn_host("missing", spn="WSMAN/win02.lab.test", recommended={"ansible_winrm_service": "HTTP"})
# By IP with kerberos,ntlm: Kerberos fails, NTLM is used - the silent NTLM dependency.
BY_IP = plan(host="win04", target=IP, transports=("kerberos", "ntlm"), username="LAB\\ansible",
             host_account=computer("win04", spns=("HOST/win04.lab.test", "WSMAN/win04.lab.test")))
READY = plan(host="win01", target="win01.lab.test", ticket_error="")
LOCAL = plan(host="ws01", target="ws01.lab.test", transports=("ntlm",), username=".\\Administrator")


def test_collision_report_only_recommends_the_confirmed_workaround_and_writes_nothing() -> None:
    assert COLLISION["protocol"] == "fail" and "0x80090322" in COLLISION["reason"]
    r = readiness.remedy(COLLISION, COLLISION_INFO, "service_class", fix=False)
    assert r.writes == ()
    assert r.recommended_vars == {"ansible_winrm_service": "WSMAN"}
    assert r.kind == "connection_vars" and r.status == "collision" and r.owner == "svc_iis"
    assert "HTTP/win02.lab.test is registered on svc_iis, not on the host's account WIN02$" in r.problem
    assert r.change.startswith("set ansible_winrm_service: WSMAN (WSMAN/win02.lab.test on WIN02$")


def test_collision_service_class_without_confirmation_names_the_registration_and_sets_nothing() -> None:
    info = spn_host("collision", owner="svc_iis")
    no_wsman = plan(host="win02", target="win02.lab.test", spn_owner=SVC_IIS, host_account=WIN02)
    r = readiness.remedy(no_wsman, info, "service_class", fix=False)
    assert r.recommended_vars == {} and r.writes == ()
    assert r.change.startswith("register WSMAN/win02.lab.test on WIN02$, then set ansible_winrm_service: WSMAN")


@pytest.mark.parametrize(("policy", "writes", "variables", "kind"), [
    ("service_class", [write("WIN02$", "WSMAN/win02.lab.test")],
     {"ansible_winrm_service": "WSMAN"}, "connection_vars"),
    ("move", [write("WIN02$", "HTTP/win02.lab.test", move=True)], {}, "move_spn"),
    ("port_spn", [write("WIN02$", "HTTP/win02.lab.test:5986")],
     {"ansible_winrm_kerberos_hostname_override": "win02.lab.test:5986"}, "port_spn"),
])
def test_collision_fix_follows_the_policy(policy: str, writes: list[dict[str, Any]], variables: dict[str, Any],
                                          kind: str) -> None:
    r = readiness.remedy(COLLISION, COLLISION_INFO, policy, fix=True, port=5986)
    assert [dict(w) for w in r.writes] == writes
    assert r.recommended_vars == variables
    assert r.kind == kind


def test_psrp_uses_its_own_variables() -> None:
    info = spn_host("collision", spn="WSMAN/win02.lab.test", owner="svc_x", client="psrp")
    r = readiness.remedy(COLLISION, info, "service_class", fix=True)
    assert r.recommended_vars == {"ansible_psrp_negotiate_service": "HTTP"}
    assert r.writes[0]["spns"] == ["HTTP/win02.lab.test"]
    r = readiness.remedy(COLLISION, info, "port_spn", fix=True)
    assert r.recommended_vars == {"ansible_psrp_negotiate_hostname_override": "win02.lab.test:5985"}


def holder(name: str, dn: str) -> dict[str, Any]:
    return {"name": name, "dn": dn, "type": "user", "sid": None}


SVC_A = holder("svc_a", "CN=svc_a,CN=Users,DC=lab,DC=test")
HOST_HOLDER = holder("WIN02$", "CN=WIN02,CN=Computers,DC=lab,DC=test")


def test_duplicate_move_takes_the_spn_off_every_other_holder() -> None:
    info = {**spn_host("duplicate"), "holders": [HOST_HOLDER, SVC_A]}
    r = readiness.remedy(COLLISION, info, "move", fix=True)
    assert "more than one account (setspn -X)" in r.problem
    assert r.writes == (write(SVC_A["dn"], "HTTP/win02.lab.test", state="absent"),)
    assert r.kind == "move_spn" and r.change.startswith("remove HTTP/win02.lab.test from svc_a (setspn -D)")
    assert r.recommended_vars == {}


def test_duplicate_held_by_others_only_is_removed_there_then_registered_on_the_host() -> None:
    svc_b = holder("svc_b", "CN=svc_b,CN=Users,DC=lab,DC=test")
    r = readiness.remedy(COLLISION, {**spn_host("duplicate"), "holders": [SVC_A, svc_b]}, "move", fix=True)
    assert [(w["account"], w["state"]) for w in r.writes] == [(SVC_A["dn"], "absent"), (svc_b["dn"], "absent"),
                                                              ("WIN02$", "present")]


def test_duplicate_with_another_policy_is_resolved_like_a_collision() -> None:
    info = {**spn_host("duplicate", recommended={"ansible_winrm_service": "WSMAN"}), "holders": [HOST_HOLDER, SVC_A]}
    r = readiness.remedy(COLLISION, info, "service_class", fix=False)
    assert r.writes == () and r.recommended_vars == {"ansible_winrm_service": "WSMAN"}
    assert readiness.remedy(COLLISION, info, "move", fix=False).recommended_vars == {"ansible_winrm_service": "WSMAN"}


def test_missing_spn_is_registered_only_with_fixing_on() -> None:
    assert MISSING["protocol"] == "fail"
    fixing = readiness.remedy(MISSING, MISSING_INFO, fix=True)
    assert fixing.writes == (write("WIN02$", "WSMAN/win02.lab.test"),)
    assert fixing.recommended_vars == {} and fixing.kind == "register_spn"
    assert fixing.change == "register WSMAN/win02.lab.test on WIN02$ (setspn -S WSMAN/win02.lab.test WIN02$)"
    reporting = readiness.remedy(MISSING, MISSING_INFO, fix=False)
    assert reporting.writes == ()
    assert reporting.recommended_vars == {"ansible_winrm_service": "HTTP"}
    assert reporting.change.endswith(", or set ansible_winrm_service: HTTP")


def test_missing_spn_of_an_ip_target_connects_by_name_instead_of_registering() -> None:
    info = spn_host("missing", spn="HTTP/%s" % IP, recommended={"ansible_host": "win04.lab.test"})
    r = readiness.remedy(BY_IP, info, fix=True)
    assert r.writes == () and r.recommended_vars == {"ansible_host": "win04.lab.test"}


def test_missing_spn_without_a_computer_account_is_a_join_or_a_name_problem() -> None:
    r = readiness.remedy(MISSING, spn_host("missing", spn="HTTP/alias.lab.test", computer_name=None), fix=True)
    assert r.writes == () and r.kind == "join" and "no computer account matches alias.lab.test" in r.change


def test_ntlm_by_ip_without_ad_spn_info_uses_the_predictions_fix() -> None:
    assert BY_IP["protocol"] == "ntlm"
    r = readiness.remedy(BY_IP)
    assert r.uses_ntlm and r.status == "unknown"
    assert r.recommended_vars == {"ansible_host": "win04.lab.test"}
    assert r.change == "set ansible_host: win04.lab.test"
    assert "the target is an IP address" in r.problem


def test_hints_that_are_not_values_are_named_but_never_applied() -> None:
    r = readiness.remedy(LOCAL)
    assert LOCAL["protocol"] == "ntlm" and r.recommended_vars == {}
    local_plan = plan(host="ws01", target="ws01.lab.test", username=".\\Administrator")
    r_local = readiness.remedy(local_plan)
    assert r_local.kind == "account" and r_local.recommended_vars == {}
    # auth_plan's fix here is a real one (transport ntlm), but a transport change is the admin's: named, not set.
    assert local_plan["fix"] == {"ansible_winrm_transport": "ntlm"}
    assert r_local.change == local_plan["remedy"]
    assert "a domain account (user@REALM)" in r_local.change and "ansible_winrm_transport: ntlm" in r_local.change
    assert readiness.applicable({"ansible_winrm_kerberos_hostname_override": "<the host's FQDN>",
                                 "ansible_user": "ansible@LAB.TEST", "ansible_host": "srv01.lab.test"}) \
        == {"ansible_host": "srv01.lab.test"}


def test_ready_host_has_nothing_to_do() -> None:
    r = readiness.remedy(READY, spn_host("ok", spn="HTTP/win01.lab.test"))
    assert (r.problem, r.kind, r.change, r.writes, r.recommended_vars) == ("", "none", "", (), {})


@pytest.mark.parametrize(("reason", "kind"), [
    ("ws01 does not resolve in DNS: no transport can connect to it", "dns"),
    ("Kerberos will fail ...: no computer account in the domain has dNSHostName ws01.lab.test and no account holds "
     "HTTP/ws01.lab.test: a workgroup host", "join"),
    ("Kerberos will fail ...: the computer account SRV06$ is disabled", "account"),
    ("Kerberos would fail (no Kerberos ticket for ansible@LAB.TEST: Clock skew too great); ntlm is tried next",
     "time"),
    ("Kerberos would fail (no Kerberos ticket for ansible@LAB.TEST: Cannot contact any KDC); ntlm is tried next",
     "ticket"),
    ("ansible_winrm_transport is ntlm: NTLM is used as asked, Kerberos is never tried", "connection_vars"),
    ("Kerberos will fail ...: no account holds WSMAN/srv02.lab.test, and HOST/ does not cover WSMAN/", "register_spn"),
    ("something nobody wrote a rule for", "ticket"),
])
def test_causes_table(reason: str, kind: str) -> None:
    r = readiness.remedy({"host": "h", "target": "h", "protocol": "fail", "reason": reason, "spn": "", "fix": {}})
    assert r.kind == kind and r.change and r.problem == reason


def test_credssp_with_ntlm_inside_counts_as_ntlm() -> None:
    # The wording comes from predict() itself: the report depends on it.
    inner_ntlm = predict(TargetFacts(target=IP, transports=("credssp",), resolves=True)).as_dict()
    assert readiness.CREDSSP_NTLM in inner_ntlm["reason"]
    assert readiness.uses_ntlm(inner_ntlm) and readiness.outcome(inner_ntlm) == "credssp_ntlm"
    inner_kerberos = predict(TargetFacts(target="win01.lab.test", transports=("credssp",), resolves=True,
                                         ticket_error="")).as_dict()
    assert not readiness.uses_ntlm(inner_kerberos) and readiness.outcome(inner_kerberos) == "credssp"


def test_unknown_policy_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="service_class, port_spn, move"):
        readiness.remedy(READY, policy="steal")


def test_failures_one_line_per_host_with_the_fix() -> None:
    found = readiness.remedies([COLLISION, MISSING, READY], {"hosts": {"win02": COLLISION_INFO}})
    lines = readiness.failures([COLLISION, READY], found)
    assert list(lines) == ["win02"]
    assert lines["win02"].startswith("win02: HTTP/win02.lab.test is registered on svc_iis")
    assert "(fail) -> fix: set ansible_winrm_service: WSMAN" in lines["win02"]
    assert "\n" not in lines["win02"]
    # NTLM counts as a failure by default, and can be allowed.
    assert list(readiness.failures([BY_IP], readiness.remedies([BY_IP]))) == ["win04"]
    assert readiness.failures([BY_IP], readiness.remedies([BY_IP]), fail_on=("fail",)) == {}


def test_check_mode_does_not_fail_a_host_a_write_would_fix() -> None:
    found = readiness.remedies([MISSING], {"hosts": {"win02": MISSING_INFO}}, fix=True)
    assert readiness.failures([MISSING], found, check_mode=True) == {}
    assert list(readiness.failures([MISSING], found, check_mode=False)) == ["win02"]


def test_report_lists_ntlm_users_first_with_the_change_and_the_after_state() -> None:
    before = [READY, COLLISION, BY_IP, LOCAL]
    info = {"hosts": {"win02": COLLISION_INFO},
            "duplicates": [{"spn": "HTTP/dup.lab.test", "owners": ["CN=A,DC=lab,DC=test", "CN=B,DC=lab,DC=test"]}]}
    found = readiness.remedies(before, info, "service_class", fix=False)
    after_ip = plan(host="win04", target="win04.lab.test", transports=("kerberos", "ntlm"), ticket_error="")
    after = [READY, COLLISION, after_ip, LOCAL]
    doc = readiness.report(before, found, after, info, fixed=False, generated="2026-12-01T12:00:00Z")
    json.dumps(doc)  # JSON-ready as is
    assert [r["host"] for r in doc["hosts"]] == ["win04", "ws01", "win02", "win01"]
    assert doc["summary"] == {"hosts": 4, "kerberos": 1, "ntlm": 2, "fail": 1, "other": 0,
                              "kerberos_after": 2, "ntlm_after": 1}
    ip_row = doc["hosts"][0]
    assert ip_row["uses_ntlm"] and ip_row["today"] == "ntlm" and ip_row["after"] == "kerberos"
    assert ip_row["change"] == "set ansible_host: win04.lab.test"
    assert ip_row["role_applied"] == {"writes": [], "vars": {"ansible_host": "win04.lab.test"}}
    assert doc["hosts"][2]["spn_status"] == "collision" and doc["hosts"][2]["owner"] == "svc_iis"
    assert doc["ad_spn_info"] is True and doc["duplicates"][0]["spn"] == "HTTP/dup.lab.test"
    assert set(doc["failures"]) == {"win02", "ws01"}  # after the role: still failing / still NTLM


def test_report_without_ad_spn_info_says_so() -> None:
    doc = readiness.report([BY_IP], readiness.remedies([BY_IP]))
    assert doc["ad_spn_info"] is False and doc["summary"]["ntlm"] == 1 and "kerberos_after" not in doc["summary"]
    assert "ad_spn_info did not run" in readiness.markdown(doc)
    assert doc["failures"]["win04"].startswith("win04: ")


def test_markdown_tables_and_escaping() -> None:
    hostile = {**BY_IP, "host": "win|04", "reason": "line one\nline | two"}
    before = [READY, hostile, COLLISION]
    found = readiness.remedies(before, {"hosts": {"win02": COLLISION_INFO}})
    text = readiness.markdown(readiness.report(before, found, spn_info={"hosts": {"win02": COLLISION_INFO}},
                                               generated="2026-12-01T12:00:00Z"))
    assert text.startswith("# NTLM-retirement readiness\n")
    assert "on 2026-12-01T12:00:00Z, report only." in text
    assert "3 hosts: **1 use NTLM today**, 1 fail to connect, 1 use Kerberos, 0 other" in text
    assert "## Hosts whose connection uses NTLM today (1)" in text
    assert "| win\\|04 | line one line \\| two | set ansible_host: win04.lab.test | not re-checked |" in text
    assert "## Hosts that cannot connect (Kerberos fails, no fallback) (1)" in text
    assert "| win02 | " in text and "## Other hosts not on Kerberos (0)\n\nNone." in text
    assert "## Kerberos today (1)\n\nwin01" in text
    assert text.endswith("\n") and "Duplicate SPNs" not in text


def test_remedies_key_by_host_and_take_ports() -> None:
    found = readiness.remedies([COLLISION], {"hosts": {"win02": COLLISION_INFO}}, "port_spn", True, {"win02": "5986"})
    assert found["win02"]["writes"] == [write("WIN02$", "HTTP/win02.lab.test:5986")]


def test_one_write_per_spn_when_two_inventory_names_reach_one_machine() -> None:
    other_name = {**COLLISION, "host": "win02-negotiate"}
    info = {"hosts": {"win02": COLLISION_INFO, "win02-negotiate": COLLISION_INFO}}
    found = readiness.remedies([COLLISION, other_name], info, "move", fix=True)
    assert found["win02"]["writes"] == [write("WIN02$", "HTTP/win02.lab.test", move=True)]
    assert found["win02-negotiate"]["writes"] == []
    assert found["win02-negotiate"]["change"] == found["win02"]["change"]
    # In check mode neither fails: the one write would fix both.
    assert found["win02"]["needs_writes"] and found["win02-negotiate"]["needs_writes"]
    assert readiness.failures([COLLISION, other_name], found, check_mode=True) == {}
    assert set(readiness.failures([COLLISION, other_name], found)) == {"win02", "win02-negotiate"}


def test_missing_spn_without_ad_spn_info_names_the_spn_to_register() -> None:
    r = readiness.remedy(MISSING)
    # HOST/ on the host's account covers HTTP/: asking for HTTP/ works without a write (as with ad_spn_info).
    assert r.kind == "register_spn" and r.writes == () and r.recommended_vars == {"ansible_winrm_service": "HTTP"}
    assert "register WSMAN/win02.lab.test on WIN02$ (setspn -S WSMAN/win02.lab.test WIN02$)" in r.change
    assert r.change == MISSING["remedy"]


@pytest.mark.parametrize(("user", "local"), [(".\\Administrator", True), ("Administrator", True),
                                             ("LAB\\ansible", False), ("ansible@LAB.TEST", False)])
def test_explicit_ntlm_with_a_local_account_needs_a_certificate_not_a_variable(user: str, local: bool) -> None:
    explicit = plan(host="ws01", target="ws01.lab.test", transports=("ntlm",), username=user)
    r = readiness.remedy(explicit, spn_host("missing", spn="HTTP/ws01.lab.test", computer_name=None), user=user)
    if local:
        assert r.uses_ntlm
        assert r.kind == "account" and r.change == readiness.LOCAL_ACCOUNT_CHANGE and r.recommended_vars == {}
    else:  # a domain account: a workgroup host cannot check it, NTLM fails; the host must join (or a local account)
        assert explicit["protocol"] == "fail" and not r.uses_ntlm and readiness.outcome(explicit) == "fail"
        assert r.kind == "join" and "no computer account matches ws01.lab.test" in r.change
        alone = readiness.remedy(explicit, user=user)
        assert alone.kind == "join" and alone.change == explicit["remedy"]
    found = readiness.remedies([explicit], users={"ws01": user})
    assert (found["ws01"]["kind"] == "account") is local


def test_a_fix_that_changes_the_transport_or_user_is_never_applied_even_in_part() -> None:
    mixed = {"host": "h", "target": "10.0.0.5", "protocol": "fail", "spn": "HTTP/10.0.0.5",
             "reason": "the winrm connection runs kinit for LAB\\ansible before trying Kerberos and it fails: x",
             "fix": {"ansible_user": "ansible@LAB.TEST", "ansible_host": "h.lab.test"},
             "remedy": "log on with the principal name: ansible_user: ansible@LAB.TEST"}
    r = readiness.remedy(mixed)
    assert r.recommended_vars == {} and r.kind == "ticket"
    assert r.change.startswith(mixed["remedy"]) and "ansible_host: h.lab.test" in r.change
    assert readiness.plan_vars(mixed) == {}
    assert readiness.plan_vars({**mixed, "fix": {"ansible_host": "h.lab.test"}}) == {"ansible_host": "h.lab.test"}
    assert readiness.plan_vars({**mixed, "fix": {"ansible_winrm_transport": "ntlm"}}) == {}


def test_the_plans_fix_is_no_workaround_for_another_spn() -> None:
    assert readiness.plan_vars(MISSING, "WSMAN/WIN02.lab.test") == {"ansible_winrm_service": "HTTP"}
    assert readiness.plan_vars(MISSING, "HTTP/alias.lab.test") == {}


def test_the_plans_remedy_is_the_change_the_table_only_classifies() -> None:
    no_dns = predict(facts(target="ws09.lab.test", resolves=False)).as_dict()
    r = readiness.remedy(no_dns)
    assert r.kind == "dns" and r.change == no_dns["remedy"] and no_dns["remedy"]
