# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lockout guard: would a change cut the path the controller uses to reach this host?

For internal collection use only; this is not a public API.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.change import Change
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.listener import Listener, ListenerPlan
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import WSManSettings

# Service auth flags each client transport depends on. NTLM and pywinrm's Kerberos both
# send the "Negotiate" HTTP scheme; Kerberos also stops working when the service's
# Kerberos flag is off, so both count for it.
_NEEDS: dict[str, tuple[str, ...]] = {
    "basic": ("service.auth.basic",),
    "ntlm": ("service.auth.negotiate",),
    "kerberos": ("service.auth.negotiate", "service.auth.kerberos"),
    "credssp": ("service.auth.credssp",),
    "certificate": ("service.auth.certificate",),
}


def cut_reasons(settings: WSManSettings, auth_used: str, changes: Iterable[Change]) -> list[str]:
    """Explain each change that would lock this controller out.

    Args:
        settings: how the controller connects.
        auth_used: the transport that authenticated this run (``ntlm``, ``basic`` …).
        changes: the planned changes.

    Returns:
        One sentence per dangerous change; empty when the change is safe.
    """
    reasons: list[str] = []
    path = "%s over %s" % (auth_used, settings.scheme.upper())
    encrypted = settings.encrypts_messages(auth_used)
    for change in changes:
        if change.key in _NEEDS.get(auth_used, ()) and change.after is False:
            reasons.append(
                "%s=false would disable the scheme this connection authenticates with (%s)" % (change.key, path)
            )
        elif change.key == "service.allow_unencrypted" and change.after is False and settings.scheme == "http" \
                and not encrypted:
            reasons.append(
                "service.allow_unencrypted=false would reject this connection, which sends unencrypted messages "
                "(%s without message encryption); switch to HTTPS or ntlm/kerberos with message encryption first"
                % path
            )
        elif change.key == "service.auth.cbt_hardening_level" and str(change.after).lower() == "strict":
            if settings.scheme == "http":
                reasons.append(
                    "cbt_hardening_level=Strict rejects requests without a channel binding token, and HTTP has "
                    "no TLS channel to bind (%s); connect over HTTPS first" % path
                )
            elif auth_used == "basic" or not settings.send_cbt:
                reasons.append(
                    "cbt_hardening_level=Strict rejects requests without a channel binding token, and this "
                    "connection sends none (%s%s)" % (path, "" if settings.send_cbt else ", send_cbt=false")
                )
    return reasons


def _addresses(host: str) -> frozenset[str] | None:
    """The IP addresses ``host`` stands for (None when it cannot be resolved here)."""
    try:
        return frozenset([str(ipaddress.ip_address(host.strip("[]")))])
    except ValueError:
        pass
    try:
        return frozenset(str(info[4][0]).split("%", 1)[0] for info in socket.getaddrinfo(host, None))
    except (OSError, UnicodeError):
        return None


def carries_connection(listener: Listener, settings: WSManSettings, addresses: frozenset[str] | None) -> bool:
    """Whether this controller's connection may run through ``listener``.

    Same transport and port as the connection, and an address that takes the connection's
    target address: ``*``, or ``IP:<that address>``. A ``MAC:`` listener, or a target that
    cannot be resolved, counts as carrying it (the guard errs on the side of refusing).
    """
    if listener.transport != settings.scheme.upper() or listener.port != settings.port or not listener.enabled:
        return False
    if listener.address == "*" or addresses is None or not listener.address.upper().startswith("IP:"):
        return True
    try:
        return str(ipaddress.ip_address(listener.address[3:].strip("[]"))) in addresses
    except ValueError:
        return True


def listener_cut_reasons(settings: WSManSettings, auth_used: str, change: ListenerPlan,
                         addresses: frozenset[str] | None = None) -> list[str]:
    """Explain why a listener change would cut this controller's connection.

    Deleting, disabling, or moving to another port the listener the connection runs through
    cuts it. Creating a listener, or changing another one, never does.

    Args:
        settings: how the controller connects.
        auth_used: the transport that authenticated this run, for the message.
        change: the planned write.
        addresses: the connection target's IP addresses (default: resolved from ``settings.host``).

    Returns:
        One sentence per reason; empty when the change is safe.
    """
    before = change.before
    if change.operation not in ("delete", "put") or before is None:
        return []
    if not carries_connection(before, settings, _addresses(settings.host) if addresses is None else addresses):
        return []
    path = "%s over %s to %s" % (auth_used or "this connection", settings.scheme.upper(), settings.endpoint)
    after = change.after
    if after is None:
        return ["deleting the %s would cut the connection this task runs on (%s)" % (before.describe(), path)]
    reasons = []
    if not after.enabled:
        reasons.append("disabling the %s would cut the connection this task runs on (%s)" % (before.describe(), path))
    if after.port != before.port:
        reasons.append("moving the %s to port %s would cut the connection this task runs on (%s); create the new "
                       "listener first, reconnect through it, then remove the old one" % (before.describe(), after.port,
                                                                                          path))
    return reasons
