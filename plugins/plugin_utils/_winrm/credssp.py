# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CredSSP as one object: the client/server auth switches plus the delegation lists.

For internal collection use only; this is not a public API.

Reads and plans what ``Enable-WSManCredSSP`` / ``Disable-WSManCredSSP`` do (PowerShell's
CredSSP.cs, see REFERENCE.md), but with an exact delegate set: the config half is a
:mod:`.config` leaf, the registry half the :mod:`.delegation` writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import WinRMConfig, read_config
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.delegation import (
    DELEGATION_KEY,
    LISTS,
    DelegationPolicy,
    RegWrite,
    is_wsman,
    plan_disable,
    plan_exact,
    read_delegation,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.rsop import gpo_values
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import SettingsError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import Registry

FRESH = "AllowFreshCredentials"
FRESH_NTLM = "AllowFreshCredentialsWhenNTLMOnly"
ROLE_LEAF = {"client": "client.auth.credssp", "server": "service.auth.credssp"}
# Get-WSManCredSSP's lines (PowerShell's resources; the first as PowerShell's own tests expect it,
# with no space after the colon; the ", " between several targets is not confirmed by a recording).
_FRESH_YES = "The machine is configured to allow delegating fresh credentials to the following target(s):"
_FRESH_NO = "The machine is not configured to allow delegating fresh credentials."
_SERVER_YES = "This computer is configured to receive credentials from a remote client computer."
_SERVER_NO = "This computer is not configured to receive credentials from a remote client computer."


@dataclass(frozen=True)
class CredSSPState:
    """What a host has of CredSSP: the config (both auth switches) and the delegation policy."""

    config: WinRMConfig
    policy: DelegationPolicy

    def wsman_targets(self, list_name: str) -> list[str]:
        lst = self.policy.lists.get(list_name)
        return [e for e in lst.entries if is_wsman(e)] if lst else []

    def as_dict(self) -> dict[str, object]:
        return {
            "client": {"enabled": self.config.value(ROLE_LEAF["client"]) is True,
                       "delegate_computers": self.wsman_targets(FRESH),
                       "ntlm_only_delegate_computers": self.wsman_targets(FRESH_NTLM)},
            "server": {"enabled": self.config.value(ROLE_LEAF["server"]) is True},
        }

    def get_wsmancredssp(self) -> list[str]:
        """The two lines Get-WSManCredSSP prints: the fresh-credential wsman targets, the server role.

        Like the cmdlet, line one lists the ``wsman``-prefixed values of AllowFreshCredentials and
        ignores the client auth switch and the NTLM-only list.
        """
        lst = self.policy.lists.get(FRESH)
        targets = [e for e in (lst.entries if lst else ()) if e.lower().startswith("wsman")]
        first = _FRESH_YES + ", ".join(targets) if targets else _FRESH_NO
        return [first, _SERVER_YES if self.config.value(ROLE_LEAF["server"]) is True else _SERVER_NO]


def read_credssp(client: WSManClient) -> CredSSPState:
    """One Get of ``config`` and the delegation policy reads."""
    return CredSSPState(read_config(client), read_delegation(Registry(client)))


def targets_from(names: list[str], allow_wildcard: bool) -> list[str]:
    """Validate ``delegate_computers`` and turn each into a ``wsman/<name>`` target.

    Raises:
        SettingsError: naming the entry that is wrong and how to fix it.
    """
    targets: list[str] = []
    for raw in names:
        name = raw.strip()
        if name.lower().startswith("wsman/"):
            name = name[len("wsman/"):]
        if not name:
            raise SettingsError("delegate_computers has an empty entry (%r): give host names such as "
                                "jump01.corp.example" % raw)
        if "/" in name or any(c.isspace() or c in ",;\\" for c in name):
            raise SettingsError("delegate_computers entry %r is not a computer name: give host names such as "
                                "jump01.corp.example (winrm_credssp manages wsman/ targets only; other "
                                "services such as TERMSRV/ are left as they are)" % raw)
        if "*" in name and not allow_wildcard:
            raise SettingsError(
                "delegate_computers entry %r is a wildcard: CredSSP hands the user's reusable password to every "
                "host it matches, so any compromised host in that set can harvest it. List the jump hosts by "
                "name, or pass allow_wildcard: true to accept that risk" % raw)
        target = "wsman/" + name
        if target.lower() not in {t.lower() for t in targets}:
            targets.append(target)
    return targets


# The Group Policy setting behind each list, for messages (Computer Configuration > Administrative
# Templates > System > Credentials Delegation).
POLICY_NAMES = {
    FRESH: "Allow delegating fresh credentials",
    FRESH_NTLM: "Allow delegating fresh credentials with NTLM-only server authentication",
}


def gpo_delivered(client: WSManClient, lists: list[str]) -> list[str]:
    """Sentences naming each GPO that delivers one of ``lists`` (empty when none does)."""
    found = []
    for value in gpo_values(client, DELEGATION_KEY):
        for name in lists:
            subkey = "%s\\%s" % (DELEGATION_KEY, name)
            if value.key.lower() == subkey.lower() or (
                    value.key.lower() == DELEGATION_KEY.lower() and value.name.lower() in
                    (name.lower(), LISTS[name].lower())):
                found.append("Group Policy object %r delivers %s (%s, policy \"%s\")"
                             % (value.gpo, name, value.path, POLICY_NAMES[name]))
    return sorted(set(found))


def plan_client(state: CredSSPState, enabled: bool, targets: list[str], ntlm_only: bool) -> list[RegWrite]:
    """Delegation-list writes for the client role (the exact set, or the Disable clean-up)."""
    lists = [FRESH, FRESH_NTLM] if ntlm_only else [FRESH]
    writes: list[RegWrite] = []
    for name in lists:
        writes += plan_exact(state.policy, name, targets) if enabled else plan_disable(state.policy, name)
    return writes
