# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hardening role's audit in one task: the connections to try, and the host's record.

For internal collection use only; this is not a public API.

The role audits a host over the connection a hardened host still accepts: a host the inventory
reaches with Basic over the fallback scheme (NTLM by default) on the same channel, in the strict
profile over HTTPS where the inventory says HTTP; then the scheme switch alone; then the
inventory's own connection. The first that answers wins and the role keeps it, so switching
Basic (or HTTP) off cannot cut the controller out, and a second run reaches the host the first
one left. This module decides the candidates and, from the audit that worked, the plan
(:func:`.fleet.plan`), the exemptions, the notes and the record the fleet report shows; the
action plugin ``hardening_audit`` only runs the audits. Doing it here, in Python, instead of in
role variables keeps the report mode at one task per host without templating (each Jinja
template costs every host a compile).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._report.fleet import plan
from ansible_collections.winauth.winrm.plugins.plugin_utils._text import shorten

# Transports of the winrm connection plugin that authenticate with Basic.
_BASIC = re.compile(r"basic|plaintext|ssl")
_MSG_LIMIT = 120


@dataclass(frozen=True)
class Connection:
    """One way to reach the host: the winrm connection plugin's transport, scheme and port."""

    transport: str
    scheme: str
    port: int

    def as_dict(self) -> dict[str, Any]:
        return {"transport": self.transport, "scheme": self.scheme, "port": self.port}

    def plugin_options(self) -> dict[str, Any]:
        """The winrm connection plugin's options for this connection (its ``transport`` is a list)."""
        return {"transport": self.transport.split(","), "scheme": self.scheme, "port": self.port}


@dataclass(frozen=True)
class Inputs:
    """The role variables the audit depends on (defaults/main.yml documents each)."""

    profile: str = "baseline"
    fallback_transport: str = "ntlm"
    https_default_port: int = 5986
    switches: Mapping[str, Any] | None = None
    kerberos_ready: bool = False
    no_remote_shell_ok: bool = False

    def on(self, control: str) -> bool:
        """The control's boolean (a control missing from the switches is on)."""
        return true((self.switches or {}).get(control, True))


def true(value: Any) -> bool:
    """A role variable's boolean (``"yes"``, ``"true"``, ``1`` ... as Ansible reads them)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y")
    return bool(value)


def inventory_connection(transport: Any, scheme: Any, port: Any, fallback_transport: str) -> Connection:
    """How the inventory reaches the host, with the winrm connection plugin's defaults where unset.

    Args:
        transport: the plugin's ``transport`` option (a list, a comma-separated text or None;
            None is the role's fallback transport).
        scheme: ``http``, ``https`` or None (then ``http`` on port 5985, ``https`` elsewhere).
        port: the port or None (5986).
        fallback_transport: the role's ``hardening_fallback_transport``.
    """
    if isinstance(transport, list | tuple):
        transport = ",".join(str(t) for t in transport)
    port_number = 5986 if port in (None, "") else int(port)
    return Connection(
        transport=str(transport) if transport else fallback_transport,
        scheme=str(scheme) if scheme else ("http" if port_number == 5985 else "https"),
        port=port_number,
    )


@dataclass(frozen=True)
class Candidates:
    """The connections to try in order, and why the first differs from the inventory's."""

    connections: tuple[Connection, ...]
    from_basic: bool
    to_https: bool
    require_kerberos: bool


def candidates(inventory: Connection, inputs: Inputs, winrm: bool) -> Candidates:
    """The connections the audit tries: the one a hardened host accepts, the scheme switch alone,
    the inventory's own (duplicates dropped).

    Args:
        inventory: :func:`inventory_connection`.
        inputs: the role variables.
        winrm: the host uses the winrm connection plugin (psrp: the inventory's connection only).
    """
    from_basic = winrm and bool(_BASIC.search(inventory.transport.lower())) and inputs.on("WINRM-SVC-BASIC")
    to_https = (winrm and inputs.profile == "strict" and inventory.scheme == "http"
                and inputs.on("WINRM-LISTENER-HTTPS"))
    transport = inputs.fallback_transport if from_basic else inventory.transport
    tried = [
        Connection(transport, "https" if to_https else inventory.scheme,
                   int(inputs.https_default_port) if to_https else inventory.port),
        Connection(transport, inventory.scheme, inventory.port),
        inventory,
    ]
    unique = tuple(dict.fromkeys(tried))
    return Candidates(unique, from_basic, to_https,
                      require_kerberos=winrm and inputs.profile == "strict" and true(inputs.kerberos_ready))


def worked(result: Mapping[str, Any]) -> bool:
    """The audit reached the host (winrm_info reports the connection it used)."""
    return isinstance(result.get("connection"), Mapping)


def outcome(tried: Candidates, attempts: Sequence[Mapping[str, Any]], inputs: Inputs, check_mode: bool,
            ) -> dict[str, Any]:
    """What the role keeps from the audits: the winner, the plan and the report's record.

    Args:
        tried: the candidates (:func:`candidates`).
        attempts: the winrm_info results, in candidate order, up to the first that worked.
        inputs: the role variables.
        check_mode: report mode.

    Returns:
        ``winner`` (index, -1: none worked), ``connection`` (the winner's transport, scheme and
        port: what the role keeps for the rest of the play), ``switched`` (it is not the
        inventory's, the last candidate), ``switched_from_basic``,
        ``switched_to_https``, ``kerberos_missing``, ``exempt`` and ``record`` (the fleet
        report's per-host record: ``mode``, ``before`` - the compliance table -, ``plan``,
        ``connection``, ``notes``; no ``after``: the role's re-audit adds it); without a winner
        ``record`` is None.
    """
    winner = next((i for i, a in enumerate(attempts) if worked(a)), -1)
    kept = tried.connections[winner] if winner >= 0 else None
    from_basic = tried.from_basic and kept is not None and kept.transport == inputs.fallback_transport
    to_https = tried.to_https and kept is not None and kept.scheme == "https"
    before: Mapping[str, Any] = attempts[winner] if winner >= 0 else {}
    auth = (before.get("connection") or {}).get("auth") if winner >= 0 else None
    kerberos_missing = tried.require_kerberos and winner >= 0 and auth != "kerberos"

    exempt: dict[str, str] = {}
    if tried.from_basic and not from_basic:
        first = shorten((attempts[0] if attempts else {}).get("msg") or "", _MSG_LIMIT)
        fb = inputs.fallback_transport
        exempt["WINRM-SVC-BASIC"] = ("Basic stays on so the controller keeps its way in: %s over the same channel "
                                     "failed (%s); make %s work, then re-run" % (fb, first, fb))
    if not true(inputs.no_remote_shell_ok):
        exempt["WINRM-WINRS-SHELL"] = ("Ansible's winrm and psrp connections run every module in a remote shell, "
                                       "so switching shells off leaves only the winauth.winrm WS-Man modules "
                                       "working; set hardening_no_remote_shell_ok: true to do it anyway")
    notes: list[str] = []
    if kerberos_missing:
        notes.append("Kerberos required (strict, Kerberos-ready host) but the controller authenticated with %s: set "
                     "ansible_winrm_transport: kerberos and reach the host by a name with its SPN" % auth)
    if from_basic:
        notes.append("reached with Basic: switched to %s over the same channel; set ansible_winrm_transport: %s in "
                     "the inventory" % (inputs.fallback_transport, inputs.fallback_transport))
    if to_https and kept is not None:
        notes.append("reached over HTTP: switched to HTTPS port %d; set ansible_winrm_scheme: https and ansible_port "
                     "in the inventory" % kept.port)

    host_plan = record = None
    if winner >= 0:
        host_plan = plan(before.get("compliance"), inputs.switches or {}, exempt)
        record = {
            "mode": "report" if check_mode else "apply",
            "before": before.get("compliance"),  # "after": the role's re-audit adds it in apply mode
            "plan": host_plan,
            "connection": {**before["connection"], "switched_from_basic": from_basic, "switched_to_https": to_https},
            "notes": notes,
        }
    return {
        "winner": winner,
        "connection": kept.as_dict() if kept is not None else None,
        "switched": kept is not None and kept != tried.connections[-1],
        "switched_from_basic": from_basic,
        "switched_to_https": to_https,
        "kerberos_missing": kerberos_missing,
        "exempt": exempt,
        "record": record,
    }
