# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WS-Management operations: Get, Put, Create, Delete, Enumerate/Pull, Invoke.

For internal collection use only; this is not a public API.

The only place that turns a reply into data or a typed fault; every resource model
goes through :class:`WSManClient`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Protocol

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import envelope as env
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ProtocolError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.faults import parse_fault
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import NS, UnsafeXMLError, parse, q, text_of

# Enumerations are asked to return everything in the first reply; a Pull loop
# still follows when the host sends a context (it may cap the batch).
MAX_ELEMENTS = 32000
MAX_PULLS = 1000


class Sender(Protocol):
    """What the client needs from a transport (see _transport.WSManTransport)."""

    round_trips: int

    def send(self, payload: bytes, operation: str) -> tuple[int, bytes]: ...


class WSManClient:
    """Typed WS-Man operations against one endpoint.

    Args:
        transport: sends envelopes (a :class:`~._transport.WSManTransport` or a test double).
        endpoint: the URL put in ``a:To`` and in error messages.
        operation_timeout: seconds for ``w:OperationTimeout``.
    """

    def __init__(self, transport: Sender, endpoint: str, operation_timeout: int = 20) -> None:
        self.transport = transport
        self.endpoint = endpoint
        self.operation_timeout = operation_timeout

    @property
    def round_trips(self) -> int:
        """WS-Man requests sent so far."""
        return self.transport.round_trips

    def _call(self, request: env.Request) -> ET.Element | None:
        """Send a request; return the body's first child or raise the typed fault."""
        what = request.describe()
        payload = env.build(request, self.endpoint, operation_timeout=self.operation_timeout)
        status, raw = self.transport.send(payload, what)
        try:
            root = parse(raw)
        except UnsafeXMLError as e:
            raise ProtocolError(str(e), target=self.endpoint, operation=what) from e
        fault = parse_fault(root, target=self.endpoint, operation=what)
        if fault is not None:
            raise fault
        if status != 200:
            raise ProtocolError("HTTP %d without a SOAP fault" % status, target=self.endpoint, operation=what)
        related = env.relates_to(root)
        if related is not None and related != request.message_id:
            raise ProtocolError(
                "reply RelatesTo %s does not match request %s" % (related, request.message_id),
                target=self.endpoint,
                operation=what,
            )
        return env.reply_body(root)

    def _expect(self, request: env.Request, elem: ET.Element | None) -> ET.Element:
        if elem is None:
            raise ProtocolError("reply has an empty body", target=self.endpoint, operation=request.describe())
        return elem

    def get(self, resource_uri: str, selectors: Mapping[str, str] | None = None) -> ET.Element:
        """WS-Transfer Get; returns the resource element."""
        request = env.Request(env.ACTION_GET, resource_uri, selectors=selectors)
        return self._expect(request, self._call(request))

    def put(self, resource_uri: str, body: ET.Element, selectors: Mapping[str, str] | None = None) -> ET.Element | None:
        """WS-Transfer Put; returns the updated representation when the host sends one."""
        return self._call(env.Request(env.ACTION_PUT, resource_uri, selectors=selectors, body=body))

    def create(
        self, resource_uri: str, body: ET.Element, selectors: Mapping[str, str] | None = None
    ) -> ET.Element | None:
        """WS-Transfer Create; returns ``x:ResourceCreated`` when sent."""
        return self._call(env.Request(env.ACTION_CREATE, resource_uri, selectors=selectors, body=body))

    def delete(self, resource_uri: str, selectors: Mapping[str, str] | None = None) -> None:
        """WS-Transfer Delete."""
        self._call(env.Request(env.ACTION_DELETE, resource_uri, selectors=selectors))

    def invoke(
        self, resource_uri: str, method: str, params: Mapping[str, str | int | list[str]] | None = None
    ) -> ET.Element:
        """Invoke a WMI method; returns the ``<Method>_OUTPUT`` element.

        Args:
            resource_uri: class URI, e.g. ``…/wmi/root/default/StdRegProv``.
            method: method name, e.g. ``GetDWORDValue``.
            params: input parameters in order; lists become repeated elements.
        """
        body = ET.Element("{%s}%s_INPUT" % (resource_uri, method))
        for name, value in (params or {}).items():
            for item in value if isinstance(value, list) else [value]:
                ET.SubElement(body, "{%s}%s" % (resource_uri, name)).text = str(item)
        request = env.Request("%s/%s" % (resource_uri, method), resource_uri, body=body)
        return self._expect(request, self._call(request))

    def enumerate(
        self,
        resource_uri: str,
        selectors: Mapping[str, str] | None = None,
        wql: str | None = None,
    ) -> list[ET.Element]:
        """Enumerate all instances (optimized enumeration, then Pull until EndOfSequence).

        Args:
            resource_uri: resource or WMI class URI (``…/wmi/root/cimv2/*`` with ``wql``).
            selectors: selector filter.
            wql: a WQL query sent as ``w:Filter``.

        Returns:
            The item elements in the order the host sent them.
        """
        body = ET.Element(q("n", "Enumerate"))
        ET.SubElement(body, q("w", "OptimizeEnumeration"))
        ET.SubElement(body, q("w", "MaxElements")).text = str(MAX_ELEMENTS)
        if wql is not None:
            ET.SubElement(body, q("w", "Filter"), Dialect="http://schemas.microsoft.com/wbem/wsman/1/WQL").text = wql
        request = env.Request(env.ACTION_ENUMERATE, resource_uri, selectors=selectors, body=body)
        reply = self._expect(request, self._call(request))
        items: list[ET.Element] = []
        holder = reply.find("w:Items", NS)
        if holder is not None:
            items.extend(holder)
        ended = reply.find("w:EndOfSequence", NS) is not None
        context = text_of(reply.find("n:EnumerationContext", NS))
        pulls = 0
        while not ended and context:
            pulls += 1
            if pulls > MAX_PULLS:
                raise ProtocolError("enumeration did not end after %d pulls" % MAX_PULLS,
                                    target=self.endpoint, operation=request.describe())
            pull = ET.Element(q("n", "Pull"))
            ET.SubElement(pull, q("n", "EnumerationContext")).text = context
            ET.SubElement(pull, q("n", "MaxElements")).text = str(MAX_ELEMENTS)
            pull_request = env.Request(env.ACTION_PULL, resource_uri, selectors=selectors, body=pull)
            reply = self._expect(pull_request, self._call(pull_request))
            holder = reply.find("n:Items", NS)
            if holder is not None:
                items.extend(holder)
            ended = reply.find("n:EndOfSequence", NS) is not None
            context = text_of(reply.find("n:EnumerationContext", NS)) or context
        return items
