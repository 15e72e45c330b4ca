# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.accounts import Account
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.predict import (
    HOST_ALIASES,
    Plan,
    TargetFacts,
    account_kind,
    is_ip,
    predict,
)

IP = "192.0.2.10"


def computer(short: str, spns: tuple[str, ...] | None = None, uac: int = 0x1000,
             dns_host_name: str | None = "") -> Account:
    fqdn = "%s.lab.test" % short.lower()
    if spns is None:
        spns = ("HOST/%s" % fqdn, "HOST/%s" % short.upper(), "WSMAN/%s" % fqdn, "WSMAN/%s" % short.upper())
    return Account.from_entry({
        "dn": "CN=%s,CN=Computers,DC=lab,DC=test" % short.upper(),
        "sAMAccountName": ["%s$" % short.upper()],
        "dNSHostName": [fqdn if dns_host_name == "" else dns_host_name] if dns_host_name is not None else [],
        "servicePrincipalName": list(spns),
        "userAccountControl": [str(uac)],
        "objectClass": ["top", "person", "organizationalPerson", "user", "computer"],
    })


def user(sam: str, spns: tuple[str, ...] = ()) -> Account:
    return Account.from_entry({
        "dn": "CN=%s,CN=Users,DC=lab,DC=test" % sam,
        "sAMAccountName": [sam],
        "servicePrincipalName": list(spns),
        "userAccountControl": ["66048"],
        "objectClass": ["top", "person", "organizationalPerson", "user"],
    })


WIN01 = computer("win01", spns=("HOST/win01.lab.test", "HOST/WIN01", "HTTP/win01.lab.test", "HTTP/WIN01",
                                "WSMAN/win01.lab.test", "WSMAN/WIN01"))
WIN02 = computer("win02", spns=("HOST/win02.lab.test", "HOST/WIN02"))  # HOST/ only
WIN02_WSMAN = computer("win02")  # HOST/ and WSMAN/
SVC_IIS = user("svc_iis", spns=("HTTP/win02.lab.test", "HTTP/WIN02"))
IP_HOST = computer("win04", spns=("HOST/win04.lab.test", "HTTP/%s" % IP))


def facts(**kwargs: Any) -> TargetFacts:
    base: dict[str, Any] = {"target": "win01.lab.test", "transports": ("kerberos",), "resolves": True}
    base.update(kwargs)
    return TargetFacts(**base)


def domain_facts(**kwargs: Any) -> TargetFacts:
    """win01 as the directory and the KDC see it: SPN on its own account, ticket issued."""
    base: dict[str, Any] = {"directory": True, "spn_owner": WIN01, "host_account": WIN01,
                            "wsman_spn_on_host": True, "ticket_error": "", "username": "alice@LAB.TEST"}
    base.update(kwargs)
    return facts(**base)


# --------------------------------------------------------------------------- transports without Kerberos


@pytest.mark.parametrize(("transport", "word"), [("basic", "password"), ("ntlm", "never tried"),
                                                 ("certificate", "certificate")])
def test_simple_transports_short_circuit(transport: str, word: str) -> None:
    # Every Kerberos blocker at once (even a failing managed kinit): none of them matters for these transports.
    f = facts(target=IP, transports=(transport, "kerberos"), username=".\\admin", kinit_managed=True,
              kdc_error="the KDC does not answer", ticket_error="no such SPN")
    plan = predict(f)
    assert plan.protocol == transport
    assert transport in plan.reason
    assert word in plan.reason
    assert plan.fix == {}
    assert plan.spn == "HTTP/%s" % IP


def test_no_transport_means_basic() -> None:
    plan = predict(facts(transports=()))
    assert plan.protocol == "basic"


# --------------------------------------------------------------------------- credssp


def test_credssp_with_kerberos_inside() -> None:
    plan = predict(domain_facts(transports=("credssp",)))
    assert plan.protocol == "credssp"
    assert plan.reason.startswith("CredSSP delegates the password to the host")
    assert plan.reason.endswith("authenticates with Kerberos inside CredSSP")
    assert "NTLM" not in plan.reason
    assert plan.fix == {}


def test_credssp_with_ntlm_inside_says_why() -> None:
    plan = predict(facts(target=IP, transports=("credssp",)))
    assert plan.protocol == "credssp"
    assert "NTLM inside CredSSP (the target is an IP address" in plan.reason
    assert "Kerberos inside" not in plan.reason
    assert plan.fix == {}  # CredSSP works: nothing to fix


def test_credssp_with_local_account_is_ntlm_inside() -> None:
    plan = predict(domain_facts(transports=("credssp",), username=".\\admin"))
    assert "NTLM inside CredSSP (.\\admin is a local account" in plan.reason


# --------------------------------------------------------------------------- Kerberos works


def test_kerberos_with_directory_facts_and_ticket() -> None:
    plan = predict(domain_facts())
    assert plan.protocol == "kerberos"
    assert plan.spn == "HTTP/win01.lab.test"
    assert plan.kerberos_name == "win01.lab.test"
    assert plan.target == "win01.lab.test"
    assert "the KDC issued a ticket for HTTP/win01.lab.test" in plan.reason
    assert plan.fix == {}


def test_kerberos_without_ticket_check_does_not_claim_one() -> None:
    plan = predict(domain_facts(ticket_error=None))
    assert plan.protocol == "kerberos"
    assert plan.reason == "Kerberos to HTTP/win01.lab.test"


def test_kerberos_without_any_facts() -> None:
    # Nothing checked: no reason to predict a failure.
    plan = predict(TargetFacts(target="win01.lab.test", transports=("kerberos",)))
    assert plan.protocol == "kerberos"


def test_target_case_folded_for_spn_but_kept_as_target() -> None:
    plan = predict(domain_facts(target="WIN01.Lab.Test", service="WSMAN"))
    assert plan.spn == "WSMAN/win01.lab.test"
    assert plan.target == "WIN01.Lab.Test"
    assert plan.protocol == "kerberos"


# --------------------------------------------------------------------------- IP address targets


def test_ip_target_fails_with_hostname_override_fix() -> None:
    plan = predict(facts(target=IP, ticket_error="no such SPN in the domain"))
    assert plan.protocol == "fail"
    assert "no fallback" in plan.reason
    assert "IP address" in plan.reason
    assert "HTTP/%s" % IP in plan.reason
    assert "Server not found in Kerberos database" in plan.reason
    assert plan.fix == {"ansible_winrm_kerberos_hostname_override": "<the host's FQDN>"}


def test_ip_target_fix_uses_dns_host_name_when_known() -> None:
    plan = predict(facts(target=IP, directory=True, host_account=WIN01))
    assert plan.protocol == "fail"
    assert plan.fix == {"ansible_host": "win01.lab.test"}


def test_ip_target_host_account_without_dns_name_falls_back_to_override() -> None:
    nameless = computer("win05", dns_host_name=None)
    plan = predict(facts(target=IP, directory=True, host_account=nameless))
    assert plan.fix == {"ansible_winrm_kerberos_hostname_override": "<the host's FQDN>"}


@pytest.mark.parametrize("target", ["2001:db8::10", "[2001:db8::10]", "fe80::1"])
def test_ipv6_targets_fail(target: str) -> None:
    plan = predict(facts(target=target))
    assert plan.protocol == "fail"
    assert "IP address" in plan.reason


def test_ip_with_spn_owned_by_the_host_is_kerberos() -> None:
    plan = predict(facts(target=IP, directory=True, spn_owner=IP_HOST, ticket_error=""))
    assert plan.protocol == "kerberos"
    assert plan.spn == "HTTP/%s" % IP
    assert "the KDC issued a ticket" in plan.reason


def test_ip_with_spn_but_without_directory_facts_fails() -> None:
    # Without AD, nobody said HTTP/<ip> exists: the IP rule stands.
    assert predict(facts(target=IP, spn_owner=IP_HOST)).protocol == "fail"


def test_ip_with_ticket_issued_without_directory_is_kerberos() -> None:
    plan = predict(facts(target=IP, ticket_error=""))
    assert plan.protocol == "kerberos"


def test_hostname_override_used_for_the_spn() -> None:
    plan = predict(domain_facts(target=IP, hostname_override="WIN01.lab.test"))
    assert plan.protocol == "kerberos"
    assert plan.target == IP
    assert plan.kerberos_name == "win01.lab.test"
    assert plan.spn == "HTTP/win01.lab.test"


def test_hostname_override_that_is_an_ip_still_fails() -> None:
    plan = predict(facts(target="win01.lab.test", hostname_override=IP))
    assert plan.protocol == "fail"
    assert plan.spn == "HTTP/%s" % IP


# --------------------------------------------------------------------------- DNS, accounts, KDC


def test_unresolvable_name_fails() -> None:
    plan = predict(facts(target="nosuch.lab.test", resolves=False))
    assert plan.protocol == "fail"
    assert plan.reason == "nosuch.lab.test does not resolve in DNS: no transport can connect to it"
    assert plan.fix == {}


@pytest.mark.parametrize("transports", [("basic",), ("ntlm",), ("certificate",), ("credssp",), ("kerberos",),
                                        ("kerberos", "ntlm"), ("ntlm", "kerberos"), ()])
def test_unresolvable_target_fails_whatever_the_transport(transports: tuple[str, ...]) -> None:
    # Nothing connects to a name the controller cannot resolve; checked before every other rule.
    plan = predict(facts(target="nosuch.lab.test", transports=transports, resolves=False, username=".\\admin",
                         kdc_error="the KDC does not answer", kinit_managed=True, ticket_error="no such SPN"))
    assert plan.protocol == "fail"
    assert plan.reason == "nosuch.lab.test does not resolve in DNS: no transport can connect to it"
    assert plan.fix == {}


def test_dns_names_the_target_not_the_kerberos_name() -> None:
    # The connection goes to the target; the override only names the SPN.
    plan = predict(facts(target="nosuch.lab.test", hostname_override="win01.lab.test", resolves=False))
    assert plan.reason == "nosuch.lab.test does not resolve in DNS: no transport can connect to it"
    assert plan.spn == "HTTP/win01.lab.test"


def test_resolution_not_checked_is_no_blocker() -> None:
    assert predict(facts(resolves=None)).protocol == "kerberos"


def test_local_account_fails() -> None:
    plan = predict(domain_facts(username=".\\admin"))
    assert plan.protocol == "fail"
    assert ".\\admin is a local account" in plan.reason
    assert "Kerberos" in plan.reason
    # A concrete var the connection can use (issue 9: a fix applied makes the connection work); the
    # remedy names the domain account Kerberos would need.
    assert plan.fix == {"ansible_winrm_transport": "ntlm"}
    assert "domain account (user@REALM)" in plan.remedy


def test_local_account_checked_before_kdc_and_ip() -> None:
    plan = predict(facts(target=IP, username=".\\admin", kdc_error="x"))
    assert "local account" in plan.reason
    assert "IP address" not in plan.reason


def test_kdc_error_fails_with_it() -> None:
    plan = predict(domain_facts(kdc_error="clock skew: ... (Clock skew too great)", ticket_error=None))
    assert plan.protocol == "fail"
    assert "no Kerberos ticket for alice@LAB.TEST: clock skew: ... (Clock skew too great)" in plan.reason
    assert plan.fix == {}


def test_kdc_error_without_username_names_current_user() -> None:
    plan = predict(facts(kdc_error="no ticket cache: run kinit or give a password (No Kerberos credentials)"))
    assert "no Kerberos ticket for the current user: no ticket cache" in plan.reason


def test_dns_checked_before_kdc_error() -> None:
    plan = predict(facts(kdc_error="the KDC does not answer", resolves=False))
    assert plan.reason == "win01.lab.test does not resolve in DNS: no transport can connect to it"


def test_ticket_error_without_directory_fails() -> None:
    plan = predict(facts(ticket_error="no such SPN in the domain (Server not found in Kerberos database)"))
    assert plan.protocol == "fail"
    assert plan.reason.endswith("the KDC refused a ticket for HTTP/win01.lab.test: no such SPN in the domain "
                                "(Server not found in Kerberos database)")
    assert plan.fix == {}


# --------------------------------------------------------------------------- directory rules


@pytest.mark.parametrize(("target", "fix"), [
    ("win03", {"ansible_host": "<the FQDN registered in AD>"}),
    ("win03.lab.test", {}),
    ("WIN03", {"ansible_host": "<the FQDN registered in AD>"}),
])
def test_workgroup_host(target: str, fix: dict[str, str]) -> None:
    plan = predict(facts(target=target, directory=True))
    assert plan.protocol == "fail"
    assert "no computer account in the domain has dNSHostName %s" % target.lower() in plan.reason
    assert "workgroup host" in plan.reason
    assert plan.fix == fix


DISABLED = computer("win06", spns=("HOST/win06.lab.test", "HTTP/win06.lab.test"), uac=0x1000 | 0x2)


def test_disabled_computer_fails_when_no_ticket_was_asked() -> None:
    disabled = computer("win06", uac=0x1000 | 0x2)
    plan = predict(facts(target="win06.lab.test", directory=True, host_account=disabled, spn_owner=None))
    assert plan.protocol == "fail"
    assert plan.reason == ("Kerberos will fail and pywinrm's kerberos transport has no fallback: "
                           "the computer account WIN06$ is disabled")
    assert plan.fix == {}


def test_disabled_computer_even_when_it_owns_the_spn() -> None:
    plan = predict(facts(target="win06.lab.test", directory=True, host_account=DISABLED, spn_owner=DISABLED))
    assert plan.protocol == "fail"
    assert plan.reason.endswith("the computer account WIN06$ is disabled")


def test_disabled_computer_reported_before_the_kdc_refusal() -> None:
    plan = predict(facts(target="win06.lab.test", directory=True, host_account=DISABLED, spn_owner=DISABLED,
                         ticket_error="the account is disabled (KDC_ERR_CLIENT_REVOKED)"))
    assert plan.protocol == "fail"
    assert plan.reason.endswith("the computer account WIN06$ is disabled")
    assert "KDC_ERR_CLIENT_REVOKED" not in plan.reason


@pytest.mark.parametrize("transports", [("kerberos",), ("kerberos", "ntlm")])
def test_disabled_computer_with_an_issued_ticket_is_kerberos(transports: tuple[str, ...]) -> None:
    # The KDC issued the ticket (Samba does for a disabled account): Kerberos works; NTLM would not.
    plan = predict(facts(target="win06.lab.test", transports=transports, directory=True, host_account=DISABLED,
                         spn_owner=DISABLED, ticket_error="", username="alice@LAB.TEST"))
    assert plan.protocol == "kerberos"
    assert plan.reason == ("Kerberos to HTTP/win06.lab.test (the KDC issued a ticket for HTTP/win06.lab.test; "
                           "the computer account is disabled: domain NTLM logons to it will fail)")
    assert plan.fix == {}


def test_no_disabled_note_for_an_enabled_host() -> None:
    plan = predict(domain_facts())
    assert "disabled" not in plan.reason
    assert plan.reason == "Kerberos to HTTP/win01.lab.test (the KDC issued a ticket for HTTP/win01.lab.test)"


def test_disabled_computer_without_ticket_does_not_predict_domain_ntlm() -> None:
    plan = predict(facts(target="win06.lab.test", transports=("kerberos", "ntlm"), directory=True,
                         host_account=DISABLED, spn_owner=DISABLED, username="LAB\\alice",
                         ticket_error="the account is disabled (KDC_ERR_CLIENT_REVOKED)"))
    assert plan.protocol == "fail"


def test_spn_owned_by_another_account_fails_without_wsman() -> None:
    plan = predict(facts(target="win02.lab.test", directory=True, host_account=WIN02, spn_owner=SVC_IIS,
                         ticket_error=""))  # the KDC happily issues a ticket: for svc_iis
    assert plan.protocol == "fail"
    assert "HTTP/win02.lab.test is registered on svc_iis, not on the host's account WIN02$" in plan.reason
    assert "0x80090322" in plan.reason
    assert "credentials were rejected" in plan.reason
    assert plan.fix == {}


def test_spn_owned_by_another_account_fix_wsman_when_host_has_it() -> None:
    plan = predict(facts(target="win02.lab.test", directory=True, host_account=WIN02_WSMAN, spn_owner=SVC_IIS,
                         wsman_spn_on_host=True))
    assert plan.protocol == "fail"
    assert "0x80090322" in plan.reason
    assert plan.fix == {"ansible_winrm_service": "WSMAN"}


def test_same_account_with_different_dn_case_is_no_collision() -> None:
    upper = dataclasses.replace(WIN01, dn=WIN01.dn.upper())
    plan = predict(domain_facts(spn_owner=upper))
    assert plan.protocol == "kerberos"


def test_spn_owner_without_host_account_is_kerberos() -> None:
    # An alias whose SPN some account holds: nothing says the ticket is for the wrong account.
    plan = predict(facts(target="web.lab.test", directory=True, spn_owner=SVC_IIS))
    assert plan.protocol == "kerberos"


@pytest.mark.parametrize("service", ["HTTP", "http", "HOST", "WWW"])
def test_host_spn_covers_http_through_spn_mappings(service: str) -> None:
    plan = predict(facts(target="win02.lab.test", service=service, directory=True, host_account=WIN02,
                         spn_owner=None, ticket_error=""))
    assert plan.protocol == "kerberos"
    assert plan.spn == "%s/win02.lab.test" % service


def test_host_aliases() -> None:
    assert {"http", "host", "www"} <= HOST_ALIASES
    assert "wsman" not in HOST_ALIASES


def test_wsman_not_covered_by_host() -> None:
    plan = predict(facts(target="win02.lab.test", service="WSMAN", directory=True, host_account=WIN02))
    assert plan.protocol == "fail"
    assert "no account holds WSMAN/win02.lab.test, and HOST/ does not cover WSMAN/" in plan.reason
    assert "Server not found in Kerberos database" in plan.reason
    # HOST/ covers HTTP/ through sPNMappings: the HTTP service class works (issue 9: missing WSMAN/ -> HTTP).
    assert plan.fix == {"ansible_winrm_service": "HTTP"}
    assert "register WSMAN/win02.lab.test on WIN02$" in plan.remedy


def test_no_http_spn_and_no_host_spn_for_the_name() -> None:
    # Only the short-name HOST/ SPN: HTTP/<fqdn> is not covered.
    short_only = computer("win07", spns=("HOST/WIN07", "WSMAN/win07.lab.test"))
    plan = predict(facts(target="win07.lab.test", directory=True, host_account=short_only,
                         wsman_spn_on_host=True))
    assert plan.protocol == "fail"
    assert "no account holds HTTP/win07.lab.test (" in plan.reason
    assert "does not cover" not in plan.reason
    assert plan.fix == {"ansible_winrm_service": "WSMAN"}


def test_directory_ok_but_ticket_refused() -> None:
    plan = predict(domain_facts(ticket_error="clock skew (Clock skew too great)"))
    assert plan.protocol == "fail"
    assert "the KDC refused a ticket for HTTP/win01.lab.test: clock skew" in plan.reason


# --------------------------------------------------------------------------- transport lists


def test_transport_list_falls_back_when_kerberos_blocked() -> None:
    plan = predict(facts(target=IP, transports=("kerberos", "ntlm"), directory=True, host_account=WIN01))
    assert plan.protocol == "ntlm"
    assert plan.reason.startswith("Kerberos would fail (the target is an IP address")
    assert plan.reason.endswith("); ntlm is tried next")
    assert plan.fix == {"ansible_host": "win01.lab.test"}


def test_transport_list_kerberos_when_not_blocked() -> None:
    plan = predict(domain_facts(transports=("kerberos", "ntlm")))
    assert plan.protocol == "kerberos"
    assert "ntlm" not in plan.reason


def test_transport_list_collision_falls_back_to_ntlm() -> None:
    plan = predict(facts(target="win02.lab.test", transports=("kerberos", "ntlm"), directory=True,
                         host_account=WIN02_WSMAN, spn_owner=SVC_IIS, wsman_spn_on_host=True))
    assert plan.protocol == "ntlm"
    assert "Kerberos would fail (" in plan.reason
    assert "0x80090322" in plan.reason
    assert plan.fix == {"ansible_winrm_service": "WSMAN"}


# --------------------------------------------------------------------------- managed kinit (winrm plugin)


WRONG_PASSWORD = "wrong password (Preauthentication failed)"
KINIT_FAILS = ("the winrm connection runs kinit for alice@LAB.TEST before trying Kerberos and it fails: "
               + WRONG_PASSWORD)


@pytest.mark.parametrize("transports", [("kerberos",), ("kerberos", "ntlm"), ("kerberos", "credssp", "ntlm")])
def test_failed_managed_kinit_is_fatal_even_with_fallbacks(transports: tuple[str, ...]) -> None:
    plan = predict(domain_facts(transports=transports, kinit_managed=True, kdc_error=WRONG_PASSWORD,
                                ticket_error=None, host="win01"))
    assert plan.protocol == "fail"
    assert plan.reason == KINIT_FAILS
    assert plan.fix == {}
    assert plan.as_dict()["host"] == "win01"


def test_failed_managed_kinit_beats_the_local_account_rule() -> None:
    # kinit runs (and fails) before pywinrm gets to say anything about the account.
    plan = predict(facts(transports=("kerberos", "ntlm"), username=".\\admin", kinit_managed=True,
                         kdc_error="unknown principal (not found in Kerberos database)"))
    assert plan.protocol == "fail"
    assert plan.reason == ("the winrm connection runs kinit for .\\admin before trying Kerberos and it fails: "
                           "unknown principal (not found in Kerberos database)")


def test_unmanaged_kdc_error_falls_back_to_the_next_transport() -> None:
    # ansible_winrm_kinit_mode=manual (or psrp): the missing ticket only fails the kerberos transport.
    plan = predict(domain_facts(transports=("kerberos", "ntlm"), kinit_managed=False, kdc_error=WRONG_PASSWORD,
                                ticket_error=None))
    assert plan.protocol == "ntlm"
    assert plan.reason == ("Kerberos would fail (no Kerberos ticket for alice@LAB.TEST: %s); ntlm is tried next"
                           % WRONG_PASSWORD)
    assert "kinit" not in plan.reason


def test_unmanaged_kdc_error_without_fallback_fails_as_before() -> None:
    plan = predict(domain_facts(kinit_managed=False, kdc_error=WRONG_PASSWORD, ticket_error=None))
    assert plan.protocol == "fail"
    assert plan.reason == ("Kerberos will fail and pywinrm's kerberos transport has no fallback: "
                           "no Kerberos ticket for alice@LAB.TEST: " + WRONG_PASSWORD)


def test_managed_kinit_that_works_changes_nothing() -> None:
    plan = predict(domain_facts(transports=("kerberos", "ntlm"), kinit_managed=True))
    assert plan.protocol == "kerberos"
    assert plan.reason == "Kerberos to HTTP/win01.lab.test (the KDC issued a ticket for HTTP/win01.lab.test)"


@pytest.mark.parametrize(("transports", "protocol", "username"), [
    (("ntlm", "kerberos"), "ntlm", "alice@LAB.TEST"), (("credssp",), "credssp", "alice@LAB.TEST"),
    (("basic", "kerberos"), "basic", ".\\admin"),
])
def test_managed_kinit_failure_irrelevant_when_kerberos_not_reached(transports: tuple[str, ...],
                                                                    protocol: str, username: str) -> None:
    # Without kerberos in the list no kinit runs; with NTLM/Basic first (and working) it is never reached.
    plan = predict(domain_facts(transports=transports, kinit_managed=True, kdc_error=WRONG_PASSWORD,
                                ticket_error=None, username=username))
    assert plan.protocol == protocol
    assert "kinit" not in plan.reason


def test_basic_refusing_a_domain_account_reaches_the_failing_kinit() -> None:
    # Basic never accepts a domain account, so the winrm plugin goes on to kerberos and its kinit fails.
    plan = predict(domain_facts(transports=("basic", "kerberos"), kinit_managed=True, kdc_error=WRONG_PASSWORD,
                                ticket_error=None))
    assert plan.protocol == "fail"
    assert plan.reason == KINIT_FAILS
    assert plan.remedy == "check ansible_password for alice@LAB.TEST (or kinit again)"


def test_managed_kinit_not_run_before_credssp() -> None:
    plan = predict(domain_facts(transports=("credssp", "kerberos"), kinit_managed=True, kdc_error=WRONG_PASSWORD,
                                ticket_error=None))
    assert plan.protocol == "credssp"


def test_managed_kinit_failure_without_user_names_no_none() -> None:
    plan = predict(facts(transports=("kerberos",), kinit_managed=True, username=None,
                         kdc_error="no ticket: run kinit, or give username and password (No Kerberos credentials)"))
    assert plan.protocol == "fail"
    assert "None" not in plan.reason


# --------------------------------------------------------------------------- Plan, helpers


def test_plan_as_dict() -> None:
    plan = predict(facts(target=IP))
    d = plan.as_dict()
    assert list(d) == ["host", "target", "protocol", "reason", "spn", "fix", "remedy"]  # host first
    assert d["remedy"] == plan.remedy and "FQDN" in plan.remedy
    assert d["host"] == IP  # no inventory name: the target
    assert d["target"] == IP
    assert d["protocol"] == "fail"
    assert d["reason"] == plan.reason
    assert d["spn"] == "HTTP/%s" % IP
    assert d["fix"] == {"ansible_winrm_kerberos_hostname_override": "<the host's FQDN>"}
    d["fix"]["x"] = 1
    assert "x" not in plan.fix  # a copy


def test_plan_carries_the_inventory_name() -> None:
    plan = predict(domain_facts(target=IP, hostname_override="win01.lab.test", host="win01"))
    assert plan.host == "win01"
    d = plan.as_dict()
    assert (d["host"], d["target"], d["protocol"]) == ("win01", IP, "kerberos")


@pytest.mark.parametrize("transports", [("basic",), ("credssp",), ("kerberos", "ntlm")])
def test_every_rule_keeps_the_host(transports: tuple[str, ...]) -> None:
    plan = predict(facts(target="nosuch.lab.test", transports=transports, host="web01", resolves=None,
                         directory=True))
    assert plan.as_dict()["host"] == "web01"
    unresolved = predict(facts(target="nosuch.lab.test", transports=transports, host="web01", resolves=False))
    assert unresolved.as_dict()["host"] == "web01"


def test_plan_default_fix_empty() -> None:
    assert Plan("t", "kerberos", "r", "t", "HTTP/t").fix == {}


@pytest.mark.parametrize(("username", "kind"), [
    (".\\admin", "local"),
    ("alice@LAB.TEST", "upn"),
    ("LAB\\alice", "domain"),
    ("alice", "plain"),
    (None, "none"),
    ("", "none"),
])
def test_account_kind(username: str | None, kind: str) -> None:
    assert account_kind(username) == kind


@pytest.mark.parametrize(("name", "expected"), [
    ("192.0.2.10", True),
    ("10.0.0.1", True),
    ("2001:db8::1", True),
    ("::1", True),
    ("[2001:db8::1]", True),
    ("win01.lab.test", False),
    ("win01", False),
    ("192.0.2", False),
    ("999.0.2.10", False),
    ("", False),
])
def test_is_ip(name: str, expected: bool) -> None:
    assert is_ip(name) is expected


# --------------------------------------------------------------------------- account facts in every branch (issue 9)


def account(sam: str, uac: int = 0x200, protected: bool = False) -> Account:
    return Account.from_entry({
        "dn": "CN=%s,CN=Users,DC=lab,DC=test" % sam, "sAMAccountName": [sam], "userAccountControl": [str(uac)],
        "memberOf": ["CN=Protected Users,CN=Users,DC=lab,DC=test"] if protected else [],
    })


PROTECTED = account("protected", protected=True)


@pytest.mark.parametrize("username", ["LAB\\protected", "protected@LAB.TEST"])
def test_protected_users_get_no_ntlm(username: str) -> None:
    plan = predict(domain_facts(transports=("ntlm",), username=username, user_account=PROTECTED, realm="LAB.TEST"))
    assert plan.protocol == "fail"
    assert plan.reason == "NTLM will fail: %s is in Protected Users: the DC refuses NTLM for its members" % username
    assert plan.fix == {"ansible_winrm_transport": "kerberos", "ansible_user": "protected@LAB.TEST"} \
        if "\\" in username else {"ansible_winrm_transport": "kerberos"}
    assert "Protected Users" in plan.remedy


def test_protected_user_kerberos_then_ntlm_list_is_kerberos() -> None:
    plan = predict(domain_facts(transports=("kerberos", "ntlm"), username="protected@LAB.TEST", user_account=PROTECTED))
    assert plan.protocol == "kerberos"


def test_protected_user_ntlm_after_a_blocked_kerberos_fails() -> None:
    plan = predict(facts(target=IP, transports=("kerberos", "ntlm"), directory=True, host_account=WIN01,
                         username="LAB\\protected", user_account=PROTECTED, realm="LAB.TEST"))
    assert plan.protocol == "fail"
    assert plan.reason.startswith("Kerberos would fail (the target is an IP address")
    assert "and so would NTLM (LAB\\protected is in Protected Users" in plan.reason
    assert plan.fix == {"ansible_host": "win01.lab.test"}  # the Kerberos fix: it is the one that can work


@pytest.mark.parametrize("target", ["win06.lab.test", "win06", IP])
def test_disabled_computer_blocks_domain_ntlm_whatever_the_name(target: str) -> None:
    plan = predict(facts(target=target, transports=("ntlm",), directory=True, host_account=DISABLED,
                         username="LAB\\alice"))
    assert plan.protocol == "fail"
    assert "WIN06$ is disabled, so it has no secure channel" in plan.reason
    assert "enable the computer account WIN06$" in plan.remedy


def test_disabled_computer_does_not_block_a_local_ntlm_logon() -> None:
    plan = predict(facts(target="win06.lab.test", transports=("ntlm",), directory=True, host_account=DISABLED,
                         username=".\\Administrator"))
    assert plan.protocol == "ntlm"


def test_domain_ntlm_to_a_workgroup_host_fails() -> None:
    plan = predict(facts(target="win02w.lab.test", transports=("ntlm",), directory=True, username="LAB\\alice"))
    assert plan.protocol == "fail"
    assert "not a domain member" in plan.reason


@pytest.mark.parametrize(("username", "transports", "fix"), [
    ("LAB\\alice", ("basic",), {"ansible_winrm_transport": "kerberos", "ansible_user": "alice@LAB.TEST"}),
    ("alice@LAB.TEST", ("basic",), {"ansible_winrm_transport": "kerberos"}),
])
def test_basic_never_accepts_a_domain_account(username: str, transports: tuple[str, ...],
                                              fix: dict[str, str]) -> None:
    plan = predict(domain_facts(transports=transports, username=username, realm="LAB.TEST"))
    assert plan.protocol == "fail"
    assert plan.reason == ("Basic will fail: %s is a domain account and WinRM Basic accepts local accounts only"
                           % username)
    assert plan.fix == fix


def test_basic_domain_account_fix_carries_the_kerberos_fix() -> None:
    plan = predict(facts(target=IP, transports=("basic",), directory=True, host_account=WIN01, username="LAB\\alice",
                         realm="LAB.TEST"))
    assert plan.protocol == "fail"
    assert plan.fix == {"ansible_winrm_transport": "kerberos", "ansible_user": "alice@LAB.TEST",
                        "ansible_host": "win01.lab.test"}


def test_basic_domain_account_fix_is_ntlm_when_kerberos_cannot_work() -> None:
    plan = predict(facts(target="win02.lab.test", transports=("basic",), directory=True, host_account=WIN02,
                         spn_owner=SVC_IIS, username="LAB\\alice"))
    assert plan.protocol == "fail"
    assert plan.fix == {"ansible_winrm_transport": "ntlm"}


def test_no_transport_with_a_down_level_name_is_basic_and_fails() -> None:
    # ansible-core's winrm plugin: no transport and no '@' in the user -> plaintext/ssl, i.e. Basic.
    plan = predict(domain_facts(transports=(), username="LAB\\alice", realm="LAB.TEST"))
    assert plan.protocol == "fail"
    assert "WinRM Basic accepts local accounts only" in plan.reason


def test_certificate_needs_a_certificate_and_https() -> None:
    assert predict(facts(transports=("certificate",), cert=False)).protocol == "fail"
    plan = predict(facts(transports=("certificate",), cert=True, scheme="http"))
    assert plan.protocol == "fail" and plan.fix == {"ansible_winrm_scheme": "https", "ansible_port": 5986}
    assert predict(facts(transports=("certificate",), cert=True, scheme="https")).protocol == "certificate"


def test_alias_not_followed_fix_is_the_override() -> None:
    plan = predict(facts(target="web.lab.test", directory=True, alias_of="srv01.lab.test", username="a@LAB.TEST",
                         ticket_error="no such SPN in the domain (Server not found in Kerberos database)"))
    assert plan.protocol == "fail"
    assert "web.lab.test is a DNS alias (CNAME) of srv01.lab.test" in plan.reason
    assert plan.fix == {"ansible_winrm_kerberos_hostname_override": "srv01.lab.test"}
    assert "register HTTP/web.lab.test" in plan.remedy


def test_alias_followed_uses_the_canonical_name() -> None:
    plan = predict(facts(target="web.lab.test", kerberos_name="srv01.lab.test", directory=True, spn_owner=WIN01,
                         host_account=WIN01, ticket_error=""))
    assert plan.protocol == "kerberos"
    assert plan.spn == "HTTP/srv01.lab.test" and plan.target == "web.lab.test"


def test_realm_case_fix_upper_cases_the_realm() -> None:
    plan = predict(facts(username="alice@lab.test", kdc_error="no KDC known for the realm"))
    assert plan.protocol == "fail"
    assert plan.fix == {"ansible_user": "alice@LAB.TEST"}


def test_clock_skew_remedy_names_the_time_source() -> None:
    plan = predict(facts(username="alice@LAB.TEST", kinit_managed=True,
                         kdc_error="clock skew: this controller's time differs from the DC's by more than 5 minutes"))
    assert plan.protocol == "fail"
    assert "time source" in plan.remedy


def test_disabled_user_account() -> None:
    plan = predict(domain_facts(transports=("kerberos", "ntlm"), ticket_error=None,
                                user_account=account("alice", 0x202)))
    assert plan.protocol == "fail"
    assert "the account alice is disabled in AD" in plan.reason


FAILING = [
    facts(target=IP, directory=True, host_account=WIN01), facts(target="web.lab.test", directory=True,
                                                                alias_of="srv01.lab.test"),
    facts(target="win02.lab.test", service="WSMAN", directory=True, host_account=WIN02),
    facts(target="win02.lab.test", directory=True, host_account=WIN02_WSMAN, spn_owner=SVC_IIS,
          wsman_spn_on_host=True),
    facts(username="alice@lab.test", kdc_error="x"), facts(username="a@LAB.TEST", kdc_error="Clock skew too great"),
    facts(transports=("ntlm",), directory=True, host_account=DISABLED, username="LAB\\alice"),
    facts(transports=("basic",), directory=True, host_account=WIN01, spn_owner=WIN01, username="LAB\\a"),
]


@pytest.mark.parametrize("f", FAILING)
def test_every_fail_has_a_remedy(f: TargetFacts) -> None:
    plan = predict(f)
    assert plan.protocol == "fail"
    assert plan.remedy
