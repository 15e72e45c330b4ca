# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection settings for the WS-Man core, taken from the host's own connection vars.

For internal collection use only; this is not a public API.

A user never passes credentials twice: :func:`settings_from_connection` reads the
options Ansible already resolved for the task's ``winrm`` or ``psrp`` connection
(``ansible_host``, ``ansible_user``, ``ansible_password``, ``ansible_winrm_*`` or
``ansible_psrp_*``). :func:`build_settings` is the one keyword factory every entry
point ends in; its keyword names are the option names of the connection doc fragment.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlunsplit

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import SettingsError

# pywinrm auth_method names we accept; "plaintext"/"ssl" are pywinrm's legacy names for Basic.
TRANSPORTS = ("basic", "ntlm", "kerberos", "credssp", "certificate")
_ALIASES = {"plaintext": "basic", "ssl": "basic"}
# psrp's auth names → pywinrm transports. pywinrm has no SPNEGO-with-fallback mode, so
# "negotiate" is tried as Kerberos first and NTLM second, as Windows' Negotiate would.
_PSRP_AUTH = {
    "basic": ("basic",),
    "certificate": ("certificate",),
    "negotiate": ("kerberos", "ntlm"),
    "kerberos": ("kerberos",),
    "ntlm": ("ntlm",),
    "credssp": ("credssp",),
}


def _as_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on", "y"):
        return True
    if text in ("0", "false", "no", "off", "n", ""):
        return False
    raise SettingsError("%s must be a boolean, got %r" % (name, value))


# The variables that set each option, per connection plugin, so that an error can name
# the one to change. ``read_timeout``/``operation_timeout`` of winrm are named separately
# when ansible_winrm_connection_timeout set them (see _winrm_options).
_VARIABLES: dict[str, dict[str, str]] = {
    "winrm": {
        "host": "ansible_host",
        "port": "ansible_port",
        "user": "ansible_user",
        "password": "ansible_password",
        "scheme": "ansible_winrm_scheme",
        "path": "ansible_winrm_path",
        "transport": "ansible_winrm_transport",
        "ca_trust_path": "ansible_winrm_ca_trust_path",
        "proxy": "ansible_winrm_proxy",
        "connection_timeout": "ansible_winrm_connection_timeout",
        "read_timeout": "ansible_winrm_read_timeout_sec",
        "operation_timeout": "ansible_winrm_operation_timeout_sec",
    },
    "psrp": {
        "host": "ansible_host",
        "port": "ansible_port",
        "user": "ansible_user",
        "password": "ansible_password",
        "scheme": "ansible_psrp_protocol",
        "path": "ansible_psrp_path",
        "transport": "ansible_psrp_auth",
        "ca_trust_path": "ansible_psrp_ca_cert",
        "proxy": "ansible_psrp_proxy",
        "connection_timeout": "ansible_psrp_connection_timeout",
        "read_timeout": "ansible_psrp_read_timeout",
        "operation_timeout": "ansible_psrp_operation_timeout",
    },
}
CONNECTIONS = tuple(_VARIABLES)
# RFC 1035 limits, which the resolver enforces: longer names can never resolve.
MAX_HOST_NAME = 253
MAX_HOST_LABEL = 63


def _check_host_name(host: str) -> None:
    """Refuse a host name no DNS resolver can look up (before any network I/O).

    Raises:
        SettingsError: the name or one of its labels is longer than DNS allows.
    """
    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    name = host.rstrip(".")
    shown = name if len(name) <= 60 else "%s...(%d characters)" % (name[:40], len(name))
    if len(name) > MAX_HOST_NAME:
        raise SettingsError(
            "host name %r is longer than the %d characters DNS allows: set ansible_host to the host's real "
            "DNS name or IP address" % (shown, MAX_HOST_NAME)
        )
    for label in name.split("."):
        if len(label) > MAX_HOST_LABEL:
            raise SettingsError(
                "host name %r has a label of %d characters, DNS allows at most %d between dots: set ansible_host "
                "to the host's real DNS name or IP address" % (shown, len(label), MAX_HOST_LABEL)
            )


def _as_int(value: Any, name: str, minimum: int = 1) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingsError("%s must be a whole number, got %r" % (name, value)) from None
    if number < minimum:
        why = ""
        if "timeout" in name and number == 0:
            # ansible.builtin.winrm reads 0 as "not set"; a silent 30 s would hide the typo.
            why = ": a timeout of 0 s can never be met and is refused, not replaced by a default; " \
                  "remove the variable to use the default"
        raise SettingsError("%s must be at least %d, got %d%s" % (name, minimum, number, why))
    return number


@dataclass(frozen=True)
class WSManSettings:
    """Everything needed to reach one host's WinRM service.

    The password is excluded from ``repr`` so it cannot leak into logs or results.
    """

    host: str
    port: int
    scheme: str
    path: str
    username: str | None
    password: str | None = field(repr=False)
    transports: tuple[str, ...]
    server_cert_validation: str = "validate"
    ca_trust_path: str | None = None
    cert_pem: str | None = None
    cert_key_pem: str | None = None
    kerberos_delegation: bool = False
    kerberos_hostname_override: str | None = None
    service: str = "HTTP"
    message_encryption: str = "auto"
    send_cbt: bool = True
    credssp_disable_tlsv1_2: bool = False
    credssp_auth_mechanism: str = "auto"
    credssp_minimum_version: int = 2
    proxy: str | None = None
    connection_timeout: int = 30
    read_timeout: int = 30
    operation_timeout: int = 20
    kerberos_managed: bool = False
    connection: str = "winrm"
    timeouts_from_connection_timeout: bool = False

    def variable(self, option: str) -> str:
        """The inventory variable that sets ``option`` for this host's connection plugin.

        Args:
            option: ``read_timeout``, ``path``, ``ca_trust_path``, ``proxy``, ``scheme`` ...

        Returns:
            e.g. ``ansible_winrm_read_timeout_sec`` or ``ansible_psrp_read_timeout``.
        """
        if self.timeouts_from_connection_timeout and option in ("read_timeout", "operation_timeout"):
            return _VARIABLES["winrm"]["connection_timeout"]
        return _VARIABLES.get(self.connection, _VARIABLES["winrm"]).get(option, option)

    @property
    def request_deadline(self) -> int:
        """Seconds one WS-Man request may take in all once it has been sent: ``read_timeout``.

        Counted from the moment the first HTTP request of the WS-Man request is on an open
        connection until the reply's last byte (every auth handshake leg included). The host
        may use up to ``operation_timeout`` (< ``read_timeout``) before it answers. Connecting
        before that is bounded by ``connection_timeout`` (TCP connect and TLS handshake each
        as a whole). A per-read socket timeout alone would let a peer that sends one byte at
        a time hold the worker forever.
        """
        return self.read_timeout

    @property
    def endpoint(self) -> str:
        """The WS-Man URL, e.g. ``https://win01.lab.test:5986/wsman``."""
        host = self.host
        try:
            if ipaddress.ip_address(host).version == 6:
                host = "[%s]" % host
        except ValueError:
            pass
        return urlunsplit((self.scheme, "%s:%d" % (host, self.port), self.path, "", ""))

    def encrypts_messages(self, transport: str) -> bool:
        """Whether bodies are wrapped with WinRM message encryption for ``transport``."""
        if transport not in ("ntlm", "kerberos", "credssp"):
            return False
        if self.message_encryption == "always":
            return True
        return self.message_encryption == "auto" and self.scheme == "http"


def normalize_transports(transport: str | Iterable[str] | None, username: str | None = None,
                         cert_pem: str | None = None) -> tuple[str, ...]:
    """``"ntlm, kerberos"`` or a list → canonical transports in order, with the winrm plugin's default.

    Raises:
        SettingsError: an unknown transport name.
    """
    if isinstance(transport, str):
        names = [t.strip() for t in transport.split(",") if t.strip()]
    else:
        names = [str(t).strip() for t in transport or [] if str(t).strip()]
    if not names:
        # The winrm connection plugin's default: Kerberos for a UPN, else Basic.
        names = ["kerberos"] if username and "@" in username else ["basic"]
    transports: list[str] = []
    for name in names:
        lowered = name.lower()
        canonical = _ALIASES.get(lowered, lowered)
        if lowered == "ssl" and cert_pem:
            canonical = "certificate"
        if canonical not in TRANSPORTS:
            raise SettingsError(
                "unsupported transport %r (ansible_winrm_transport): use one of %s" % (name, ", ".join(TRANSPORTS))
            )
        if canonical not in transports:
            transports.append(canonical)
    return tuple(transports)


def build_settings(
    host: str,
    port: int | str | None = None,
    scheme: str | None = None,
    path: str = "/wsman",
    username: str | None = None,
    password: str | None = None,
    transport: str | Iterable[str] | None = None,
    server_cert_validation: str = "validate",
    ca_trust_path: str | None = None,
    cert_pem: str | None = None,
    cert_key_pem: str | None = None,
    kerberos_delegation: bool | str = False,
    kerberos_hostname_override: str | None = None,
    service: str = "HTTP",
    message_encryption: str = "auto",
    send_cbt: bool | str = True,
    credssp_disable_tlsv1_2: bool | str = False,
    credssp_auth_mechanism: str = "auto",
    credssp_minimum_version: int | str = 2,
    proxy: str | None = None,
    connection_timeout: int | str = 30,
    read_timeout: int | str = 30,
    operation_timeout: int | str = 20,
    kerberos_managed: bool | None = None,
    connection: str = "winrm",
    timeouts_from_connection_timeout: bool = False,
) -> WSManSettings:
    """Validate and normalise connection options.

    Defaults mirror Ansible's winrm connection plugin: port 5985 means HTTP and
    anything else HTTPS; no transport means Kerberos for a UPN user and Basic otherwise.

    ``connection`` (``winrm`` or ``psrp``) only chooses which variable names the error
    messages use; ``timeouts_from_connection_timeout`` says that winrm's
    ``ansible_winrm_connection_timeout`` set the read and operation timeouts.

    A timeout of 0 is refused rather than replaced by a default: 0 s can never be met,
    and silently using 30 s instead would hide the mistake.

    Raises:
        SettingsError: an option is missing, malformed or contradictory; the message
            names the variable to fix.
    """
    if connection not in _VARIABLES:
        raise SettingsError("unknown connection plugin %r: use one of %s" % (connection, ", ".join(_VARIABLES)))
    names = _VARIABLES[connection]
    if not host:
        raise SettingsError("no host address: set ansible_host (or the inventory name) to the Windows host")
    _check_host_name(str(host))
    if scheme is not None:
        scheme = str(scheme).lower()
        if scheme not in ("http", "https"):
            raise SettingsError(
                "scheme must be http or https, got %r (ansible_winrm_scheme / ansible_psrp_protocol)" % scheme
            )
    if port is None:
        port = 5986 if scheme == "https" else 5985
    port = _as_int(port, "port (ansible_port)")
    if port > 65535:
        raise SettingsError("port (ansible_port) must be at most 65535, got %d" % port)
    if scheme is None:
        scheme = "http" if port == 5985 else "https"

    transports = normalize_transports(transport, username, cert_pem)

    server_cert_validation = str(server_cert_validation).lower()
    if server_cert_validation not in ("validate", "ignore"):
        raise SettingsError(
            "server_cert_validation must be validate or ignore, got %r (ansible_winrm_server_cert_validation)"
            % server_cert_validation
        )
    message_encryption = str(message_encryption).lower()
    if message_encryption not in ("auto", "always", "never"):
        raise SettingsError(
            "message_encryption must be auto, always or never, got %r (ansible_winrm_message_encryption)"
            % message_encryption
        )
    if "certificate" in transports and not (cert_pem and cert_key_pem):
        raise SettingsError("certificate authentication needs ansible_winrm_cert_pem and ansible_winrm_cert_key_pem")
    for needs_password in ("basic", "ntlm", "credssp"):
        if transports == (needs_password,) and not username:
            raise SettingsError("%s authentication needs a user name: set ansible_user" % needs_password)

    read_var = names["connection_timeout"] if timeouts_from_connection_timeout else names["read_timeout"]
    operation_var = names["connection_timeout"] if timeouts_from_connection_timeout else names["operation_timeout"]
    connect = _as_int(connection_timeout, "connection_timeout (%s)" % names["connection_timeout"])
    operation = _as_int(operation_timeout, "operation_timeout (%s)" % operation_var)
    read = _as_int(read_timeout, "read_timeout (%s)" % read_var)
    if read <= operation:
        raise SettingsError(
            "read_timeout (%d s) must exceed operation_timeout (%d s): the host may legitimately take the whole "
            "operation timeout before it answers; raise %s or lower %s" % (read, operation, read_var, operation_var)
        )
    if kerberos_managed is None:
        kerberos_managed = "kerberos" in transports and bool(password)

    return WSManSettings(
        host=str(host),
        port=port,
        scheme=scheme,
        path=path if str(path).startswith("/") else "/" + str(path),
        username=username or None,
        password=password or None,
        transports=transports,
        server_cert_validation=server_cert_validation,
        ca_trust_path=ca_trust_path or None,
        cert_pem=cert_pem or None,
        cert_key_pem=cert_key_pem or None,
        kerberos_delegation=_as_bool(kerberos_delegation, "kerberos_delegation"),
        kerberos_hostname_override=kerberos_hostname_override or None,
        service=service or "HTTP",
        message_encryption=message_encryption,
        send_cbt=_as_bool(send_cbt, "send_cbt"),
        credssp_disable_tlsv1_2=_as_bool(credssp_disable_tlsv1_2, "credssp_disable_tlsv1_2"),
        credssp_auth_mechanism=credssp_auth_mechanism,
        credssp_minimum_version=_as_int(credssp_minimum_version, "credssp_minimum_version"),
        proxy=proxy or None,
        connection_timeout=connect,
        read_timeout=read,
        operation_timeout=operation,
        kerberos_managed=bool(kerberos_managed),
        connection=connection,
        timeouts_from_connection_timeout=timeouts_from_connection_timeout,
    )


def _unset_is(value: Any, default: Any) -> Any:
    """``default`` only when the option is not set at all: 0 or "" must reach validation."""
    return default if value is None else value


def _winrm_options(get: Any, extras: Mapping[str, Any]) -> dict[str, Any]:
    def extra(name: str, default: Any = None) -> Any:
        return extras.get("ansible_winrm_" + name, default)

    connection_timeout = get("connection_timeout")
    operation = _unset_is(extra("operation_timeout_sec"), 20)
    read = _unset_is(extra("read_timeout_sec"), 30)
    overrides = connection_timeout is not None
    if overrides:
        # Same rule as the winrm connection plugin: it overrides both timeouts. Unlike that
        # plugin (which treats 0 as "not set"), 0 is refused by build_settings, not ignored.
        operation = connection_timeout
        read = _as_int(connection_timeout, "connection_timeout (ansible_winrm_connection_timeout)") + 10
    kerberos_mode = get("kerberos_mode")
    return dict(
        host=get("remote_addr"),
        port=get("port"),
        scheme=get("scheme"),
        path=get("path") or "/wsman",
        username=get("remote_user"),
        password=get("remote_password"),
        transport=get("transport"),
        server_cert_validation=extra("server_cert_validation", "validate"),
        ca_trust_path=extra("ca_trust_path"),
        cert_pem=extra("cert_pem"),
        cert_key_pem=extra("cert_key_pem"),
        kerberos_delegation=extra("kerberos_delegation", False),
        kerberos_hostname_override=extra("kerberos_hostname_override"),
        service=extra("service", "HTTP"),
        message_encryption=extra("message_encryption", "auto"),
        send_cbt=extra("send_cbt", True),
        credssp_disable_tlsv1_2=extra("credssp_disable_tlsv1_2", False),
        credssp_auth_mechanism=extra("credssp_auth_mechanism", "auto"),
        credssp_minimum_version=extra("credssp_minimum_version", 2),
        proxy=extra("proxy"),
        connection_timeout=_unset_is(connection_timeout, 30),
        read_timeout=read,
        operation_timeout=operation,
        kerberos_managed=None if kerberos_mode is None else kerberos_mode == "managed",
        connection="winrm",
        timeouts_from_connection_timeout=overrides,
    )


def _psrp_options(get: Any) -> dict[str, Any]:
    auth = (get("auth") or "negotiate").lower()
    if auth not in _PSRP_AUTH:
        raise SettingsError("unsupported ansible_psrp_auth %r: use one of %s" % (auth, ", ".join(_PSRP_AUTH)))
    proxy = None if get("ignore_proxy") else get("proxy")
    port, scheme = get("port"), get("protocol")
    if port is None and scheme is None:
        scheme = "https"  # the psrp plugin's default is HTTPS on 5986, unlike winrm's
    return dict(
        host=get("remote_addr"),
        port=port,
        scheme=scheme,
        path=get("path") or "/wsman",
        username=get("remote_user"),
        password=get("remote_password"),
        transport=_PSRP_AUTH[auth],
        server_cert_validation="ignore" if get("cert_validation") == "ignore" else "validate",
        ca_trust_path=get("ca_cert"),
        cert_pem=get("certificate_pem"),
        cert_key_pem=get("certificate_key_pem"),
        kerberos_delegation=get("negotiate_delegate") or False,
        kerberos_hostname_override=get("negotiate_hostname_override"),
        service=get("negotiate_service") or "WSMAN",
        message_encryption=get("message_encryption") or "auto",
        send_cbt=get("negotiate_send_cbt") if get("negotiate_send_cbt") is not None else True,
        credssp_disable_tlsv1_2=get("credssp_disable_tlsv1_2") or False,
        credssp_auth_mechanism=get("credssp_auth_mechanism") or "auto",
        credssp_minimum_version=get("credssp_minimum_version") or 2,
        proxy=proxy,
        connection_timeout=_unset_is(get("connection_timeout"), 30),
        read_timeout=_unset_is(get("read_timeout"), 30),
        operation_timeout=_unset_is(get("operation_timeout"), 20),
        kerberos_managed=False,
        connection="psrp",
    )


def settings_from_connection(connection: Any) -> WSManSettings:
    """Build settings from a task's connection plugin (already configured by Ansible).

    Args:
        connection: ``ActionBase._connection``; must be the winrm or psrp plugin.

    Raises:
        SettingsError: the host does not use a WinRM-based connection, or an option is invalid.
    """
    name = getattr(connection, "_load_name", "") or getattr(connection, "transport", "")
    short = str(name).rsplit(".", 1)[-1]

    def get(option: str) -> Any:
        try:
            return connection.get_option(option)
        except KeyError:
            return None

    if short == "winrm":
        options = _winrm_options(get, get("_extras") or {})
    elif short == "psrp":
        options = _psrp_options(get)
    else:
        raise SettingsError(
            "this module talks WS-Management to the host's WinRM service, but the host uses connection %r: "
            "set ansible_connection to ansible.builtin.winrm or ansible.builtin.psrp" % (name or "unknown")
        )
    return build_settings(**options)
