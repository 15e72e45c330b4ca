# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service principal names in Active Directory: syntax, owners, sPNMappings, duplicates, writes.

For internal collection use only; this is not a public API.

What a KDC does with an SPN (MS-ADTS 6.1.1.2.4.1.2 and MS-KILE 3.3.5.1.1), and so what this
module models:

- the SPN is looked up case-insensitively in ``servicePrincipalName`` of every account of the
  domain; exactly one account must hold it (two holders: the KDC refuses, ``setspn -X`` lists it);
- when nobody holds ``<class>/<host>`` and ``<class>`` is an alias of ``HOST`` in the forest's
  ``sPNMappings`` (``CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration,…``), the
  KDC looks up ``HOST/<host>`` instead. The default list (below) has ``http`` and ``www`` but not
  ``wsman``: WinRM registers ``WSMAN/`` on the computer itself when the service starts.
- The substitution replaces the service class only (``HTTP/x:5985`` → ``HOST/x:5985``); this
  follows the documented rule and is not confirmed against a Windows KDC recording.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.accounts import ACCOUNT_ATTRIBUTES, Account
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.errors import (
    ADError,
    ADSearchError,
    ADSettingsError,
    ADWriteError,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.ldap import ADConnection
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.ldapwrite import Modification
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.privilege import ldap_escape, sid_string

# The default value of sPNMappings on a new forest (Windows Server 2003 onwards; Samba provisions
# the same list). Used when the directory's own value cannot be read, and the result says so.
DEFAULT_SPN_MAPPINGS = (
    "host=alerter,appmgmt,cisvc,clipsrv,browser,dhcp,dnscache,replicator,eventlog,eventsystem,policyagent,"
    "oakley,dmserver,dns,mcsvc,fax,msiserver,ias,messenger,netlogon,netman,netdde,netddedsm,nmagent,plugplay,"
    "protectedstorage,rasman,rpclocator,rpc,rpcss,remoteaccess,rsvp,samss,scardsvr,scesrv,seclogon,scm,dcom,"
    "cifs,spooler,snmp,schedule,tapisrv,trksvr,trkwks,ups,time,wins,www,http,w3svc,iisadmin,msdtc",
)
DIRECTORY_SERVICE_RDN = "CN=Directory Service,CN=Windows NT,CN=Services"
OWNER_ATTRIBUTES = sorted(set(ACCOUNT_ATTRIBUTES) | {"objectSid"})

# service/host[:port][/name]: a service class (letters, digits, '-'), a host (no '/', ':' or
# white space; an IPv6 address in brackets), an optional decimal port, an optional service name.
_SPN = re.compile(r"^(?P<service>[A-Za-z][A-Za-z0-9-]*)/(?P<host>\[[0-9A-Fa-f:.]+\]|[^/:\s@]+)"
                  r"(?::(?P<port>[0-9]{1,5}))?(?:/(?P<name>[^/\s]+))?$")


class SPNSyntaxError(ADSettingsError):
    """A string is not an SPN of the form service/host[:port][/name]."""


@dataclass(frozen=True)
class SPN:
    """One parsed service principal name."""

    service: str
    host: str
    port: int | None = None
    name: str | None = None

    def __str__(self) -> str:
        text = "%s/%s" % (self.service, self.host)
        if self.port is not None:
            text += ":%d" % self.port
        if self.name:
            text += "/" + self.name
        return text

    @property
    def key(self) -> str:
        """The form the KDC compares: case-insensitive."""
        return str(self).lower()

    def with_service(self, service: str) -> SPN:
        return SPN(service, self.host, self.port, self.name)


def parse_spn(text: Any) -> SPN:
    """Parse ``service/host[:port][/name]``.

    Raises:
        SPNSyntaxError: naming the value and the form it must have.
    """
    if not isinstance(text, str):
        raise SPNSyntaxError("an SPN must be a string such as HTTP/srv01.example.com, got %s" % type(text).__name__)
    match = _SPN.match(text.strip())
    port = match.group("port") if match else None
    if match is None or (port is not None and not 0 < int(port) < 65536) or len(text) > 1024:
        raise SPNSyntaxError(
            "%r is not a service principal name: use service/host[:port][/name], e.g. HTTP/srv01.example.com, "
            "WSMAN/srv01 or HTTP/srv01.example.com:5985 (no spaces, a port of 1-65535)" % text)
    return SPN(match.group("service"), match.group("host"), int(port) if port else None, match.group("name"))


def parse_spn_mappings(values: Iterable[str]) -> dict[str, str]:
    """``sPNMappings`` values (``host=http,www,…``) → {alias class (lower case): target class (lower case)}."""
    mapping: dict[str, str] = {}
    for value in values:
        target, sep, aliases = value.partition("=")
        if not sep or not target.strip():
            continue
        for alias in aliases.split(","):
            if alias.strip():
                mapping[alias.strip().lower()] = target.strip().lower()
    return mapping


def account_type(account_classes: Iterable[str]) -> str:
    """``managed_service_account``, ``computer`` or ``user`` from objectClass (an MSA derives from computer)."""
    classes = {c.lower() for c in account_classes}
    if classes & {"msds-managedserviceaccount", "msds-groupmanagedserviceaccount"}:
        return "managed_service_account"
    return "computer" if "computer" in classes else "user"


@dataclass(frozen=True)
class Owner:
    """An account holding SPNs, as ad_spn_info reports it."""

    account: Account
    type: str
    sid: str | None

    @property
    def dn(self) -> str:
        return self.account.dn

    @property
    def name(self) -> str:
        return self.account.sam_account_name

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> Owner:
        raw_sid = (entry.get("objectSid") or [""])[0]
        kind = account_type(entry.get("objectClass") or [])
        return cls(Account.from_entry(entry, computer=kind != "user"), kind, sid_string(raw_sid) if raw_sid else None)

    def same(self, other: Owner | Account | None) -> bool:
        return other is not None and other.dn.lower() == self.dn.lower()

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "dn": self.dn, "type": self.type, "sid": self.sid}


@dataclass(frozen=True)
class Resolution:
    """Who answers for one SPN, as the KDC would decide it.

    Attributes:
        owner: the account the ticket would be issued for (None: nobody, or ambiguous).
        via: ``direct``, ``host_mapping`` (``HOST/`` through sPNMappings) or None.
        status: ``ok``, ``missing``, ``collision`` (another account than the host's) or ``duplicate``.
        holders: every account holding the SPN itself (two or more: a duplicate).
    """

    owner: Owner | None
    via: str | None
    status: str
    holders: tuple[Owner, ...] = ()


def resolve(spn: SPN, direct: list[Owner], mapped: list[Owner], computer: Account | None,
            mappings: dict[str, str]) -> Resolution:
    """The KDC's choice for ``spn``: ``direct`` holders first, else ``HOST/`` holders through sPNMappings.

    Args:
        spn: the SPN the client asks for.
        direct: accounts holding ``spn``.
        mapped: accounts holding the mapped SPN (``HOST/<host>``), looked up only if needed.
        computer: the host's own computer account, when known.
        mappings: parsed sPNMappings.
    """
    if len(direct) > 1:
        return Resolution(None, "direct", "duplicate", tuple(direct))
    if direct:
        owner = direct[0]
        mine = computer is None and owner.type == "computer" or owner.same(computer)
        return Resolution(owner, "direct", "ok" if mine else "collision", tuple(direct))
    if spn.service.lower() in mappings:
        if len(mapped) > 1:
            return Resolution(None, "host_mapping", "duplicate", tuple(mapped))
        if mapped:
            owner = mapped[0]
            mine = computer is None and owner.type == "computer" or owner.same(computer)
            return Resolution(owner, "host_mapping", "ok" if mine else "collision")
    return Resolution(None, None, "missing")


def mapped_spn(spn: SPN, mappings: dict[str, str]) -> SPN | None:
    """``HOST/<host>`` for an alias class, None when the class is not mapped."""
    target = mappings.get(spn.service.lower())
    return spn.with_service(target.upper()) if target else None


def escape_sid(sid: str) -> str:
    """A ``S-1-5-…`` SID as the escaped binary value an LDAP filter on objectSid needs."""
    parts = sid.split("-")
    if len(parts) < 3 or parts[0] != "S":
        raise ValueError("not a SID: %r" % sid)
    subs = [int(p) for p in parts[3:]]
    raw = bytes([int(parts[1]), len(subs)]) + int(parts[2]).to_bytes(6, "big")
    raw += b"".join(s.to_bytes(4, "little") for s in subs)
    return "".join("\\%02x" % b for b in raw)


def dacl_sids(value: str) -> list[str]:
    """SIDs of the access-allowed ACEs of a self-relative security descriptor (RBCD attribute value).

    The value is the text the LDAP client returns (raw when valid UTF-8, else base64).
    Malformed input (network data) gives an empty list, never an exception.
    """
    raw = value.encode("utf-8", "surrogateescape") if value[:1] == "\x01" else _b64(value)
    if raw is None or len(raw) < 20:
        return []
    dacl = int.from_bytes(raw[16:20], "little")
    if not dacl or dacl + 8 > len(raw):
        return []
    count = int.from_bytes(raw[dacl + 4:dacl + 6], "little")
    sids: list[str] = []
    offset = dacl + 8
    for _ace in range(count):
        if offset + 8 > len(raw):
            break
        ace_type, size = raw[offset], int.from_bytes(raw[offset + 2:offset + 4], "little")
        if size < 8 or offset + size > len(raw):
            break
        if ace_type == 0:  # ACCESS_ALLOWED_ACE: header(4) mask(4) SID
            sid = _sid_bytes(raw[offset + 8:offset + size])
            if sid:
                sids.append(sid)
        offset += size
    return sids


def _b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        return None


def _sid_bytes(raw: bytes) -> str | None:
    if len(raw) < 8 or raw[0] != 1 or len(raw) < 8 + 4 * raw[1]:
        return None
    subs = [int.from_bytes(raw[8 + 4 * i:12 + 4 * i], "little") for i in range(raw[1])]
    return "S-1-%d%s" % (int.from_bytes(raw[2:8], "big"), "".join("-%d" % s for s in subs))


@dataclass
class SpnDirectory:
    """SPN owners, sPNMappings and accounts read from one bound connection, each looked up once."""

    ad: ADConnection
    notes: list[str] = field(default_factory=list)
    _owners: dict[str, list[Owner]] = field(default_factory=dict)
    _mappings: dict[str, str] | None = None

    def mappings(self) -> dict[str, str]:
        """The forest's sPNMappings; the documented default (and a note saying so) when unreadable."""
        if self._mappings is None:
            values: list[str] = []
            try:
                config = (self.ad.root_dse(["configurationNamingContext"]).get("configurationNamingContext")
                          or [""])[0]
                if config:
                    for entry in self.ad.search("(objectClass=*)", ["sPNMappings"],
                                                "%s,%s" % (DIRECTORY_SERVICE_RDN, config), "base"):
                        values = list(entry.get("sPNMappings") or [])
            except ADError:
                values = []
            if not values:
                self.notes.append("sPNMappings could not be read from %s,CN=Configuration: the documented default "
                                  "(HOST covers HTTP, WWW, CIFS, …; not WSMAN) was assumed" % DIRECTORY_SERVICE_RDN)
                values = list(DEFAULT_SPN_MAPPINGS)
            self._mappings = parse_spn_mappings(values)
        return self._mappings

    def owners(self, spn: SPN | str) -> list[Owner]:
        """Every account holding ``spn`` (case-insensitive, as the KDC compares)."""
        key = str(spn).lower()
        if key not in self._owners:
            found = self.ad.search("(servicePrincipalName=%s)" % ldap_escape(str(spn)), OWNER_ATTRIBUTES)
            self._owners[key] = [Owner.from_entry(e) for e in found]
        return self._owners[key]

    def resolve(self, spn: SPN, computer: Account | None) -> Resolution:
        direct = self.owners(spn)
        mapped = mapped_spn(spn, self.mappings())
        via_host = self.owners(mapped) if mapped is not None and not direct else []
        return resolve(spn, direct, via_host, computer, self.mappings())

    def computer(self, dns_name: str) -> Owner | None:
        """The computer account whose dNSHostName is ``dns_name``."""
        for entry in self.ad.search("(&(objectClass=computer)(dNSHostName=%s))" % ldap_escape(dns_name),
                                    OWNER_ATTRIBUTES + ["msDS-AllowedToActOnBehalfOfOtherIdentity"]):
            return Owner.from_entry(entry)
        return None

    def account(self, ref: str) -> Owner:
        """An account by sAMAccountName (``NAME$`` for a computer), ``DOMAIN\\\\name``, UPN or DN.

        Raises:
            ADError: no such account, naming what was searched.
        """
        bare = ref.strip()
        if "=" in bare and "," in bare:
            try:
                entries = list(self.ad.search("(objectClass=*)", OWNER_ATTRIBUTES, bare, "base"))
            except ADSearchError:  # no such object (or a DN outside this domain)
                entries = []
        else:
            bare = bare.split("\\", 1)[-1]
            value = ldap_escape(bare)
            entries = list(self.ad.search("(&(objectClass=user)(|(sAMAccountName=%s)(userPrincipalName=%s)))"
                                          % (value, value), OWNER_ATTRIBUTES))
        if not entries:
            hint = " (a computer account's name ends in $: %s$)" % bare if not bare.endswith("$") else ""
            raise ADError("no account %r in the domain%s: give its sAMAccountName, DOMAIN\\name, UPN or DN"
                          % (ref, hint))
        return Owner.from_entry(entries[0])

    def names_of(self, sids: list[str]) -> list[str]:
        """sAMAccountNames for SIDs (the SID itself where nothing matches)."""
        if not sids:
            return []
        query = "(|%s)" % "".join("(objectSid=%s)" % escape_sid(s) for s in sids)
        found = {}
        for entry in self.ad.search(query, ["sAMAccountName", "objectSid"]):
            sid = sid_string((entry.get("objectSid") or [""])[0])
            found[sid] = (entry.get("sAMAccountName") or [sid])[0]
        return [found.get(s, s) for s in sids]

    def duplicates(self) -> list[dict[str, Any]]:
        """``setspn -X``: every SPN held by two or more accounts of the domain (one paged search)."""
        holders: dict[str, list[str]] = {}
        spelled: dict[str, str] = {}
        for entry in self.ad.search("(servicePrincipalName=*)", ["servicePrincipalName"]):
            for value in entry.get("servicePrincipalName") or []:
                holders.setdefault(value.lower(), []).append(entry["dn"])
                spelled.setdefault(value.lower(), value)
        return [{"spn": spelled[key], "owners": sorted(set(dns))}
                for key, dns in sorted(holders.items()) if len(set(dns)) > 1]


# -- writes ------------------------------------------------------------------------------------------------
def plan_spns(current: Iterable[str], wanted: Iterable[SPN], state: str) -> tuple[list[str], list[str]]:
    """(to add, to remove) so that ``current`` ends up present / absent / exactly ``wanted``.

    Comparison is case-insensitive; an SPN already there in another spelling is left as it is.
    """
    have = {s.lower(): s for s in current}
    want = {s.key: str(s) for s in wanted}
    if state == "present":
        return [v for k, v in want.items() if k not in have], []
    if state == "absent":
        return [], [v for k, v in have.items() if k in want]
    if state == "exact":
        return [v for k, v in want.items() if k not in have], [v for k, v in have.items() if k not in want]
    raise ADSettingsError("state must be present, absent or exact, got %r" % state)


@dataclass(frozen=True)
class Step:
    """One LDAP modify of a plan, and the one that undoes it."""

    dn: str
    change: Modification
    undo: Modification


def move_steps(target: Owner, add: list[str], remove: list[str],
               taken: dict[str, list[Owner]]) -> list[Step]:
    """The modifies of an SPN change: first off the other holders (AD refuses a duplicate), then the target.

    ``taken`` maps each SPN to add to the other accounts holding it (empty without a move).
    """
    steps: list[Step] = []
    for spn in add:
        for other in taken.get(spn, []):
            steps.append(Step(other.dn, Modification("delete", "servicePrincipalName", (spn,)),
                              Modification("add", "servicePrincipalName", (spn,))))
    changes = []
    if remove:
        changes.append(("delete", tuple(remove)))
    if add:
        changes.append(("add", tuple(add)))
    for operation, values in changes:
        back = "add" if operation == "delete" else "delete"
        steps.append(Step(target.dn, Modification(operation, "servicePrincipalName", values),
                          Modification(back, "servicePrincipalName", values)))
    return steps


def apply_steps(ad: ADConnection, steps: list[Step]) -> None:
    """Run ``steps`` in order; on a refusal undo the ones done (newest first), then raise.

    Within one account the changes are one ModifyRequest each and atomic at the DC; across
    accounts AD has no transaction, so the undo makes the whole move all-or-nothing.

    Raises:
        ADError: the refusal, plus what the undo could not restore (naming account and SPN).
    """
    done: list[Step] = []
    for step in steps:
        try:
            _modify(ad, step.dn, step.change)
        except ADError as e:
            left = []
            for prior in reversed(done):
                try:
                    _modify(ad, prior.dn, prior.undo)
                except ADError as undo_error:
                    left.append("%s %s on %s (%s)" % (prior.undo.operation, ", ".join(prior.undo.values),
                                                      prior.dn, undo_error))
            if left:
                raise ADError("%s; undoing the earlier part failed, restore by hand: %s" % (e, "; ".join(left))) \
                    from None
            raise ADError("%s%s" % (e, "; nothing was changed (the earlier part was undone)" if done
                                    else "; nothing was changed")) from None
        done.append(step)


RESULT_CONSTRAINT_VIOLATION = 19


def _modify(ad: ADConnection, dn: str, change: Modification) -> None:
    """One SPN modify; a delete Samba refuses as a "duplicate" is redone as a replace with the rest.

    Samba's samldb checks the uniqueness of every value in a servicePrincipalName change, the
    values being deleted included, so removing a duplicate (two holders) with ``delete`` fails
    with constraintViolation; a Windows DC checks only added values. The fallback re-reads the
    account and replaces its SPNs with the others, in one ModifyRequest.
    """
    try:
        ad.modify(dn, [change])
    except ADWriteError as e:
        if change.operation != "delete" or e.result_code != RESULT_CONSTRAINT_VIOLATION:
            raise
        current: list[str] = []
        for entry in ad.search("(objectClass=*)", ["servicePrincipalName"], dn, "base"):
            current = list(entry.get("servicePrincipalName") or [])
        gone = {v.lower() for v in change.values}
        ad.modify(dn, [Modification("replace", "servicePrincipalName", tuple(v for v in current
                                                                             if v.lower() not in gone))])


def can_write_spns(ad: ADConnection, dn: str) -> bool:
    """Whether the bind may write servicePrincipalName on ``dn`` (its ``allowedAttributesEffective``)."""
    for entry in ad.search("(objectClass=*)", ["allowedAttributesEffective"], dn, "base"):
        return any(a.lower() == "serviceprincipalname" for a in entry.get("allowedAttributesEffective") or [])
    return False


@dataclass
class SpnChange:
    """What ad_spn will do to one account (computed before anything is written)."""

    target: Owner
    before: list[str]
    add: list[str]
    remove: list[str]
    taken: dict[str, list[Owner]]  # SPN to add → the other accounts it moves from
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.add or self.remove)

    @property
    def after(self) -> list[str]:
        gone = {s.lower() for s in self.remove}
        return [s for s in self.before if s.lower() not in gone] + self.add

    @property
    def moved(self) -> list[dict[str, str]]:
        return [{"spn": spn, "from": o.dn} for spn, owners in self.taken.items() for o in owners]


def plan_change(directory: SpnDirectory, account: str, spns: list[Any], state: str, move: bool) -> SpnChange:
    """Validate and plan an SPN change on ``account``; nothing is written.

    Raises:
        SPNSyntaxError: a malformed SPN (checked before the directory is asked anything else).
        ADError: the account does not exist, or an SPN to add is held elsewhere and ``move`` is false.
    """
    wanted = [parse_spn(s) for s in spns]
    if not wanted:
        raise ADSettingsError("spns is empty: name the SPNs to make present, absent or exact (e.g. "
                              "HTTP/srv01.example.com)")
    target = directory.account(account)
    add, remove = plan_spns(target.account.spns, wanted, state)
    change = SpnChange(target, list(target.account.spns), add, remove, {})
    for text in add:
        spn = parse_spn(text)
        others = [o for o in directory.owners(spn) if not o.same(target)]
        if others and not move:
            names = ", ".join("%s (%s, %s)" % (o.name, o.type, o.dn) for o in others)
            raise ADError("%s is already held by %s: AD refuses a duplicate SPN and two holders break Kerberos "
                          "to it. Set move: true to move it to %s in one all-or-nothing change (%s then loses it), "
                          "or remove it from that account first" % (spn, names, target.name, others[0].name))
        if others:
            change.taken[text] = others
        mapped = mapped_spn(spn, directory.mappings())
        shadowed = [o for o in directory.owners(mapped) if not o.same(target)] if mapped is not None else []
        if shadowed and not others:
            change.warnings.append(
                "%s on %s shadows %s of %s: tickets for %s will now be issued for %s, so a client that reaches "
                "%s's service by that name is rejected (0x80090322)"
                % (spn, target.name, mapped, shadowed[0].name, spn, target.name, shadowed[0].name))
    return change


def apply_change(directory: SpnDirectory, change: SpnChange) -> list[str]:
    """Write ``change`` (a move all-or-nothing) and return the account's SPNs as the DC now has them.

    Raises:
        ADError: the bind may not write an account of a move (nothing written), or the DC refused.
    """
    if change.taken:
        for dn in sorted({o.dn for owners in change.taken.values() for o in owners} | {change.target.dn}):
            if not can_write_spns(directory.ad, dn):
                raise ADError("the bind account (%s) may not write servicePrincipalName on %s, so the move cannot "
                              "be done all at once; nothing was changed. Bind as an account allowed to write both "
                              "accounts (a Domain Admin)" % (directory.ad.settings.username or "the ticket's user", dn))
    apply_steps(directory.ad, move_steps(change.target, change.add, change.remove, change.taken))
    for entry in directory.ad.search("(objectClass=*)", ["servicePrincipalName"], change.target.dn, "base"):
        return list(entry.get("servicePrincipalName") or [])
    return change.after
