# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one Kerberos module: tickets from the KDC, in process, and what its errors mean.

For internal collection use only; this is not a public API.

What ``kinit`` + ``klist get`` would tell, without a ccache file: a password becomes a TGT in
memory (:func:`credentials`, :func:`memory_ccache` for libraries that take a ccache name such
as pyspnego), service tickets are asked for (:func:`service_ticket_error`), and every KDC/GSS
message is translated with one wording (:func:`explain`).

A leaf: of the collection it imports only ``_errors``, so the LDAP side (``_ad.ldap``) and the
WS-Man side (``_wsman.transport``) both use it.
"""

from __future__ import annotations

import uuid
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError

try:
    import gssapi
    import gssapi.raw
    HAS_GSSAPI = True
except ImportError:  # pragma: no cover - reported when a ticket is needed
    HAS_GSSAPI = False

KRB5_MECH = "1.2.840.113554.1.2.2"


class KerberosError(WinAuthError):
    """No ticket could be had; the message is the :func:`explain` text."""


# KDC/GSS message phrase -> what an admin should read; first match wins, so specific before general.
_KNOWN = (
    ("Server not found in Kerberos database", "no such SPN in the domain"),
    ("Client not found in Kerberos database", "unknown user principal"),
    # kinit's own wording (the winrm connection plugin's managed kinit): "Client 'x@R' not found …".
    ("not found in Kerberos database", "unknown user principal"),
    ("Preauthentication failed", "wrong password"),
    ("Password incorrect", "wrong password"),
    ("Clock skew too great", "clock skew: this controller's time differs from the DC's by more than 5 minutes"),
    ("Cannot find KDC", "no KDC known for the realm: check krb5.conf (KRB5_CONFIG) or the _kerberos DNS SRV records"),
    ("Cannot contact any KDC",
     "the KDC does not answer: check the network path to the DC on port 88 and the realm's kdc in krb5.conf"),
    ("Credentials cache", "no ticket: run kinit, or give username and password"),
    ("No Kerberos credentials", "no ticket: run kinit, or give username and password"),
    ("does not specify default realm", "krb5.conf has no default_realm: give username as user@REALM"),
    ("revoked", "the account is disabled or locked"),
    ("expired", "the password or ticket has expired"),
)


def explain(error: BaseException | str) -> str:
    """Short admin-facing text for a KDC/GSS error, keeping the original phrase for searching.

    This is the function every side calls to word a Kerberos failure (the LDAP bind, the
    WinRM transport, the ticket checks).

    Args:
        error: the exception (GSSError, SpnegoError, krb5.Krb5Error …) or its text.

    Returns:
        ``"<meaning> (<phrase>)"`` for a known phrase, else the text cut to 300 characters.
    """
    text = str(error)
    for known, meaning in _KNOWN:
        if known.lower() in text.lower():
            return "%s (%s)" % (meaning, known)
    return text[:300]


def credentials(username: str | None, password: str | None) -> Any:
    """A TGT from a password (in memory), or the default ticket cache when no password.

    Args:
        username: the principal (``user@REALM``); only used with a password.
        password: its password; without it the default ccache is used.

    Returns:
        python-gssapi credentials for ``initiate``.

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
        # from None: the GSS call's frame holds the password.
        raise KerberosError(explain(e)) from None


def memory_ccache(username: str, password: str) -> str:
    """Log on with a password and keep the TGT in a process-private MEMORY ccache.

    For libraries that take a ccache name rather than gssapi credentials (pyspnego's
    ``KerberosCCache``); nothing is written to disk and the cache ends with the process.

    Args:
        username: the principal (``user@REALM``).
        password: its password.

    Returns:
        The ccache name, ``MEMORY:winauth-<random>``.

    Raises:
        KerberosError: with :func:`explain` text when the logon fails.
    """
    creds = credentials(username, password)
    name = "MEMORY:winauth-%s" % uuid.uuid4().hex
    try:
        gssapi.raw.store_cred_into({b"ccache": name.encode("ascii")}, creds, usage="initiate",
                                   mech=gssapi.OID.from_int_seq(KRB5_MECH), overwrite=True)
    except gssapi.raw.GSSError as e:
        raise KerberosError(explain(e)) from None
    return name


def service_ticket_error(creds: Any, service: str, host: str) -> str:
    """Ask the KDC for a ticket to ``service/host``.

    Returns:
        "" when the ticket is issued, else the :func:`explain` text of the refusal.
    """
    try:
        target = gssapi.Name("%s@%s" % (service, host), gssapi.NameType.hostbased_service)
        gssapi.SecurityContext(name=target, creds=creds, usage="initiate").step()
    except gssapi.raw.GSSError as e:
        return explain(e)
    return ""
