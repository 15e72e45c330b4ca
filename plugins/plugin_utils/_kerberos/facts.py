# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Gathering the facts the prediction rules need: DNS, Active Directory, the KDC.

For internal collection use only; this is not a public API.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import socket
import struct
from collections.abc import Iterable, Iterator

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.accounts import ACCOUNT_ATTRIBUTES, Account
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.ldap import ADConnection
from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import kdc as _kerberos
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.predict import TargetFacts, account_kind, is_ip


def _escape(value: str) -> str:
    """RFC 4515 escaping for a value inside an LDAP filter."""
    out = []
    for ch in value:
        out.append("\\%02x" % ord(ch) if ch in "\\*()\x00" else ch)
    return "".join(out)


def krb5_libdefaults(paths: str | None = None) -> dict[str, str]:
    """``[libdefaults]`` of the client's krb5.conf (KRB5_CONFIG, a colon-separated list, else /etc/krb5.conf).

    Like MIT's profile library, the first file (and the first line) that sets a relation wins.

    Args:
        paths: the KRB5_CONFIG value to read; None: the environment's.

    Returns:
        Relation name (lower case) to value; {} when no file can be read.
    """
    found: dict[str, str] = {}
    for path in (paths if paths is not None else os.environ.get("KRB5_CONFIG", "/etc/krb5.conf")).split(":"):
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                lines = handle.read().splitlines()
        except OSError:
            continue
        section = ""
        for raw in lines:
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1].strip().lower()
            elif section == "libdefaults" and "=" in line:
                key, _eq, value = line.partition("=")
                found.setdefault(key.strip().lower(), value.strip())
    return found


def _flag(value: str | None, default: bool) -> bool:
    """A krb5.conf boolean (MIT accepts y/yes/true/t/1/on and their negatives)."""
    if value is None:
        return default
    return value.strip().lower() in ("y", "yes", "true", "t", "1", "on")


def _search_domain() -> str | None:
    """The first ``search``/``domain`` of /etc/resolv.conf: MIT's default qualify_shortname."""
    try:
        with open("/etc/resolv.conf", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                words = line.split()
                if len(words) > 1 and words[0] in ("search", "domain"):
                    return words[1].rstrip(".").lower()
    except OSError:
        return None
    return None


def _canonical(name: str) -> str | None:
    """The name after CNAMEs (getaddrinfo's AI_CANONNAME, as MIT's forward canonicalisation); None: no answer."""
    try:
        answers = socket.getaddrinfo(name, None, 0, socket.SOCK_STREAM, 0, socket.AI_CANONNAME)
    except (socket.gaierror, UnicodeError, OSError):
        return None
    canonical = answers[0][3] if answers else ""
    return canonical.rstrip(".").lower() or None


def _reverse(address: str) -> str | None:
    """The PTR name of an address; None: there is none."""
    try:
        return socket.gethostbyaddr(address)[0].rstrip(".").lower()
    except (socket.herror, socket.gaierror, UnicodeError, OSError):
        return None


def kerberos_name(name: str, libdefaults: dict[str, str]) -> tuple[str, str | None]:
    """The host name MIT krb5 puts in a host-based SPN, and the CNAME target it did not follow.

    MIT krb5 (krb5.conf(5), ``[libdefaults]``): ``dns_canonicalize_hostname`` (default true) follows
    CNAMEs forward, then ``rdns`` (default true) replaces the name with the address's PTR name when
    there is one; ``fallback`` asks for the name as given first (modelled as not following, with the
    alias reported). Without canonicalisation a single-label name gets ``qualify_shortname``
    (default: the first DNS search domain; MIT 1.18 and later). pyspnego, which pywinrm and psrp
    use, asks GSSAPI for ``<service>@<host>`` as a host-based name, so these rules apply to it.

    Args:
        name: the host name or address the client connects to (or the hostname override).
        libdefaults: :func:`krb5_libdefaults`.

    Returns:
        (the name the SPN carries, the CNAME target when the client keeps an alias unresolved, else None).
    """
    name = name.lower().rstrip(".")
    mode = (libdefaults.get("dns_canonicalize_hostname") or "true").strip().lower()
    follow = mode != "fallback" and _flag(mode, True)
    if follow:
        canonical = _canonical(name) if not is_ip(name) else None
        result = canonical or name
        if _flag(libdefaults.get("rdns"), True):
            try:
                address = result if is_ip(result) else socket.gethostbyname(result)
            except (socket.gaierror, UnicodeError, OSError):
                address = None
            reverse = _reverse(address) if address else None
            result = reverse or result
        return result, None
    if is_ip(name):
        return name, None
    qualified = name
    if "." not in name:
        suffix = libdefaults.get("qualify_shortname")
        suffix = _search_domain() if suffix is None else suffix.strip().lower().rstrip(".")
        qualified = "%s.%s" % (name, suffix) if suffix else name
    target = _canonical(qualified)
    return qualified, (target if target and target != qualified else None)


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
            self._spn[key] = self._first("(servicePrincipalName=%s)" % _escape(spn))
        return self._spn[key]

    def host_account(self, name: str) -> Account | None:
        key = name.lower()
        if key not in self._host:
            self._host[key] = self._first("(&(objectClass=computer)(dNSHostName=%s))" % _escape(name))
        return self._host[key]

    def realm(self) -> str | None:
        """The domain's realm: the domain option, else the DNS name of the naming context, upper case."""
        if self.ad.settings.realm:
            return str(self.ad.settings.realm)
        try:
            base_dn = self.ad.naming_context()
        except WinAuthError:
            return None
        zone = ".".join(part.split("=", 1)[1] for part in base_dn.split(",") if part.lower().startswith("dc="))
        return zone.upper() or None

    def host_by_short_name(self, name: str) -> Account | None:
        """The computer whose sAMAccountName is ``NAME$`` (a single-label target is its NetBIOS name)."""
        key = name.lower()
        if key not in self._short:
            self._short[key] = self._first("(&(objectClass=computer)(sAMAccountName=%s$))" % _escape(name.upper()))
        return self._short[key]

    def zone_addresses(self) -> dict[str, list[str]]:
        """Address -> DNS names, from the domain's AD-integrated zone (read once, the DC's own records).

        The zone is ``DC=<domain>,CN=MicrosoftDNS,DC=DomainDnsZones,<domain DN>``; a search error (no
        such partition, no read right) leaves the map empty: the address is then simply not found.
        """
        if self._addresses is None:
            self._addresses = {}
            base_dn = self.ad.settings.default_base or self.ad.naming_context()
            zone = ".".join(part.split("=", 1)[1] for part in base_dn.split(",") if part.lower().startswith("dc="))
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
        names = [n for n in (_reverse(address),) if n]
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
                search = "(&(objectCategory=person)(sAMAccountName=%s))" % _escape(username.split("\\", 1)[1])
            else:
                name = username.split("@", 1)[0]
                search = "(&(objectCategory=person)(|(userPrincipalName=%s)(sAMAccountName=%s)))" % (
                    _escape(username), _escape(name))
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
    name, alias_of = kerberos_name(given, krb5_libdefaults()) if canonicalize else (given, None)
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
