# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WinRM service's RootSDDL: who may connect remotely.

For internal collection use only; this is not a public API.

The service checks every request against ``config/service/RootSDDL`` (default
``O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)``, as in
windows-recorded/config-get.response.xml): full access for Administrators, read for
INTERACTIVE (which a network logon never holds). ``Enable-PSRemoting`` on Windows Server
2012+ adds Remote Management Users (S-1-5-32-580). Anything else granted here can run
WinRM operations remotely.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ParseError

# SDDL SID aliases (MS-DTYP 2.4.2.4) that appear in WinRM security descriptors.
ALIASES: dict[str, str] = {
    "WD": "S-1-1-0", "AN": "S-1-5-7", "AU": "S-1-5-11", "BA": "S-1-5-32-544", "BU": "S-1-5-32-545",
    "BG": "S-1-5-32-546", "IU": "S-1-5-4", "NU": "S-1-5-2", "SY": "S-1-5-18", "LS": "S-1-5-19",
    "NS": "S-1-5-20", "RD": "S-1-5-32-555", "RM": "S-1-5-32-580", "RU": "S-1-5-32-554",
}
NAMES: dict[str, str] = {
    "S-1-1-0": "Everyone", "S-1-5-7": "ANONYMOUS LOGON", "S-1-5-11": "Authenticated Users",
    "S-1-5-32-544": "Administrators", "S-1-5-32-545": "Users", "S-1-5-32-546": "Guests",
    "S-1-5-4": "INTERACTIVE", "S-1-5-2": "NETWORK", "S-1-5-18": "SYSTEM", "S-1-5-19": "LOCAL SERVICE",
    "S-1-5-20": "NETWORK SERVICE", "S-1-5-32-555": "Remote Desktop Users",
    "S-1-5-32-580": "Remote Management Users", "S-1-5-32-554": "Pre-Windows 2000 Compatible Access",
}
# Domain-relative aliases (DU = <domain>-513 …) have no fixed SID; they are named by alias.
_DOMAIN_ALIASES = {"DU": "Domain Users", "DG": "Domain Guests", "DC": "Domain Computers", "DA": "Domain Admins"}
# Who may hold WinRM access without widening it: Administrators, Remote Management Users, and
# INTERACTIVE / SYSTEM, which no remote (network) logon carries.
EXPECTED = frozenset({"S-1-5-32-544", "S-1-5-32-580", "S-1-5-4", "S-1-5-18"})
_ALLOW = ("A", "OA", "XA", "ZA")


class SDDLError(ParseError):
    """The text is not an SDDL security descriptor this parser understands."""


@dataclass(frozen=True)
class Ace:
    """One ACE of the DACL: ``(type;flags;rights;object;inherited object;trustee)``."""

    type: str
    rights: str
    trustee: str  # a SID (S-1-…) or a domain-relative alias

    @property
    def name(self) -> str:
        return NAMES.get(self.trustee) or _DOMAIN_ALIASES.get(self.trustee) or self.trustee


def _dacl_text(sddl: str) -> str:
    """The ``D:`` part of a descriptor (up to ``S:`` or the end), without the ``D:``."""
    depth, start, end = 0, -1, len(sddl)
    for i, char in enumerate(sddl):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and sddl.startswith("D:", i):
            start = i + 2
        elif depth == 0 and start >= 0 and sddl.startswith("S:", i):
            end = i
            break
    if depth != 0:
        raise SDDLError("unbalanced parentheses in %r" % sddl[:80])
    return "" if start < 0 else sddl[start:end]


def dacl(sddl: str) -> list[Ace]:
    """The DACL's ACEs in order.

    Raises:
        SDDLError: an ACE does not have six fields.
    """
    text, aces = _dacl_text(sddl.strip()), []
    i = 0
    while i < len(text):
        if text[i] != "(":
            i += 1  # the flags before the first ACE (P, AI, AR)
            continue
        depth, j = 0, i
        while j < len(text):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            if depth == 0:
                break
            j += 1
        fields = text[i + 1:j].split(";")
        if len(fields) < 6:
            raise SDDLError("ACE %r has %d fields, SDDL ACEs have 6" % (text[i:j + 1], len(fields)))
        trustee = fields[5].strip().upper()
        aces.append(Ace(fields[0].strip().upper(), fields[2].strip().upper(), ALIASES.get(trustee, trustee)))
        i = j + 1
    return aces


def remote_grants(sddl: str) -> list[Ace]:
    """Allow ACEs with any rights for a trustee other than Administrators / Remote Management Users.

    Raises:
        SDDLError: the descriptor cannot be parsed (a caller should report that, not pass it).
    """
    return [ace for ace in dacl(sddl) if ace.type in _ALLOW and ace.rights and ace.trustee not in EXPECTED]
