# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test doubles and builders shared by the unit tests (imported by absolute name).

Nothing here talks to a network: a :class:`FakeSender` stands in for the HTTP transport,
builders make SOAP replies, ``cfg:Config`` documents and postures in memory.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import (
    CONFIG_URI,
    LEAVES,
    Setting,
    Value,
    WinRMConfig,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.delegation import (
    DelegationList,
    DelegationPolicy,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.listener import Listener
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.posture import Posture
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import REG_DWORD, REG_SZ
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import NS, parse, q, text_of

ENDPOINT = "http://win01.lab.test:5985/wsman"

# Prefixes a Windows reply declares on s:Envelope (see windows-recorded/*.response.xml).
_REPLY_NS = {
    "s": NS["s"],
    "a": NS["a"],
    "x": NS["x"],
    "n": NS["n"],
    "w": NS["w"],
    "p": NS["p"],
    "f": NS["f"],
    "xsi": NS["xsi"],
}


def envelope(body: str = "", relates_to: str | None = None, action: str = "urn:test/Response") -> bytes:
    """A SOAP reply as Windows shapes it; ``body`` is inserted verbatim into ``s:Body``."""
    decl = " ".join('xmlns:%s="%s"' % kv for kv in _REPLY_NS.items())
    header = "<a:Action>%s</a:Action><a:MessageID>uuid:00000000-0000-0000-0000-00000000BEEF</a:MessageID>" % action
    header += "<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>"
    if relates_to is not None:
        header += "<a:RelatesTo>%s</a:RelatesTo>" % relates_to
    return ('<s:Envelope xml:lang="en-US" %s><s:Header>%s</s:Header><s:Body>%s</s:Body></s:Envelope>'
            % (decl, header, body)).encode("utf-8")


def fault_body(
    reason: str = "The WS-Management service cannot process the request.",
    subcode: str | None = None,
    wsman_code: int | str | None = None,
    machine: str = "win01.lab.test",
    message: str | None = None,
    code: str = "s:Sender",
) -> str:
    """An ``s:Fault`` element (string) with an optional ``f:WSManFault`` detail."""
    parts = ["<s:Fault><s:Code><s:Value>%s</s:Value>" % code]
    if subcode is not None:
        parts.append("<s:Subcode><s:Value>%s</s:Value></s:Subcode>" % subcode)
    parts.append('</s:Code><s:Reason><s:Text xml:lang="en-US">%s</s:Text></s:Reason>' % reason)
    if wsman_code is not None:
        parts.append(
            '<s:Detail><f:WSManFault Code="%s" Machine="%s"><f:Message>%s</f:Message></f:WSManFault></s:Detail>'
            % (wsman_code, machine, message if message is not None else reason)
        )
    parts.append("</s:Fault>")
    return "".join(parts)


@dataclass
class Sent:
    """One request as the fake transport received it."""

    payload: bytes
    operation: str
    root: ET.Element

    @property
    def action(self) -> str | None:
        return text_of(self.root.find("s:Header/a:Action", NS))

    @property
    def resource_uri(self) -> str | None:
        return text_of(self.root.find("s:Header/w:ResourceURI", NS))

    @property
    def message_id(self) -> str | None:
        return text_of(self.root.find("s:Header/a:MessageID", NS))

    @property
    def selectors(self) -> dict[str, str]:
        return {
            sel.get("Name", ""): (sel.text or "")
            for sel in self.root.findall("s:Header/w:SelectorSet/w:Selector", NS)
        }

    @property
    def body(self) -> ET.Element | None:
        body = self.root.find("s:Body", NS)
        return None if body is None else next(iter(body), None)


# A responder gets the parsed request and answers a body string (HTTP 200), a
# (status, body string) pair — the body is wrapped in an envelope whose RelatesTo echoes
# the request — or (status, raw bytes) sent as is.
Responder = Callable[[Sent], Any]


@dataclass
class FakeSender:
    """Records every payload; answers from a queue of replies or a responder function.

    A queued item is a body string (HTTP 200, RelatesTo = request MessageID), a
    ``(status, body string)`` pair, a ``(status, raw bytes)`` pair sent as is, or a callable
    taking :class:`Sent` and returning one of those.
    """

    replies: list[Any] = field(default_factory=list)
    responder: Responder | None = None
    round_trips: int = 0
    sent: list[Sent] = field(default_factory=list)

    def send(self, payload: bytes, operation: str) -> tuple[int, bytes]:
        self.round_trips += 1
        request = Sent(payload, operation, parse(payload))
        self.sent.append(request)
        if self.responder is not None:
            item: Any = self.responder(request)
        elif self.replies:
            item = self.replies.pop(0)
        else:
            raise AssertionError("FakeSender: unexpected request %s" % operation)
        if callable(item):
            item = item(request)
        status, body = (200, item) if isinstance(item, str) else item
        if isinstance(body, bytes):
            return status, body
        return status, envelope(body, relates_to=request.message_id)


# ---------------------------------------------------------------------------------------
# cfg:Config documents and WinRMConfig snapshots
# ---------------------------------------------------------------------------------------

# Text of every known leaf as a freshly configured Windows host reports it.
DEFAULT_LEAF_TEXT: dict[str, str] = {
    "service.allow_unencrypted": "false",
    "service.auth.basic": "false",
    "service.auth.kerberos": "true",
    "service.auth.negotiate": "true",
    "service.auth.certificate": "false",
    "service.auth.credssp": "false",
    "service.auth.cbt_hardening_level": "Relaxed",
    "service.root_sddl": "O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)",
    "service.max_connections": "300",
    "service.ipv4_filter": "*",
    "service.ipv6_filter": "*",
    "service.enable_compatibility_http_listener": "false",
    "service.enable_compatibility_https_listener": "false",
    "service.certificate_thumbprint": "",
    "service.allow_remote_access": "true",
    "client.allow_unencrypted": "false",
    "client.trusted_hosts": "",
    "client.auth.basic": "true",
    "client.auth.digest": "true",
    "client.auth.kerberos": "true",
    "client.auth.negotiate": "true",
    "client.auth.certificate": "true",
    "client.auth.credssp": "false",
    "winrs.allow_remote_shell_access": "true",
}


def config_element(
    overrides: Mapping[str, str | None] | None = None,
    gpo: Iterable[str] = (),
    namespace: str = CONFIG_URI,
) -> ET.Element:
    """Build a ``cfg:Config`` element; an override of None leaves the leaf out."""
    texts: dict[str, str | None] = {**DEFAULT_LEAF_TEXT, **(overrides or {})}
    gpo_keys = set(gpo)
    root = ET.Element("{%s}Config" % namespace)
    for key, text in texts.items():
        if text is None:
            continue
        node = root
        for part in LEAVES[key].path:
            tag = "{%s}%s" % (namespace, part)
            child = node.find(tag)
            node = child if child is not None else ET.SubElement(node, tag)
        node.text = text
        if key in gpo_keys:
            node.set("Source", "GPO")
    return root


def make_config(values: Mapping[str, Value], gpo: Iterable[str] = ()) -> WinRMConfig:
    """A snapshot with exactly ``values`` (keys of LEAVES); ``gpo`` keys marked Source=GPO."""
    gpo_keys = set(gpo)
    return WinRMConfig({key: Setting(LEAVES[key], value, key in gpo_keys) for key, value in values.items()})


# Values of a host that no rule complains about.
HARDENED: dict[str, Value] = {
    "service.allow_unencrypted": False,
    "service.auth.basic": False,
    "service.auth.kerberos": True,
    "service.auth.negotiate": True,
    "service.auth.certificate": False,
    "service.auth.credssp": False,
    "service.auth.cbt_hardening_level": "Relaxed",
    "client.allow_unencrypted": False,
    "client.trusted_hosts": "jump01.lab.test",
    "client.auth.basic": False,
    "client.auth.digest": False,
    "client.auth.kerberos": True,
    "client.auth.negotiate": True,
    "client.auth.credssp": False,
}

HTTPS_LISTENER = Listener(address="*", transport="HTTPS", port=5986, hostname="win01.lab.test",
                          certificate_thumbprint="AB" * 20)
HTTP_LISTENER = Listener(address="*", transport="HTTP", port=5985)


def delegation(**lists: tuple[bool | None, list[str]]) -> DelegationPolicy:
    """``delegation(AllowFreshCredentials=(True, ["wsman/*"]))``."""
    built = {
        name: DelegationList(name=name, enabled=enabled, concatenate_defaults=True, entries=tuple(entries))
        for name, (enabled, entries) in lists.items()
    }
    return DelegationPolicy(exists=bool(built), lists=built)


def make_posture(
    overrides: Mapping[str, Value] | None = None,
    gpo: Iterable[str] = (),
    listeners: Iterable[Listener] = (HTTP_LISTENER, HTTPS_LISTENER),
    policy: DelegationPolicy | None = None,
) -> Posture:
    """A posture based on :data:`HARDENED`; an override of None removes the leaf."""
    values: dict[str, Value] = {**HARDENED, **(overrides or {})}
    values = {k: v for k, v in values.items() if v is not None}
    return Posture(
        config=make_config(values, gpo),
        listeners=tuple(listeners),
        delegation=policy if policy is not None else DelegationPolicy(exists=False),
        computer=None,
    )


def q_text(elem: ET.Element, prefix: str, local: str) -> str | None:
    """Text of a direct child in a known namespace."""
    return text_of(elem.find(q(prefix, local)))


RegValue = tuple[int, "int | str"]


class FakeRegistry:
    """An in-memory HKLM: ``{key path: {value name: (REG_* type, data)}}`` plus subkeys."""

    def __init__(self, keys: dict[str, dict[str, RegValue]]) -> None:
        self.keys = keys
        self.calls: list[tuple[str, ...]] = []

    def enum_values(self, key: str) -> dict[str, int] | None:
        self.calls.append(("EnumValues", key))
        if key not in self.keys:
            return None
        return {name: kind for name, (kind, _data) in self.keys[key].items()}

    def enum_keys(self, key: str) -> list[str] | None:
        self.calls.append(("EnumKey", key))
        if key not in self.keys:
            return None
        prefix = key + "\\"
        return [k[len(prefix):] for k in self.keys if k.startswith(prefix) and "\\" not in k[len(prefix):]]

    def get_dword(self, key: str, name: str) -> int | None:
        self.calls.append(("GetDWORDValue", key, name))
        kind, data = self.keys.get(key, {}).get(name, (0, ""))
        return data if kind == REG_DWORD and isinstance(data, int) else None

    def get_string(self, key: str, name: str) -> str | None:
        self.calls.append(("GetStringValue", key, name))
        kind, data = self.keys.get(key, {}).get(name, (0, ""))
        return data if kind == REG_SZ and isinstance(data, str) else None
