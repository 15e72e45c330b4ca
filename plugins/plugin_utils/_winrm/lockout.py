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


def _local_account(username: str | None) -> bool:
    """Whether ``username`` names a local account of the host (no domain part, or ``.\\``)."""
    if not username or "@" in username:
        return False
    domain, sep, _name = username.rpartition("\\")
    return not sep or domain in (".", "")


def shell_and_service_reasons(settings: WSManSettings, changes: Iterable[Change]) -> list[str]:
    """Policy changes that cut the controller off whatever transport it uses.

    Keys beyond :func:`cut_reasons`: ``winrs.allow_remote_shell_access`` (a leaf),
    ``policy.service_allow_auto_config`` and ``policy.local_account_token_filter_policy``
    (registry values with no leaf; ``after`` None means the value is deleted).

    Args:
        settings: how the controller connects.
        changes: the planned changes.

    Returns:
        One sentence per dangerous change.
    """
    reasons = []
    for change in changes:
        if change.key == "winrs.allow_remote_shell_access" and change.after is False:
            reasons.append(
                "AllowRemoteShellAccess=0 refuses every remote shell, and Ansible's winrm and psrp connections "
                "run each module in one; only the winauth.winrm WS-Man action plugins would still reach the host")
        elif change.key == "policy.service_allow_auto_config" and change.after is False:
            # Microsoft's explain text for the disabled policy; the lab empties both filters.
            reasons.append(
                "AllowAutoConfig=0 (\"Allow remote server management through WinRM\" disabled) stops the service "
                "answering remote requests on every listener; delete the value (absent) instead")
        elif change.key == "policy.local_account_token_filter_policy" and change.after is not True \
                and change.before is True and _local_account(settings.username) \
                and (settings.username or "").rpartition("\\")[2].lower() != "administrator":
            reasons.append(
                "LocalAccountTokenFilterPolicy=0 gives local accounts a filtered (non-admin) token over the network, "
                "and this connection logs on as the local account %r; connect with a domain account or the "
                "built-in Administrator first (or pass force: true if %r is the renamed built-in Administrator)"
                % (settings.username, settings.username))
    return reasons


def auto_config_reasons(auto_config_after: object, ipv4_filter_after: object) -> list[str]:
    """AllowAutoConfig=1 with an empty IPv4 filter: the service then listens on no address.

    Args:
        auto_config_after: the AllowAutoConfig policy value after the change (True, False, None).
        ipv4_filter_after: its IPv4Filter value after the change (None = not configured).
    """
    if auto_config_after is True and not str(ipv4_filter_after or "").strip():
        return ["AllowAutoConfig=1 with an empty IPv4 filter makes the service listen on no IPv4 address; "
                "set service_ipv4_filter (e.g. '*') in the same task"]
    return []
