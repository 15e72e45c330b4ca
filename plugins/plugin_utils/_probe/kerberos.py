# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Layer 6, Kerberos: can the client get a ticket for the SPN it will ask for (``klist get``)?

For internal collection use only; this is not a public API.

The SPN is pywinrm's: ``<service>/<kerberos_hostname_override or host>`` (service ``HTTP``, or
``WSMAN`` for the psrp connection). The ticket is asked for through the same GSSAPI library
the client uses, so name canonicalisation (``dns_canonicalize_hostname``, ``rdns``) is
krb5.conf's, exactly as the real connection will do it. Only the public functions of
``_kerberos.kdc`` are used: ``credentials``, ``service_ticket_error``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._explain import match
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import kdc
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.predict import is_ip
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.step import Step, ok, problem

# (user, password) -> credentials; (credentials, service, host) -> "" or the reason. Replaceable in tests.
Credentials = Callable[[str | None, str | None], Any]
TicketError = Callable[[Any, str, str], str]


def spn(service: str, host: str, override: str | None) -> str:
    """The SPN the client asks for."""
    return "%s/%s" % (service, override or host)


def _cause(text: str, default: str) -> str:
    row = match(text)
    return row.id if row is not None else default


def check(service: str, host: str, override: str | None, username: str | None, password: str | None,
          reverse_names: list[str], credentials: Credentials = kdc.credentials,
          ticket_error: TicketError = kdc.service_ticket_error) -> Step:
    """Get a TGT (with the password in memory, else from the ticket cache), then the service ticket.

    Args:
        service: SPN service class.
        host: the URL host.
        override: ``ansible_winrm_kerberos_hostname_override``.
        username / password: the host's login (the password is used, never reported).
        reverse_names: PTR names of the host's address, to suggest a name for an IP target.
        credentials / ticket_error: the KDC calls (``_kerberos.kdc``'s by default).
    """
    name = override or host
    wanted = spn(service, host, override)
    evidence: dict[str, Any] = {"spn": wanted, "user": username, "tgt_from": "password" if password else "cache"}
    try:
        creds = credentials(username if password else None, password)
    except kdc.KerberosError as e:
        text = str(e)
        evidence["error"] = text
        return problem("kerberos", _cause(text, "no-ticket"), "no TGT for %s: %s" % (username or "the cache", text),
                       evidence=evidence)
    reason = ticket_error(creds, service, name)
    if not reason:
        note = "" if not is_ip(name) else " (an IP SPN: unusual, check it is intended)"
        return ok("kerberos", "service ticket for %s issued%s" % (wanted, note), **evidence)
    evidence["error"] = reason
    cause = _cause(reason, "spn-not-found")
    fix = None
    if cause == "spn-not-found":
        better = next((n for n in reverse_names if not is_ip(n)), None)
        if is_ip(name):
            shown = better or "the host's FQDN"
            fix = ("Kerberos needs the host's name, not an address: set ansible_host to %s, or keep the address and "
                   "set ansible_winrm_kerberos_hostname_override=%s" % (shown, better or "<FQDN>"))
        else:
            fix = ("register the SPN (setspn -S %s <computer>$), or set ansible_winrm_service (psrp: "
                   "ansible_psrp_negotiate_service) to a class the computer has, e.g. WSMAN or HTTP" % wanted)
    return problem("kerberos", cause, "no service ticket for %s: %s" % (wanted, reason), fix=fix, evidence=evidence)
