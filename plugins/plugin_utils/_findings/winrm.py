# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WinRM configuration rules: flag rows first, then the rules that need more than one comparison.

For internal collection use only; this is not a public API.
"""

from __future__ import annotations

from collections.abc import Iterator

from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import (
    Entry,
    Finding,
    FlagRule,
    Rule,
    Scope,
    fix_for,
    source,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import trusted_hosts_entries
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.posture import Posture

FLAGS = (
    FlagRule(
        "WINRM-SVC-BASIC", "high", "service.auth.basic", False,
        "Basic sends the account password with every request, only base64-encoded, and works only for local "
        "accounts, which invites one shared local admin password across the fleet.",
        "; connect with ntlm/kerberos instead", ("CIS 18.10.89.2.1", "STIG WN22-CC-000500"),
    ),
    FlagRule(
        "WINRM-CLI-BASIC", "high", "client.auth.basic", False,
        "When this host starts remoting sessions it may offer a password in clear (base64) to any server "
        "that asks for Basic.",
        "", ("CIS 18.10.89.1.1", "STIG WN22-CC-000470"),
    ),
    FlagRule(
        "WINRM-SVC-UNENCRYPTED", "medium", "service.allow_unencrypted", False,
        "The service accepts unencrypted messages over HTTP: commands, output and (with Basic) passwords "
        "cross the network readable and unsigned.",
        "; clients then use message encryption (ntlm/kerberos/credssp) or HTTPS",
        ("CIS 18.10.89.2.3", "STIG WN22-CC-000510"),
    ),
    FlagRule(
        "WINRM-CLI-UNENCRYPTED", "medium", "client.allow_unencrypted", False,
        "This host's WinRM client may send unencrypted traffic to servers that allow it.",
        "", ("CIS 18.10.89.1.2", "STIG WN22-CC-000480"),
    ),
    FlagRule(
        "WINRM-CLI-DIGEST", "medium", "client.auth.digest", False,
        "Digest authentication is weak (MD5 challenge, no mutual authentication) and not needed by any "
        "supported WinRM scenario.",
        "", ("CIS 18.10.89.1.3", "STIG WN22-CC-000490"),
    ),
    FlagRule(
        "WINRM-SVC-CREDSSP", "medium", "service.auth.credssp", False,
        "The CredSSP server role makes clients hand this host their reusable password; whoever controls the "
        "host can harvest it. Only jump hosts that need the double hop should have it, and only while needed.",
        " on every host that is not a jump host", exempt=Scope.is_jump_host,
    ),
    FlagRule(
        "WINRM-SVC-KERBEROS-OFF", "medium", "service.auth.kerberos", True,
        "Kerberos is the only scheme with mutual authentication and delegation control; without it every "
        "domain logon falls back to NTLM.",
    ),
)


def _service_cbt(p: Posture, _scope: Scope) -> Iterator[Finding]:
    key = "service.auth.cbt_hardening_level"
    value = p.config.value(key)
    if isinstance(value, str) and value.lower() == "none":
        yield Finding(
            "WINRM-SVC-CBT-NONE", "medium", key, value,
            "Without channel binding, an NTLM or Kerberos logon sent over HTTPS can be relayed by anyone who "
            "terminates the TLS connection in the middle.",
            fix_for(p, key, "winauth.winrm.winrm_auth: {service: {cbt_hardening_level: Relaxed}} "
                            "(Strict once every client sends channel binding tokens)"),
            (), source(p, key),
        )


def _client_trusted_hosts(p: Posture, _scope: Scope) -> Iterator[Finding]:
    key = "client.trusted_hosts"
    entries = trusted_hosts_entries(p.config.value(key))
    if "*" in entries:
        yield Finding(
            "WINRM-CLI-TRUSTEDHOSTS-ANY", "medium", key, ",".join(entries),
            "TrustedHosts '*' lets this host's WinRM client authenticate with NTLM to any server without "
            "verifying who it is, so a rogue server receives a relayable NTLM logon.",
            fix_for(p, key, "list exact host names (or HTTPS with a trusted certificate) instead of '*'"),
            (), source(p, key),
        )


def _https_listener(p: Posture, _scope: Scope) -> Iterator[Finding]:
    if not any(listener.is_https and listener.enabled for listener in p.listeners):
        transports = sorted({"%s:%s" % (li.transport, li.port) for li in p.listeners})
        yield Finding(
            "WINRM-LISTENER-NO-HTTPS", "medium", "listeners", transports,
            "Without an HTTPS listener the server is not authenticated by a certificate; NTLM clients cannot "
            "tell a rogue server from the real one, and Basic or CredSSP-over-HTTP have no transport protection.",
            "create an HTTPS listener with a CA-issued certificate whose CN is the host's FQDN: "
            "winauth.winrm.winrm_listener: {transport: https, hostname: <fqdn>, certificate_thumbprint: "
            "<thumbprint>} (or winrm create winrm/config/Listener?Address=*+Transport=HTTPS "
            "@{Hostname=\"<fqdn>\";CertificateThumbprint=\"<thumbprint>\"})",
        )


def _gpo_controlled(p: Posture, _scope: Scope) -> Iterator[Finding]:
    for key, path in p.config.gpo_controlled().items():
        yield Finding(
            "WINRM-GPO-CONTROLLED", "info", key, p.config.value(key),
            "Group Policy sets this value; local changes are refused by the WinRM service (0x8033808A).",
            "change it in the Group Policy object that sets %s" % path,
            (), "gpo",
        )


RULES: tuple[Rule, ...] = (
    *(flag.as_rule() for flag in FLAGS),
    Rule((Entry("WINRM-SVC-CBT-NONE", "medium", "`service.auth.cbt_hardening_level` None",
                "`winrm_auth: {service: {cbt_hardening_level: Relaxed}}` (or `Strict`)"),), _service_cbt),
    Rule((Entry("WINRM-CLI-TRUSTEDHOSTS-ANY", "medium", "`client.trusted_hosts` contains `*`",
                "exact names, or HTTPS"),), _client_trusted_hosts),
    Rule((Entry("WINRM-LISTENER-NO-HTTPS", "medium", "no enabled HTTPS listener",
                "HTTPS listener with a CA certificate"),), _https_listener),
    Rule((Entry("WINRM-GPO-CONTROLLED", "info", "any value with `Source=\"GPO\"`", "change it in the GPO"),),
         _gpo_controlled),
)
