# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Gathering the facts the prediction rules need: DNS, Active Directory, the KDC.

For internal collection use only; this is not a public API.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.accounts import ACCOUNT_ATTRIBUTES, Account
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.ldap import ADConnection
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import kdc as _kerberos
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.predict import TargetFacts, is_ip


def _escape(value: str) -> str:
    """RFC 4515 escaping for a value inside an LDAP filter."""
    out = []
    for ch in value:
        out.append("\\%02x" % ord(ch) if ch in "\\*()\x00" else ch)
    return "".join(out)


def resolves(name: str) -> bool:
    if is_ip(name):
        return True
    try:
        socket.getaddrinfo(name, None)
    except (socket.gaierror, UnicodeError):
        return False
    return True


class DirectoryFacts:
    """SPN owners and computer accounts looked up once per name (cached for many targets)."""

    def __init__(self, ad: ADConnection) -> None:
        self.ad = ad
        self._spn: dict[str, Account | None] = {}
        self._host: dict[str, Account | None] = {}

    def _first(self, search_filter: str) -> Account | None:
        for entry in self.ad.search(search_filter, ACCOUNT_ATTRIBUTES):
            return Account.from_entry(entry)
        return None

    def spn_owner(self, spn: str) -> Account | None:
        key = spn.lower()
        if key not in self._spn:
            self._spn[key] = self._first("(servicePrincipalName=%s)" % _escape(spn))
        return self._spn[key]

    def host_account(self, name: str) -> Account | None:
        key = name.lower()
        if key not in self._host:
            self._host[key] = self._first("(&(objectClass=computer)(dNSHostName=%s))" % _escape(name))
        return self._host[key]


def gather(target: str, transports: Iterable[str], service: str = "HTTP", hostname_override: str | None = None,
           username: str | None = None, password: str | None = None, directory: DirectoryFacts | None = None,
           check_ticket: bool = True, kinit_managed: bool = False, host: str | None = None) -> TargetFacts:
    """Collect what is knowable about one target without connecting to it."""
    transports = tuple(transports)
    name = (hostname_override or target).lower()
    spn = "%s/%s" % (service, name)
    facts: dict[str, object] = {"resolves": resolves(target)}
    if directory is not None:
        account = directory.host_account(name)
        facts.update(
            directory=True,
            spn_owner=directory.spn_owner(spn),
            host_account=account,
            wsman_spn_on_host=bool(account and account.has_spn("WSMAN/%s" % name)),
        )
    if check_ticket and any(t in ("kerberos", "credssp") for t in transports) and _kerberos.HAS_GSSAPI:
        try:
            creds = _kerberos.credentials(username, password)
        except _kerberos.KerberosError as e:
            facts["kdc_error"] = str(e)
        else:
            facts["ticket_error"] = _kerberos.service_ticket_error(creds, service, name)
    return TargetFacts(target=target, transports=transports, service=service, hostname_override=hostname_override,
                       username=username, kinit_managed=kinit_managed, host=host, **facts)  # type: ignore[arg-type]
