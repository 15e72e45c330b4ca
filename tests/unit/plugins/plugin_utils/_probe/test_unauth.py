"""The unauthenticated Identify and the 401 challenge, on the recorded Windows replies."""

from __future__ import annotations

from collections.abc import Callable

from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.unauth import (
    Reply,
    host_clock_skew,
    identify_request,
    judge_identify,
    judge_schemes,
    offered,
    parse_identify,
)


def _recorded_401(recorded: Callable[[str], bytes], name: str) -> Reply:
    lines = recorded(name).decode().splitlines()
    status_line = lines[0]
    assert status_line == "HTTP/1.1 401 "  # Windows: no reason phrase
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:] if line.strip()]
    return Reply(int(status_line.split()[1]), "", headers)  # type: ignore[arg-type]


def test_identify_request_is_what_test_wsman_sends() -> None:
    headers, body = identify_request()
    assert headers["WSMANIDENTIFY"] == "unauthenticated"
    assert b"<wsmid:Identify/>" in body


def test_recorded_unauthenticated_identify(recorded: Callable[[str], bytes]) -> None:
    body = recorded("identify-unauthenticated.response.xml")
    assert parse_identify(body) == {
        "vendor": "Microsoft Corporation", "version": "OS: 0.0.0 SP: 0.0 Stack: 3.0",
        "protocol": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    }
    step = judge_identify(Reply(200, "OK", [("Server", "Microsoft-HTTPAPI/2.0")], body, 3))
    assert step.status == "ok" and step.summary == "Microsoft Corporation, WS-Management stack 3.0"
    assert step.evidence["server"] == "Microsoft-HTTPAPI/2.0"


def test_identify_that_is_not_wsman() -> None:
    step = judge_identify(Reply(404, "Not Found", [], b"<html/>"))
    assert (step.status, step.cause, step.layer) == ("fail", "not-wsman", "wsman")
    assert step.summary == "the port answers HTTP 404 but no WS-Management Identify reply"
    assert parse_identify(b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>") == {}  # hostile XML is refused


def test_recorded_401_all_schemes(recorded: Callable[[str], bytes]) -> None:
    reply = _recorded_401(recorded, "http-401-all-schemes.headers.txt")
    assert offered(reply) == ["negotiate", "kerberos", "basic", "credssp"]
    step = judge_schemes(reply, ("kerberos", "ntlm"))
    assert step.status == "ok"
    assert step.evidence["www_authenticate"] == ["Negotiate", "Kerberos", 'Basic realm="WSMAN"', "CredSSP"]
    assert step.evidence["status_line"] == "HTTP/1.1 401 "


def test_recorded_401_negotiate_only_refuses_basic(recorded: Callable[[str], bytes]) -> None:
    reply = _recorded_401(recorded, "http-401-negotiate-only.headers.txt")
    step = judge_schemes(reply, ("basic",))
    assert (step.status, step.cause, step.layer) == ("fail", "basic-rejected", "credentials")
    assert step.summary == "the host offers negotiate, not basic"
    assert "{service: {basic: true}}" in step.fix and "ntlm, kerberos" in step.fix
    fallthrough = judge_schemes(reply, ("credssp", "ntlm"))
    assert (fallthrough.status, fallthrough.cause) == ("warn", "credssp-not-offered")
    assert "falls through to ntlm" in fallthrough.summary


def test_not_a_401() -> None:
    step = judge_schemes(Reply(200, "OK", []), ("ntlm",))
    assert step.status == "fail" and "not 401" in step.summary


def test_host_clock_from_the_date_header(recorded: Callable[[str], bytes]) -> None:
    reply = _recorded_401(recorded, "http-401-all-schemes.headers.txt")  # Date: Tue, 08 Jun 2021 05:54:59 GMT
    assert host_clock_skew(reply, 1623131699.0 + 400) == -400.0
    assert host_clock_skew(Reply(401, "", []), 0.0) is None
    assert host_clock_skew(Reply(401, "", [("Date", "garbage")]), 0.0) is None
