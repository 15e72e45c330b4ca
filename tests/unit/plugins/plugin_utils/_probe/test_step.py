"""Step shapes, the verdict line and redaction."""

from __future__ import annotations

import pytest

from ansible_collections.winauth.winrm.plugins.module_utils._choices import PROBE_STEPS
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.run import NAMES
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.step import ok, problem, redact, skip, verdict


def test_step_table_matches_the_documented_choices() -> None:
    assert NAMES == PROBE_STEPS


def test_problem_takes_layer_and_fix_from_the_table() -> None:
    step = problem("roundtrip", "access-denied", "Access is denied", evidence={"user": "auditor"}, auth="ntlm")
    assert (step.layer, step.status, step.cause) == ("authorization", "fail", "access-denied")
    assert "administrator" in step.fix and step.evidence == {"user": "auditor", "auth": "ntlm"}
    assert problem("tls", "tls-misnamed", "x", fix="connect by win01").fix == "connect by win01"
    with pytest.raises(KeyError):
        problem("tls", "no-such-cause", "x")


def test_verdict_first_failure_wins() -> None:
    steps = [ok("dns", "fine"), problem("tcp", "port-refused", "port 5985 refused"),
             skip("identify", "not tried"), problem("roundtrip", "ntlm-rejected", "rejected")]
    healthy, line = verdict("http://h:5985/wsman", steps)
    assert not healthy
    assert line.startswith("http://h:5985/wsman: FAIL at tcp (port-refused): port 5985 refused - fix: ")


def test_verdict_ok_with_round_trip_and_warnings() -> None:
    steps = [ok("dns", "fine"), problem("tls", "tls-expired", "expires soon", status="warn"),
             ok("roundtrip", "ntlm authenticated bob")]
    healthy, line = verdict("https://h:5986/wsman", steps)
    assert healthy
    assert line == "https://h:5986/wsman: OK - ntlm authenticated bob; warnings: expires soon (tls-expired)"


def test_redact_walks_everything() -> None:
    value = {"msg": "pw S3cret! leaked", "steps": [{"e": ("S3cret!", 1)}], "n": None}
    assert redact(value, "S3cret!") == {"msg": "pw ******** leaked", "steps": [{"e": ["********", 1]}], "n": None}
    assert redact(value, None) is value
