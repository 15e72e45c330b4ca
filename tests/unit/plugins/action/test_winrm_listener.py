# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""winrm_listener's action over a fake host: the requests it sends, check mode, guard, partial writes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.action import winrm_listener
from ansible_collections.winauth.winrm.plugins.plugin_utils._action import ActionContext
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.computer import COMPUTER_SYSTEM_URI
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.listener import LISTENER_URI, Listener
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import envelope as env
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import SettingsError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import STDREGPROV_URI
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import build_settings
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import NS, local_name
from ansible_collections.winauth.winrm.tests.unit.certs import blob_of, make_der, thumb
from ansible_collections.winauth.winrm.tests.unit.helpers import ENDPOINT, FakeSender, Sent, fault_body

GOOD = make_der(cn="win01.corp.example", san=("win01.corp.example", "win01"))
FIELDS = ("Address", "Transport", "Port", "Hostname", "Enabled", "URLPrefix", "CertificateThumbprint")


class ListenerHost:
    """Listeners, a certificate store and Win32_ComputerSystem, answered as Windows does."""

    def __init__(self, listeners: list[dict[str, str]], store: dict[str, bytes] | None = None,
                 fail: str | None = None) -> None:
        self.listeners = listeners
        self.store = store if store is not None else {thumb(GOOD): blob_of(GOOD)}
        self.fail = fail
        self.writes: list[tuple[str, dict[str, str], dict[str, str]]] = []

    def _items(self) -> str:
        return "".join('<cfg:Listener xmlns:cfg="%s">%s</cfg:Listener>' % (LISTENER_URI, "".join(
            "<cfg:%s>%s</cfg:%s>" % (k, li[k], k) for k in FIELDS)) for li in self.listeners)

    def _find(self, selectors: dict[str, str]) -> dict[str, str] | None:
        return next((li for li in self.listeners if li["Address"] == selectors["Address"]
                     and li["Transport"] == selectors["Transport"]), None)

    def __call__(self, request: Sent) -> Any:
        action = request.action or ""
        enum = "<n:EnumerateResponse xmlns:n=\"%s\"><n:EnumerationContext/><w:Items>%s</w:Items><w:EndOfSequence/>" \
               "</n:EnumerateResponse>"
        if action == env.ACTION_ENUMERATE and request.resource_uri == LISTENER_URI:
            return enum % (NS["n"], self._items())
        if action == env.ACTION_ENUMERATE and request.resource_uri == COMPUTER_SYSTEM_URI:
            return enum % (NS["n"], '<p:Win32_ComputerSystem xmlns:p="%s"><p:DNSHostName>win01</p:DNSHostName>'
                           "<p:Domain>corp.example</p:Domain><p:PartOfDomain>true</p:PartOfDomain>"
                           "</p:Win32_ComputerSystem>" % COMPUTER_SYSTEM_URI)
        if action == STDREGPROV_URI + "/GetBinaryValue":
            assert request.body is not None
            data = self.store.get((request.body.findtext("{%s}sSubKeyName" % STDREGPROV_URI) or "").rsplit("\\")[-1])
            values = "".join("<p:uValue>%d</p:uValue>" % b for b in data or b"")
            return ('<p:GetBinaryValue_OUTPUT xmlns:p="%s">%s<p:ReturnValue>%d</p:ReturnValue>'
                    "</p:GetBinaryValue_OUTPUT>" % (STDREGPROV_URI, values, 0 if data else 2))
        if action == STDREGPROV_URI + "/EnumKey":
            names = "".join("<p:sNames>%s</p:sNames>" % t for t in self.store)
            return '<p:EnumKey_OUTPUT xmlns:p="%s">%s<p:ReturnValue>0</p:ReturnValue></p:EnumKey_OUTPUT>' % (
                STDREGPROV_URI, names)
        verb = action.rsplit("/", 1)[-1]
        if verb in ("Create", "Put", "Delete"):
            if self.fail == verb:
                return 500, fault_body(subcode="w:InvalidParameter", wsman_code=2150858882)
            values = {local_name(c.tag): c.text or "" for c in request.body} if request.body is not None else {}
            self.writes.append((verb, request.selectors, values))
            found = self._find(request.selectors)
            if verb == "Create":
                self.listeners.append({**dict.fromkeys(FIELDS, ""), "URLPrefix": "wsman", "Enabled": "true",
                                       **request.selectors, **values})
                return "<x:ResourceCreated xmlns:x=\"%s\"/>" % NS["x"]
            assert found is not None
            if verb == "Put":
                found.update(values)
            else:
                self.listeners.remove(found)
            return ""
        raise AssertionError("unexpected %s" % request.operation)


def listener(transport: str, port: int, hostname: str = "", thumbprint: str = "",
             enabled: str = "true") -> dict[str, str]:
    return {"Address": "*", "Transport": transport, "Port": str(port), "Hostname": hostname, "Enabled": enabled,
            "URLPrefix": "wsman", "CertificateThumbprint": thumbprint}


def run(host: ListenerHost, args: dict[str, Any], port: int = 5985, check: bool = False,
        diff: bool = False) -> tuple[dict[str, Any], FakeSender]:
    action = object.__new__(winrm_listener.ActionModule)
    sender = FakeSender(responder=host)
    settings = build_settings("10.0.0.5", port=port, username="LAB\\ansible", password="pw", transport="ntlm")
    full = {"address": "*", "port": None, "hostname": None, "certificate_thumbprint": None, "enabled": True,
            "state": "present", "force": False, **args}
    ctx = ActionContext(WSManClient(sender, ENDPOINT), settings, SimpleNamespace(auth_used="ntlm"),  # type: ignore[arg-type]
                        full, "win01", check_mode=check, diff=diff)
    return action.execute(ctx), sender


def ops(sender: FakeSender) -> list[str]:
    return [s.operation for s in sender.sent]


def test_create_https_reads_fqdn_and_certificate_then_creates_and_rereads() -> None:
    host = ListenerHost([listener("HTTP", 5985)])
    result, sender = run(host, {"transport": "https", "certificate_thumbprint": thumb(GOOD).lower()}, diff=True)
    assert ops(sender) == ["Enumerate config/listener", "Enumerate wmi/root/cimv2/Win32_ComputerSystem",
                           "GetBinaryValue wmi/root/default/StdRegProv",
                           "Create config/listener?Address=*+Transport=HTTPS", "Enumerate config/listener"]
    assert host.writes == [("Create", {"Address": "*", "Transport": "HTTPS"}, {
        "Port": "5986", "Hostname": "win01.corp.example", "Enabled": "true", "CertificateThumbprint": thumb(GOOD)})]
    assert result["changed"] is True and not result.get("failed")
    assert result["listener"]["hostname"] == "win01.corp.example"
    assert result["listener"]["certificate"]["name_matches"] is True  # the inventory name win01 is a SAN
    assert result["diff"] == {"before": {}, "after": {
        "address": "*", "transport": "HTTPS", "port": 5986, "hostname": "win01.corp.example", "enabled": True,
        "url_prefix": "wsman", "certificate_thumbprint": thumb(GOOD), "source": "local"}}
    assert [li["transport"] for li in result["listeners"]] == ["HTTP", "HTTPS"]

    again, sender = run(host, {"transport": "https", "certificate_thumbprint": thumb(GOOD)})
    assert again["changed"] is False and again["changes"] == []
    assert ops(sender) == ["Enumerate config/listener", "GetBinaryValue wmi/root/default/StdRegProv"]


def test_check_mode_reads_and_predicts_but_never_writes() -> None:
    host = ListenerHost([listener("HTTP", 5985), listener("HTTPS", 5986, "win01.corp.example", thumb(GOOD))])
    result, sender = run(host, {"transport": "https", "enabled": False}, check=True)
    assert result["changed"] is True and result["listener"]["enabled"] is False
    assert result["changes"] == ["HTTPS listener *:5986 enabled: true -> false"]
    assert host.writes == [] and not any(op.startswith(("Put", "Create", "Delete")) for op in ops(sender))


def test_the_connection_s_listener_is_refused_without_a_write() -> None:
    host = ListenerHost([listener("HTTP", 5985), listener("HTTPS", 5986, "win01.corp.example", thumb(GOOD))])
    result, _sender = run(host, {"transport": "https", "state": "absent"}, port=5986)
    assert result["failed"] is True and result["changed"] is False and host.writes == []
    assert "refusing to lock this controller out of win01: deleting the HTTPS listener *:5986" in result["msg"]
    forced, sender = run(host, {"transport": "https", "state": "absent", "force": True}, port=5986)
    assert forced["changed"] is True and host.writes[0][0] == "Delete" and forced["listener"] is None
    assert ops(sender)[-1].startswith("Delete")  # the path is gone: no re-read


def test_a_forced_write_the_host_refuses_is_still_read_back() -> None:
    host = ListenerHost([listener("HTTP", 5985), listener("HTTPS", 5986, "win01.corp.example", thumb(GOOD))],
                        fail="Put")
    result, sender = run(host, {"transport": "https", "enabled": False, "force": True}, port=5986)
    assert result["failed"] is True and result["changed"] is False
    assert result["not_applied"] == ["HTTPS listener *:5986 enabled: true -> false"]
    assert ops(sender)[-1] == "Enumerate config/listener"


def test_a_refused_put_is_reported_from_a_fresh_read() -> None:
    other = make_der(cn="win01.corp.example")
    host = ListenerHost([listener("HTTP", 5985), listener("HTTPS", 5986, "win01.corp.example", thumb(GOOD))],
                        store={thumb(GOOD): blob_of(GOOD), thumb(other): blob_of(other)}, fail="Put")
    result, sender = run(host, {"transport": "https", "certificate_thumbprint": thumb(other)})
    assert result["failed"] is True and result["changed"] is False
    assert result["applied"] == [] and result["not_applied"] == [
        "HTTPS listener *:5986 certificate_thumbprint: %s -> %s" % (thumb(GOOD), thumb(other))]
    assert result["msg"].startswith("win01 is unchanged: not applied HTTPS listener *:5986 certificate_thumbprint")
    assert "2150858882" in result["msg"] or "Put config/listener" in result["msg"]
    assert ops(sender)[-1] == "Enumerate config/listener"


def test_wanted_from_defaults_and_refusals() -> None:
    base = {"address": "10.0.0.5", "port": None, "hostname": None, "certificate_thumbprint": None, "enabled": True,
            "state": "present"}
    wanted = winrm_listener.wanted_from({**base, "transport": "http"}, None, None)
    shown = (wanted.address, wanted.port, wanted.hostname, wanted.certificate_thumbprint)
    assert shown == ("IP:10.0.0.5", 5985, None, None)
    with pytest.raises(SettingsError, match="certificate_thumbprint is for https listeners"):
        winrm_listener.wanted_from({**base, "transport": "http", "certificate_thumbprint": "A" * 40}, None, None)
    picked_later = winrm_listener.wanted_from({**base, "transport": "https"}, None, "win01.corp.example")
    assert picked_later.certificate_thumbprint is None and picked_later.hostname == "win01.corp.example"
    existing = Listener(address="IP:10.0.0.5", transport="HTTPS", port=5986, hostname="old")
    kept = winrm_listener.wanted_from({**base, "transport": "https"}, existing, "win01.corp.example")
    assert kept.hostname is None and kept.certificate_thumbprint is None  # leave them as they are
    new = winrm_listener.wanted_from({**base, "transport": "https", "certificate_thumbprint": "a" * 40}, None, "f.q")
    assert new.hostname == "f.q" and new.certificate_thumbprint == "A" * 40


def test_create_https_without_a_thumbprint_picks_the_fitting_certificate() -> None:
    self_signed = make_der(cn="win01.corp.example", self_signed=True, days=900)
    expired = make_der(cn="win01.corp.example", days=-1)
    other = make_der(cn="web.corp.example", san=("web.corp.example",))
    store = {thumb(d): blob_of(d) for d in (self_signed, expired, other, GOOD)}
    host = ListenerHost([listener("HTTP", 5985)], store=store)
    result, sender = run(host, {"transport": "https", "hostname": "win01.corp.example"})
    assert result["changed"] is True and result["listener"]["certificate_thumbprint"] == thumb(GOOD)
    assert ops(sender)[:2] == ["Enumerate config/listener", "EnumKey wmi/root/default/StdRegProv"]

    empty = ListenerHost([listener("HTTP", 5985)], store={thumb(other): blob_of(other)})
    with pytest.raises(SettingsError) as refused:
        run(empty, {"transport": "https", "hostname": "win01.corp.example"})
    assert empty.writes == []
    assert "no certificate in LocalMachine\\My can serve an HTTPS listener for hostname 'win01.corp.example'" \
        in refused.value.message and "is for web.corp.example" in refused.value.message
