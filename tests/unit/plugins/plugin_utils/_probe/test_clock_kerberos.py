"""Clock skew (the AS-REQ / KRB-ERROR exchange built and read by hand) and the ticket check."""

from __future__ import annotations

from calendar import timegm
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.kdc import KerberosError
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe import clock
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.kerberos import check, spn


def _krb_error(stime: str, code: int, usec: int = 250000) -> bytes:
    """A KRB-ERROR as a KDC sends it (RFC 4120 5.9.1), with the fields the parser needs."""
    t, c, i = clock._tlv, clock._ctx, clock._int
    seq = (c(0, i(5)) + c(1, i(30)) + c(4, t(0x18, stime.encode())) + c(5, i(usec)) + c(6, i(code))
           + c(9, t(0x1B, b"LAB.TEST")) + c(10, clock._principal(2, "krbtgt", "LAB.TEST")))
    return t(0x7E, t(0x30, seq))


def test_as_req_shape() -> None:
    packet = clock.as_req("ansible", "LAB.TEST", 12345)
    assert packet[0] == 0x6A  # [APPLICATION 10] AS-REQ
    assert b"ansible" in packet and b"krbtgt" in packet and packet.count(b"LAB.TEST") == 2
    tag, body, end = clock._read(packet, 0)
    assert (tag, end) == (0x6A, len(packet))


def test_parse_krb_error_gives_the_kdc_time() -> None:
    when, code = clock.parse_krb_error(_krb_error("20261201090000Z", 25))  # KDC_ERR_PREAUTH_REQUIRED
    assert code == 25
    assert when == timegm((2026, 12, 1, 9, 0, 0, 0, 0, 0)) + 0.25


def test_parse_refuses_what_is_not_a_krb_error() -> None:
    for data in (b"", b"\x6b\x03\x30\x01\x00", b"\x7e\x05\x30\x03\xa0\x01"):
        try:
            clock.parse_krb_error(data)
        except ValueError:
            continue
        raise AssertionError("accepted %r" % data)


def test_krb5_conf_reading() -> None:
    text = """[libdefaults]
  default_realm = LAB.TEST
[realms]
  LAB.TEST = {
    kdc = dc1.lab.test
    kdc = 10.0.0.2:750
  }
  OTHER.TEST = {
    kdc = other
  }
"""
    assert clock.default_realm(text) == "LAB.TEST"
    assert clock.configured_kdcs(text, "LAB.TEST") == [("dc1.lab.test", 88), ("10.0.0.2", 750)]
    assert clock.configured_kdcs(text, "NONE.TEST") == []


def test_realm_and_user() -> None:
    conf = "[libdefaults]\n default_realm = LAB.TEST\n"
    assert clock.realm_and_user("ansible@lab.test", conf) == ("LAB.TEST", "ansible")
    assert clock.realm_and_user("LAB\\ansible", conf) == ("LAB.TEST", "ansible")
    assert clock.realm_and_user(None, "") == ("", "winrm-probe")


def test_clock_judgement() -> None:
    far = clock.judge(clock.KdcClock("dc1:88", 400.2, 25), 1.0, uses_kerberos=True)
    assert (far.status, far.cause, far.layer) == ("fail", "clock-skew", "clock")
    assert far.summary == "the KDC's clock is +400 s off this controller's (limit 300 s)"
    host = clock.judge(None, -301.0, uses_kerberos=True)
    assert host.cause == "clock-skew" and "host's clock is -301 s" in host.summary
    assert clock.judge(None, -900.0, uses_kerberos=False).status == "ok"  # NTLM does not care
    fine = clock.judge(clock.KdcClock("dc1:88", 0.4, 25), 0.0, uses_kerberos=True)
    assert fine.status == "ok" and fine.evidence["kdc_skew_s"] == 0.4
    assert clock.judge(clock.KdcClock("", None, error="no KDC"), None, True).status == "skip"


def test_spn_is_pywinrms() -> None:
    assert spn("HTTP", "srv01.lab.test", None) == "HTTP/srv01.lab.test"
    assert spn("WSMAN", "10.0.0.5", "srv01.lab.test") == "WSMAN/srv01.lab.test"


class _KDC:
    def __init__(self, tgt_error: str = "", ticket_error: str = "") -> None:
        self.tgt_error, self.ticket_error = tgt_error, ticket_error
        self.asked: list[Any] = []

    def credentials(self, user: str | None, password: str | None) -> Any:
        self.asked.append(("tgt", user, password is not None))
        if self.tgt_error:
            raise KerberosError(self.tgt_error)
        return "creds"

    def ticket(self, creds: Any, service: str, host: str) -> str:
        self.asked.append(("ticket", service, host))
        return self.ticket_error


def _check(kdc: _KDC, host: str = "srv01.lab.test", override: str | None = None, password: str | None = "pw",
           reverse: list[str] | None = None):  # type: ignore[no-untyped-def]
    return check("HTTP", host, override, "ansible@LAB.TEST", password, reverse or [], kdc.credentials, kdc.ticket)


def test_ticket_issued() -> None:
    kdc = _KDC()
    step = _check(kdc)
    assert step.status == "ok" and step.summary == "service ticket for HTTP/srv01.lab.test issued"
    assert kdc.asked == [("tgt", "ansible@LAB.TEST", True), ("ticket", "HTTP", "srv01.lab.test")]
    assert "pw" not in repr(step.evidence) and step.evidence["tgt_from"] == "password"


def test_ip_target_gets_the_name_fix() -> None:
    step = _check(_KDC(ticket_error="no such SPN in the domain (Server not found in Kerberos database)"),
                  host="10.0.0.5", reverse=["srv01.lab.test"])
    assert (step.status, step.cause, step.layer) == ("fail", "spn-not-found", "kerberos")
    assert step.evidence["spn"] == "HTTP/10.0.0.5"
    assert "set ansible_host to srv01.lab.test" in step.fix
    assert "ansible_winrm_kerberos_hostname_override=srv01.lab.test" in step.fix


def test_missing_spn_by_name_gets_the_setspn_fix() -> None:
    step = _check(_KDC(ticket_error="Server not found in Kerberos database"))
    assert step.cause == "spn-not-found" and "setspn -S HTTP/srv01.lab.test" in step.fix


def test_tgt_failures_are_named() -> None:
    assert _check(_KDC(tgt_error="wrong password (Preauthentication failed)")).cause == "wrong-password"
    assert _check(_KDC(tgt_error="clock skew: ... (Clock skew too great)")).cause == "clock-skew"
    cache = _KDC(tgt_error="no ticket cache: run kinit or give a password (No Kerberos credentials)")
    step = _check(cache, password=None)
    assert step.cause == "no-ticket" and cache.asked == [("tgt", None, False)]
    assert step.evidence["tgt_from"] == "cache"
