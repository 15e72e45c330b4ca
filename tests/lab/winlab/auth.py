"""HTTP authentication as the WinRM service does it, driven by each host's own config.

Connection-based like HTTP.sys: the security context of Negotiate (NTLM/SPNEGO),
Kerberos and CredSSP lives with the TCP connection; Basic is checked per request.
Which schemes are accepted is re-read from the host's effective configuration
(local config overridden by Group Policy) on every request.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass
from typing import Any

import spnego
from spnego.channel_bindings import GssChannelBindings

from . import kerberos, logoncred
from .hoststate import HostState

log = logging.getLogger(__name__)

# Header scheme -> config leaf under Service/Auth that enables it.
SCHEMES = {"negotiate": "Negotiate", "kerberos": "Kerberos", "basic": "Basic", "credssp": "CredSSP"}

_NTLM_SIGNATURE = b"NTLMSSP\x00"
_SPNEGO_OID = b"\x06\x06\x2b\x06\x01\x05\x05\x02"  # 1.3.6.1.5.5.2


@dataclass
class Principal:
    user: str  # account name as stored on the host (or in the domain)
    admin: bool
    display: str  # DOMAIN\user as Windows would show it
    domain: str | None = None  # NetBIOS domain name for a domain account, None for a local one
    # What this logon holds for a second hop (logoncred.py): CredSSP password, forwarded TGT, or None.
    held: logoncred.HeldCredential | None = None


@dataclass
class Outcome:
    """What the handler must do: 'ok' (serve), 'continue' (401 + token) or 'reject' (401)."""

    kind: str
    token_header: str | None = None
    principal: Principal | None = None


class ConnectionAuth:
    """Security context state of one TCP connection."""

    def __init__(self) -> None:
        self.ctx: Any = None
        self.scheme: str | None = None  # lower-case header scheme of ctx
        self.protocol: str | None = None  # ntlm | negotiate | kerberos | credssp
        self.principal: Principal | None = None

    def reset(self) -> None:
        self.ctx = None
        self.scheme = None
        self.protocol = None
        self.principal = None


def offered(host: HostState) -> list[str]:
    """WWW-Authenticate values of a 401, in Windows' order, for the enabled service schemes.

    Kerberos is offered by domain members only: the recorded 401 of a workgroup Azure VM with
    the default config (Kerberos=true) lists Negotiate alone (windows-recorded/http-401-*).
    """
    out = []
    if host.flag("Service", "Auth", "Negotiate"):
        out.append("Negotiate")
    if host.flag("Service", "Auth", "Kerberos") and host.member() is not None:
        out.append("Kerberos")
    if host.flag("Service", "Auth", "Basic"):
        out.append('Basic realm="WSMAN"')
    if host.flag("Service", "Auth", "CredSSP"):
        out.append("CredSSP")
    return out


def sniff(token: bytes) -> str:
    """The mechanism of an Authorization token: NTLMSSP, SPNEGO, raw Kerberos or TLS."""
    if token.startswith(_NTLM_SIGNATURE):
        return "ntlm"
    if token[:1] == b"\x60":  # GSS InitialContextToken: look at the mech OID
        return "negotiate" if _SPNEGO_OID in token[:24] else "kerberos"
    if token[:1] in (b"\xa1", b"\xa0"):  # SPNEGO NegTokenResp/NegTokenInit continuation
        return "negotiate"
    if token[:1] == b"\x6e":  # bare AP-REQ
        return "kerberos"
    return "negotiate"


def _starts_exchange(protocol: str, token: bytes) -> bool:
    """Whether this token opens a new handshake (client restarted authentication)."""
    if protocol == "ntlm":
        return token[8:12] == b"\x01\x00\x00\x00"  # NTLM NEGOTIATE_MESSAGE
    if protocol == "negotiate":
        return token[:1] == b"\x60"
    if protocol == "credssp":
        return token[:1] == b"\x16" and token[5:6] == b"\x01"  # TLS ClientHello
    return protocol == "kerberos"


def ntlm_channel_bindings(token: bytes) -> bool | None:
    """For a token carrying an NTLM AUTHENTICATE_MESSAGE: did the client bind the TLS channel?

    Returns None when the token has no AUTHENTICATE message. Uses pyspnego's NTLM
    message parsers (private API, pinned by requirements) to read MsvAvChannelBindings.
    """
    from spnego._ntlm_raw.messages import Authenticate, AvId, NTClientChallengeV2

    start = token.find(_NTLM_SIGNATURE + b"\x03\x00\x00\x00")
    if start < 0:
        return None
    try:
        auth = Authenticate.unpack(token[start:])
        if not auth.nt_challenge_response or len(auth.nt_challenge_response) <= 24:
            return False
        av_pairs = NTClientChallengeV2.unpack(auth.nt_challenge_response[16:]).av_pairs
    except Exception:  # malformed token: the acceptor will reject it properly
        return False
    value = av_pairs.get(AvId.channel_bindings) if AvId.channel_bindings in av_pairs else None
    return bool(value) and value != b"\x00" * 16


def kerberos_acceptor(host: HostState) -> Any | None:
    """A raw Kerberos acceptor with the member's own keytab; None on a workgroup host."""
    member = host.member()
    return kerberos.acceptor(member.keytab) if member is not None else None


def negotiate_acceptor(host: HostState) -> Any:
    """SPNEGO: Kerberos (members only, their own keytab) and NTLM."""
    member = host.member()
    return kerberos.negotiate_acceptor(member.keytab if member is not None else None)


def resolve_user(host: HostState, name: str) -> Principal | None:
    """Map DOMAIN\\user, user@REALM, .\\user, user@host or user to a domain or local account of this host."""
    domain, user = "", name
    if "\\" in name:
        domain, user = name.split("\\", 1)
    elif "@" in name:
        user, domain = name.split("@", 1)
    member = host.member()
    if domain and member is not None and member.is_domain(domain):
        account = member.account_of(user)
        if account is None or not account.enabled:
            return None
        return Principal(account.name, account.admin, f"{member.netbios}\\{account.name}", domain=member.netbios)
    if domain and domain.upper() not in (".", host.netbios, host.fqdn.upper()):
        return None  # an account of another machine or a domain
    for account_name, info in host.users().items():
        if account_name.lower() == user.lower():
            return Principal(account_name, bool(info.get("admin")), f"{host.netbios}\\{account_name}")
    return None


def _basic(host: HostState, value: str, transport: str) -> Outcome:
    # Basic sends the password in clear: over HTTP Windows refuses it unless
    # AllowUnencrypted is true.
    if transport == "http" and not host.flag("Service", "AllowUnencrypted"):
        return Outcome("reject")
    try:
        user, _colon, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return Outcome("reject")
    principal = resolve_user(host, user)
    # WinRM Basic authenticates local accounts only: a domain account is rejected.
    if principal is None or principal.domain or host.users()[principal.user]["password"] != password:
        return Outcome("reject")
    host.stats.record_logon({"protocol": "basic", "scheme": "basic", "client": user, "account": principal.display,
                             "transport": transport, "delegated": False, "held": None})
    return Outcome("ok", principal=principal)


def _bindings(
    host: HostState, protocol: str, token: bytes, cbt: bytes | None
) -> tuple[bool, GssChannelBindings | None]:
    """Channel binding policy from CbtHardeningLevel; returns (allowed, bindings to verify)."""
    if protocol == "credssp":
        return True, None  # CredSSP binds the TLS channel through its public-key exchange
    level = host.value("Service", "Auth", "CbtHardeningLevel")
    sent = ntlm_channel_bindings(token) if protocol in ("ntlm", "negotiate") else None
    if level == "Strict" and cbt is None:
        # Strict needs a channel to bind, so nothing over HTTP can pass. Like SSPI, let the
        # NTLM handshake run and refuse at its last step (the client sees rejected credentials).
        return protocol in ("ntlm", "negotiate") and sent is None, None
    if cbt is None or level == "None":
        return True, None
    bindings = GssChannelBindings(application_data=b"tls-server-end-point:" + cbt)
    if sent is None:  # not the NTLM AUTHENTICATE step (or Kerberos): let GSS check if present
        return True, bindings
    if not sent:
        return level != "Strict", None  # Relaxed tolerates clients that send no CBT
    return True, bindings


def authenticate(
    host: HostState, conn: ConnectionAuth, header: str | None, transport: str, cbt: bytes | None,
    origin: dict[str, Any] | None = None,
) -> Outcome:
    """Process one request's Authorization header against the connection's context.

    ``origin`` (a second hop from another lab host, hop.py) is added to the logon record.
    """
    if header is None:
        scheme_on = conn.scheme is not None and host.flag("Service", "Auth", SCHEMES[conn.scheme])
        if conn.principal is not None and scheme_on:
            return Outcome("ok", principal=conn.principal)
        return Outcome("reject")
    scheme, _space, value = header.strip().partition(" ")
    scheme = scheme.lower()
    if scheme not in SCHEMES or not host.flag("Service", "Auth", SCHEMES[scheme]):
        conn.reset()
        return Outcome("reject")
    if scheme == "basic":
        conn.reset()
        return _basic(host, value.strip(), transport)
    try:
        token = base64.b64decode(value.strip(), validate=True)
    except binascii.Error:
        conn.reset()
        return Outcome("reject")
    protocol = "credssp" if scheme == "credssp" else sniff(token)
    if scheme == "kerberos" and protocol != "kerberos":
        conn.reset()  # the Kerberos scheme carries raw RFC 4121 tokens only
        return Outcome("reject")

    allowed, bindings = _bindings(host, protocol, token, cbt)
    if not allowed:
        conn.reset()
        return Outcome("reject")
    if conn.ctx is None or conn.scheme != scheme or conn.principal is not None or _starts_exchange(protocol, token):
        conn.reset()
        try:
            if protocol == "kerberos":
                conn.ctx = kerberos_acceptor(host)
                if conn.ctx is None:
                    log.info("%s: Kerberos refused: not a domain member", host.name)
                    return Outcome("reject")
            elif protocol == "negotiate":
                conn.ctx = negotiate_acceptor(host)
            else:
                conn.ctx = spnego.server(protocol=protocol)
        except Exception as e:  # acceptor boundary: any failure is a refusal, never a crash
            log.info("%s: cannot create %s acceptor: %s", host.name, protocol, e)
            conn.reset()
            return Outcome("reject")
        conn.scheme, conn.protocol = scheme, protocol
    try:
        out = conn.ctx.step(token, channel_bindings=bindings) if protocol != "credssp" else conn.ctx.step(token)
    except Exception as e:  # SpnegoError, BadBindingsError, or odd internal errors from the acceptor
        log.info("%s: %s authentication failed: %s", host.name, protocol, kerberos.failure_reason(conn.ctx, e))
        conn.reset()
        return Outcome("reject")
    token_header = f"{header.split(' ', 1)[0]} {base64.b64encode(out).decode()}" if out else None
    if not conn.ctx.complete:
        return Outcome("continue", token_header=token_header)
    client = conn.ctx.client_principal or ""
    principal = resolve_user(host, client)
    if principal is None:
        log.info("%s: %s is not an account of this host", host.name, client)
        conn.reset()
        return Outcome("reject")
    negotiated = "credssp" if protocol == "credssp" else (conn.ctx.negotiated_protocol or protocol)
    member = host.member()
    if principal.domain and negotiated == "ntlm" and member is not None and not member.secure_channel:
        # The member would pass this logon to its DC over Netlogon; a disabled computer
        # account has no secure channel ("the trust relationship ... failed").
        log.info("%s: NTLM logon of %s refused: no secure channel (computer account disabled)", host.name, client)
        conn.reset()
        return Outcome("reject")
    principal.held = logoncred.from_logon(negotiated, conn.ctx)
    conn.principal = principal
    facts = kerberos.session_facts(conn.ctx) if negotiated == "kerberos" else {"delegated": False}
    held = principal.held.kind if principal.held is not None else None  # what a second hop can use
    host.stats.record_logon({"protocol": negotiated, "scheme": scheme, "client": client, "account": principal.display,
                             "transport": transport, **facts, "held": held, **(origin or {})})
    return Outcome("ok", token_header=token_header, principal=principal)
