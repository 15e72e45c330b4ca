"""The authenticated round trip (fake transport/client) and the step table's skipping rules."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._probe import run as probe_run
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.roundtrip import run as roundtrip
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.step import Step, ok, problem
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import AuthenticationError, ProtocolError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.faults import AccessDeniedFault
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import build_settings

_IDENTIFY = (b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><wsmid:IdentifyResponse '
             b'xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"><wsmid:ProductVersion>'
             b'OS: 10.0.20348 SP: 0.0 Stack: 3.0</wsmid:ProductVersion></wsmid:IdentifyResponse></s:Body></s:Envelope>')


class _Transport:
    def __init__(self, error: Exception | None = None) -> None:
        self.error, self.auth_used, self.sent = error, None, 0

    def send(self, payload: bytes, operation: str) -> tuple[int, bytes]:
        self.sent += 1
        if self.error:
            raise self.error
        self.auth_used = "ntlm"
        return 200, _IDENTIFY


class _Client:
    def __init__(self, error: Exception | None = None) -> None:
        self.error, self.got = error, []  # type: ignore[var-annotated]

    def get(self, uri: str) -> None:
        self.got.append(uri)
        if self.error:
            raise self.error


def test_round_trip_reports_the_protocol_that_authenticated() -> None:
    client = _Client()
    step = roundtrip(_Transport(), client, "Administrator", lambda auth: auth == "ntlm")
    assert step.status == "ok"
    assert step.evidence["auth"] == "ntlm" and step.evidence["message_encryption"] is True
    assert step.evidence["identify_version"] == "OS: 10.0.20348 SP: 0.0 Stack: 3.0"
    assert client.got == ["http://schemas.microsoft.com/wbem/wsman/1/config"]


@pytest.mark.parametrize(("error", "where", "cause", "layer"), [
    (AuthenticationError("ntlm authentication as 'bob' was rejected by the host (HTTP 401): check"), "send",
     "ntlm-rejected", "credentials"),
    (ProtocolError("the host refused an unencrypted message over HTTP (service AllowUnencrypted=false)"), "send",
     "unencrypted-refused", "encryption"),
    (AccessDeniedFault("Access is denied. ", wsman_code=5), "get", "access-denied", "authorization"),
])
def test_round_trip_failures_are_named_by_the_table(error: Exception, where: str, cause: str, layer: str) -> None:
    transport = _Transport(error if where == "send" else None)
    client = _Client(error if where == "get" else None)
    step = roundtrip(transport, client, "bob", lambda auth: False)
    assert (step.status, step.cause, step.layer) == ("fail", cause, layer)


def _fake(p: probe_run.Probe, name: str, step: Step, calls: list[str]) -> Any:
    def function(probe: probe_run.Probe) -> Step:
        calls.append(name)
        return step
    return function


def _table(monkeypatch: pytest.MonkeyPatch, results: dict[str, Step], calls: list[str]) -> None:
    rows = tuple((row[0], row[1], _fake(None, row[0], results.get(row[0], ok(row[0], "fine")), calls))  # type: ignore[arg-type]
                 for row in probe_run.STEPS)
    monkeypatch.setattr(probe_run, "STEPS", rows)


def test_a_failed_layer_skips_what_depends_on_it(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    _table(monkeypatch, {"tcp": problem("tcp", "port-filtered", "no answer")}, calls)
    steps = probe_run.run(probe_run.Probe(build_settings("h", username="u", password="p", transport="ntlm")))
    assert calls == ["dns", "tcp", "kerberos", "clock"]
    skipped = {s.name: s.summary for s in steps if s.status == "skip"}
    assert skipped == {n: "not tried: tcp failed" for n in ("identify", "schemes", "tls", "roundtrip")}


def test_wrong_password_still_reports_every_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    _table(monkeypatch, {"roundtrip": problem("roundtrip", "ntlm-rejected", "rejected")}, calls)
    steps = probe_run.run(probe_run.Probe(build_settings("h", username="u", password="bad", transport="ntlm")))
    assert calls == list(probe_run.NAMES)
    assert [s.status for s in steps] == ["ok"] * 7 + ["fail"]


def test_only_runs_the_chosen_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    _table(monkeypatch, {}, calls)
    steps = probe_run.run(probe_run.Probe(build_settings("h", username="u", password="p")), ("dns", "tls"))
    assert calls == ["dns", "tls"] and [s.name for s in steps] == ["dns", "tls"]


def test_kerberos_only_failure_spares_a_second_logon() -> None:
    p = probe_run.Probe(build_settings("h.lab.test", username="a@LAB.TEST", password="p", transport="kerberos"),
                        transport=_Transport(), client=_Client())
    p.steps["kerberos"] = problem("kerberos", "wrong-password", "no TGT")
    step = probe_run._roundtrip(p)
    assert step.status == "skip" and p.transport.sent == 0
    p.settings = build_settings("h.lab.test", username="a@LAB.TEST", password="p", transport="kerberos,ntlm")
    assert probe_run._roundtrip(p).status == "ok"  # NTLM may still work: try it


def test_kerberos_failure_is_a_warning_when_ntlm_follows() -> None:
    failing = problem("kerberos", "spn-not-found", "no service ticket for HTTP/10.0.0.5")
    negotiate = probe_run.Probe(build_settings("10.0.0.5", username="LAB\\a", password="p", transport="kerberos,ntlm"))
    warned = probe_run._fallback(negotiate, failing)
    assert (warned.status, warned.cause) == ("warn", "spn-not-found")
    assert warned.summary == "no service ticket for HTTP/10.0.0.5; the client falls through to ntlm"
    only = probe_run.Probe(build_settings("10.0.0.5", username="a@LAB.TEST", password="p", transport="ntlm,kerberos"))
    assert probe_run._fallback(only, failing).status == "fail"  # nothing after Kerberos
