# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Gathering the facts the prediction rules need: DNS, Active Directory, the KDC.

For internal collection use only; this is not a public API.
"""

from __future__ import annotations

import base64
import ipaddress
import socket
import struct
from collections.abc import Iterable, Iterator

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.accounts import ACCOUNT_ATTRIBUTES, Account
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.ldap import ADConnection
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.privilege import ldap_escape
from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import kdc as _kerberos
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import names as _names
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.predict import TargetFacts, account_kind, is_ip


def resolves(name: str) -> bool:
    if is_ip(name):
        return True
    try:
        socket.getaddrinfo(name, None)
    except (socket.gaierror, UnicodeError):
        return False
    return True


# DNS_RPC_RECORD (MS-DNSP 2.3.2.2) types in an AD-integrated zone's dnsRecord values.
DNS_TYPE_A, DNS_TYPE_AAAA = 1, 28


def record_addresses(values: Iterable[str]) -> Iterator[str]:
    """The A/AAAA addresses in a dnsNode's ``dnsRecord`` values (as ADConnection yields binary: base64).

    Args:
        values: the dnsRecord values.

    Returns:
        An iterator of addresses; records of other types and malformed values are skipped.
    """
    for value in values:
        try:
            blob = base64.b64decode(value, validate=True)
        except ValueError:
            blob = value.encode("latin-1", "replace")
        if len(blob) < 24:
            continue
        length, kind = struct.unpack_from("<HH", blob)
        data = blob[24:24 + length]
        if kind == DNS_TYPE_A and len(data) == 4:
            yield str(ipaddress.IPv4Address(data))
        elif kind == DNS_TYPE_AAAA and len(data) == 16:
            yield str(ipaddress.IPv6Address(data))


def _dns_name(base_dn: str) -> str:
    """The DNS name of a domain DN (``DC=lab,DC=test`` → ``lab.test``)."""
    return ".".join(part.split("=", 1)[1] for part in base_dn.split(",") if part.strip().lower().startswith("dc="))


class DirectoryFacts:
    """SPN owners and computer accounts looked up once per name (cached for many targets)."""

    def __init__(self, ad: ADConnection) -> None:
        self.ad = ad
        self._spn: dict[str, Account | None] = {}
        self._host: dict[str, Account | None] = {}
        self._short: dict[str, Account | None] = {}
        self._user: dict[str, Account | None] = {}
        self._addresses: dict[str, list[str]] | None = None

    def _first(self, search_filter: str) -> Account | None:
        for entry in self.ad.search(search_filter, ACCOUNT_ATTRIBUTES):
            return Account.from_entry(entry)
        return None

    def spn_owner(self, spn: str) -> Account | None:
        key = spn.lower()
        if key not in self._spn:
            self._spn[key] = self._first("(servicePrincipalName=%s)" % ldap_escape(spn))
        return self._spn[key]

    def host_account(self, name: str) -> Account | None:
        key = name.lower()
        if key not in self._host:
            self._host[key] = self._first("(&(objectClass=computer)(dNSHostName=%s))" % ldap_escape(name))
        return self._host[key]

    def realm(self) -> str | None:
        """The domain's realm: the domain option, else the DNS name of the naming context, upper case."""
        if self.ad.settings.realm:
            return str(self.ad.settings.realm)
        try:
            base_dn = self.ad.naming_context()
        except WinAuthError:
            return None
        return _dns_name(base_dn).upper() or None

    def host_by_short_name(self, name: str) -> Account | None:
        """The computer whose sAMAccountName is ``NAME$`` (a single-label target is its NetBIOS name)."""
        key = name.lower()
        if key not in self._short:
            self._short[key] = self._first("(&(objectClass=computer)(sAMAccountName=%s$))" % ldap_escape(name.upper()))
        return self._short[key]

    def zone_addresses(self) -> dict[str, list[str]]:
        """Address -> DNS names, from the domain's AD-integrated zone (read once, the DC's own records).

        The zone is ``DC=<domain>,CN=MicrosoftDNS,DC=DomainDnsZones,<domain DN>``; a search error (no
        such partition, no read right) leaves the map empty: the address is then simply not found.
        """
        if self._addresses is None:
            self._addresses = {}
            base_dn = self.ad.settings.default_base or self.ad.naming_context()
            zone = _dns_name(base_dn)
            base = "DC=%s,CN=MicrosoftDNS,DC=DomainDnsZones,%s" % (zone, base_dn)
            try:
                for entry in self.ad.search("(objectClass=dnsNode)", ["name", "dnsRecord"], base=base):
                    label = (entry.get("name") or [""])[0]
                    if not label or label == "@":
                        continue
                    for address in record_addresses(entry.get("dnsRecord") or []):
                        self._addresses.setdefault(address, []).append("%s.%s" % (label.lower(), zone.lower()))
            except WinAuthError:
                pass
        return self._addresses

    def host_by_address(self, address: str) -> Account | None:
        """The computer an address belongs to: the PTR name, else the zone's A/AAAA records, then dNSHostName."""
        names = [n for n in (_names.reverse_lookup(address),) if n]
        names += self.zone_addresses().get(str(ipaddress.ip_address(address.strip("[]"))), [])
        for name in names:
            account = self.host_account(name)
            if account is not None:
                return account
        return None

    def user_account(self, username: str | None) -> Account | None:
        """The domain account of ``DOMAIN\\user`` or ``user@REALM`` (sAMAccountName, else userPrincipalName)."""
        if not username or "\\" not in username and "@" not in username or username.startswith(".\\"):
            return None
        key = username.lower()
        if key not in self._user:
            if "\\" in username:
                search = "(&(objectCategory=person)(sAMAccountName=%s))" % ldap_escape(username.split("\\", 1)[1])
            else:
                name = username.split("@", 1)[0]
                search = "(&(objectCategory=person)(|(userPrincipalName=%s)(sAMAccountName=%s)))" % (
                    ldap_escape(username), ldap_escape(name))
            self._user[key] = self._first(search)
        return self._user[key]


def gather(target: str, transports: Iterable[str], service: str = "HTTP", hostname_override: str | None = None,
           username: str | None = None, password: str | None = None, directory: DirectoryFacts | None = None,
           check_ticket: bool = True, kinit_managed: bool = False, host: str | None = None,
           cert: bool | None = None, scheme: str | None = None, canonicalize: bool = True) -> TargetFacts:
    """Collect what is knowable about one target without connecting to it.

    Args:
        target: the name or address connected to; transports: in the order tried.
        service, hostname_override: the SPN's service class and host part, as the client sets them.
        username, password: the connection's account (the password only for the KDC check).
        directory: AD lookups, None to skip them.
        check_ticket: ask the KDC for the service ticket.
        kinit_managed: the winrm plugin runs kinit itself.
        host: the inventory name; cert: a client certificate is configured; scheme: http or https.
        canonicalize: apply the client's krb5.conf name rules (CNAME, rdns, short names) to the SPN.

    Returns:
        The facts :func:`predict` needs.
    """
    transports = tuple(transports)
    given = (hostname_override or target).lower()
    # The client's krb5.conf name rules (MIT): _kerberos.names, shared with ad_spn_info's ClientRequest.
    name, alias_of = _names.kerberos_name(given, _names.read_krb5_names()) if canonicalize else (given, None)
    spn = "%s/%s" % (service, name)
    facts: dict[str, object] = {"resolves": resolves(target), "kerberos_name": name, "alias_of": alias_of}
    if directory is not None:
        account = directory.host_account(name)
        if account is None and alias_of:
            account = directory.host_account(alias_of)
        if account is None and is_ip(name):
            account = directory.host_by_address(name)
        if account is None and "." not in name:
            account = directory.host_by_short_name(name)
        if account is None and is_ip(target):
            account = directory.host_by_address(target)
        realm = directory.realm()
        facts.update(
            directory=True,
            spn_owner=directory.spn_owner(spn),
            host_account=account,
            wsman_spn_on_host=bool(account and account.has_spn("WSMAN/%s" % name)),
            user_account=directory.user_account(username),
            realm=realm,
        )
    wants_ticket = any(t in ("kerberos", "credssp") for t in transports)
    # NTLM or Basic with a domain account and the directory at hand: ask the KDC too, with the user@REALM
    # form Kerberos would need, so a refused NTLM/Basic logon can be given Kerberos as its fix.
    for_fix = not wants_ticket and directory is not None and bool(password) \
        and account_kind(username) in ("domain", "upn")
    if check_ticket and (wants_ticket or for_fix) and _kerberos.HAS_GSSAPI:
        principal = username
        if for_fix and account_kind(username) == "domain" and facts.get("realm"):
            principal = "%s@%s" % (str(username).split("\\", 1)[1], facts["realm"])
        try:
            creds = _kerberos.credentials(principal, password)
        except _kerberos.KerberosError as e:
            facts["kdc_error"] = str(e)
        else:
            # GSSAPI applies krb5.conf's own name rules: give it the name as the client does.
            facts["ticket_error"] = _kerberos.service_ticket_error(creds, service, given)
    return TargetFacts(target=target, transports=transports, service=service, hostname_override=hostname_override,
                       username=username, kinit_managed=kinit_managed, host=host, cert=cert, scheme=scheme,
                       **facts)  # type: ignore[arg-type]
