# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lockout guard: would a change cut the path the controller uses to reach this host?

For internal collection use only; this is not a public API.
"""

from __future__ import annotations

from collections.abc import Iterable

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.change import Change
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
