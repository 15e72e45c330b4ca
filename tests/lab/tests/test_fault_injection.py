"""Fault-injection knobs of the lab (tests only; real Windows never does these)."""

from __future__ import annotations

import base64
import http.client

import pytest
from winlab.client import LabError


def _post(lab, host: str, authorization: str | None = None) -> http.client.HTTPResponse:
    info = lab.hosts[host]
    conn = http.client.HTTPConnection(info["address"], info["http_port"], timeout=10)
    headers = {"Content-Type": "application/soap+xml;charset=UTF-8"}
    if authorization:
        headers["Authorization"] = authorization
    conn.request("POST", "/wsman", body=b"<s:Envelope/>", headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_redirect_before_authentication(fresh) -> None:
    fresh.redirect("win02", "http://elsewhere.example/wsman", 302)
    response = _post(fresh, "win02")
    assert (response.status, response.getheader("Location")) == (302, "http://elsewhere.example/wsman")
    assert fresh.stats("win02")["requests"] == 0  # nothing was processed
    fresh.redirect("win02", None)
    assert _post(fresh, "win02").status == 401  # back to normal: an unauthenticated POST is challenged


def test_redirect_after_authentication(fresh) -> None:
    info = fresh.hosts["win01"]  # Basic over HTTP is allowed on win01
    basic = "Basic " + base64.b64encode(("%s:%s" % (info["admin_user"], info["admin_password"])).encode()).decode()
    fresh.redirect("win01", "http://elsewhere.example/wsman", after_auth=True)
    assert _post(fresh, "win01").status == 401  # still asks for credentials first
    response = _post(fresh, "win01", basic)
    assert (response.status, response.getheader("Location")) == (307, "http://elsewhere.example/wsman")
    assert [logon["protocol"] for logon in fresh.logons("win01")] == ["basic"]
    fresh.restore("win01")  # restore ends it too
    assert _post(fresh, "win01", basic).status != 307


@pytest.mark.parametrize("doc", [{"location": "http://x/", "status": 200}, {"status": 307}, [1]])
def test_redirect_knob_refuses_bad_input(fresh, doc) -> None:
    with pytest.raises(LabError, match="400"):
        fresh._control("POST", "/redirect?host=win02", doc)
