"""Kerberos acceptance for domain members: per-host keytab credentials, session facts.

One server process serves many hosts, so no process-wide KRB5_KTNAME: each member's
acceptor credential is acquired from its own keytab (``gss_acquire_cred_from`` with a
``keytab`` store). MIT then tries every key of that keytab, as a joined Windows host
tries its machine account's keys: tickets for HTTP/, WSMAN/, HOST/... of the host are
accepted when the KDC sealed them with the computer account's key, and rejected when
another account owns the SPN (a ticket sealed with svc_iis's key: "credentials rejected").
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import gssapi
from gssapi.raw import inquire_sec_context_by_oid
from spnego._gss import GSSAPIProxy
from spnego._negotiate import NegotiateProxy
from spnego._ntlm import NTLMProxy
from spnego._spnego import GSSMech

# MIT's GSS_KRB5_GET_TKT_FLAGS_OID: the flags of the service ticket the acceptor decrypted
# (a krb5_flags in host byte order), names and bits from krb5.h.
_TKT_FLAGS_OID = gssapi.OID.from_int_seq("1.2.840.113554.1.2.2.5.1")
TICKET_FLAGS = {
    0x40000000: "forwardable", 0x20000000: "forwarded", 0x10000000: "proxiable", 0x08000000: "proxy",
    0x00800000: "renewable", 0x00400000: "initial", 0x00200000: "pre_authent",
    0x00080000: "transit_policy_checked", 0x00040000: "ok_as_delegate", 0x00010000: "enc_pa_rep",
}


def _credentials(keytab: Path) -> gssapi.Credentials:
    return gssapi.Credentials(usage="accept", store={"keytab": str(keytab)})


def acceptor(keytab: Path) -> GSSAPIProxy:
    """A raw Kerberos (RFC 4121) acceptor holding only this keytab's keys."""
    return GSSAPIProxy(usage="accept", protocol="kerberos", _gssapi_credential=_credentials(keytab))


def negotiate_acceptor(keytab: Path | None) -> NegotiateProxy:
    """A SPNEGO acceptor: Kerberos (with this keytab) then NTLM for members, NTLM only otherwise."""
    contexts: dict[GSSMech, Any] = {}
    if keytab is not None:
        contexts[GSSMech.kerberos] = acceptor(keytab)
    contexts[GSSMech.ntlm] = NTLMProxy(usage="accept")  # accounts from NTLM_USER_FILE
    return NegotiateProxy(usage="accept", protocol="negotiate", _negotiate_contexts=contexts)


def _gss_context(ctx: Any) -> gssapi.SecurityContext | None:
    """The python-gssapi context under a pyspnego proxy (GSSAPIProxy, or SPNEGO that chose Kerberos)."""
    inner = ctx
    if isinstance(ctx, NegotiateProxy):
        try:
            inner = ctx._context  # the sub-context SPNEGO settled on
        except (AttributeError, KeyError, IndexError):
            return None
    gss = getattr(inner, "_context", None)
    return gss if isinstance(gss, gssapi.SecurityContext) else None


def session_facts(ctx: Any) -> dict[str, Any]:
    """What the host learnt from a completed logon: delegated TGT, GSS flags, its own principal."""
    gss = _gss_context(ctx)
    if gss is None:
        return {"delegated": False}
    flags = gssapi.RequirementFlag
    try:
        actual = gss.actual_flags
    except gssapi.exceptions.GSSError:
        actual = flags(0)
    names = {flags.delegate_to_peer: "delegate", flags.mutual_authentication: "mutual",
             flags.confidentiality: "confidentiality", flags.integrity: "integrity",
             flags.replay_detection: "replay", flags.out_of_sequence_detection: "sequence"}
    try:
        acceptor_name = str(gss.target_name).rstrip("\x00") if gss.target_name else None
    except gssapi.exceptions.GSSError:
        acceptor_name = None
    ticket = ticket_flags(gss)
    return {
        # A forwarded TGT arrived (the client asked to delegate and the KDC let the TGT be forwarded).
        "delegated": gss.delegated_creds is not None,
        "flags": sorted(label for flag, label in names.items() if actual & flag),
        "acceptor": acceptor_name,
        # The service ticket's own flags: ok_as_delegate = the KDC trusts this host for delegation.
        "ticket_flags": ticket,
        "ok_as_delegate": "ok_as_delegate" in ticket,
    }


def ticket_flags(gss: gssapi.SecurityContext) -> list[str]:
    """Names of the flags of the service ticket behind an accepted context ([] if unknown)."""
    try:
        data = inquire_sec_context_by_oid(gss, _TKT_FLAGS_OID)
    except gssapi.exceptions.GSSError:
        return []
    if not data or len(data[0]) != 4:
        return []
    (value,) = struct.unpack("=I", data[0])
    return sorted(name for bit, name in TICKET_FLAGS.items() if value & bit)


def failure_reason(ctx: Any, error: BaseException) -> str:
    """The real GSS error behind a failed step (python-gssapi defers it; pyspnego then trips over it)."""
    gss = _gss_context(ctx)
    deferred = getattr(gss, "_last_err", None) if gss is not None else None
    if deferred is not None:
        return f"{type(deferred).__name__}: {deferred}"
    return f"{type(error).__name__}: {error}"
