# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import envelope as env
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import NS, XML_LANG, parse, q
from ansible_collections.winauth.winrm.tests.unit.helpers import envelope

Loader = Callable[[str], ET.Element]
CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config"
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
MUST = q("s", "mustUnderstand")
MESSAGE_ID = re.compile(r"^uuid:[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
SESSION_ID = q("p", "SessionId")  # optional header Windows' client adds; we do not send it


def _build(request: env.Request, **kwargs: int | str) -> ET.Element:
    return parse(env.build(request, "https://win01.lab.test:5986/wsman", **kwargs))  # type: ignore[arg-type]


def _header_shape(root: ET.Element) -> list[tuple[str, str | None]]:
    header = root.find("s:Header", NS)
    assert header is not None
    return [(child.tag, child.get(MUST)) for child in header if child.tag != SESSION_ID]


def test_get_header_values() -> None:
    request = env.Request(env.ACTION_GET, CONFIG)
    root = _build(request, operation_timeout=45, max_envelope_size=512000, locale="de-DE")
    h = root.find("s:Header", NS)
    assert h is not None
    assert h.findtext("a:Action", namespaces=NS) == "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
    assert h.findtext("w:ResourceURI", namespaces=NS) == CONFIG
    assert h.findtext("a:To", namespaces=NS) == "https://win01.lab.test:5986/wsman"
    assert h.findtext("w:OperationTimeout", namespaces=NS) == "PT45S"
    assert h.findtext("w:MaxEnvelopeSize", namespaces=NS) == "512000"
    assert h.findtext("a:ReplyTo/a:Address", namespaces=NS) == env.ANONYMOUS
    assert h.findtext("a:MessageID", namespaces=NS) == request.message_id
    for name in ("p:DataLocale", "w:Locale"):
        elem = h.find(name, NS)
        assert elem is not None
        assert elem.get(XML_LANG) == "de-DE"
    assert h.find("w:SelectorSet", NS) is None
    assert h.find("w:OptionSet", NS) is None
    body = root.find("s:Body", NS)
    assert body is not None
    assert len(body) == 0


def test_defaults_match_windows_client() -> None:
    h = _build(env.Request(env.ACTION_GET, CONFIG)).find("s:Header", NS)
    assert h is not None
    assert h.findtext("w:OperationTimeout", namespaces=NS) == "PT20S"
    assert h.findtext("w:MaxEnvelopeSize", namespaces=NS) == "153600"
    assert h.find("w:Locale", NS).get(XML_LANG) == "en-US"  # type: ignore[union-attr]


def test_must_understand_flags() -> None:
    request = env.Request(env.ACTION_PUT, CONFIG, selectors={"A": "1"}, options={"O": "v"})
    shape = dict(_header_shape(_build(request)))
    assert shape[q("a", "Action")] == "true"
    assert shape[q("w", "MaxEnvelopeSize")] == "true"
    assert shape[q("w", "ResourceURI")] == "true"
    assert shape[q("w", "OptionSet")] == "true"
    assert shape[q("p", "DataLocale")] == "false"
    assert shape[q("w", "Locale")] == "false"
    for free in ("a:MessageID", "w:OperationTimeout", "a:To", "a:ReplyTo", "w:SelectorSet"):
        prefix, local = free.split(":")
        assert shape[q(prefix, local)] is None, free
    root = _build(request)
    address = root.find("s:Header/a:ReplyTo/a:Address", NS)
    assert address is not None
    assert address.get(MUST) == "true"


def test_message_id_format_and_uniqueness() -> None:
    ids = {env.Request(env.ACTION_GET, CONFIG).message_id for _round in range(50)}
    assert len(ids) == 50
    assert all(MESSAGE_ID.match(i) for i in ids)
    fixed = env.Request(env.ACTION_GET, CONFIG, message_id="uuid:11111111-2222-3333-4444-555555555555")
    assert _build(fixed).findtext("s:Header/a:MessageID", namespaces=NS) == fixed.message_id


def test_selectors_and_options_in_order() -> None:
    request = env.Request(
        env.ACTION_DELETE,
        CONFIG + "/listener",
        selectors={"Address": "*", "Transport": "HTTPS"},
        options={"WSMAN_CMDSHELL_OPTION_KEEPALIVE": "TRUE", "Other": "x"},
    )
    h = _build(request).find("s:Header", NS)
    assert h is not None
    selectors = h.findall("w:SelectorSet/w:Selector", NS)
    assert [(s.get("Name"), s.text) for s in selectors] == [("Address", "*"), ("Transport", "HTTPS")]
    options = h.findall("w:OptionSet/w:Option", NS)
    assert [(o.get("Name"), o.text) for o in options] == [("WSMAN_CMDSHELL_OPTION_KEEPALIVE", "TRUE"), ("Other", "x")]
    names = [child.tag for child in h]
    assert names.index(q("w", "SelectorSet")) == names.index(q("a", "To")) + 1
    assert names.index(q("w", "OptionSet")) == names.index(q("w", "SelectorSet")) + 1


def test_body_appended() -> None:
    body = ET.Element("{%s/service/auth}Auth" % CONFIG)
    ET.SubElement(body, "{%s/service/auth}Basic" % CONFIG).text = "false"
    root = _build(env.Request(env.ACTION_PUT, CONFIG + "/service/auth", body=body))
    children = list(root.find("s:Body", NS))  # type: ignore[arg-type]
    assert len(children) == 1
    assert children[0].tag == "{%s/service/auth}Auth" % CONFIG
    assert children[0].findtext("{%s/service/auth}Basic" % CONFIG) == "false"


def test_envelope_is_soap12() -> None:
    root = _build(env.Request(env.ACTION_GET, CONFIG))
    assert root.tag == "{http://www.w3.org/2003/05/soap-envelope}Envelope"
    assert [child.tag for child in root] == [q("s", "Header"), q("s", "Body")]


def test_same_header_shape_as_recorded_windows_get(recorded_root: Loader) -> None:
    recorded = recorded_root("config-get.request.xml")
    ours = _build(env.Request(env.ACTION_GET, CONFIG))
    assert _header_shape(ours) == _header_shape(recorded)
    # and the values Windows' client used for this Get
    for path in ("a:Action", "w:ResourceURI", "w:OperationTimeout", "w:MaxEnvelopeSize", "a:ReplyTo/a:Address"):
        expected = recorded.findtext("s:Header/" + path, namespaces=NS)
        assert ours.findtext("s:Header/" + path, namespaces=NS) == expected, path
    recorded_id = recorded.findtext("s:Header/a:MessageID", namespaces=NS)
    assert recorded_id is not None
    assert MESSAGE_ID.match(recorded_id)
    body = recorded.find("s:Body", NS)
    assert body is not None
    assert len(body) == 0 and len(ours.find("s:Body", NS)) == 0  # type: ignore[arg-type]


def test_same_header_shape_as_recorded_request_with_selectors(recorded_root: Loader) -> None:
    recorded = recorded_root("fault-invalid-selectors.request.xml")
    ours = _build(env.Request(env.ACTION_GET, SHELL, selectors={"ShellId": "6F1903CA-E06A-4A8B-BDFC-B44203149D55"}),
                  max_envelope_size=512000)
    assert _header_shape(ours) == _header_shape(recorded)
    sel = "s:Header/w:SelectorSet/w:Selector"
    assert [(s.get("Name"), s.text) for s in ours.findall(sel, NS)] == [
        (s.get("Name"), s.text) for s in recorded.findall(sel, NS)
    ]


def test_describe() -> None:
    assert env.Request(env.ACTION_GET, CONFIG + "/service/auth").describe() == "Get config/service/auth"
    listener = env.Request(env.ACTION_DELETE, CONFIG + "/listener", selectors={"Address": "*", "Transport": "HTTP"})
    assert listener.describe() == "Delete config/listener?Address=*+Transport=HTTP"
    uri = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv"
    assert env.Request(uri + "/EnumKey", uri).describe() == "EnumKey wmi/root/default/StdRegProv"


def test_reply_body_and_relates_to() -> None:
    root = parse(envelope("<x:Thing xmlns:x='urn:x'/><x:Other xmlns:x='urn:x'/>", relates_to="uuid:ABC"))
    first = env.reply_body(root)
    assert first is not None
    assert first.tag == "{urn:x}Thing"
    assert env.relates_to(root) == "uuid:ABC"

    empty = parse(envelope("", relates_to=None))
    assert env.reply_body(empty) is None
    assert env.relates_to(empty) is None

    no_body = parse('<s:Envelope xmlns:s="%s"><s:Header/></s:Envelope>' % NS["s"])
    assert env.reply_body(no_body) is None


def test_relates_to_of_recorded_reply(recorded_root: Loader) -> None:
    request = recorded_root("config-get.request.xml")
    reply = recorded_root("config-get.response.xml")
    assert env.relates_to(reply) == request.findtext("s:Header/a:MessageID", namespaces=NS)
    body = env.reply_body(reply)
    assert body is not None
    assert body.tag == "{%s}Config" % CONFIG
