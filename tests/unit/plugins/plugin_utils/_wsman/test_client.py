# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import client as _wsman
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import envelope as env
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ProtocolError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.faults import (
    AccessDeniedFault,
    GPOControlledFault,
    InvalidSelectorsFault,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import NS, q
from ansible_collections.winauth.winrm.tests.unit.helpers import ENDPOINT, FakeSender, Sent, envelope, fault_body

CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config"
LISTENER = CONFIG + "/listener"
REG = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv"
ENUM_NS = 'xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration"'


def _client(sender: FakeSender, timeout: int = 20) -> _wsman.WSManClient:
    return _wsman.WSManClient(sender, ENDPOINT, operation_timeout=timeout)


def _item(name: str) -> str:
    return '<cfg:Listener xmlns:cfg="%s"><cfg:Address>%s</cfg:Address></cfg:Listener>' % (LISTENER, name)


def _names(items: list[ET.Element]) -> list[str | None]:
    return [item.findtext("{%s}Address" % LISTENER) for item in items]


# --------------------------------------------------------------------------- transfer


def test_get_returns_resource_and_sends_get(sender: FakeSender) -> None:
    sender.replies.append('<cfg:Config xmlns:cfg="%s"><cfg:MaxTimeoutms>60000</cfg:MaxTimeoutms></cfg:Config>' % CONFIG)
    client = _client(sender, timeout=33)
    elem = client.get(CONFIG)
    assert elem.tag == "{%s}Config" % CONFIG
    assert elem.findtext("{%s}MaxTimeoutms" % CONFIG) == "60000"
    (sent,) = sender.sent
    assert sent.action == env.ACTION_GET
    assert sent.resource_uri == CONFIG
    assert sent.operation == "Get config"
    assert sent.body is None
    assert sent.root.findtext("s:Header/a:To", namespaces=NS) == ENDPOINT
    assert sent.root.findtext("s:Header/w:OperationTimeout", namespaces=NS) == "PT33S"
    assert client.round_trips == 1


def test_get_with_selectors(sender: FakeSender) -> None:
    sender.replies.append(_item("*"))
    _client(sender).get(LISTENER, selectors={"Address": "*", "Transport": "HTTP"})
    assert sender.sent[0].selectors == {"Address": "*", "Transport": "HTTP"}
    assert sender.sent[0].operation == "Get config/listener?Address=*+Transport=HTTP"


def test_put_sends_body_and_returns_reply(sender: FakeSender) -> None:
    body = ET.Element("{%s/service/auth}Auth" % CONFIG)
    ET.SubElement(body, "{%s/service/auth}Basic" % CONFIG).text = "false"
    sender.replies.append('<cfg:Auth xmlns:cfg="%s/service/auth"><cfg:Basic>false</cfg:Basic></cfg:Auth>' % CONFIG)
    reply = _client(sender).put(CONFIG + "/service/auth", body)
    assert reply is not None and reply.tag == "{%s/service/auth}Auth" % CONFIG
    sent = sender.sent[0]
    assert sent.action == env.ACTION_PUT
    assert sent.resource_uri == CONFIG + "/service/auth"
    assert sent.body is not None
    assert sent.body.tag == "{%s/service/auth}Auth" % CONFIG
    assert sent.body.findtext("{%s/service/auth}Basic" % CONFIG) == "false"


def test_put_with_empty_reply_returns_none(sender: FakeSender) -> None:
    sender.replies.append("")
    assert _client(sender).put(CONFIG + "/service", ET.Element("{%s/service}Service" % CONFIG)) is None


def test_create_sends_create(sender: FakeSender) -> None:
    sender.replies.append('<x:ResourceCreated xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer"/>')
    reply = _client(sender).create(LISTENER, ET.Element("{%s}Listener" % LISTENER),
                                   selectors={"Address": "*", "Transport": "HTTPS"})
    assert reply is not None and reply.tag == q("x", "ResourceCreated")
    assert sender.sent[0].action == env.ACTION_CREATE
    assert sender.sent[0].selectors == {"Address": "*", "Transport": "HTTPS"}


def test_delete_shape(sender: FakeSender) -> None:
    sender.replies.append("")
    assert _client(sender).delete(LISTENER, selectors={"Address": "*", "Transport": "HTTP"}) is None  # type: ignore[func-returns-value]
    sent = sender.sent[0]
    assert sent.action == env.ACTION_DELETE
    assert sent.resource_uri == LISTENER
    assert sent.selectors == {"Address": "*", "Transport": "HTTP"}
    assert sent.body is None


def test_invoke_shape(sender: FakeSender) -> None:
    sender.replies.append('<p:EnumKey_OUTPUT xmlns:p="%s"><p:ReturnValue>0</p:ReturnValue></p:EnumKey_OUTPUT>' % REG)
    out = _client(sender).invoke(REG, "EnumKey", {"hDefKey": 2147483650, "sSubKeyName": "SOFTWARE\\X",
                                                  "Names": ["a", "b"]})
    assert out.tag == "{%s}EnumKey_OUTPUT" % REG
    sent = sender.sent[0]
    assert sent.action == REG + "/EnumKey"
    assert sent.resource_uri == REG
    assert sent.operation == "EnumKey wmi/root/default/StdRegProv"
    body = sent.body
    assert body is not None
    assert body.tag == "{%s}EnumKey_INPUT" % REG  # <p:EnumKey_INPUT xmlns:p="<resourceURI>">
    assert [(child.tag, child.text) for child in body] == [
        ("{%s}hDefKey" % REG, "2147483650"),
        ("{%s}sSubKeyName" % REG, "SOFTWARE\\X"),
        ("{%s}Names" % REG, "a"),
        ("{%s}Names" % REG, "b"),
    ]


def test_invoke_without_params(sender: FakeSender) -> None:
    sender.replies.append('<p:Ping_OUTPUT xmlns:p="%s"/>' % REG)
    _client(sender).invoke(REG, "Ping")
    body = sender.sent[0].body
    assert body is not None and body.tag == "{%s}Ping_INPUT" % REG and len(body) == 0


# --------------------------------------------------------------------------- reply checks


def test_relates_to_mismatch(sender: FakeSender) -> None:
    sender.replies.append((200, envelope("<x:Y xmlns:x='urn:x'/>", relates_to="uuid:NOT-OURS")))
    with pytest.raises(ProtocolError, match="RelatesTo uuid:NOT-OURS does not match") as info:
        _client(sender).get(CONFIG)
    assert info.value.target == ENDPOINT
    assert info.value.operation == "Get config"


def test_missing_relates_to_is_refused_as_a_mismatch_is(sender: FakeSender) -> None:
    # Issue 7 item 5 reverses the former test_missing_relates_to_is_accepted: a reply that
    # names no request could answer any request, so it is refused like a mismatch.
    sender.replies.append((200, envelope("<x:Y xmlns:x='urn:x'/>", relates_to=None)))
    with pytest.raises(ProtocolError, match="no a:RelatesTo") as info:
        _client(sender).get(CONFIG)
    assert info.value.target == ENDPOINT
    assert info.value.operation == "Get config"
    assert sender.sent[0].message_id in str(info.value)


@pytest.mark.parametrize(
    ("code", "subcode", "cls"),
    [
        (2150858890, "w:InternalError", GPOControlledFault),
        (5, "w:AccessDenied", AccessDeniedFault),
        (2150858843, "w:InvalidSelectors", InvalidSelectorsFault),
    ],
)
def test_fault_raises_typed_exception(sender: FakeSender, code: int, subcode: str, cls: type[Exception]) -> None:
    sender.replies.append((500, fault_body(subcode=subcode, wsman_code=code)))
    with pytest.raises(cls) as info:
        _client(sender).put(CONFIG + "/service/auth", ET.Element("{%s/service/auth}Auth" % CONFIG))
    assert info.value.target == ENDPOINT  # type: ignore[attr-defined]
    assert info.value.operation == "Put config/service/auth"  # type: ignore[attr-defined]


def test_fault_with_status_200_still_raises(sender: FakeSender) -> None:
    sender.replies.append((200, fault_body(subcode="w:AccessDenied", wsman_code=5)))
    with pytest.raises(AccessDeniedFault):
        _client(sender).get(CONFIG)


def test_http_500_without_fault(sender: FakeSender) -> None:
    sender.replies.append((500, "<x:Y xmlns:x='urn:x'/>"))
    with pytest.raises(ProtocolError, match="HTTP 500 without a SOAP fault"):
        _client(sender).get(CONFIG)


def test_empty_body_on_get_is_protocol_error(sender: FakeSender) -> None:
    sender.replies.append("")
    with pytest.raises(ProtocolError, match="empty body"):
        _client(sender).get(CONFIG)


def test_empty_body_on_invoke_is_protocol_error(sender: FakeSender) -> None:
    sender.replies.append("")
    with pytest.raises(ProtocolError, match="empty body"):
        _client(sender).invoke(REG, "EnumKey")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"<html><body>Service Unavailable",
        b'<!DOCTYPE x [<!ENTITY a "aaaa">]><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"/>',
    ],
    ids=["empty-bytes", "html", "dtd"],
)
def test_unsafe_or_malformed_reply_is_protocol_error(sender: FakeSender, raw: bytes) -> None:
    sender.replies.append((200, raw))
    with pytest.raises(ProtocolError) as info:
        _client(sender).get(CONFIG)
    assert info.value.operation == "Get config"
    assert info.value.__cause__ is not None


# --------------------------------------------------------------------------- enumeration


def test_enumerate_optimized_single_round_trip(sender: FakeSender) -> None:
    sender.replies.append(
        "<n:EnumerateResponse %s><n:EnumerationContext/><w:Items>%s%s</w:Items><w:EndOfSequence/>"
        "</n:EnumerateResponse>" % (ENUM_NS, _item("*"), _item("IP:10.0.0.1"))
    )
    items = _client(sender).enumerate(LISTENER)
    assert _names(items) == ["*", "IP:10.0.0.1"]
    assert sender.round_trips == 1
    body = sender.sent[0].body
    assert body is not None
    assert sender.sent[0].action == env.ACTION_ENUMERATE
    assert body.tag == q("n", "Enumerate")
    assert body.find("w:OptimizeEnumeration", NS) is not None
    assert body.findtext("w:MaxElements", namespaces=NS) == str(_wsman.MAX_ELEMENTS)
    assert body.find("w:Filter", NS) is None


def test_enumerate_with_wql_filter(sender: FakeSender) -> None:
    sender.replies.append("<n:EnumerateResponse %s><w:Items/><w:EndOfSequence/></n:EnumerateResponse>" % ENUM_NS)
    wql = "SELECT * FROM Win32_ComputerSystem"
    assert _client(sender).enumerate("http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/*", wql=wql) == []
    body = sender.sent[0].body
    assert body is not None
    flt = body.find("w:Filter", NS)
    assert flt is not None
    assert flt.text == wql
    assert flt.get("Dialect") == "http://schemas.microsoft.com/wbem/wsman/1/WQL"


def test_enumerate_pull_loop(sender: FakeSender) -> None:
    contexts: list[str | None] = []

    def pull(reply: str) -> Callable[[Sent], str]:
        def answer(request: Sent) -> str:
            assert request.action == env.ACTION_PULL
            assert request.resource_uri == LISTENER
            assert request.selectors == {"Transport": "HTTP"}
            body = request.body
            assert body is not None and body.tag == q("n", "Pull")
            assert body.findtext("n:MaxElements", namespaces=NS) == str(_wsman.MAX_ELEMENTS)
            contexts.append(body.findtext("n:EnumerationContext", namespaces=NS))
            return reply
        return answer

    sender.replies.extend([
        "<n:EnumerateResponse %s><n:EnumerationContext>uuid:CTX-1</n:EnumerationContext>"
        "<w:Items>%s</w:Items></n:EnumerateResponse>" % (ENUM_NS, _item("a")),
        pull("<n:PullResponse %s><n:EnumerationContext>uuid:CTX-2</n:EnumerationContext>"
             "<n:Items>%s%s</n:Items></n:PullResponse>" % (ENUM_NS, _item("b"), _item("c"))),
        # no new context in this reply: the previous one is reused
        pull("<n:PullResponse %s><n:Items>%s</n:Items></n:PullResponse>" % (ENUM_NS, _item("d"))),
        pull("<n:PullResponse %s><n:Items>%s</n:Items><n:EndOfSequence/></n:PullResponse>" % (ENUM_NS, _item("e"))),
    ])
    items = _client(sender).enumerate(LISTENER, selectors={"Transport": "HTTP"})
    assert _names(items) == ["a", "b", "c", "d", "e"]
    assert contexts == ["uuid:CTX-1", "uuid:CTX-2", "uuid:CTX-2"]
    assert sender.round_trips == 4


def test_enumerate_without_context_or_end_stops(sender: FakeSender) -> None:
    sender.replies.append("<n:EnumerateResponse %s><w:Items>%s</w:Items></n:EnumerateResponse>"
                          % (ENUM_NS, _item("only")))
    assert _names(_client(sender).enumerate(LISTENER)) == ["only"]
    assert sender.round_trips == 1


def test_enumerate_that_never_ends_is_capped(sender: FakeSender, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_wsman, "MAX_PULLS", 3)
    sender.responder = lambda request: (
        "<n:PullResponse %s><n:EnumerationContext>uuid:C</n:EnumerationContext><n:Items/></n:PullResponse>" % ENUM_NS
        if request.action == env.ACTION_PULL
        else "<n:EnumerateResponse %s><n:EnumerationContext>uuid:C</n:EnumerationContext></n:EnumerateResponse>"
        % ENUM_NS
    )
    with pytest.raises(ProtocolError, match="did not end after 3 pulls"):
        _client(sender).enumerate(LISTENER)
    assert sender.round_trips == 4


def test_enumerate_fault_during_pull(sender: FakeSender) -> None:
    sender.replies.extend([
        "<n:EnumerateResponse %s><n:EnumerationContext>uuid:C</n:EnumerationContext></n:EnumerateResponse>" % ENUM_NS,
        (500, fault_body(subcode="w:AccessDenied", wsman_code=5)),
    ])
    with pytest.raises(AccessDeniedFault) as info:
        _client(sender).enumerate(LISTENER)
    assert info.value.operation == "Pull config/listener"


def test_enumerate_empty_body(sender: FakeSender) -> None:
    sender.replies.append("")
    with pytest.raises(ProtocolError, match="empty body"):
        _client(sender).enumerate(LISTENER)


def test_round_trips_delegates_to_transport(sender: FakeSender) -> None:
    client = _client(sender)
    sender.round_trips = 7
    assert client.round_trips == 7


# --------------------------------------------------------------------------- issue 7: replies that answer nothing


def test_fault_with_another_relates_to_is_refused(sender: FakeSender) -> None:
    sender.replies.append((500, envelope(fault_body(subcode="w:AccessDenied", wsman_code=5), relates_to="uuid:X")))
    with pytest.raises(ProtocolError, match="RelatesTo uuid:X does not match") as info:
        _client(sender).get(CONFIG)
    assert not isinstance(info.value, AccessDeniedFault)
    assert "it was a fault: The WS-Management service cannot process the request." in str(info.value)


def test_fault_without_relates_to_is_still_the_typed_fault(sender: FakeSender) -> None:
    # The lab omits RelatesTo only on a fault for a request it could not read; the fault is
    # the best diagnosis there is, and it carries no data.
    sender.replies.append((500, envelope(fault_body(subcode="w:AccessDenied", wsman_code=5), relates_to=None)))
    with pytest.raises(AccessDeniedFault):
        _client(sender).get(CONFIG)


def test_soap11_reply_is_named(sender: FakeSender) -> None:
    raw = (b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><x:Y xmlns:x="urn:x"/>'
           b"</e:Body></e:Envelope>")
    sender.replies.append((200, raw))
    with pytest.raises(ProtocolError, match="SOAP 1.1 envelope") as info:
        _client(sender).get(CONFIG)
    assert "empty body" not in str(info.value)


@pytest.mark.parametrize(
    "raw",
    [b"<html><head><title>Login</title></head><body>portal</body></html>",
     b"<!DOCTYPE html>\n<html><head><title>Login</title></head><body>portal<br></body></html>"],
    ids=["xhtml", "html5"],
)
def test_html_reply_is_named(sender: FakeSender, raw: bytes) -> None:
    sender.replies.append((200, raw))
    with pytest.raises(ProtocolError, match=r"HTML page \('Login'\)") as info:
        _client(sender).get(CONFIG)
    assert "empty body" not in str(info.value)


def test_value_bound_is_one_check_for_every_model(sender: FakeSender) -> None:
    long = "x" * (_wsman.MAX_VALUE_CHARS + 1)
    for body in ("<x:Y xmlns:x='urn:x'>%s</x:Y>" % long, "<x:Y xmlns:x='urn:x' a='%s'/>" % long,
                 "<x:Y xmlns:x='urn:x'><x:Z/>%s</x:Y>" % long):
        sender.replies.append(body)
        with pytest.raises(ProtocolError, match="above the %d allowed" % _wsman.MAX_VALUE_CHARS):
            _client(sender).get(CONFIG)
    sender.replies.append("<x:Y xmlns:x='urn:x'>%s</x:Y>" % long[1:])
    assert _client(sender).get(CONFIG).text == long[1:]


def test_enumeration_bytes_are_bounded(sender: FakeSender, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_wsman, "MAX_ENUMERATION_BYTES", 20000)
    sender.responder = lambda request: (
        "<n:PullResponse %s><n:EnumerationContext>uuid:C</n:EnumerationContext><n:Items>%s</n:Items>"
        "</n:PullResponse>" % (ENUM_NS, _item("a" * 3000))
        if request.action == env.ACTION_PULL
        else "<n:EnumerateResponse %s><n:EnumerationContext>uuid:C</n:EnumerationContext></n:EnumerateResponse>"
        % ENUM_NS
    )
    with pytest.raises(ProtocolError, match="enumeration replies passed 20000 bytes"):
        _client(sender).enumerate(LISTENER)
    assert sender.round_trips < 10
