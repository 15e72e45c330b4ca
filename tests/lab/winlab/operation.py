"""Types shared by the resource handlers: the request context and the reply."""

from __future__ import annotations

from dataclasses import dataclass

from .auth import Principal
from .hoststate import HostState
from .soap import Request


@dataclass
class Context:
    """One authenticated WS-Man operation on one host."""

    host: HostState
    request: Request
    principal: Principal
    transport: str  # "http" or "https"
    client_ip: str
    endpoint: str  # URL the client addressed, e.g. http://127.0.10.1:5985/wsman


@dataclass
class Reply:
    action: str
    body: str
    prefixes: str = "s a x w p"  # envelope namespace declarations, as Windows sends them
    # p:ActivityId in the header: recorded on windows/shell Enumerate and a WMI Get, absent from
    # config, shell and WMI Enumerate replies; what makes Windows send it is not known.
    activity: bool = False
    delay: float = 0.0  # seconds the service waits before answering (a Receive of a running command)
