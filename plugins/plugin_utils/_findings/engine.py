# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Findings: the one rule engine that judges a WinRM posture.

For internal collection use only; this is not a public API.

Every consumer (winrm_info, the roles, the demo report) uses :func:`evaluate`, so a
rule exists exactly once. A finding says what is set, why it matters and what to run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import LEAVES, trusted_hosts_entries
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.posture import Posture

SEVERITIES = ("info", "low", "medium", "high")
FAIL_ON = ("none", "low", "medium", "high")


@dataclass(frozen=True)
class Finding:
    """One problem (or notable fact) on one host."""

    id: str
    severity: str
    setting: str
    value: object
    why: str
    fix: str
    refs: tuple[str, ...] = field(default_factory=tuple)
    source: str = "local"

    def as_dict(self, host: str) -> dict[str, object]:
        data = asdict(self)
        data["refs"] = list(self.refs)
        data["host"] = host
        return data


Rule = Callable[[Posture], Iterator[Finding]]
RULES: list[Rule] = []


def rule(func: Rule) -> Rule:
    RULES.append(func)
    return func


def _source(posture: Posture, key: str) -> str:
    return "gpo" if posture.config.is_gpo(key) else "local"


def _fix(posture: Posture, key: str, module_fix: str) -> str:
    """Say where to change a value: the GPO when policy controls it, else our module."""
    if posture.config.is_gpo(key):
        return "Group Policy controls this value (%s): change the GPO, then run gpupdate" % (
            LEAVES[key].policy_path or "Group Policy"
        )
    return module_fix


def _flag(posture: Posture, key: str, want: bool, fid: str, severity: str, why: str, fix: str,
          refs: tuple[str, ...] = ()) -> Iterator[Finding]:
    value = posture.config.value(key)
    if isinstance(value, bool) and value != want:
        yield Finding(fid, severity, key, value, why, _fix(posture, key, fix), refs, _source(posture, key))


@rule
def service_basic(p: Posture) -> Iterator[Finding]:
    yield from _flag(
        p, "service.auth.basic", False, "WINRM-SVC-BASIC", "high",
        "Basic sends the account password with every request, only base64-encoded, and works only for local "
        "accounts, which invites one shared local admin password across the fleet.",
        "winauth.winrm.winrm_auth: {service: {basic: false}}; connect with ntlm/kerberos instead",
        ("CIS 18.10.89.2.1", "STIG WN22-CC-000500"),
    )


@rule
def client_basic(p: Posture) -> Iterator[Finding]:
    yield from _flag(
        p, "client.auth.basic", False, "WINRM-CLI-BASIC", "high",
        "When this host starts remoting sessions it may offer a password in clear (base64) to any server "
        "that asks for Basic.",
        "winauth.winrm.winrm_auth: {client: {basic: false}}",
        ("CIS 18.10.89.1.1", "STIG WN22-CC-000470"),
    )


@rule
def service_unencrypted(p: Posture) -> Iterator[Finding]:
    yield from _flag(
        p, "service.allow_unencrypted", False, "WINRM-SVC-UNENCRYPTED", "medium",
        "The service accepts unencrypted messages over HTTP: commands, output and (with Basic) passwords "
        "cross the network readable and unsigned.",
        "winauth.winrm.winrm_auth: {service: {allow_unencrypted: false}}; clients then use message "
        "encryption (ntlm/kerberos/credssp) or HTTPS",
        ("CIS 18.10.89.2.3", "STIG WN22-CC-000510"),
    )


@rule
def client_unencrypted(p: Posture) -> Iterator[Finding]:
    yield from _flag(
        p, "client.allow_unencrypted", False, "WINRM-CLI-UNENCRYPTED", "medium",
        "This host's WinRM client may send unencrypted traffic to servers that allow it.",
        "winauth.winrm.winrm_auth: {client: {allow_unencrypted: false}}",
        ("CIS 18.10.89.1.2", "STIG WN22-CC-000480"),
    )


@rule
def client_digest(p: Posture) -> Iterator[Finding]:
    yield from _flag(
        p, "client.auth.digest", False, "WINRM-CLI-DIGEST", "medium",
        "Digest authentication is weak (MD5 challenge, no mutual authentication) and not needed by any "
        "supported WinRM scenario.",
        "winauth.winrm.winrm_auth: {client: {digest: false}}",
        ("CIS 18.10.89.1.3", "STIG WN22-CC-000490"),
    )


@rule
def service_credssp(p: Posture) -> Iterator[Finding]:
    yield from _flag(
        p, "service.auth.credssp", False, "WINRM-SVC-CREDSSP", "medium",
        "The CredSSP server role makes clients hand this host their reusable password; whoever controls the "
        "host can harvest it. Only jump hosts that need the double hop should have it, and only while needed.",
        "winauth.winrm.winrm_auth: {service: {credssp: false}} on every host that is not a jump host",
    )


@rule
def service_kerberos(p: Posture) -> Iterator[Finding]:
    yield from _flag(
        p, "service.auth.kerberos", True, "WINRM-SVC-KERBEROS-OFF", "medium",
        "Kerberos is the only scheme with mutual authentication and delegation control; without it every "
        "domain logon falls back to NTLM.",
        "winauth.winrm.winrm_auth: {service: {kerberos: true}}",
    )


@rule
def service_cbt(p: Posture) -> Iterator[Finding]:
    key = "service.auth.cbt_hardening_level"
    value = p.config.value(key)
    if isinstance(value, str) and value.lower() == "none":
        yield Finding(
            "WINRM-SVC-CBT-NONE", "medium", key, value,
            "Without channel binding, an NTLM or Kerberos logon sent over HTTPS can be relayed by anyone who "
            "terminates the TLS connection in the middle.",
            _fix(p, key, "winauth.winrm.winrm_auth: {service: {cbt_hardening_level: Relaxed}} "
                         "(Strict once every client sends channel binding tokens)"),
            (), _source(p, key),
        )


@rule
def client_trusted_hosts(p: Posture) -> Iterator[Finding]:
    key = "client.trusted_hosts"
    entries = trusted_hosts_entries(p.config.value(key))
    if "*" in entries:
        yield Finding(
            "WINRM-CLI-TRUSTEDHOSTS-ANY", "medium", key, ",".join(entries),
            "TrustedHosts '*' lets this host's WinRM client authenticate with NTLM to any server without "
            "verifying who it is, so a rogue server receives a relayable NTLM logon.",
            _fix(p, key, "list exact host names (or HTTPS with a trusted certificate) instead of '*'"),
            (), _source(p, key),
        )


def _wildcard_severity(entry: str) -> str | None:
    target = entry.split("/", 1)[1] if "/" in entry else entry
    if target.strip() == "*":
        return "high"
    if "*" in target:
        return "medium"
    return None


@rule
def client_credssp_delegation(p: Posture) -> Iterator[Finding]:
    client_credssp = p.config.value("client.auth.credssp") is True
    for name in ("AllowFreshCredentials", "AllowFreshCredentialsWhenNTLMOnly"):
        lst = p.delegation.lists.get(name)
        if lst is None or lst.enabled is False:
            continue
        for entry in lst.wsman_entries:
            severity = _wildcard_severity(entry)
            if severity is None:
                continue
            why = (
                "CredSSP delegation %s covers %r, so this host hands its user's reusable password to %s."
                % (name, entry, "any server" if severity == "high" else "every server that matches the wildcard")
            )
            if not client_credssp:
                severity = "low"
                why += " The CredSSP client role is off now, so this is a leftover waiting to be re-enabled."
            yield Finding(
                "WINRM-CLI-CREDSSP-WILDCARD", severity,
                "credential_delegation.%s" % name, list(lst.entries), why,
                "delegate to exact targets only (wsman/jump01.example.com), or remove the list when CredSSP "
                "is no longer needed",
            )


@rule
def https_listener(p: Posture) -> Iterator[Finding]:
    if not any(listener.is_https and listener.enabled for listener in p.listeners):
        transports = sorted({"%s:%s" % (li.transport, li.port) for li in p.listeners})
        yield Finding(
            "WINRM-LISTENER-NO-HTTPS", "medium", "listeners", transports,
            "Without an HTTPS listener the server is not authenticated by a certificate; NTLM clients cannot "
            "tell a rogue server from the real one, and Basic or CredSSP-over-HTTP have no transport protection.",
            "create an HTTPS listener with a CA-issued certificate whose CN is the host's FQDN: "
            "winrm create winrm/config/Listener?Address=*+Transport=HTTPS "
            "@{Hostname=\"<fqdn>\";CertificateThumbprint=\"<thumbprint>\"}",
        )


@rule
def gpo_controlled(p: Posture) -> Iterator[Finding]:
    for key, path in p.config.gpo_controlled().items():
        yield Finding(
            "WINRM-GPO-CONTROLLED", "info", key, p.config.value(key),
            "Group Policy sets this value; local changes are refused by the WinRM service (0x8033808A).",
            "change it in the Group Policy object that sets %s" % path,
            (), "gpo",
        )


def evaluate(posture: Posture) -> list[Finding]:
    """Run every rule; highest severity first, then by id."""
    findings = [finding for check in RULES for finding in check(posture)]
    order = {name: i for i, name in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: (-order[f.severity], f.id, f.setting))


def exceeds(findings: list[Finding], fail_on: str) -> list[Finding]:
    """Findings at or above the ``fail_on`` threshold (none for ``none``; info never counts)."""
    if fail_on == "none":
        return []
    threshold = SEVERITIES.index(fail_on)
    return [f for f in findings if f.severity != "info" and SEVERITIES.index(f.severity) >= threshold]
