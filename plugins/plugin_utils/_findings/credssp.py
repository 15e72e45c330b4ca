# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CredSSP rules: every delegation list, and the CredSSP scope the play declares.

For internal collection use only; this is not a public API.

Each delegation list hands a different credential: *fresh* ones are typed in for the
session, *default* ones are the logged-on user's own, handed over without a prompt (the most
dangerous), *saved* ones come from the credential manager. The ``…WhenNTLMOnly`` variants
apply when the server is only NTLM-authenticated, so the client cannot tell an impostor
from the real server: a wildcard there is always high.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import (
    Entry,
    Finding,
    Rule,
    Scope,
    same_host,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.posture import Posture


@dataclass(frozen=True)
class ListRule:
    """How one delegation list is judged.

    Attributes:
        finding: the finding id.
        every: severity of a target matching every server (``wsman/*``, ``*``).
        partial: severity of a partial wildcard (``wsman/*.corp.example``).
        exact: severity of an exact target, or None when exact targets are fine.
        hands: what the list hands over, for the reason.
    """

    finding: str
    every: str
    partial: str
    exact: str | None
    hands: str


LIST_RULES: dict[str, ListRule] = {
    "AllowFreshCredentials": ListRule("WINRM-CLI-CREDSSP-WILDCARD", "high", "medium", None,
                                      "the reusable password its user types in"),
    "AllowFreshCredentialsWhenNTLMOnly": ListRule("WINRM-CLI-CREDSSP-WILDCARD", "high", "high", None,
                                                  "the reusable password its user types in, to servers it cannot "
                                                  "authenticate (NTLM only),"),
    "AllowDefaultCredentials": ListRule("WINRM-CLI-CREDSSP-DEFAULT", "high", "high", "medium",
                                        "the logged-on user's own credentials, without a prompt,"),
    "AllowDefCredentialsWhenNTLMOnly": ListRule("WINRM-CLI-CREDSSP-DEFAULT", "high", "high", "high",
                                                "the logged-on user's own credentials, without a prompt, to servers "
                                                "it cannot authenticate (NTLM only),"),
    "AllowSavedCredentials": ListRule("WINRM-CLI-CREDSSP-SAVED", "medium", "medium", None,
                                      "credentials saved in its credential manager"),
    "AllowSavedCredentialsWhenNTLMOnly": ListRule("WINRM-CLI-CREDSSP-SAVED", "high", "medium", None,
                                                  "credentials saved in its credential manager, to servers it cannot "
                                                  "authenticate (NTLM only),"),
}


def target_host(entry: str) -> str:
    """The host part of a delegation target (``wsman/jump01:5986`` → ``jump01``)."""
    target = entry.split("/", 1)[1] if "/" in entry else entry
    return target.split(":", 1)[0].strip()


def _breadth(entry: str) -> str:
    host = target_host(entry)
    return "every" if host == "*" else "partial" if "*" in host else "exact"


def _delegation_lists(p: Posture, _scope: Scope) -> Iterator[Finding]:
    client_credssp = p.config.value("client.auth.credssp") is True
    for name, judged in LIST_RULES.items():
        lst = p.delegation.lists.get(name)
        if lst is None or lst.enabled is False:
            continue
        for entry in lst.wsman_entries:
            breadth = _breadth(entry)
            severity = getattr(judged, breadth)
            if severity is None:
                continue
            whom = {"every": "any server", "partial": "every server that matches the wildcard",
                    "exact": entry.split("/", 1)[-1]}[breadth]
            why = "CredSSP delegation %s covers %r, so this host hands %s to %s." % (name, entry, judged.hands, whom)
            if not client_credssp:
                severity = "low"
                why += " The CredSSP client role is off now, so this is a leftover waiting to be re-enabled."
            fix = ("delegate to exact targets only (wsman/jump01.example.com), or remove the list when CredSSP "
                   "is no longer needed: winauth.winrm.winrm_credssp with role: client and the exact "
                   "delegate_computers, or state: disabled")
            if judged.exact is not None:
                fix = "remove the %s list (use AllowFreshCredentials with exact targets if delegation is needed): %s" \
                    % (name, fix)
            yield Finding(judged.finding, severity, "credential_delegation.%s" % name, list(lst.entries), why, fix)


def _server_out_of_scope(p: Posture, scope: Scope) -> Iterator[Finding]:
    if scope.jump_hosts is None or p.config.value("service.auth.credssp") is not True:
        return
    if not scope.is_jump_host():
        yield Finding(
            "WINRM-SVC-CREDSSP-OUT-OF-SCOPE", "high", "service.auth.credssp", True,
            "The CredSSP server role is on, but this host is not one of the declared jump hosts: clients hand it "
            "their reusable passwords for no declared purpose.",
            "winauth.winrm.winrm_credssp: {role: server, state: disabled}, or declare the host as a jump host",
        )


def _client_targets(p: Posture, scope: Scope) -> Iterator[Finding]:
    lst = p.delegation.lists.get("AllowFreshCredentials")
    if lst is None or lst.enabled is False:
        return
    client = p.config.value("client.auth.credssp") is True
    if scope.clients is not None and client and not scope.is_client():
        yield Finding(
            "WINRM-CLI-CREDSSP-OUT-OF-SCOPE", "medium", "client.auth.credssp", True,
            "The CredSSP client role is on with a delegation list, but this host is not a declared CredSSP client.",
            "winauth.winrm.winrm_credssp: {role: client, state: disabled}, or declare the host as a client",
        )
    for entry in lst.wsman_entries:
        host = target_host(entry)
        if "*" in host:
            continue  # judged as a wildcard above
        if scope.jump_hosts is not None and not same_host(host, scope.jump_hosts):
            yield Finding(
                "WINRM-CLI-CREDSSP-UNDECLARED-TARGET", "medium", "credential_delegation.AllowFreshCredentials",
                list(lst.entries),
                "This host may hand reusable passwords to %s, which is not a declared jump host." % host,
                "winauth.winrm.winrm_credssp with role: client and delegate_computers set to the declared jump hosts",
            )
        elif scope.known_hosts is not None and not scope.known_hosts.knows(host):
            yield Finding(
                "WINRM-CLI-CREDSSP-UNKNOWN-TARGET", "low", "credential_delegation.AllowFreshCredentials",
                list(lst.entries),
                "The delegation target %s is not a host of this inventory: a stale entry, or a host nobody manages."
                % host,
                "remove it (winauth.winrm.winrm_credssp with the exact delegate_computers), or add the host to the "
                "inventory",
            )


RULES: tuple[Rule, ...] = (
    Rule((
        Entry("WINRM-CLI-CREDSSP-WILDCARD", "high (`wsman/*`; any wildcard when NTLM-only), medium "
              "(`wsman/*.domain`), low (client CredSSP off)",
              "`AllowFreshCredentials` / `…WhenNTLMOnly` has a wildcard `wsman/` target",
              "exact `wsman/host` entries only"),
        Entry("WINRM-CLI-CREDSSP-DEFAULT", "high (wildcard, or any target when NTLM-only), medium (exact target)",
              "`AllowDefaultCredentials` / `AllowDefCredentialsWhenNTLMOnly` has a `wsman/` target",
              "remove the list; fresh credentials to exact targets instead"),
        Entry("WINRM-CLI-CREDSSP-SAVED", "high (`wsman/*` when NTLM-only), medium (wildcard)",
              "`AllowSavedCredentials` / `…WhenNTLMOnly` has a wildcard `wsman/` target",
              "exact `wsman/host` entries only"),
    ), _delegation_lists),
    Rule((Entry("WINRM-SVC-CREDSSP-OUT-OF-SCOPE", "high",
                "CredSSP server role on a host that is not a declared jump host",
                "`winrm_credssp: {role: server, state: disabled}`"),), _server_out_of_scope),
    Rule((
        Entry("WINRM-CLI-CREDSSP-OUT-OF-SCOPE", "medium", "CredSSP client role on a host that is not a declared client",
              "`winrm_credssp: {role: client, state: disabled}`"),
        Entry("WINRM-CLI-CREDSSP-UNDECLARED-TARGET", "medium", "a `wsman/` target that is not a declared jump host",
              "`winrm_credssp` with the declared jump hosts"),
        Entry("WINRM-CLI-CREDSSP-UNKNOWN-TARGET", "low", "a `wsman/` target the inventory does not know",
              "remove it, or add the host to the inventory"),
    ), _client_targets),
)
