"""winrm_listener and the listener certificate facts of winrm_info, against the lab.

win01 is reached with Basic over HTTPS, win02 with NTLM over HTTP, win03 with NTLM over HTTPS
(conftest.CONNECTIONS), so the HTTPS listener carries the connection on win01/win03 and the HTTP
one on win02. Certificates are added to a host's LocalMachine\\My with Lab.add_certificate: the
lab keeps them where Windows does (the registry Blob StdRegProv reads) and serves the one a
listener names.
"""

from __future__ import annotations

import hashlib
import socket
import ssl
from typing import Any

from winlab.client import Lab

POLICY_SERVICE = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service"


def https_of(state: dict[str, Any]) -> dict[str, Any]:
    return next(li for li in state["listeners"] if li["Transport"] == "HTTPS")


def plant_thumbprint(lab: Lab, host: str, thumbprint: str) -> None:
    """Point the host's HTTPS listener at a certificate behind the module's back (as an admin could)."""
    state = lab.state(host)
    https_of(state)["CertificateThumbprint"] = thumbprint
    lab.set_state(host, state)


def served_thumbprint(address: str, port: int) -> str:
    """SHA-1 of the certificate the listener really presents in the TLS handshake."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((address, port), timeout=5) as sock, \
            context.wrap_socket(sock) as tls:
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return hashlib.sha1(der).hexdigest().upper()


def ids(result: dict[str, Any]) -> set[str]:
    return {f["id"] for f in result["findings"]}


def test_info_reports_each_https_certificate_with_one_request_each(fresh: Lab, playbook) -> None:
    run = playbook("winrm_info")
    for host in ("win01", "win02", "win03"):
        result = run.results[host]
        assert not result.get("failed"), result
        listeners = result["ansible_facts"]["winauth_winrm"]["listeners"]
        https = next(li for li in listeners if li["transport"] == "HTTPS")
        http = next(li for li in listeners if li["transport"] == "HTTP")
        cert = https["certificate"]
        assert http["certificate"] is None
        assert cert["found"] is True and cert["thumbprint"] == fresh.hosts[host]["thumbprint"]
        assert cert["subject"] == "CN=%s.lab.test" % host and cert["issuer"] == "CN=winauth lab CA"
        assert cert["san"] == ["%s.lab.test" % host, host, fresh.hosts[host]["address"]]
        assert cert["self_signed"] is False and cert["name_matches"] is True and cert["has_private_key"] is True
        assert 3640 < cert["days_to_expiry"] < 3650
        assert not {i for i in ids(result) if i.startswith("LISTENER-CERT-")}, result["findings"]
    # win02: the four reads plus one GetBinaryValue for its one HTTPS listener, as the lab counted.
    assert run.results["win02"]["wsman_round_trips"] == fresh.requests("win02") == 5


def test_info_finds_expired_self_signed_mismatched_and_expiring_certificates(fresh: Lab, playbook) -> None:
    bad = fresh.add_certificate("win02", subject="someone-else.example", self_signed=True, not_after=-3)
    soon = fresh.add_certificate("win02", subject="win02.lab.test", san=["win02.lab.test", "win02"], not_after=10)
    state = fresh.state("win02")
    https_of(state)["CertificateThumbprint"] = bad["thumbprint"]
    address = fresh.hosts["win02"]["address"]
    state["listeners"].append({"Address": "IP:" + address, "Transport": "HTTPS", "Port": "5997",
                               "Hostname": "win02.lab.test", "Enabled": "true", "URLPrefix": "wsman",
                               "CertificateThumbprint": soon["thumbprint"]})
    fresh.set_state("win02", state)

    result = playbook("winrm_info", hosts={"win02": {}}).results["win02"]
    by_setting: dict[str, set[str]] = {}
    for finding in result["findings"]:
        if finding["id"].startswith("LISTENER-CERT-"):
            by_setting.setdefault(finding["setting"], set()).add(finding["id"])
    assert by_setting == {
        "listener *:5986 certificate": {"LISTENER-CERT-EXPIRED", "LISTENER-CERT-NAME-MISMATCH",
                                        "LISTENER-CERT-SELF-SIGNED"},
        "listener IP:%s:5997 certificate" % address: {"LISTENER-CERT-EXPIRING"},
    }
    expiring = next(f for f in result["findings"] if f["id"] == "LISTENER-CERT-EXPIRING")
    assert expiring["severity"] == "medium" and expiring["value"] in (9, 10)
    expired = next(f for f in result["findings"] if f["id"] == "LISTENER-CERT-EXPIRED")
    assert expired["severity"] == "high" and "winrm_listener" in expired["fix"]
    facts = {li["port"]: li["certificate"] for li in result["ansible_facts"]["winauth_winrm"]["listeners"]
             if li["certificate"]}
    assert facts[5986]["self_signed"] is True and facts[5986]["name_matches"] is False
    assert facts[5986]["days_to_expiry"] < 0
    assert facts[5997]["name_matches"] is True and facts[5997]["issuer"] == "CN=winauth lab CA"
    # One extra request per HTTPS listener, no more: 4 + 2.
    assert result["wsman_round_trips"] == 6

    # A thumbprint the store does not hold: the listener cannot serve TLS, and the audit says so.
    plant_thumbprint(fresh, "win02", "0" * 40)
    result = playbook("winrm_info", hosts={"win02": {}}).results["win02"]
    missing = [f for f in result["findings"] if f["id"] == "LISTENER-CERT-MISSING"]
    assert [f["value"] for f in missing] == ["0" * 40] and missing[0]["severity"] == "high"


def test_create_https_with_a_matching_certificate_then_connect_through_it(fresh: Lab, playbook) -> None:
    info = fresh.hosts["win02"]
    cert = fresh.add_certificate("win02", subject="win02-new.lab.test", san=["win02-new.lab.test", info["address"]])
    removed = playbook("winrm_listener", {"transport": "https", "state": "absent"}, hosts={"win02": {}},
                       diff=True).results["win02"]
    assert removed["changed"] is True and not removed.get("failed"), removed
    assert removed["listener"] is None and [li["transport"] for li in removed["listeners"]] == ["HTTP"]
    assert removed["diff"]["after"] == {} and removed["diff"]["before"]["port"] == 5986
    assert [li["Transport"] for li in fresh.state("win02")["listeners"]] == ["HTTP"]

    # A thumbprint pasted from certlm.msc: invisible mark, spaces, lower case.
    pasted = "\u200e" + " ".join(cert["thumbprint"][i:i + 2] for i in range(0, 40, 2)).lower()
    args = {"transport": "https", "hostname": "win02-new.lab.test", "certificate_thumbprint": pasted}
    created = playbook("winrm_listener", args, hosts={"win02": {}}).results["win02"]
    assert created["changed"] is True and not created.get("failed"), created
    listener = created["listener"]
    assert (listener["port"], listener["hostname"], listener["certificate_thumbprint"], listener["source"]) == (
        5986, "win02-new.lab.test", cert["thumbprint"], "local")
    assert listener["listening_on"] == [info["address"]]
    assert listener["certificate"]["name_matches"] is True and listener["certificate"]["found"] is True
    assert https_of(fresh.state("win02"))["CertificateThumbprint"] == cert["thumbprint"]

    again = playbook("winrm_listener", args, hosts={"win02": {}}).results["win02"]
    assert again["changed"] is False and again["changes"] == [] and not again.get("failed"), again

    # The listener serves the certificate it names, and the controller connects through it.
    assert served_thumbprint(info["address"], 5986) == cert["thumbprint"]
    over_https = playbook("winrm_info", hosts={"win02": {"ansible_winrm_scheme": "https", "ansible_port": 5986}})
    result = over_https.results["win02"]
    assert not result.get("failed") and not result.get("unreachable"), result
    assert result["connection"]["endpoint"] == "https://%s:5986/wsman" % info["address"]


def test_wrong_name_expired_missing_and_client_only_certificates_are_refused(fresh: Lab, playbook) -> None:
    other = fresh.add_certificate("win02", subject="other.lab.test", san=["other.lab.test"])
    expired = fresh.add_certificate("win02", subject="win02.lab.test", san=["win02.lab.test"], not_after=-1)
    client_only = fresh.add_certificate("win02", subject="win02.lab.test", san=["win02.lab.test"], server_auth=False)
    before = fresh.state_bytes("win02")
    cases = [
        (other["thumbprint"], "is for other.lab.test, not for hostname 'win02.lab.test'"),
        (expired["thumbprint"], "expired on"),
        ("A" * 40, "is not in LocalMachine\\My"),
        (client_only["thumbprint"], "not valid for server authentication"),
        ("not-a-thumbprint", "is not a certificate thumbprint"),
    ]
    for thumbprint, why in cases:
        args = {"transport": "https", "hostname": "win02.lab.test", "certificate_thumbprint": thumbprint}
        result = playbook("winrm_listener", args, hosts={"win02": {}}).results["win02"]
        assert result.get("failed") is True and result["changed"] is False, result
        assert why in result["msg"], (why, result["msg"])
        assert fresh.state_bytes("win02") == before, "a refused certificate changed the host (%s)" % why


def test_the_listener_carrying_the_connection_is_kept_unless_forced(fresh: Lab, playbook) -> None:
    before = fresh.state_bytes("win01")
    for args, what in (({"state": "absent"}, "deleting the HTTPS listener *:5986"),
                       ({"enabled": False}, "disabling the HTTPS listener *:5986"),
                       ({"port": 5999}, "moving the HTTPS listener *:5986 to port 5999")):
        result = playbook("winrm_listener", {"transport": "https", **args}, hosts={"win01": {}}).results["win01"]
        assert result.get("failed") is True and result["changed"] is False, result
        assert "refusing to lock this controller out" in result["msg"] and what in result["msg"], result["msg"]
        assert fresh.state_bytes("win01") == before, "a refused lockout changed the host"
    # The other listener is fair game: win01 keeps its HTTPS connection.
    result = playbook("winrm_listener", {"transport": "http", "enabled": False}, hosts={"win01": {}}).results["win01"]
    assert result["changed"] is True and not result.get("failed"), result
    assert next(li for li in fresh.state("win01")["listeners"] if li["Transport"] == "HTTP")["Enabled"] == "false"

    # force: the host does it, the task warns, and the controller's path is gone.
    forced = playbook("winrm_listener", {"transport": "https", "enabled": False, "force": True},
                      hosts={"win03": {}})
    result = forced.results["win03"]
    assert result["changed"] is True and not result.get("failed"), result
    assert "may have cut this controller's connection" in forced.output
    assert https_of(fresh.state("win03"))["Enabled"] == "false"


def test_group_policy_and_compatibility_listeners_are_reported_not_changed(fresh: Lab, playbook) -> None:
    state = fresh.state("win01")
    policy = state["registry"]["HKEY_LOCAL_MACHINE"]
    for part in ("SOFTWARE", "Policies", "Microsoft", "Windows", "WinRM", "Service"):
        policy = policy["subkeys"].setdefault(part, {"subkeys": {}, "values": []})
    policy["values"] += [{"name": "AllowAutoConfig", "type": "REG_DWORD", "data": 1},
                         {"name": "IPv4Filter", "type": "REG_SZ", "data": "*"},
                         {"name": "IPv6Filter", "type": "REG_SZ", "data": "*"}]
    state["config"]["Service"]["EnableCompatibilityHttpListener"] = "true"
    fresh.set_state("win01", state)
    before = fresh.state_bytes("win01")

    for args in ({"state": "absent"}, {"enabled": False}):
        result = playbook("winrm_listener", {"transport": "http", **args}, hosts={"win01": {}}).results["win01"]
        assert result.get("failed") is True and result["changed"] is False, result
        assert "created by Group Policy" in result["msg"] and "AllowAutoConfig" in result["msg"], result["msg"]
        assert fresh.state_bytes("win01") == before
    # Asking for what the policy already delivers is fine, and reports the source.
    same = playbook("winrm_listener", {"transport": "http"}, hosts={"win01": {}}).results["win01"]
    assert same["changed"] is False and not same.get("failed"), same
    assert same["listener"]["source"] == "gpo"
    assert sorted((li["source"], li["port"]) for li in same["listeners"] if li["transport"] == "HTTP") == [
        ("compatibility", 80), ("gpo", 5985)]

    # Without the policy, the local HTTP listener goes; the compatibility one stays and is refused.
    fresh.restore("win01")
    state = fresh.state("win01")
    state["config"]["Service"]["EnableCompatibilityHttpListener"] = "true"
    fresh.set_state("win01", state)
    gone = playbook("winrm_listener", {"transport": "http", "state": "absent"}, hosts={"win01": {}}).results["win01"]
    assert gone["changed"] is True and not gone.get("failed"), gone
    refused = playbook("winrm_listener", {"transport": "http", "state": "absent"}, hosts={"win01": {}}).results["win01"]
    assert refused.get("failed") is True and "compatibility listener" in refused["msg"], refused
    assert "EnableCompatibilityHttpListener" in refused["msg"]


def test_check_mode_leaves_the_state_file_byte_identical(fresh: Lab, playbook) -> None:
    cert = fresh.add_certificate("win02", subject="win02.lab.test", san=["win02.lab.test"])
    before = fresh.state_bytes("win02")
    for args in ({"transport": "https", "state": "absent"},
                 {"transport": "https", "enabled": False},
                 {"transport": "https", "certificate_thumbprint": cert["thumbprint"], "hostname": "win02.lab.test"},
                 {"transport": "http", "address": "IP:127.0.50.99", "port": 5995}):
        result = playbook("winrm_listener", args, hosts={"win02": {}}, check=True, diff=True).results["win02"]
        assert result["changed"] is True and not result.get("failed"), (args, result)
        assert result["diff"]["before"] != result["diff"]["after"]
        assert fresh.state_bytes("win02") == before, "check mode changed the lab state (%s)" % args
    created = result["listener"]
    assert (created["address"], created["port"], created["source"]) == ("IP:127.0.50.99", 5995, "local")


def test_a_write_the_host_refuses_is_reported_from_a_fresh_read(fresh: Lab, playbook) -> None:
    cert = fresh.add_certificate("win02", subject="win02.lab.test", san=["win02.lab.test"])
    # The certificate leaves the store between the module's read and its Put (someone deleted it).
    armed = fresh.state("win02")
    armed["registry"]["HKEY_LOCAL_MACHINE"]["subkeys"]["SOFTWARE"]["subkeys"]["Microsoft"]["subkeys"][
        "SystemCertificates"]["subkeys"]["MY"]["subkeys"]["Certificates"]["subkeys"].pop(cert["thumbprint"])
    fresh.arm("win02", "Put config/listener", armed)
    args = {"transport": "https", "hostname": "win02.lab.test", "certificate_thumbprint": cert["thumbprint"]}
    result = playbook("winrm_listener", args, hosts={"win02": {}}).results["win02"]
    assert result.get("failed") is True and result["changed"] is False, result
    assert result["msg"].startswith("win02 is unchanged: not applied HTTPS listener *:5986 certificate_thumbprint")
    assert "2150858882" in result["msg"] or "cannot find the certificate" in result["msg"], result["msg"]
    assert result["applied"] == [] and len(result["not_applied"]) == 1
    assert https_of(fresh.state("win02"))["CertificateThumbprint"] == fresh.hosts["win02"]["thumbprint"]


def test_create_https_without_a_thumbprint_picks_the_certificate_for_the_hostname(fresh: Lab, playbook) -> None:
    fresh.add_certificate("win02", subject="win02.lab.test", san=["win02.lab.test"], self_signed=True)
    fresh.add_certificate("win02", subject="win02.lab.test", san=["win02.lab.test"], not_after=-1)
    assert playbook("winrm_listener", {"transport": "https", "state": "absent"},
                    hosts={"win02": {}}).results["win02"]["changed"] is True
    created = playbook("winrm_listener", {"transport": "https", "hostname": "win02.lab.test"},
                       hosts={"win02": {}}).results["win02"]
    assert created["changed"] is True and not created.get("failed"), created
    # The CA-issued, valid one of the three, as winrm quickconfig -transport:https would choose.
    assert created["listener"]["certificate_thumbprint"] == fresh.hosts["win02"]["thumbprint"]
    args = {"transport": "https", "address": "IP:" + fresh.hosts["win02"]["address"], "hostname": "nope.lab.test"}
    nothing = playbook("winrm_listener", args, hosts={"win02": {}}).results["win02"]
    assert nothing.get("failed") is True and "no certificate in LocalMachine\\My can serve" in nothing["msg"]
