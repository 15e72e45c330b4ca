"""The CredSSP client's delegation policy, read from a lab host's registry as Windows reads it.

Group Policy "Credentials Delegation" (credssp.admx) lives under
``HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation``:

- ``AllowFreshCredentials`` (REG_DWORD) 1 = the list in the subkey of the same name applies
  (values "1", "2", ... each an SPN such as ``wsman/host.lab.test``), 0 = delegation of fresh
  credentials refused everywhere; absent = "not configured": only the OS default
  ``TERMSRV/*`` is allowed (credssp.admx explain text), so never a ``wsman/`` target.
  The list applies when the server was authenticated with Kerberos (or a trusted certificate).
- ``AllowFreshCredentialsWhenNTLMOnly`` (+ subkey): the same for a server that was only
  NTLM-authenticated (workgroup hosts, targets named by IP address).
- ``DenyFreshCredentials`` (+ subkey) overrides both.
- ``ConcatenateDefaults_*`` only add the OS defaults (``TERMSRV/*``), irrelevant for ``wsman/``.

SPN matching: case-insensitive; "the use of a single wildcard is permitted" (admx text):
``wsman/*`` matches every host, ``wsman/*.lab.test`` every name ending in ``.lab.test``.
Whether Windows lets ``*`` span dots (``a.b.lab.test``) is not confirmed; the lab lets it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import registry

KEY = r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation"
FRESH = "AllowFreshCredentials"
FRESH_NTLM = "AllowFreshCredentialsWhenNTLMOnly"
DENY_FRESH = "DenyFreshCredentials"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    policy: str  # the list that decided: AllowFreshCredentials or AllowFreshCredentialsWhenNTLMOnly
    matched: str | None = None  # the entry that allowed (or denied) it


def entries(reg: registry.Registry, name: str) -> list[str] | None:
    """The SPNs of one policy list, or None when its DWORD flag is not 1 (list not enabled).

    Args:
        reg: a host's registry.
        name: the list, e.g. ``AllowFreshCredentials`` (the flag value and the subkey share the name).

    Returns:
        The REG_SZ values of the subkey in stored order ([] when it is missing), or None.
    """
    key = reg.find_path(KEY)
    if key is None:
        return None
    flag = registry.get_value(key, name)
    if flag is None or flag["type"] != "REG_DWORD" or int(flag["data"]) != 1:
        return None
    sub = reg.find_path(KEY + "\\" + name)
    if sub is None:
        return []
    return [str(v["data"]) for v in sub.get("values", []) if v["type"] in ("REG_SZ", "REG_EXPAND_SZ")]


def spn_matches(pattern: str, spn: str) -> bool:
    """Whether a policy entry (``wsman/*.lab.test``) covers an SPN (``wsman/win01.lab.test``)."""
    service, _slash, host = pattern.partition("/")
    want_service, _slash2, want_host = spn.partition("/")
    if service.lower() != want_service.lower() or not host:
        return False
    if host.count("*") > 1:
        return False  # "a single wildcard is permitted": Windows ignores such an entry
    if host == "*":
        return True
    pattern_re = ".+".join(re.escape(part) for part in host.lower().split("*"))
    return re.fullmatch(pattern_re, want_host.lower()) is not None


def fresh_credentials(reg: registry.Registry, spn: str, ntlm_only: bool) -> Decision:
    """May the CredSSP client on this host delegate fresh (typed-in) credentials to ``spn``?

    Args:
        reg: the client host's registry (what Group Policy or clients such as winrm_credssp wrote).
        spn: ``WSMAN/<target as typed>``.
        ntlm_only: the server could only be authenticated with NTLM (the WhenNTLMOnly list decides).

    Returns:
        Whether it is allowed, the list that decided and the entry that matched.
    """
    policy = FRESH_NTLM if ntlm_only else FRESH
    for entry in entries(reg, DENY_FRESH) or []:
        if spn_matches(entry, spn):
            return Decision(False, policy, entry)
    for entry in entries(reg, policy) or []:
        if spn_matches(entry, spn):
            return Decision(True, policy, entry)
    return Decision(False, policy)
