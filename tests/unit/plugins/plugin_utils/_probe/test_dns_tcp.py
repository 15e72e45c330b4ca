"""Name resolution and TCP judgements (no network: facts are built by hand)."""

from __future__ import annotations

import errno

from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.dns import DnsFacts, judge
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.tcp import PortResult, classify
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.tcp import judge as judge_tcp


def test_name_that_resolves_reports_the_cname_chain() -> None:
    facts = DnsFacts("winrm.example.com", addresses=["10.0.0.5"], a=["10.0.0.5"],
                     cnames=[["winrm.example.com", "srv01.example.com"]], canonical="srv01.example.com",
                     ptr={"10.0.0.5": ["srv01.example.com"]})
    step = judge(facts)
    assert step.status == "ok"
    assert step.summary == "winrm.example.com -> 10.0.0.5 (alias of srv01.example.com)"
    assert step.evidence["cnames"] == [["winrm.example.com", "srv01.example.com"]]
    assert step.evidence["reverse"] == {"10.0.0.5": ["srv01.example.com"]}


def test_unresolvable_name_fails_with_the_dns_cause() -> None:
    step = judge(DnsFacts("nosuch.example.com", system_error="[Errno -2] Name or service not known",
                          dns_error="NXDOMAIN: no such name in DNS"))
    assert (step.status, step.cause, step.layer) == ("fail", "name-resolution", "dns")
    assert "nosuch.example.com" in step.fix and step.evidence["dns_error"].startswith("NXDOMAIN")


def test_ip_target_is_ok_but_says_kerberos_needs_a_name() -> None:
    step = judge(DnsFacts("10.0.0.5", addresses=["10.0.0.5"]))
    assert step.status == "ok" and step.evidence["ip_target"] is True and "Kerberos needs a name" in step.summary


def test_classify_port_states() -> None:
    assert classify(None) == "open"
    assert classify(TimeoutError()) == "filtered"
    assert classify(ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")) == "refused"
    assert classify(OSError(errno.EHOSTUNREACH, "No route to host")) == "unreachable"
    assert classify(OSError(errno.EINVAL, "odd")) == "error"


def test_configured_port_decides_and_other_open_ports_are_hinted() -> None:
    results = [PortResult("10.0.0.5", 5985, "refused", 1, "Connection refused"),
               PortResult("10.0.0.5", 5986, "open", 2)]
    step = judge_tcp(results, 5985, 5.0)
    assert (step.status, step.cause) == ("fail", "port-refused")
    assert "nothing listens" in step.summary and "port 5986 answers" in step.summary
    assert step.evidence["ports"][1] == {"address": "10.0.0.5", "port": 5986, "state": "open", "ms": 2}
    assert judge_tcp(results, 5986, 5.0).status == "ok"


def test_filtered_port() -> None:
    step = judge_tcp([PortResult("10.0.0.5", 5985, "filtered", 5000, "timed out")], 5985, 5.0)
    assert (step.cause, step.layer) == ("port-filtered", "tcp")
    assert "no answer within 5 s (filtered)" in step.summary
