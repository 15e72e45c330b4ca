# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Asking the KDC for tickets, in process (what ``kinit`` + ``klist get`` would tell).

For internal collection use only; this is not a public API.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError

try:
    import gssapi
    import gssapi.raw
    HAS_GSSAPI = True
except ImportError:  # pragma: no cover - reported when a ticket check is asked for
    HAS_GSSAPI = False

class KerberosError(WinAuthError):
    """No ticket could be had; the message is the :func:`explain` text."""


# KDC/GSS messages -> what an admin should read.
_KNOWN = (
    ("Server not found in Kerberos database", "no such SPN in the domain"),
    ("Client not found in Kerberos database", "unknown user"),
    ("Preauthentication failed", "wrong password"),
    ("Clock skew too great", "clock skew: this controller's time differs from the DC's by more than 5 minutes"),
    ("Cannot find KDC", "no KDC known for the realm: check krb5.conf (KRB5_CONFIG) or the _kerberos DNS SRV records"),
    ("Cannot contact any KDC", "the KDC does not answer: check the network path to the DC on port 88"),
    ("Credentials cache", "no ticket cache: run kinit or give a password"),
    ("No Kerberos credentials", "no ticket cache: run kinit or give a password"),
    ("does not specify default realm", "krb5.conf has no default_realm: use user@REALM"),
    ("revoked", "the account is disabled or locked"),
    ("expired", "the password or ticket has expired"),
)


def explain(error: BaseException) -> str:
    """Short admin-facing text for a GSS/KDC error, keeping the original phrase for searching."""
    text = str(error)
    for known, meaning in _KNOWN:
        if known.lower() in text.lower():
            return "%s (%s)" % (meaning, known)
    return text[:300]


def credentials(username: str | None, password: str | None) -> Any:
    """A TGT from a password (in memory), or the default ticket cache when no password.

    Raises:
        KerberosError: with :func:`explain` text when no TGT can be had.
    """
    if not HAS_GSSAPI:
        raise KerberosError("python-gssapi is not installed (pip install gssapi)")
    try:
        if username and password:
            name = gssapi.Name(username, gssapi.NameType.user)
            return gssapi.raw.acquire_cred_with_password(name, password.encode("utf-8"), usage="initiate").creds
        creds = gssapi.Credentials(usage="initiate")
        creds.inquire()  # fails now, not later, when the cache is empty or expired
        return creds
    except gssapi.raw.GSSError as e:
        raise KerberosError(explain(e)) from None


def service_ticket_error(creds: Any, service: str, host: str) -> str:
    """Ask the KDC for a ticket to ``service/host``; "" when issued, else the reason."""
    try:
        target = gssapi.Name("%s@%s" % (service, host), gssapi.NameType.hostbased_service)
        gssapi.SecurityContext(name=target, creds=creds, usage="initiate").step()
    except gssapi.raw.GSSError as e:
        return explain(e)
    return ""
