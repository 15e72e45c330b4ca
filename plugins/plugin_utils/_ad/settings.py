# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection settings for Active Directory (LDAP).

For internal collection use only; this is not a public API.

:func:`build_ad_settings` is the one factory; its keyword names are the option names of
the ``winauth.winrm.ad`` doc fragment, shared by every plugin that talks to AD.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.errors import ADSettingsError

AUTHS = ("kerberos", "simple", "ntlm", "negotiate")
TLS_MODES = ("ldaps", "starttls", "none")


@dataclass(frozen=True)
class ADSettings:
    """How to reach and bind to a domain controller. The password is kept out of ``repr``."""

    domain: str | None
    servers: tuple[str, ...]
    port: int
    tls_mode: str
    auth: str
    username: str | None
    password: str | None = field(repr=False)
    ca_cert: str | None
    validate_certs: bool
    search_base: str | None
    timeout: int

    @property
    def realm(self) -> str | None:
        return self.domain.upper() if self.domain else None

    @property
    def default_base(self) -> str | None:
        """``DC=lab,DC=test`` for ``lab.test``."""
        if self.search_base:
            return self.search_base
        if self.domain:
            return ",".join("DC=%s" % part for part in self.domain.split("."))
        return None


def build_ad_settings(
    domain: str | None = None,
    server: str | list[str] | None = None,
    port: int | None = None,
    tls_mode: str = "ldaps",
    auth: str = "kerberos",
    username: str | None = None,
    password: str | None = None,
    ca_cert: str | None = None,
    validate_certs: bool = True,
    search_base: str | None = None,
    timeout: int = 10,
) -> ADSettings:
    """Validate AD options.

    Raises:
        ADSettingsError: naming the option and how to fix it.
    """
    if isinstance(server, str):
        servers = tuple(s.strip() for s in server.split(",") if s.strip())
    else:
        servers = tuple(str(s).strip() for s in server or [] if str(s).strip())
    domain = domain.strip().lower().rstrip(".") if domain else None
    if not domain and not servers:
        raise ADSettingsError("set domain (to find domain controllers through DNS) or server (a DC host name)")
    auth = (auth or "kerberos").lower()
    if auth not in AUTHS:
        raise ADSettingsError("auth must be one of %s, got %r" % (", ".join(AUTHS), auth))
    tls_mode = (tls_mode or "ldaps").lower()
    if tls_mode not in TLS_MODES:
        raise ADSettingsError("tls_mode must be one of %s, got %r" % (", ".join(TLS_MODES), tls_mode))
    if auth == "simple":
        if tls_mode == "none":
            raise ADSettingsError(
                "a simple bind sends the password in clear: use tls_mode ldaps or starttls, or auth kerberos"
            )
        if not username or not password:
            raise ADSettingsError("auth simple needs username and password")
    # NTLM and Negotiate on tls_mode none sign and seal every message (like Kerberos), so TLS is not required.
    if auth == "ntlm" and (not username or not password):
        raise ADSettingsError("auth ntlm needs username (DOMAIN\\user or user@domain) and password")
    if auth in ("kerberos", "negotiate") and password and not username:
        raise ADSettingsError("a password without a username: set username (user@REALM) too")
    if port is None:
        port = 636 if tls_mode == "ldaps" else 389
    try:
        port = int(port)
        timeout = int(timeout)
    except (TypeError, ValueError):
        raise ADSettingsError("port and timeout must be whole numbers") from None
    if not 0 < port < 65536 or timeout < 1:
        raise ADSettingsError("port must be 1-65535 and timeout at least 1 second")
    return ADSettings(
        domain=domain,
        servers=servers,
        port=port,
        tls_mode=tls_mode,
        auth=auth,
        username=username or None,
        password=password or None,
        ca_cert=ca_cert or None,
        validate_certs=bool(validate_certs),
        search_base=search_base or None,
        timeout=timeout,
    )
