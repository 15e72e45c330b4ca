"""config/listener: enumeration shapes, selectors, and listeners that really (stop) serving."""

from __future__ import annotations

import socket

import pytest
import wsman_helpers as wh
from winrm.exceptions import WSManFaultError

N = wh.NS["n"]
HTTP_KEYS = {"Address": "*", "Transport": "HTTP"}
HTTPS_KEYS = {"Address": "*", "Transport": "HTTPS"}


def accepts(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=1):
            return True
    except OSError:
        return False


def listener_fields(el) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for child in el:
        out.setdefault(child.tag.split("}")[1], []).append(child.text or "")
    return out


def test_optimized_enumeration_returns_items_and_end_of_sequence(fresh):
    p = wh.protocol(fresh, "win02", scheme="https")
    body = (f'<n:Enumerate xmlns:n="{N}" xmlns:w="{wh.NS["w"]}"><w:OptimizeEnumeration/>'
            "<w:MaxElements>32000</w:MaxElements></n:Enumerate>")
    response = wh.body_of(wh.send(p, wh.ENUM + "Enumerate", wh.LISTENER, body)).find("n:EnumerateResponse", wh.NS)
    assert response.find("n:EnumerationContext", wh.NS) is not None
    items = response.find("w:Items", wh.NS)
    assert response.find("w:EndOfSequence", wh.NS) is not None
    listeners = [listener_fields(el) for el in items]
    assert [lst["Transport"] for lst in listeners] == [["HTTP"], ["HTTPS"]]
    https = listeners[1]
    assert list(https) == ["Address", "Transport", "Port", "Hostname", "Enabled", "URLPrefix",
                           "CertificateThumbprint", "ListeningOn"]
    assert https["ListeningOn"] == [fresh.hosts["win02"]["address"]]
    assert https["Hostname"] == ["win02.lab.test"]
    assert https["CertificateThumbprint"] == [fresh.hosts["win02"]["thumbprint"]]


def test_enumerate_then_pull(fresh):
    p = wh.protocol(fresh, "win02")
    response = wh.body_of(wh.send(p, wh.ENUM + "Enumerate", wh.LISTENER, f'<n:Enumerate xmlns:n="{N}"/>'))
    context = response.find("n:EnumerateResponse/n:EnumerationContext", wh.NS).text
    pull = (f'<n:Pull xmlns:n="{N}"><n:EnumerationContext>{context}</n:EnumerationContext>'
            "<n:MaxElements>1</n:MaxElements></n:Pull>")
    first = wh.body_of(wh.send(p, wh.ENUM + "Pull", wh.LISTENER, pull)).find("n:PullResponse", wh.NS)
    assert len(first.find("n:Items", wh.NS)) == 1 and first.find("n:EndOfSequence", wh.NS) is None
    last = wh.body_of(wh.send(p, wh.ENUM + "Pull", wh.LISTENER, pull)).find("n:PullResponse", wh.NS)
    assert len(last.find("n:Items", wh.NS)) == 1 and last.find("n:EndOfSequence", wh.NS) is not None
    with pytest.raises(WSManFaultError) as err:  # the context is finished
        wh.send(p, wh.ENUM + "Pull", wh.LISTENER, pull)
    assert err.value.fault_subcode == "n:InvalidEnumerationContext"


def test_selectors_are_required_and_checked(fresh):
    p = wh.protocol(fresh, "win02")
    https = wh.body_of(wh.get(p, wh.LISTENER, {"Address": "*", "Transport": "https"}))[0]
    assert listener_fields(https)["Port"] == ["5986"]
    for selectors in (None, {"Address": "*"}, {"Address": "*", "Transport": "HTTP", "Port": "1"}):
        with pytest.raises(WSManFaultError) as err:
            wh.get(p, wh.LISTENER, selectors)
        assert err.value.wsman_fault_code == 2150858843, selectors
    # Valid selectors naming no listener: "cannot find the resource" (Windows, inspec/train#105).
    for verb in ("Get", "Delete"):
        with pytest.raises(WSManFaultError) as err:
            wh.send(p, wh.TRANSFER + verb, wh.LISTENER, "", {"Address": "IP:10.9.9.9", "Transport": "HTTP"})
        assert (err.value.wsman_fault_code, err.value.fault_subcode) == (2150858752, "a:DestinationUnreachable")


def test_delete_and_create_really_change_what_is_served(fresh):
    info = fresh.hosts["win02"]
    address = info["address"]
    https = wh.protocol(fresh, "win02", scheme="https")
    wh.send(https, wh.TRANSFER + "Delete", wh.LISTENER, "", HTTP_KEYS)
    assert not accepts(address, info["http_port"])
    assert [lst["Transport"] for lst in fresh.state("win02")["listeners"]] == ["HTTPS"]
    wh.get(https, wh.CONFIG)  # HTTPS still serves on the same connection
    body = f'<cfg:Listener xmlns:cfg="{wh.LISTENER}"><cfg:Port>5985</cfg:Port></cfg:Listener>'
    created = wh.body_of(wh.send(https, wh.TRANSFER + "Create", wh.LISTENER, body, HTTP_KEYS))
    selectors = {s.get("Name"): s.text for s in created.iter(f"{{{wh.NS['w']}}}Selector")}
    assert selectors == HTTP_KEYS
    assert accepts(address, info["http_port"])
    wh.get(wh.protocol(fresh, "win02"), wh.CONFIG)
    with pytest.raises(WSManFaultError) as err:
        wh.send(https, wh.TRANSFER + "Create", wh.LISTENER, body, HTTP_KEYS)
    assert err.value.wsman_fault_code == 2150858803 and err.value.fault_subcode == "w:AlreadyExists"


def test_https_listener_needs_a_certificate_from_the_store(fresh):
    info = fresh.hosts["win02"]
    http = wh.protocol(fresh, "win02")
    wh.send(http, wh.TRANSFER + "Delete", wh.LISTENER, "", HTTPS_KEYS)
    assert not accepts(info["address"], info["https_port"])
    bad = (f'<cfg:Listener xmlns:cfg="{wh.LISTENER}"><cfg:CertificateThumbprint>{"0" * 40}'
           "</cfg:CertificateThumbprint></cfg:Listener>")
    with pytest.raises(WSManFaultError) as err:
        wh.send(http, wh.TRANSFER + "Create", wh.LISTENER, bad, HTTPS_KEYS)
    assert err.value.wsman_fault_code == 2150858882
    good = (f'<cfg:Listener xmlns:cfg="{wh.LISTENER}"><cfg:Hostname>win02.lab.test</cfg:Hostname>'
            f'<cfg:CertificateThumbprint>{info["thumbprint"]}</cfg:CertificateThumbprint></cfg:Listener>')
    wh.send(http, wh.TRANSFER + "Create", wh.LISTENER, good, HTTPS_KEYS)
    wh.get(wh.protocol(fresh, "win02", scheme="https"), wh.CONFIG)


def test_put_listener(fresh):
    p = wh.protocol(fresh, "win02", scheme="https")
    with pytest.raises(WSManFaultError) as err:
        body = f'<cfg:Listener xmlns:cfg="{wh.LISTENER}"><cfg:ListeningOn>1.2.3.4</cfg:ListeningOn></cfg:Listener>'
        wh.put(p, wh.LISTENER, body, HTTP_KEYS)
    assert err.value.fault_subcode == "w:SchemaValidationError"
    body = f'<cfg:Listener xmlns:cfg="{wh.LISTENER}"><cfg:Enabled>false</cfg:Enabled></cfg:Listener>'
    reply = listener_fields(wh.body_of(wh.put(p, wh.LISTENER, body, HTTP_KEYS))[0])
    assert reply["Enabled"] == ["false"]
    assert not accepts(fresh.hosts["win02"]["address"], fresh.hosts["win02"]["http_port"])


SCENARIO = """\
version: 1
defaults:
  users:
    Administrator: {password: "Lab-Adm1n!Secret-7q", admin: true}
hosts:
  win09:
    description: a disabled HTTPS listener, a Group Policy listener, the HTTP compatibility listener
    listeners: [HTTP, {Transport: HTTPS, Enabled: false}]
    config: {Service: {EnableCompatibilityHttpListener: true}}
    registry:
      'HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service':
        {AllowAutoConfig: 1, IPv4Filter: "*", IPv6Filter: "*"}
"""


def test_scenario_with_disabled_gpo_and_compatibility_listeners(tmp_path):
    """`labctl up` starts with a disabled listener; policy and compatibility listeners appear, Source-marked."""
    from winlab.client import Lab

    scenario = tmp_path / "listeners.yml"
    scenario.write_text(SCENARIO)
    with Lab.started(tmp_path / "run", "127.0.22.0/24", "--scenario", str(scenario)) as lab:
        info = lab.hosts["win09"]
        assert (info["http_port"], info["https_port"]) == (5985, None)  # nothing waits for the disabled one
        assert accepts(info["address"], 80) and not accepts(info["address"], 5986)
        p = wh.protocol(lab, "win09")
        body = (f'<n:Enumerate xmlns:n="{N}" xmlns:w="{wh.NS["w"]}"><w:OptimizeEnumeration/>'
                "<w:MaxElements>32000</w:MaxElements></n:Enumerate>")
        items = wh.body_of(wh.send(p, wh.ENUM + "Enumerate", wh.LISTENER, body)).find(
            "n:EnumerateResponse/w:Items", wh.NS)
        seen = [(el.get("Source"), listener_fields(el)["Transport"][0], listener_fields(el)["Port"][0],
                 listener_fields(el)["Enabled"][0]) for el in items]
        # The policy listener replaces the local HTTP one; order GPO, local, compatibility as recorded.
        assert seen == [("GPO", "HTTP", "5985", "true"), (None, "HTTPS", "5986", "false"),
                        ("Compatibility", "HTTP", "80", "true")]
        with pytest.raises(WSManFaultError) as err:  # created by policy: not deletable locally
            wh.send(p, wh.TRANSFER + "Delete", wh.LISTENER, "", HTTP_KEYS)
        assert err.value.wsman_fault_code == 2150858890
        assert accepts(info["address"], 5985)
