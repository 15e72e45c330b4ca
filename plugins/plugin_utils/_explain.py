# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One table: an error text from a WinRM connection → the failing layer, the cause and the fix.

For internal collection use only; this is not a public API.

The texts are the ones real clients print: Ansible's winrm and psrp connection plugins,
pywinrm, pypsrp, requests-credssp, pyspnego, python-gssapi / MIT krb5 and Windows' own
WSManFaults, plus the collection's own messages (``_wsman.transport``). The filter
``winauth.winrm.explain`` and the ``winrm_probe`` module both read :data:`CAUSES`, so the probe's
verdict for a fault and ``explain`` of the error the real connection gives for it name the
same cause id.

Rows are tried in order, so a specific text (``certificate has expired``) sits above the
general one it also contains (``CERTIFICATE_VERIFY_FAILED``). A leaf module: it imports nothing
of the collection's but :mod:`._text`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._text import shorten

# The layers, outermost first, as the probe walks them.
LAYERS = ("controller", "dns", "tcp", "tls", "wsman", "schemes", "kerberos", "clock", "credentials",
          "encryption", "authorization", "delegation", "policy")


@dataclass(frozen=True)
class Cause:
    """One known cause.

    Attributes:
        id: stable identifier (``spn-not-found``), the same in the probe's steps.
        layer: one of :data:`LAYERS`.
        cause: what is wrong, phrased for an admin.
        fix: what to run or change.
        patterns: case-insensitive regular expressions matched against an error text.
    """

    id: str
    layer: str
    cause: str
    fix: str
    patterns: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, str]:
        """``{"id", "layer", "cause", "fix"}`` for results and the filter."""
        return {"id": self.id, "layer": self.layer, "cause": self.cause, "fix": self.fix}


_ROWS = (
    # -- controller ----------------------------------------------------------------------
    Cause("missing-library", "controller",
          "a Python library the chosen transport needs is not installed on the controller (or in the execution "
          "environment)",
          "pip install 'pywinrm[kerberos,credssp]' (psrp: 'pypsrp[kerberos,credssp]'), or choose another "
          "ansible_winrm_transport",
          (r"(requests_kerberos|requests_ntlm|requests-credssp|pykerberos|python kerberos library|pyspnego|pypsrp"
           r"|winrm or requests)\b.*\bnot installed", r"pypsrp or dependencies are not installed")),
    Cause("md4-unsupported", "controller",
          "OpenSSL 3 (or FIPS mode) has no MD4, which an old NTLM stack needs",
          "upgrade to pyspnego >= 0.8 / pywinrm >= 0.4.3 (own MD4), or use Kerberos or CredSSP instead of NTLM",
          (r"unsupported hash type md4",)),
    Cause("encryption-unsupported", "controller",
          "message encryption is required but the auth library cannot wrap messages (an outdated Kerberos "
          "library, or Basic/certificate, which cannot encrypt)",
          "upgrade pywinrm/pykerberos/pyspnego, or use HTTPS and ansible_winrm_message_encryption=auto",
          (r"message encryption is set to 'always' but",
           r"WinRM encryption is not available on the installed version")),
    Cause("keyring-ccache", "controller",
          "the Kerberos ticket cache is a KEYRING: cache, which does not work inside a container",
          "use a file cache: export KRB5CCNAME=FILE:/tmp/krb5cc_$(id -u) (or default_ccache_name in krb5.conf)",
          (r"invalid uid in persistent keyring name",)),
    Cause("no-default-realm", "kerberos",
          "krb5.conf has no default_realm, or no krb5.conf reaches the process (execution environment)",
          "write the user as user@REALM.TEST and set default_realm in /etc/krb5.conf (or KRB5_CONFIG)",
          (r"does not specify default realm",)),
    # -- name resolution, TCP ----------------------------------------------------------------
    Cause("name-resolution", "dns",
          "the host name does not resolve on the controller",
          "fix DNS (an A/AAAA record for the host) or set ansible_host to its address",
          (r"Name or service not known", r"nodename nor servname provided", r"Temporary failure in name resolution",
           r"getaddrinfo failed", r"No address associated with hostname", r"NameResolutionError")),
    Cause("port-refused", "tcp",
          "nothing listens on the port (no WinRM listener, service stopped) - the host answered with a reset",
          "on the host: winrm quickconfig (HTTP) or a HTTPS listener (winauth.winrm.winrm_auth listeners), "
          "Restart-Service WinRM; check ansible_port",
          (r"Connection refused", r"\[Errno 111\]", r"actively refused")),
    Cause("port-filtered", "tcp",
          "the port does not answer at all (a firewall drops the packets, or the address is wrong)",
          "open 5985/5986 in Windows Firewall ('Windows Remote Management (HTTP-In)') and any network "
          "firewall, or fix ansible_host",
          (r"ConnectTimeout", r"Connection to \S+ timed out", r"connect timeout", r"the connection attempt timed out",
           r"no connection within \d+ s")),
    Cause("no-route", "tcp",
          "the controller has no route to the host's address",
          "check ansible_host, the controller's routes and any VPN",
          (r"No route to host", r"Network is unreachable")),
    # -- TLS ---------------------------------------------------------------------------------
    Cause("tls-expired", "tls",
          "the HTTPS listener's certificate has expired",
          "renew the certificate and point the listener at it: winauth.winrm.winrm_auth listeners "
          "(certificate_thumbprint), or winrm set winrm/config/listener?Address=*+Transport=HTTPS "
          "@{CertificateThumbprint=...}",
          (r"certificate has expired",)),
    Cause("tls-misnamed", "tls",
          "the HTTPS listener's certificate does not carry the name the client connects to",
          "connect by a name in the certificate's subjectAltName, or issue a certificate for this name",
          (r"Hostname mismatch", r"doesn't match", r"certificate is not valid for", r"IP address mismatch")),
    Cause("tls-self-signed", "tls",
          "the HTTPS listener presents a self-signed certificate the controller does not trust",
          "use a certificate from your CA, or set ansible_winrm_ca_trust_path to this certificate",
          (r"self[- ]signed certificate",)),
    Cause("tls-untrusted", "tls",
          "the certificate's issuer is not trusted by the controller; requests checks certifi's bundle, not the "
          "system store, unless told otherwise",
          "set ansible_winrm_ca_trust_path (psrp: ansible_psrp_ca_cert) to the issuing CA bundle",
          (r"CERTIFICATE_VERIFY_FAILED", r"unable to get local issuer certificate", r"certificate verify failed",
           r"certificate is not trusted")),
    Cause("tls-protocol", "tls",
          "no TLS version in common, or the port speaks plain HTTP",
          "check ansible_winrm_scheme/ansible_port (5985 is HTTP, 5986 HTTPS) and the TLS versions enabled on the "
          "host (TLS 1.2)",
          (r"UNSUPPORTED_PROTOCOL", r"WRONG_VERSION_NUMBER", r"TLS handshake failed")),
    # -- WS-Management -----------------------------------------------------------------------
    Cause("not-wsman", "wsman",
          "the port answers, but not as the WinRM service (another web server, a wrong path, or a proxy)",
          "point ansible_port/ansible_winrm_scheme/ansible_winrm_path at the WinRM listener (winrm enumerate "
          "winrm/config/listener on the host; the default path is /wsman)",
          (r"Code 404\b", r"no WS-Management Identify reply")),
    # -- Kerberos ----------------------------------------------------------------------------
    Cause("spn-not-found", "kerberos",
          "the KDC knows no account with the SPN the client asked for: the target is an IP address or a DNS "
          "alias, the SPN is missing, or the service class is wrong (HTTP vs WSMAN)",
          "name the host by its FQDN (or set ansible_winrm_kerberos_hostname_override), check setspn -Q "
          "HTTP/<host>, or set ansible_winrm_service / ansible_psrp_negotiate_service to a class the account has",
          (r"Server not found in Kerberos database", r"no such SPN", r"KDC_ERR_S_PRINCIPAL_UNKNOWN")),
    Cause("kerberos-rejected", "kerberos",
          "the host could not accept the Kerberos ticket: the SPN belongs to another account (an SPN collision), "
          "or CbtHardeningLevel=Strict, or the name maps to a different machine in DNS, or the clocks of the "
          "host and the KDC differ by more than 5 minutes (pywinrm says the same for all of these)",
          "find the owner with setspn -Q HTTP/<host> and move the SPN to the computer account (setspn -D / -S), "
          "or ask for a class the computer owns (ansible_winrm_service=WSMAN); winauth.winrm.winrm_probe tells "
          "these causes apart (its kerberos and clock steps)",
          (r"kerberos: the specified credentials were rejected", r"0x80090322", r"SEC_E_WRONG_PRINCIPAL",
           r"kerberos authentication as .* was rejected")),
    Cause("kdc-not-found", "kerberos",
          "the client cannot find a KDC for the realm: a lowercase realm, no [realms] entry in krb5.conf, or no "
          "_kerberos SRV records",
          "write the realm in capitals (user@LAB.TEST), add it to krb5.conf or fix the _kerberos._tcp SRV records",
          (r"Cannot find KDC for realm",)),
    Cause("kdc-unreachable", "kerberos",
          "the KDC does not answer (port 88 blocked, DC down)",
          "open TCP/UDP 88 from the controller to a DC, or fix the kdc entries in krb5.conf",
          (r"Cannot contact any KDC",)),
    Cause("no-ticket", "kerberos",
          "no Kerberos ticket in the cache the client reads, and no password to get one",
          "kinit user@REALM first (check KRB5CCNAME), or set ansible_password so Ansible runs kinit itself",
          (r"Can't find client principal .* in cache collection", r"No Kerberos credentials available",
           r"No credentials cache found", r"Credentials cache file .* not found", r"no ticket cache")),
    Cause("ticket-expired", "kerberos",
          "the Kerberos ticket in the cache has expired",
          "kinit again (or give ansible_password so Ansible renews it)",
          (r"The referenced credentials? ha(s|ve) expired", r"Ticket expired", r"credentials have expired")),
    Cause("kerberos-user-unknown", "kerberos",
          "the KDC knows no such user",
          "check the user name and realm (user@REALM.TEST)",
          (r"Client .*not found in Kerberos database", r"unknown user")),
    Cause("account-revoked", "credentials",
          "the account is disabled, locked out or expired in the domain",
          "unlock or enable the account (Unlock-ADAccount / Enable-ADAccount)",
          (r"credentials have been revoked", r"account is disabled or locked")),
    Cause("clock-skew", "clock",
          "the clocks of the controller, the KDC or the host differ by more than 5 minutes",
          "sync the controller's time (chrony/ntpd against the DC) and the host's (w32tm /resync)",
          (r"Clock skew too great", r"KRB_AP_ERR_SKEW", r"clock skew")),
    # -- credentials (after the transport was agreed) ------------------------------------------
    Cause("wrong-password", "credentials",
          "the password is wrong",
          "check ansible_password (and that the account is not locked out)",
          (r"Preauthentication failed", r"Password incorrect", r"wrong password")),
    Cause("credssp-not-offered", "schemes",
          "the host does not offer CredSSP (the server role is disabled)",
          "winauth.winrm.winrm_credssp: {role: server} (Enable-WSManCredSSP -Role Server), or another transport",
          (r"did not response CredSSP being an available authentication method",)),
    Cause("credssp-tls", "tls",
          "the CredSSP inner TLS handshake failed (TLS version or cipher mismatch)",
          "check TLS 1.2 on the host; set ansible_winrm_credssp_disable_tlsv1_2 only for hosts without TLS 1.2",
          (r"Server did not response with a CredSSP token after step",)),
    Cause("credssp-logon-failure", "credentials",
          "the host refused the delegated credentials (wrong user name or password)",
          "check ansible_user (DOMAIN\\user) and ansible_password",
          (r"STATUS_LOGON_FAILURE", r"0xc000006d")),
    Cause("basic-rejected", "credentials",
          "Basic was refused: service Auth Basic is false, Basic over HTTP while AllowUnencrypted=false, the "
          "account is a domain account (Basic takes local accounts only), the password is wrong, or remote UAC "
          "filters the local account (LocalAccountTokenFilterPolicy)",
          "use ntlm/kerberos for domain accounts; for a local account check the password and service Basic "
          "(winauth.winrm.winrm_auth: {service: {basic: true}}), over HTTPS only",
          (r"(basic|plaintext|ssl): the specified credentials were rejected", r"basic authentication as .* rejected")),
    Cause("ntlm-rejected", "credentials",
          "NTLM was refused: wrong password or user name, the account is locked, or service Negotiate is false",
          "check ansible_user (DOMAIN\\user or a local account) and ansible_password",
          (r"ntlm: the specified credentials were rejected", r"ntlm authentication as .* rejected")),
    Cause("credentials-rejected", "credentials",
          "the host rejected the credentials (HTTP 401)",
          "check ansible_user/ansible_password and the transport; run winauth.winrm.winrm_probe for the layer",
          (r"the specified credentials were rejected", r"authentication as .* was rejected", r"Code 401\b",
           r"failed to authenticate with the server")),
    # -- after authentication ----------------------------------------------------------------
    Cause("double-hop", "delegation",
          "the command reached a second machine without credentials (the Kerberos double hop)",
          "use CredSSP scoped with winauth.winrm.winrm_credssp, Kerberos delegation, become, or RBCD to the "
          "second machine",
          (r"ANONYMOUS LOGON", r"Active Directory Web Services", r"Access (to the path '\\\\|is denied.*\\\\)")),
    Cause("access-denied", "authorization",
          "the account authenticated but is not allowed: not a member of Administrators (or Remote Management "
          "Users), or the RootSDDL refuses it",
          "use an administrator account, or grant access: Set-PSSessionConfiguration / winrm configSDDL default",
          (r"w:AccessDenied", r"\bAccess is denied", r"WSManFault 5 /", r"'wsmanfault_code': 5\b")),
    Cause("logon-right", "authorization",
          "the become user lacks the logon right it needs (Win32 error 1385)",
          "grant 'Log on as a batch job' / 'Allow log on locally', or use another become_flags logon_type",
          (r"\b1385\b", r"has not been granted the requested logon type")),
    Cause("delegation-policy", "delegation",
          "the client's CredSSP policy does not allow delegating to this target (AllowFreshCredentials lacks "
          "wsman/<target>)",
          "winauth.winrm.winrm_credssp: {role: client, delegate: [<target>]}",
          (r"A computer policy does not allow the delegation of the user credentials",)),
    Cause("trusted-hosts", "policy",
          "a Windows client refuses NTLM or an IP target that is not in its TrustedHosts",
          "use Kerberos by name, or add the target to the client's TrustedHosts (winauth.winrm.winrm_auth: "
          "{client: {trusted_hosts: [...]}})",
          (r"TrustedHosts",)),
    Cause("gpo-controlled", "policy",
          "Group Policy sets this value, so it cannot be changed locally (WSManFault 2150858890)",
          "change the GPO (HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM) or set it to Not Configured",
          (r"2150858890", r"controlled by policies")),
    Cause("unencrypted-refused", "encryption",
          "the host refused an unencrypted body over HTTP (AllowUnencrypted=false; Windows answers HTTP 500 with "
          "no body)",
          "use HTTPS, or a transport that encrypts messages over HTTP (ntlm, kerberos, credssp) with "
          "ansible_winrm_message_encryption=auto",
          (r"refused an unencrypted message", r"Code 500\b(?!.*AccessDenied)", r"HTTP 500 without a WS-Man fault")),
)

CAUSES: dict[str, Cause] = {row.id: row for row in _ROWS}
_COMPILED = tuple((row, tuple(re.compile(p, re.IGNORECASE | re.DOTALL) for p in row.patterns)) for row in _ROWS)

UNKNOWN = Cause("unknown", "unknown", "no known cause matches this error",
                "run winauth.winrm.winrm_probe against the host: it checks each layer and names the failing one")


def match(text: object) -> Cause | None:
    """The first cause whose pattern occurs in ``text`` (None when none does).

    Args:
        text: an error message, usually ``ansible_failed_result.msg``; anything else is ``str()``-ed.

    Returns:
        The matching :class:`Cause`, or None.
    """
    value = "" if text is None else str(text)
    for row, patterns in _COMPILED:
        if any(p.search(value) for p in patterns):
            return row
    return None


def explain(text: object) -> dict[str, Any]:
    """What the filter returns with ``details=true``: the cause's fields plus the text it was matched on.

    Args:
        text: an error message.

    Returns:
        ``{"id", "layer", "cause", "fix", "matched"}``; ``id`` is ``unknown`` when nothing matches.
    """
    row = match(text) or UNKNOWN
    return {**row.as_dict(), "matched": shorten("" if text is None else text, 300)}


def sentence(cause: Cause) -> str:
    """One line: ``[layer] cause. Fix: fix`` - what a rescue block prints."""
    return "[%s] %s. Fix: %s" % (cause.layer, cause.cause, cause.fix)
