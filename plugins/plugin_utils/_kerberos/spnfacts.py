# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Gathering what ad_spn_info judges: the SPN a host's client asks for, who answers for it, the host's account.

For internal collection use only; this is not a public API.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.delegation import Delegation
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.errors import ADError
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.spn import Owner, SpnDirectory, dacl_sids, parse_spn
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.spn import (
    Alternative,
    HostFacts,
    UserFacts,
    alternatives_for,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import names as _names
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.names import ClientRequest
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.predict import is_ip

USER_VARS = ("ansible_user", "ansible_winrm_user", "ansible_psrp_user")
DELEGATION_VARS = ("ansible_winrm_kerberos_delegation", "ansible_psrp_negotiate_delegate")


def _addresses(name: str) -> set[str]:
    try:
        return {str(i[4][0]) for i in socket.getaddrinfo(name, None)}
    except (socket.gaierror, UnicodeError):
        return set()


def find_computer(directory: SpnDirectory, request: ClientRequest, name: str, spn_owner: Owner | None) -> Owner | None:
    """The host's own computer account: by the name asked for, its canonical (CNAME) name, the inventory name.

    For an IP address: the SPN's computer owner or the inventory name's account, if its dNSHostName
    resolves to that address.
    """
    if is_ip(name):
        tried: list[Owner | None] = [spn_owner] if spn_owner is not None and spn_owner.type == "computer" else []
        tried.append(_by_name(directory, request.host))
        return next((c for c in tried if c is not None and c.account.dns_host_name
                     and name in _addresses(c.account.dns_host_name)), None)
    canonical = _names.forward_lookup(name)[0]
    for candidate in dict.fromkeys([name, canonical, request.host.lower(), request.target.lower()]):
        if not is_ip(candidate):
            found = _by_name(directory, candidate)
            if found is not None:
                return found
    return None


def _by_name(directory: SpnDirectory, name: str) -> Owner | None:
    found = directory.computer(name) if "." in name else None
    if found is None and "." not in name and name:
        try:
            account = directory.account(name.upper() + "$")
        except ADError:
            return None
        found = account if account.type == "computer" else None
    return found


def user_facts(directory: SpnDirectory, hostvars: Mapping[str, Any]) -> UserFacts | None:
    """The connecting domain user's delegation-relevant facts; None for a local or unknown account."""
    user = next((str(hostvars[k]) for k in USER_VARS if hostvars.get(k)), "")
    if not user or user.startswith(".\\"):
        return None
    bare = user.split("@", 1)[0] if "@" in user else user
    try:
        owner = directory.account(bare)
    except ADError:
        return None
    asked = any(str(hostvars.get(k, "")).lower() in ("true", "yes", "1") for k in DELEGATION_VARS)
    return UserFacts(user, owner.account.protected_users, owner.account.uac.sensitive, asked)


def delegation_of(directory: SpnDirectory, computer: Owner) -> Delegation:
    principals: list[str] | None = []
    if computer.account.rbcd:
        values: list[str] = []
        for entry in directory.ad.search("(objectClass=*)", ["msDS-AllowedToActOnBehalfOfOtherIdentity"],
                                         computer.dn, "base"):
            values = entry.get("msDS-AllowedToActOnBehalfOfOtherIdentity") or []
        sids = [sid for value in values for sid in dacl_sids(value)]
        principals = directory.names_of(sids) if sids else None
    return Delegation.of(computer.account, principals)


def gather_host(directory: SpnDirectory, request: ClientRequest, hostvars: Mapping[str, Any]) -> HostFacts:
    """Every fact of one host: with ``fallback`` canonicalisation the first name the KDC knows wins."""
    # dns_canonicalize_hostname = fallback: the name as given if the KDC knows it, else the canonical one.
    chosen = next((name for name in request.candidates[:-1]
                   if directory.resolve(parse_spn(request.spn(name)), None).status != "missing"),
                  request.candidates[-1])
    spn = parse_spn(request.spn(chosen))
    direct = directory.owners(spn)
    computer = find_computer(directory, request, chosen, direct[0] if len(direct) == 1 else None)
    resolution = directory.resolve(spn, computer.account if computer else None)
    alternatives = []
    for values, other in alternatives_for(request, chosen, computer):
        status = directory.resolve(parse_spn(other), computer.account if computer else None).status
        alternatives.append(Alternative(values, other, status))
    return HostFacts(request=request, spn=str(spn), kerberos_name=chosen, resolution=resolution, computer=computer,
                     delegation=delegation_of(directory, computer) if computer is not None else None,
                     alternatives=alternatives, user=user_facts(directory, hostvars))
