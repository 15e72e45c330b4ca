"""What a completed logon leaves the host holding for onward authentication (the second hop).

Windows keeps, per logon session, whatever credential the logon delivered:

- CredSSP: the user's password (TSPasswordCreds, MS-CSSP 2.2.1.2.1) -- the host can log on
  anywhere as the user, by NTLM or Kerberos.
- Kerberos with a forwarded TGT (the client asked to delegate and the KDC let the TGT be
  forwarded): the host can ask the KDC for tickets to any service as the user.
- NTLM, Basic or Kerberos without delegation: nothing; a network logon has no credentials,
  so a second hop goes out as ANONYMOUS LOGON (or, with constrained delegation, through the
  host's own S4U2Proxy -- decided in hop.py from its computer account).

The password and the TGT live in memory only: never in state, stats or logs (repr hides them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spnego._credssp_structures import TSPasswordCreds

from . import kerberos


@dataclass(frozen=True)
class HeldCredential:
    kind: str  # "password" (delivered by CredSSP) or "tgt" (a forwarded Kerberos TGT)
    domain: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    tgt: Any = field(default=None, repr=False)  # gssapi.Credentials of the delegated TGT


def from_logon(protocol: str, ctx: Any) -> HeldCredential | None:
    """The credential a completed acceptor context handed over, if any.

    Args:
        protocol: what the logon negotiated (``credssp``, ``kerberos``, ``ntlm``).
        ctx: the completed pyspnego acceptor context.

    Returns:
        The password (CredSSP) or the forwarded TGT (Kerberos), else None.
    """
    if protocol == "credssp":
        cred = ctx.get_extra_info("client_credential")
        if isinstance(cred, TSPasswordCreds):
            return HeldCredential("password", cred.domain_name, cred.username, cred.password)
        return None  # smart card / Remote Credential Guard credentials: not emulated
    gss = kerberos._gss_context(ctx)
    if gss is not None and gss.delegated_creds is not None:
        return HeldCredential("tgt", tgt=gss.delegated_creds)
    return None
