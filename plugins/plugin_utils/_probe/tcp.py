# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Layer 2, TCP: does anything answer on 5985/5986 (and the configured port), and how fast.

For internal collection use only; this is not a public API.

A reset (``ECONNREFUSED``) means the host is there but nothing listens; silence until the
timeout means a firewall drops the packets (filtered); ``EHOSTUNREACH``/``ENETUNREACH`` means no
route. These are the three answers a port scanner gives, and each has a different fix.
"""

from __future__ import annotations

import errno
import socket
import time
from dataclasses import dataclass

from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.step import Step, ok, problem

STATES = ("open", "refused", "filtered", "unreachable", "error")
_CAUSE = {"refused": "port-refused", "filtered": "port-filtered", "unreachable": "no-route", "error": "no-route"}


@dataclass(frozen=True)
class PortResult:
    """One connect attempt: the port, its state, milliseconds until the answer, the OS error."""

    address: str
    port: int
    state: str
    ms: int
    error: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"address": self.address, "port": self.port, "state": self.state, "ms": self.ms,
                **({"error": self.error} if self.error else {})}


def classify(exc: BaseException | None) -> str:
    """The port state for a connect outcome (None: connected)."""
    if exc is None:
        return "open"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "filtered"
    code = getattr(exc, "errno", None)
    if code == errno.ECONNREFUSED:
        return "refused"
    if code in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES, errno.EPERM):
        return "unreachable"
    return "error"


def connect(address: str, port: int, timeout: float) -> PortResult:
    """Open (and close) one TCP connection; never raises."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    start = time.monotonic()
    error: BaseException | None = None
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect((address, port))
    except OSError as e:
        error = e
    finally:
        sock.close()
    ms = int((time.monotonic() - start) * 1000)
    return PortResult(address, port, classify(error), ms, "" if error is None else str(error) or type(error).__name__)


def judge(results: list[PortResult], port: int, timeout: float) -> Step:
    """``ok`` when the configured port is open on some address; else the configured port's state.

    Args:
        results: every attempt (each address x 5985, 5986 and the configured port).
        port: the configured port.
        timeout: the connect timeout used (for the filtered message).
    """
    evidence = {"ports": [r.as_dict() for r in results]}
    mine = [r for r in results if r.port == port]
    opened = [r for r in mine if r.state == "open"]
    others = sorted({r.port for r in results if r.state == "open" and r.port != port})
    if opened:
        return ok("tcp", "port %d open on %s (%d ms)" % (port, opened[0].address, opened[0].ms), **evidence)
    if not mine:
        return problem("tcp", "no-route", "no address to connect to", evidence=evidence)
    worst = mine[0]
    hint = " (port %s answers: check ansible_port/ansible_winrm_scheme)" % ", ".join(map(str, others)) if others else ""
    if worst.state == "filtered":
        summary = "port %d on %s: no answer within %.0f s (filtered)%s" % (port, worst.address, timeout, hint)
    elif worst.state == "refused":
        summary = "port %d on %s: connection refused after %d ms (nothing listens)%s" % (
            port, worst.address, worst.ms, hint)
    else:
        summary = "port %d on %s: %s (%s)" % (port, worst.address, worst.state, worst.error)
    return problem("tcp", _CAUSE[worst.state], summary, evidence=evidence)
