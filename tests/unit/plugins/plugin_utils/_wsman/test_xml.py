# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ParseError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import (
    NS,
    UnsafeXMLError,
    local_name,
    namespace_of,
    parse,
    q,
    text_of,
    to_bytes,
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>&lol3;</s:Body></s:Envelope>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>&xxe;</s:Body></s:Envelope>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE s:Envelope SYSTEM "http://127.0.0.1:9/evil.dtd">
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>"""


def test_parse_accepts_plain_envelope_bytes_and_str() -> None:
    doc = '<s:Envelope xmlns:s="%s"><s:Body><x/></s:Body></s:Envelope>' % NS["s"]
    for data in (doc, doc.encode("utf-8")):
        root = parse(data)
        assert root.tag == q("s", "Envelope")
        assert root.find("s:Body/x", NS) is not None


@pytest.mark.parametrize(
    "data",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD],
    ids=["billion-laughs", "external-entity", "external-dtd"],
)
def test_parse_refuses_dtd_and_entities(data: bytes) -> None:
    with pytest.raises(UnsafeXMLError, match="DTD or entity"):
        parse(data)


@pytest.mark.parametrize(
    "data",
    [b"", b"<a>", b"not xml at all", b"<a></b>", b"<a/><b/>"],
    ids=["empty", "unclosed", "text", "mismatched", "two-roots"],
)
def test_parse_refuses_malformed_xml(data: bytes) -> None:
    with pytest.raises(UnsafeXMLError, match="not well-formed"):
        parse(data)


def test_unsafe_xml_error_is_under_the_error_root_and_chains_the_cause() -> None:
    with pytest.raises(UnsafeXMLError) as info:
        parse(b"<a>")
    assert isinstance(info.value, WinAuthError) and isinstance(info.value, ParseError)
    assert isinstance(info.value.__cause__, ET.ParseError)


def test_q_local_name_namespace_of() -> None:
    tag = q("w", "ResourceURI")
    assert tag == "{http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd}ResourceURI"
    assert local_name(tag) == "ResourceURI"
    assert namespace_of(tag) == NS["w"]
    assert local_name("plain") == "plain"
    assert namespace_of("plain") == ""
    with pytest.raises(KeyError):
        q("nope", "X")


def test_text_of_strips_and_handles_nil_and_absent() -> None:
    root = ET.fromstring(
        '<r xmlns:xsi="%s"><a>  value \n</a><b xsi:nil="true">ignored</b><c/></r>' % NS["xsi"]
    )
    assert text_of(root.find("a")) == "value"
    assert text_of(root.find("b")) is None
    assert text_of(root.find("c")) == ""
    assert text_of(root.find("missing")) is None


def test_to_bytes_has_no_declaration_and_uses_windows_prefixes() -> None:
    elem = ET.Element(q("s", "Envelope"))
    ET.SubElement(elem, q("a", "Action")).text = "x"
    data = to_bytes(elem)
    assert isinstance(data, bytes)
    assert not data.startswith(b"<?xml")
    assert data.startswith(b"<s:Envelope")
    assert b"<a:Action>x</a:Action>" in data


ENVELOPE = '<s:Envelope xmlns:s="%s"><s:Body><x>caf\u00e9</x></s:Body></s:Envelope>' % NS["s"]


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_parse_reads_every_encoding_windows_may_answer_in(codec: str) -> None:
    declared = '<?xml version="1.0" encoding="%s"?>' % ("utf-16" if "16" in codec else "utf-8")
    root = parse((declared + ENVELOPE).encode(codec))
    assert root.findtext("s:Body/x", namespaces=NS) == "caf\u00e9"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_a_dtd_in_another_encoding_is_refused_too(codec: str) -> None:
    with pytest.raises(UnsafeXMLError, match="DTD or entity"):
        parse(BILLION_LAUGHS.decode("ascii").encode(codec))


def test_a_declared_single_byte_encoding_cannot_hide_a_dtd() -> None:
    # EBCDIC: no '<!DOCTYPE' byte sequence, and expat would decode it through Python's codecs.
    hidden = '<?xml version="1.0" encoding="cp500"?>' + BILLION_LAUGHS.decode("ascii").split("?>", 1)[1]
    with pytest.raises(UnsafeXMLError):
        parse(hidden.encode("cp500"))


def test_an_undeclared_entity_is_not_well_formed_and_a_character_reference_is_fine() -> None:
    with pytest.raises(UnsafeXMLError, match="not well-formed"):
        parse('<s:Envelope xmlns:s="%s"><s:Body>&xxe;</s:Body></s:Envelope>' % NS["s"])
    root = parse('<s:Envelope xmlns:s="%s"><s:Body><x>&#x41;&amp;</x></s:Body></s:Envelope>' % NS["s"])
    assert root.findtext("s:Body/x", namespaces=NS) == "A&"
