"""The second hop: a command on lab host B authenticates to host C with what B holds.

B logs on to C for real, in process: B's client context (pyspnego NTLM, python-gssapi
Kerberos against the lab KDC) exchanges tokens with C's own acceptor -- for a WS-Man call
through C's HTTP authentication (auth.authenticate: C's enabled schemes, accounts, CBT
rules), for an SMB share through an SMB-style acceptor (Negotiate with C's keytab, no WinRM
settings involved). What B can offer is what Windows would have in the logon session:

| B's logon (logoncred.py)      | second hop                                                   |
|-------------------------------|--------------------------------------------------------------|
| CredSSP (password)            | Kerberos with the password when C is a domain member named by  |
|                               | host name and the account is a domain account, else NTLM       |
| Kerberos + forwarded TGT      | Kerberos to ``<service>/<name>`` (not by IP address: no SPN)   |
| B has constrained delegation  | S4U2Self + S4U2Proxy with B's keytab; the KDC decides (only    |
| with protocol transition      | the services in msDS-AllowedToDelegateTo)                      |
| anything else                 | nothing: SMB goes out as ANONYMOUS LOGON and is denied; a      |
|                               | WinRM client call fails before sending anything (0x8009030e)   |

Every logon at C is recorded in C's logon log with ``from`` (B), ``service`` (``smb`` or
``wsman``), ``via`` (``password``, ``tgt``, ``s4u2proxy`` or None) and
``delegated_credentials`` (whether B used a credential delegated to it).
Protected Users members get no delegation (Windows refuses it; Samba 4.17's KDC would grant
S4U2Proxy for them, README: Samba vs Windows), so the lab does not try.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import gssapi
import spnego
from gssapi.raw import acquire_cred_with_password

from . import auth, kerberos
from .hoststate import HostState

log = logging.getLogger(__name__)

ANONYMOUS = "NT AUTHORITY\\ANONYMOUS LOGON"
SHARES_KEY = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\LanmanServer\Shares"
_MAX_ROUNDS = 8  # token exchanges per logon (NTLM 2, Kerberos 1-2, CredSSP ~5)


@dataclass
class Directory:
    """Every host of the running lab, for name resolution between hosts."""

    hosts: dict[str, HostState]
    entries: dict[str, dict[str, Any]]  # hosts.json host entries (computer accounts)


_directory = Directory({}, {})


def install(hosts: dict[str, HostState], entries: dict[str, dict[str, Any]]) -> None:
    """Called once by the server: the hosts a command may reach."""
    _directory.hosts = hosts
    _directory.entries = entries


def find(name: str) -> HostState | None:
    """The lab host a name (short name, FQDN, address) resolves to, as DNS would answer."""
    wanted = name.strip().strip("[]").lower()
    for host in _directory.hosts.values():
        if wanted in (host.name.lower(), host.fqdn.lower(), host.address):
            return host
    return None


def is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


@dataclass
class Logon:
    """The outcome of B's logon at C."""

    ok: bool
    account: str | None = None  # as C saw it (DOMAIN\\user), ANONYMOUS for a null session
    protocol: str | None = None  # kerberos | ntlm | credssp
    via: str | None = None  # password | tgt | s4u2proxy | explicit (typed -u/-p) | None
    principal: auth.Principal | None = None
    reason: str = ""  # why it failed (for the lab log; never shown as a Windows text)


@dataclass(frozen=True)
class Explicit:
    """Credentials typed on the command line (winrm -u: -p:): fresh, not delegated."""

    user: str
    password: str = field(repr=False)


def _gss_client(creds: Any, service: str, name: str) -> gssapi.SecurityContext:
    target = gssapi.Name(f"{service}@{name}", gssapi.NameType.hostbased_service)
    flags = (gssapi.RequirementFlag.mutual_authentication | gssapi.RequirementFlag.integrity
             | gssapi.RequirementFlag.confidentiality | gssapi.RequirementFlag.out_of_sequence_detection)
    return gssapi.SecurityContext(name=target, creds=creds, usage="initiate", mech=gssapi.MechType.kerberos,
                                  flags=flags)


def _password_client(source: HostState, target: HostState, name: str, service: str, user: str, password: str,
                     domain: str | None) -> tuple[Any, str]:
    """Negotiate as Windows picks it for a known password: Kerberos when it can, else NTLM."""
    member = source.member()
    if domain and member is not None and target.member() is not None and not is_address(name):
        name_obj = gssapi.Name(f"{user}@{member.realm}", gssapi.NameType.kerberos_principal)
        creds = acquire_cred_with_password(name_obj, password.encode(), usage="initiate",
                                           mechs=[gssapi.MechType.kerberos]).creds
        return _gss_client(creds, service, name), "kerberos"
    login = f"{domain}\\{user}" if domain else user
    return spnego.client(login, password, hostname=name, service=service, protocol="ntlm"), "ntlm"


def _s4u_credentials(source: HostState, principal: auth.Principal) -> Any | None:
    """B's S4U2Self credential for the user, when B's computer account may do protocol transition."""
    member = source.member()
    computer = _directory.entries.get(source.name, {}).get("computer") or {}
    if member is None or not principal.domain or not computer.get("trusted_to_auth_for_delegation"):
        return None
    account = member.account_of(principal.user)
    if account is None or account.protected:
        return None
    service = gssapi.Name(f"{member.account}@{member.realm}", gssapi.NameType.kerberos_principal)
    store = {"client_keytab": str(member.keytab), "ccache": f"MEMORY:hop-{uuid.uuid4().hex}"}
    own = gssapi.Credentials(name=service, usage="initiate", store=store)
    user = gssapi.Name(f"{principal.user}@{member.realm}", gssapi.NameType.kerberos_principal)
    return own.impersonate(user, usage="initiate")


def client_for(source: HostState, target: HostState, name: str, service: str, principal: auth.Principal,
               explicit: Explicit | None = None) -> tuple[Any, str, str] | None:
    """B's client context toward ``<service>/<name>`` for this logon.

    Args:
        source: B, the host running the command.
        target: C, the host ``name`` resolves to.
        name: C as typed (short name, FQDN or address): the SPN uses it as typed, as Windows does.
        service: SPN service class, ``cifs`` (SMB) or ``HTTP`` (the WinRM client's).
        principal: B's logon, with what it holds (``principal.held``).
        explicit: credentials typed on the command line, used instead of the logon's.

    Returns:
        (context, ``kerberos`` or ``ntlm``, via) or None when the logon has nothing to offer.

    Raises:
        gssapi.exceptions.GSSError: the KDC refused (wrong password, S4U not allowed, ...).
    """
    if explicit is not None:
        domain, _sep, user = explicit.user.rpartition("\\")
        ctx, mech = _password_client(source, target, name, service, user, explicit.password, domain or None)
        return ctx, mech, "explicit"
    held = principal.held
    if held is not None and held.kind == "password":
        # A local account is sent without its machine qualifier: C matches it as its own
        # (mirrored) account, as a workgroup Windows host does.
        ctx, mech = _password_client(source, target, name, service, held.user, held.password, principal.domain)
        return ctx, mech, "password"
    if is_address(name):
        return None  # Kerberos needs a host name for the SPN; NTLM would need the password
    if held is not None and held.kind == "tgt":
        return _gss_client(held.tgt, service, name), "kerberos", "tgt"
    s4u = _s4u_credentials(source, principal)
    if s4u is not None:
        return _gss_client(s4u, service, name), "kerberos", "s4u2proxy"
    return None


def _first_token(ctx: Any) -> bytes:
    token = ctx.step()
    if not token:
        raise ValueError("client produced no token")
    return bytes(token)


def _origin(source: HostState, service: str, via: str | None) -> dict[str, Any]:
    return {"from": source.name, "service": service, "via": via,
            "delegated_credentials": via in ("password", "tgt", "s4u2proxy")}


def smb_logon(source: HostState, target: HostState, name: str, principal: auth.Principal) -> Logon:
    """SMB session setup from B to C (service class ``cifs``), as the logon session can do it.

    Args:
        source: B; target: C; name: C as typed; principal: B's logon.

    Returns:
        The logon at C (recorded in C's logon log, an anonymous one included).
    """
    try:
        client = client_for(source, target, name, "cifs", principal)
    except gssapi.exceptions.GSSError as e:  # KDC refused (no SPN, S4U2Proxy not allowed, ...)
        log.info("%s -> %s: no Kerberos ticket: %s", source.name, target.name, e)
        client = None
    if client is None:
        # A null session: C logs ANONYMOUS LOGON and the share ACL (no Everyone for anonymous) refuses.
        target.stats.record_logon({"protocol": "ntlm", "scheme": None, "client": "", "account": ANONYMOUS,
                                   "transport": "smb", "delegated": False, "anonymous": True,
                                   **_origin(source, "smb", None)})
        return Logon(False, ANONYMOUS, "ntlm", None, reason="no credentials to forward")
    ctx, mech, via = client
    acceptor: Any = None
    try:
        acceptor = auth.kerberos_acceptor(target) if mech == "kerberos" else spnego.server(protocol="ntlm")
        if acceptor is None:
            return Logon(False, reason=f"{target.name} has no Kerberos keys")
        token: bytes | None = _first_token(ctx)
        for _round in range(_MAX_ROUNDS):
            reply = acceptor.step(token)
            if acceptor.complete:
                if reply and not ctx.complete:
                    ctx.step(reply)  # mutual authentication (AP-REP)
                break
            token = ctx.step(reply)
    except Exception as e:  # acceptor boundary: any failure is a refused logon
        log.info("%s -> %s: SMB logon failed: %s", source.name, target.name, kerberos.failure_reason(acceptor, e))
        return Logon(False, protocol=mech, via=via, reason=str(e))
    client_name = acceptor.client_principal or ""
    seen = auth.resolve_user(target, client_name)
    if seen is None:
        return Logon(False, protocol=mech, via=via, reason=f"{client_name} is not an account of {target.name}")
    facts = kerberos.session_facts(acceptor) if mech == "kerberos" else {"delegated": False}
    target.stats.record_logon({"protocol": mech, "scheme": None, "client": client_name, "account": seen.display,
                               "transport": "smb", **facts, **_origin(source, "smb", via)})
    return Logon(True, seen.display, mech, via, seen)


def wsman_logon(source: HostState, target: HostState, name: str, principal: auth.Principal, scheme: str,
                explicit: Explicit | None = None) -> Logon:
    """B's WinRM client authenticating to C's WinRM service over HTTP.

    Args:
        source, target, name, principal, explicit: as for client_for().
        scheme: the HTTP scheme, ``Negotiate`` or ``Kerberos``.

    Returns:
        The logon; ``reason == "no credentials"`` when nothing could be sent (the Windows
        client's 0x8009030e), in which case C saw nothing.
    """
    try:
        client = client_for(source, target, name, "HTTP", principal, explicit)
        first = _first_token(client[0]) if client is not None else None
    except gssapi.exceptions.GSSError as e:
        # The KDC gave no ticket (no SPN, S4U2Proxy to an unlisted service, ...): SSPI then has
        # nothing to offer, as without a credential.
        log.info("%s -> %s: no Kerberos ticket: %s", source.name, target.name, e)
        client, first = None, None
    if client is None or first is None:
        return Logon(False, reason="no credentials")
    ctx, mech, via = client
    return _http_exchange(source, target, ctx, scheme, mech, via, first)


def credssp_logon(source: HostState, target: HostState, name: str, explicit: Explicit) -> Logon:
    """B (a lab host) as CredSSP client: TLS, NTLM inside (the lab acceptor's), then the password.

    The caller has checked B's client role and delegation policy (commands.identify_call).

    Returns:
        The logon at C; C now holds the password (its logon's ``held``).
    """
    domain, _sep, user = explicit.user.rpartition("\\")
    login = f"{domain}\\{user}" if domain else user
    inner = spnego.client(login, explicit.password, hostname=name, service="HTTP", protocol="ntlm")
    ctx = spnego.client(login, explicit.password, hostname=name, service="HTTP", protocol="credssp",
                        credssp_negotiate_context=inner)
    try:
        first = _first_token(ctx)
    except Exception as e:  # pyspnego could not even start (TLS context)
        return Logon(False, protocol="credssp", via="explicit", reason=str(e))
    return _http_exchange(source, target, ctx, "CredSSP", "credssp", "explicit", first)


def _http_exchange(source: HostState, target: HostState, ctx: Any, scheme: str, mech: str, via: str,
                   first: bytes) -> Logon:
    conn = auth.ConnectionAuth()
    origin = _origin(source, "wsman", via)
    try:
        token: bytes | None = first
        for _round in range(_MAX_ROUNDS):
            header = f"{scheme} {base64.b64encode(token or b'').decode()}"
            outcome = auth.authenticate(target, conn, header, "http", None, origin=origin)
            incoming = (base64.b64decode(outcome.token_header.split(" ", 1)[1])
                        if outcome.token_header and " " in outcome.token_header else None)
            if outcome.kind == "reject":
                return Logon(False, protocol=mech, via=via, reason="rejected (401)")
            if outcome.kind == "ok":
                if incoming is not None and not ctx.complete:
                    ctx.step(incoming)
                assert outcome.principal is not None
                return Logon(True, outcome.principal.display, conn.protocol, via, outcome.principal)
            token = ctx.step(incoming)
    except Exception as e:  # client or acceptor failure: the logon did not happen
        log.info("%s -> %s: %s logon failed: %s", source.name, target.name, mech, e)
        return Logon(False, protocol=mech, via=via, reason=str(e))
    return Logon(False, protocol=mech, via=via, reason="too many rounds")


def shares(host: HostState) -> dict[str, str]:
    """Share name (lower case) -> its Path, from LanmanServer\\Shares as Windows stores them.

    Each share is a REG_MULTI_SZ value named after the share, with lines such as
    ``Path=C:\\Shares\\share`` (also CSCFlags, MaxUses, Permissions, Remark, Type).
    """
    key = host.registry.find_path(SHARES_KEY)
    out: dict[str, str] = {}
    for value in (key or {}).get("values", []):
        lines = value["data"] if isinstance(value["data"], list) else [str(value["data"])]
        path = next((line.split("=", 1)[1] for line in lines if line.lower().startswith("path=")), "")
        out[value["name"].lower()] = path
    return out


def http_listener(host: HostState) -> bool:
    """Whether the host has an enabled HTTP listener (the WinRM client's default port 5985)."""
    return any(str(entry.get("Transport", "")).upper() == "HTTP" and str(entry.get("Enabled", "true")) == "true"
               for entry in host.state.get("listeners", []))
