# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""LDAP connection to a domain controller: TLS, bind (Kerberos, simple, NTLM) and paged search.

For internal collection use only; this is not a public API.

Kerberos (SASL GSSAPI) is the default and uses the ticket cache, or a password turned
into a TGT in memory. Simple binds are refused without TLS. NTLM goes through SASL
GSS-SPNEGO with pyspnego, whose own MD4 works where OpenSSL 3 has none (ldap3's NTLM
calls hashlib's md4 and fails there).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.discovery import discover_dcs
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.errors import (
    ADBindError,
    ADConnectError,
    ADError,
    ADSearchError,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.settings import ADSettings

try:
    import ldap3
    from ldap3.core import exceptions as ldap_exc
    from ldap3.protocol.sasl.sasl import send_sasl_negotiation
    HAS_LDAP3 = True
except ImportError:  # pragma: no cover - reported when AD is used
    HAS_LDAP3 = False

PAGE_SIZE = 1000
RESULT_SUCCESS = 0
RESULT_SASL_IN_PROGRESS = 14
RESULT_INVALID_CREDENTIALS = 49
RESULT_STRONGER_AUTH = 8


def _password_credentials(username: str, password: str) -> Any:
    """A TGT in memory from a password (no kinit, no ccache file)."""
    import gssapi  # gssapi is a hard requirement of the Kerberos path only
    import gssapi.raw

    try:
        name = gssapi.Name(username, gssapi.NameType.user)
        acquired = gssapi.raw.acquire_cred_with_password(name, password.encode("utf-8"), usage="initiate")
    except gssapi.raw.GSSError as e:
        raise ADBindError("Kerberos logon of %s failed: %s" % (username, _gss_text(e))) from None
    return acquired.creds


def _gss_text(error: Exception) -> str:
    text = str(error)
    for known, hint in (
        ("Preauthentication failed", "wrong password"),
        ("not found in Kerberos database", "unknown principal"),
        ("Cannot find KDC", "no KDC for the realm: check krb5.conf (KRB5_CONFIG) or DNS SRV records"),
        ("Cannot contact any KDC", "the KDC does not answer: check the network and krb5.conf"),
        ("Clock skew", "clock skew: the controller's time differs from the DC's by more than 5 minutes"),
        ("No Kerberos credentials", "no ticket: run kinit, or give username and password"),
        ("does not specify default realm", "krb5.conf has no default_realm: give username as user@REALM"),
    ):
        if known in text:
            return "%s (%s)" % (hint, known)
    return text[:300]


class ADConnection:
    """One bound LDAP connection to a DC of the domain.

    Args:
        settings: validated AD settings.
    """

    def __init__(self, settings: ADSettings) -> None:
        if not HAS_LDAP3:
            raise ADError("ldap3 is required for Active Directory access: pip install ldap3")
        self.settings = settings
        self.server_name: str | None = None
        self._conn: Any = None

    def __enter__(self) -> ADConnection:
        self.open()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _tls(self) -> Any:
        s = self.settings
        return ldap3.Tls(
            validate=ssl.CERT_REQUIRED if s.validate_certs else ssl.CERT_NONE,
            ca_certs_file=s.ca_cert,
            version=ssl.PROTOCOL_TLS_CLIENT,
        )

    def open(self) -> None:
        """Find a DC (explicit servers, else DNS SRV), connect, start TLS if asked, bind.

        Raises:
            ADConnectError / ADBindError: naming the DC, the cause and the fix.
        """
        s = self.settings
        servers = list(s.servers) or discover_dcs(s.domain or "", timeout=s.timeout)
        errors: list[str] = []
        for host in servers:
            try:
                self._conn = self._connect(host)
            except ADConnectError as e:
                errors.append(str(e))
                continue
            self.server_name = host
            self._bind(host)
            return
        raise ADConnectError(
            "no domain controller reachable: %s. Check the DC names (server/domain), that they resolve in DNS and "
            "that port %d is open from this controller" % ("; ".join(errors), s.port)
        )

    def _connect(self, host: str) -> Any:
        s = self.settings
        server = ldap3.Server(host, port=s.port, use_ssl=s.tls_mode == "ldaps", tls=self._tls(),
                              connect_timeout=s.timeout, get_info=ldap3.NONE)
        # No schema is read (get_info NONE), so attribute names are not checked against one either.
        conn = ldap3.Connection(server, authentication=ldap3.ANONYMOUS, receive_timeout=s.timeout,
                                raise_exceptions=False, read_only=True, check_names=False)
        try:
            conn.open()
            if s.tls_mode == "starttls" and not conn.start_tls():
                raise ADConnectError("%s:%d refused StartTLS: %s" % (host, s.port, conn.result))
        except (ldap_exc.LDAPSocketOpenError, ldap_exc.LDAPStartTLSError) as e:
            text = str(e)
            if "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in text.lower():
                raise ADConnectError(
                    "%s:%d: TLS certificate not trusted or does not match the name (%s): set ca_cert to the "
                    "issuing CA, or use the DC's host name as in its certificate" % (host, s.port, _short(text))
                ) from None
            raise ADConnectError("%s:%d unreachable (%s)" % (host, s.port, _short(text))) from None
        except ldap_exc.LDAPException as e:
            raise ADConnectError("%s:%d: %s" % (host, s.port, _short(str(e)))) from None
        return conn

    def _bind(self, host: str) -> None:
        s = self.settings
        conn = self._conn
        try:
            if s.auth == "kerberos":
                ok = self._bind_sasl_gssapi(host)
            elif s.auth == "simple":
                conn.authentication = ldap3.SIMPLE
                conn.user, conn.password = s.username, s.password
                ok = conn.bind()
            else:
                ok = self._bind_spnego_ntlm(host)
        except ADError:
            raise
        except Exception as e:  # gssapi and ldap3 raise assorted types during SASL
            raise ADBindError("%s bind to %s failed: %s" % (s.auth, host, _gss_text(e))) from None
        if not ok:
            result = conn.result or {}
            code = result.get("result")
            text = result.get("message") or result.get("description") or ""
            if code == RESULT_INVALID_CREDENTIALS:
                cause = "invalid credentials for %s" % (s.username or "the ticket's user")
            elif code == RESULT_STRONGER_AUTH:
                cause = "the DC requires signing or TLS for this bind: use tls_mode ldaps/starttls or auth kerberos"
            else:
                cause = "%s %s" % (result.get("description", "error"), text)
            explained = code in (RESULT_INVALID_CREDENTIALS, RESULT_STRONGER_AUTH) and text.strip()
            said = " (the DC said: %s)" % text.strip() if explained else ""
            raise ADBindError("%s bind to %s refused: %s%s" % (s.auth, host, cause.strip(), said))

    def _tls_binding(self) -> bytes | None:
        """RFC 5929 tls-server-end-point application data of the TLS channel, None without TLS."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes

        sock = self._conn.socket
        try:
            der = sock.getpeercert(True)
        except AttributeError:
            return None
        if not der:
            return None
        algorithm = x509.load_der_x509_certificate(der).signature_hash_algorithm
        if algorithm is None or algorithm.name in ("md5", "sha1"):
            algorithm = hashes.SHA256()
        digest = hashes.Hash(algorithm)
        digest.update(der)
        return b"tls-server-end-point:" + digest.finalize()

    def _sasl_exchange(self, mechanism: str, first: bytes, step: Any) -> tuple[bool, bytes]:
        """Run SASL bind round trips; ``step(server_token)`` gives the next client token or None when done."""
        conn = self._conn
        conn.sasl_mechanism = mechanism
        token: bytes | None = first
        while True:
            result = send_sasl_negotiation(conn, None, token or b"")
            code = result.get("result")
            if code == RESULT_SUCCESS:
                conn.bound = True
                return True, b""
            if code != RESULT_SASL_IN_PROGRESS:
                conn.result = result
                return False, b""
            token = step(result.get("saslCreds") or b"")

    def _bind_sasl_gssapi(self, host: str) -> bool:
        """SASL GSSAPI (RFC 4752) asking for no GSS integrity/confidentiality, as Windows does over TLS.

        ldap3's own GSSAPI bind requests sign and seal, which a DC refuses inside TLS ("Sign or
        Seal are not allowed if TLS is used") and which ldap3 could not use without TLS anyway.
        """
        import gssapi
        from gssapi.raw import ChannelBindings

        s = self.settings
        creds = _password_credentials(s.username, s.password) if s.username and s.password else None
        binding = self._tls_binding()
        flags = gssapi.RequirementFlag.mutual_authentication | gssapi.RequirementFlag.out_of_sequence_detection
        if binding is None:
            # Plain LDAP: only a DC that does not require signing accepts this; the error then says to use TLS.
            flags |= gssapi.RequirementFlag.integrity
        ctx = gssapi.SecurityContext(
            name=gssapi.Name("ldap@%s" % host, gssapi.NameType.hostbased_service),
            mech=gssapi.MechType.kerberos, creds=creds, usage="initiate", flags=flags,
            channel_bindings=ChannelBindings(application_data=binding) if binding else None,
        )

        def step(server_token: bytes) -> bytes:
            if not ctx.complete:
                return ctx.step(server_token) or b""
            # Security layer negotiation: choose "no security layer" (1), max size 0, no authzid.
            ctx.unwrap(server_token)
            return bytes(ctx.wrap(bytes([1, 0, 0, 0]), False).message)

        ok, _unused = self._sasl_exchange("GSSAPI", ctx.step() or b"", step)
        return ok

    def _bind_spnego_ntlm(self, host: str) -> bool:
        import spnego
        from spnego.channel_bindings import GssChannelBindings

        s = self.settings
        binding = self._tls_binding()
        # Only over TLS (see _ad_settings): the DC refuses NTLM sign/seal inside TLS, and TLS protects the rest.
        ctx = spnego.client(s.username, s.password, hostname=host, service="ldap", protocol="ntlm",
                            context_req=spnego.ContextReq.none,
                            channel_bindings=GssChannelBindings(application_data=binding) if binding else None)
        _no_key_exchange(ctx)
        ok, _unused = self._sasl_exchange("GSS-SPNEGO", ctx.step() or b"", lambda token: ctx.step(token) or b"")
        return ok

    def search(self, search_filter: str, attributes: list[str], base: str | None = None,
               scope: str = "subtree", page_size: int = PAGE_SIZE) -> Iterator[dict[str, Any]]:
        """Paged search; yields ``{"dn": …, attribute: value(s)}`` per entry.

        Raises:
            ADSearchError: invalid filter or base, naming them.
        """
        base = base or self.settings.default_base
        if not base:
            raise ADSearchError("no search base: set search_base or domain")
        ldap_scope = {"subtree": ldap3.SUBTREE, "onelevel": ldap3.LEVEL, "base": ldap3.BASE}[scope]
        cookie: Any = None
        while True:
            try:
                ok = self._conn.search(base, search_filter, search_scope=ldap_scope, attributes=attributes,
                                       paged_size=page_size, paged_cookie=cookie)
            except ldap_exc.LDAPInvalidFilterError as e:
                raise ADSearchError("invalid LDAP filter %r: %s" % (search_filter, e)) from None
            except ldap_exc.LDAPException as e:
                raise ADSearchError("search %r under %s failed: %s" % (search_filter, base, _short(str(e)))) from None
            result = self._conn.result or {}
            if not ok and result.get("result") not in (0, None):
                if result.get("result") == 32:
                    raise ADSearchError("search base %r does not exist in this domain" % base)
                raise ADSearchError(
                    "search %r failed: %s %s" % (search_filter, result.get("description"), result.get("message", ""))
                )
            for entry in self._conn.response or []:
                if entry.get("type") != "searchResEntry":
                    continue
                yield {"dn": entry["dn"], **dict(entry["attributes"])}
            controls = result.get("controls") or {}
            cookie = controls.get("1.2.840.113556.1.4.319", {}).get("value", {}).get("cookie")
            if not cookie:
                return

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.unbind()
            finally:
                self._conn = None


def _no_key_exchange(ctx: Any) -> None:
    """Do not ask for NTLM key exchange: nothing is signed or sealed inside TLS.

    With KEY_EXCH negotiated but no sign/seal, pyspnego sends a 1-byte placeholder as the
    encrypted session key; a DC expects 16 bytes and refuses with INVALID_PARAMETER ("data 57").
    The flag is a pyspnego internal, hence the guard: without it the bind fails as before.
    """
    try:
        from spnego._ntlm_raw.messages import NegotiateFlags

        ctx._context_req &= ~NegotiateFlags.key_exch
    except (ImportError, AttributeError, TypeError):
        pass


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:200] + "…"
