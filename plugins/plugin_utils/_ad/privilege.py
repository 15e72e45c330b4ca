# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is an account fit to be a CredSSP service account? Exists, enabled, in no privileged group.

For internal collection use only; this is not a public API.

Group membership is read transitively with LDAP_MATCHING_RULE_IN_CHAIN
(``member:1.2.840.113556.1.4.1941:=<dn>``), so a group nested into Domain Admins counts; the
primary group (``primaryGroupID``) is not a ``member`` link and is checked on its own.
Privileged groups are recognised by SID, not by name (names are localised): the built-in
``S-1-5-32-*`` groups and the domain RIDs 512, 518, 519.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.accounts import (
    PROTECTED_USERS_RID,
    UAC_ACCOUNTDISABLE,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.ldap import ADConnection

IN_CHAIN = "1.2.840.113556.1.4.1941"
PRIVILEGED_BUILTIN = {
    "S-1-5-32-544": "Administrators",
    "S-1-5-32-548": "Account Operators",
    "S-1-5-32-549": "Server Operators",
    "S-1-5-32-550": "Print Operators",
    "S-1-5-32-551": "Backup Operators",
}
PRIVILEGED_DOMAIN_RIDS = {512: "Domain Admins", 518: "Schema Admins", 519: "Enterprise Admins"}


def sid_string(value: str) -> str | None:
    """A binary objectSid as the LDAP client returns it → ``S-1-5-…``; None if malformed.

    The client decodes values as UTF-8 where they are valid UTF-8, else as base64: a SID
    starts with its revision byte 1, which no base64 text does, so the two cannot be confused.
    """
    raw = value.encode("utf-8") if value[:1] == "\x01" else _b64(value)
    if raw is None or len(raw) < 8 or raw[0] != 1 or len(raw) != 8 + 4 * raw[1]:
        return None
    authority = int.from_bytes(raw[2:8], "big")
    subs = struct.unpack("<%dI" % raw[1], raw[8:])
    return "S-1-%d%s" % (authority, "".join("-%d" % s for s in subs))


def _b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        return None


def privileged_name(sid: str) -> str | None:
    """The privileged group a SID stands for, or None."""
    if sid in PRIVILEGED_BUILTIN:
        return PRIVILEGED_BUILTIN[sid]
    if sid.startswith("S-1-5-21-"):
        return PRIVILEGED_DOMAIN_RIDS.get(int(sid.rsplit("-", 1)[1]))
    return None


def ldap_escape(value: str) -> str:
    """RFC 4515 escaping of a value inside a filter."""
    return "".join("\\%02x" % ord(c) if c in "*()\\\x00" else c for c in value)


@dataclass
class AccountCheck:
    """What the directory says about a would-be service account."""

    name: str
    found: bool = False
    dn: str = ""
    enabled: bool = False
    privileged: list[str] = field(default_factory=list)
    protected_users: bool = False
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "found": self.found, "dn": self.dn, "enabled": self.enabled,
                "privileged_groups": self.privileged, "protected_users": self.protected_users,
                "problems": self.problems, "notes": self.notes, "ok": not self.problems}


def check_account(ad: ADConnection, name: str) -> AccountCheck:
    """Look ``name`` up (sAMAccountName, ``DOMAIN\\\\name`` or UPN) and judge it.

    Raises:
        ADSearchError: the directory could not be searched.
    """
    check = AccountCheck(name)
    bare = name.split("\\", 1)[-1]
    wanted = ldap_escape(bare)
    entries = list(ad.search(
        "(&(objectClass=user)(|(sAMAccountName=%s)(sAMAccountName=%s$)(userPrincipalName=%s)))"
        % (wanted, wanted, wanted), ["sAMAccountName", "userAccountControl", "primaryGroupID", "memberOf"]))
    if not entries:
        check.problems.append("%s does not exist in the domain: create a dedicated service account" % name)
        return check
    entry = entries[0]
    check.found, check.dn = True, entry["dn"]
    uac = int((entry.get("userAccountControl") or ["0"])[0] or 0)
    check.enabled = not uac & UAC_ACCOUNTDISABLE
    if not check.enabled:
        check.problems.append("%s is disabled: enable it, or name the account the double-hop work runs as" % name)
    direct = {dn.lower() for dn in entry.get("memberOf", [])}
    for group in ad.search("(member:%s:=%s)" % (IN_CHAIN, ldap_escape(check.dn)), ["sAMAccountName", "objectSid"]):
        sid = sid_string((group.get("objectSid") or [""])[0])
        label = privileged_name(sid) if sid else None
        if sid and sid.endswith("-%d" % PROTECTED_USERS_RID) and sid.startswith("S-1-5-21-"):
            check.protected_users = True
        if label:
            how = "directly" if group["dn"].lower() in direct else "through a nested group"
            check.privileged.append("%s (%s)" % (label, how))
    primary = int((entry.get("primaryGroupID") or ["0"])[0] or 0)
    if primary in PRIVILEGED_DOMAIN_RIDS:
        check.privileged.append("%s (primary group)" % PRIVILEGED_DOMAIN_RIDS[primary])
    if primary == PROTECTED_USERS_RID:
        check.protected_users = True
    for label in sorted(set(check.privileged)):
        check.problems.append("%s is a member of %s: a CredSSP service account hands its password to every jump "
                              "host, so it must hold no privileged group; use a dedicated unprivileged account"
                              % (name, label))
    if check.protected_users:
        check.notes.append("%s is in Protected Users: its credentials are never delegated (no CredSSP, no "
                           "Kerberos delegation) and NTLM is refused, so the double hop cannot work with it" % name)
    return check
