"""Authentication and message encryption, each host driven by its own configuration."""

from __future__ import annotations

import base64
import http.client
import socket

import pytest
import requests
import wsman_helpers as wh
from winrm.exceptions import InvalidCredentialsError, WinRMTransportError, WSManFaultError

SERVICE_AUTH = wh.CONFIG + "/service/auth"


def challenge(lab, host: str, authorization: str | None = None, scheme: str = "http") -> http.client.HTTPResponse:
    info = lab.hosts[host]
    if scheme == "https":
        import ssl

        ctx = ssl.create_default_context(cafile=lab.ca)
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(info["address"], info["https_port"], context=ctx)
    else:
        conn = http.client.HTTPConnection(info["address"], info["http_port"], timeout=10)
    headers = {"Content-Type": "application/soap+xml;charset=UTF-8"}
    if authorization:
        headers["Authorization"] = authorization
    conn.request("POST", "/wsman", body=b"", headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_401_lists_enabled_schemes_in_windows_order(fresh):
    win01 = challenge(fresh, "win01")
    assert win01.status == 401
    assert win01.getheader("Server") == "Microsoft-HTTPAPI/2.0"
    # Workgroup hosts: no Kerberos offered (windows-recorded/http-401-negotiate-only.headers.txt);
    # domain members offer it (test_fidelity.py::test_401_all_schemes_on_a_domain_member).
    assert win01.headers.get_all("WWW-Authenticate") == ["Negotiate", 'Basic realm="WSMAN"', "CredSSP"]
    assert challenge(fresh, "win02").headers.get_all("WWW-Authenticate") == ["Negotiate"]
    # win03: Basic forced off by Group Policy even if the local config said otherwise.
    assert challenge(fresh, "win03", scheme="https").headers.get_all("WWW-Authenticate") == ["Negotiate"]


def test_ntlm_over_http_is_encrypted(fresh):
    p = wh.protocol(fresh, "win02")
    root = wh.get(p, wh.CONFIG)
    assert p.transport.encryption is not None and p.transport.encryption.protocol == "ntlm"
    assert wh.body_of(root)[0].tag == f"{{{wh.CONFIG}}}Config"
    assert fresh.requests("win02") == 1


def test_ntlm_over_https_with_channel_binding(fresh):
    p = wh.protocol(fresh, "win02", scheme="https")
    wh.get(p, wh.CONFIG)
    assert p.transport.encryption is None  # HTTPS bodies are not sealed by clients


def test_basic_over_https_with_lab_ca(fresh):
    root = wh.get(wh.protocol(fresh, "win01", transport="basic", scheme="https"), SERVICE_AUTH)
    assert wh.body_of(root)[0].find(f"{{{SERVICE_AUTH}}}Basic").text == "true"
    with pytest.raises(InvalidCredentialsError):  # Basic is off on a default host
        wh.get(wh.protocol(fresh, "win02", transport="basic", scheme="https"), wh.CONFIG)
    with pytest.raises(InvalidCredentialsError):  # wrong password
        wh.get(wh.protocol(fresh, "win01", transport="basic", scheme="https", password="nope"), wh.CONFIG)


def test_basic_over_http_needs_allow_unencrypted(fresh):
    wh.get(wh.protocol(fresh, "win01", transport="basic"), wh.CONFIG)  # win01: AllowUnencrypted=true
    body = '<cfg:Service xmlns:cfg="{0}/service"><cfg:AllowUnencrypted>false</cfg:AllowUnencrypted></cfg:Service>'
    wh.put(wh.protocol(fresh, "win01"), wh.CONFIG + "/service", body.format(wh.CONFIG))
    with pytest.raises(InvalidCredentialsError):
        wh.get(wh.protocol(fresh, "win01", transport="basic"), wh.CONFIG)


def test_credssp_only_when_enabled(fresh):
    root = wh.get(wh.protocol(fresh, "win01", transport="credssp", scheme="https"), wh.CONFIG)
    assert wh.body_of(root)[0].tag == f"{{{wh.CONFIG}}}Config"
    p = wh.protocol(fresh, "win01", transport="credssp")  # HTTP: CredSSP-session-encrypted
    wh.get(p, wh.CONFIG)
    assert p.transport.encryption.protocol == "credssp"
    with pytest.raises(Exception, match="CredSSP being an available authentication method"):
        wh.get(wh.protocol(fresh, "win02", transport="credssp", scheme="https"), wh.CONFIG)


def test_large_credssp_messages_use_multi_encrypted(fresh):
    p = wh.protocol(fresh, "win01", transport="credssp")
    long_value = "x" * 40000  # > 16 KiB each way: request and reply are chunked
    out = wh.reg_call(p, "SetStringValue", sSubKeyName="SOFTWARE", sValueName="Big", sValue=long_value)
    assert wh.return_value(out) == 0
    out = wh.reg_call(p, "GetStringValue", sSubKeyName="SOFTWARE", sValueName="Big")
    assert wh.reg_out(out, "sValue") == [long_value]


def test_basic_refused_after_put_switches_it_off(fresh):
    wh.get(wh.protocol(fresh, "win01", transport="basic", scheme="https"), wh.CONFIG)
    off = f'<cfg:Auth xmlns:cfg="{SERVICE_AUTH}"><cfg:Basic>FALSE</cfg:Basic></cfg:Auth>'
    reply = wh.put(wh.protocol(fresh, "win01"), SERVICE_AUTH, off)
    auth = wh.body_of(reply)[0]
    expected = ["Basic", "Kerberos", "Negotiate", "Certificate", "CredSSP", "CbtHardeningLevel"]
    assert [el.tag.split("}")[1] for el in auth] == expected
    assert auth.find(f"{{{SERVICE_AUTH}}}Basic").text == "false"
    assert fresh.state("win01")["config"]["Service"]["Auth"]["Basic"] == "false"
    with pytest.raises(InvalidCredentialsError):
        wh.get(wh.protocol(fresh, "win01", transport="basic", scheme="https"), wh.CONFIG)
    assert 'Basic realm="WSMAN"' not in challenge(fresh, "win01").headers.get_all("WWW-Authenticate")


def test_unencrypted_body_over_http_refused_with_empty_500(fresh):
    p = wh.protocol(fresh, "win02", message_encryption="never")
    with pytest.raises(WinRMTransportError) as err:
        wh.get(p, wh.CONFIG)
    assert err.value.code == 500 and err.value.response_text == ""
    # win01 allows unencrypted traffic
    wh.get(wh.protocol(fresh, "win01", message_encryption="never"), wh.CONFIG)


def test_auditor_authenticates_but_is_denied(fresh):
    p = wh.protocol(fresh, "win02", user="auditor", password=fresh.hosts["win02"]["users"]["auditor"]["password"])
    with pytest.raises(WSManFaultError) as err:
        wh.get(p, wh.CONFIG)
    fault = err.value
    assert (fault.code, fault.fault_subcode, fault.wsman_fault_code) == (500, "w:AccessDenied", 5)
    assert fault.reason == "Access is denied. "


def test_account_of_another_host_is_rejected(fresh):
    with pytest.raises(InvalidCredentialsError):
        wh.get(wh.protocol(fresh, "win02", user="WIN01\\Administrator"), wh.CONFIG)
    wh.get(wh.protocol(fresh, "win02", user="WIN02\\Administrator"), wh.CONFIG)
    wh.get(wh.protocol(fresh, "win02", user=".\\Administrator"), wh.CONFIG)


def test_cbt_strict(fresh):
    strict = f'<cfg:Auth xmlns:cfg="{SERVICE_AUTH}"><cfg:CbtHardeningLevel>strict</cfg:CbtHardeningLevel></cfg:Auth>'
    wh.put(wh.protocol(fresh, "win02", scheme="https"), SERVICE_AUTH, strict)
    assert fresh.state("win02")["config"]["Service"]["Auth"]["CbtHardeningLevel"] == "Strict"
    with pytest.raises(InvalidCredentialsError):  # no channel to bind over HTTP
        wh.get(wh.protocol(fresh, "win02"), wh.CONFIG)
    with pytest.raises(InvalidCredentialsError):  # HTTPS without a channel binding token
        wh.get(wh.protocol(fresh, "win02", scheme="https", send_cbt=False), wh.CONFIG)
    wh.get(wh.protocol(fresh, "win02", scheme="https"), wh.CONFIG)  # pywinrm sends the CBT


def test_garbage_never_crashes_the_host(fresh):
    for header in ("Negotiate !!!notbase64", "Negotiate " + base64.b64encode(b"\x60\x10garbage").decode(),
                   "Kerberos " + base64.b64encode(b"\x60\x30\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02").decode(),
                   "NTLM TlRMTVNTUAABAAAA", "CredSSP " + base64.b64encode(b"\x16\x03\x01junk").decode(),
                   "Basic " + base64.b64encode(b"\xff\xfe").decode(), "Digest x"):
        assert challenge(fresh, "win01", header).status == 401, header
    with socket.create_connection((fresh.hosts["win01"]["address"], 5985), timeout=5) as s:
        s.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        s.recv(1024)
    # Malformed SOAP from an authenticated client is a proper WS-Man fault.
    p = wh.protocol(fresh, "win01")
    with pytest.raises(WSManFaultError) as err:
        p.send_message("<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope'><oops")
    assert err.value.code == 500 and err.value.wsman_fault_code == 2150858819
    billion = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(WSManFaultError):
        p.send_message(billion)
    wh.get(wh.protocol(fresh, "win01"), wh.CONFIG)  # still serving


def test_identify_unauthenticated_and_authenticated(fresh):
    body = (
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        f'xmlns:wsmid="{wh.NS["wsmid"]}"><s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>'
    )
    headers = {"WSMANIDENTIFY": "unauthenticated", "Content-Type": "application/soap+xml;charset=UTF-8"}
    r = requests.post(fresh.endpoint("win02"), data=body, headers=headers)
    assert r.status_code == 200
    assert "<wsmid:ProductVendor>Microsoft Corporation</wsmid:ProductVendor>" in r.text
    assert "OS: 0.0.0 SP: 0.0 Stack: 3.0" in r.text and "SecurityProfiles" not in r.text
    reply = wh.protocol(fresh, "win02").send_message(body).decode()
    assert "OS: 10.0.20348 SP: 0.0 Stack: 3.0" in reply and "spnego-kerberos" in reply
    assert fresh.stats("win02")["by_action"]["Identify"] == 2


def test_counters_count_wsman_requests(fresh):
    p = wh.protocol(fresh, "win02")
    for _round in range(3):
        wh.get(p, wh.CONFIG)
    wh.get(p, SERVICE_AUTH)
    stats = fresh.stats("win02")
    assert stats["requests"] == 4 and stats["by_action"] == {"Get": 4}
    assert fresh.requests("win01") == 0
    fresh.reset_counters("win02")
    assert fresh.requests("win02") == 0


def test_spnego_wrapped_ntlm_with_encryption(fresh):
    """A SPNEGO client (Negotiate carrying NTLM) completes, gets a mechListMIC and can seal."""
    import struct

    import spnego

    info = fresh.hosts["win02"]
    ctx = spnego.client(info["admin_user"], info["admin_password"], hostname="win02", service="HTTP",
                        protocol="negotiate", options=spnego.NegotiateOptions.use_negotiate)
    conn = http.client.HTTPConnection(info["address"], info["http_port"], timeout=10)
    token = ctx.step()
    assert token[:1] == b"\x60"  # SPNEGO NegTokenInit
    while True:
        authorization = "Negotiate " + base64.b64encode(token).decode()
        conn.request("POST", "/wsman", body=b"", headers={"Authorization": authorization})
        response = conn.getresponse()
        response.read()
        header = response.getheader("WWW-Authenticate", "")
        incoming = base64.b64decode(header.split(" ", 1)[1]) if " " in header else None
        if response.status != 401:
            break
        token = ctx.step(incoming)
    assert response.status == 200 and incoming is not None
    ctx.step(incoming)
    assert ctx.complete and ctx.negotiated_protocol == "ntlm"
    message = wh.envelope(wh.TRANSFER + "Get", wh.CONFIG).encode()
    sealed = ctx.wrap_winrm(message)
    boundary = b"--Encrypted Boundary"
    body = (boundary + b"\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(len(message)).encode()
            + b"\r\n" + boundary + b"\r\n\tContent-Type: application/octet-stream\r\n"
            + struct.pack("<I", len(sealed.header)) + sealed.header + sealed.data + boundary + b"--\r\n")
    content_type = ('multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";'
                    'boundary="Encrypted Boundary"')
    conn.request("POST", "/wsman", body=body, headers={"Content-Type": content_type})
    response = conn.getresponse()
    reply = response.read()
    assert response.status == 200 and response.getheader("Content-Type") == content_type
    part = reply.split(boundary + b"\r\n")[2][len(b"\tContent-Type: application/octet-stream\r\n"):]
    (sig_len,) = struct.unpack("<I", part[:4])
    plain = ctx.unwrap_winrm(part[4:4 + sig_len], part[4 + sig_len:-len(boundary + b"--\r\n")])
    assert b"<cfg:Config" in plain


def test_uac_remote_restrictions_for_local_admins(fresh):
    """A second local admin is filtered (AccessDenied) unless LocalAccountTokenFilterPolicy=1."""
    for host in ("win02", "win01"):  # win01's scenario sets LocalAccountTokenFilterPolicy=1
        state = fresh.state(host)
        state["users"]["opsadmin"] = {"password": "Lab-Adm1n!Secret-7q", "admin": True}
        fresh.set_state(host, state)
    with pytest.raises(WSManFaultError) as err:
        wh.get(wh.protocol(fresh, "win02", user="opsadmin"), wh.CONFIG)
    assert err.value.wsman_fault_code == 5
    wh.get(wh.protocol(fresh, "win01", user="opsadmin"), wh.CONFIG)
