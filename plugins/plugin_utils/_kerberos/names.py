# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which SPN an Ansible WinRM client really asks for: service class by client, override, canonical name.

For internal collection use only; this is not a public API.

- Ansible's ``winrm`` connection (pywinrm → requests_kerberos / pykerberos) asks for
  ``<ansible_winrm_service>@<host>``, default ``HTTP``; ``psrp`` (pypsrp → pyspnego) asks for
  ``<ansible_psrp_negotiate_service>@<host>``, default ``WSMAN``. Neither puts the port into
  the SPN (a port-qualified SPN only matters to Windows clients with ``IncludePortInSPN``).
- ``<host>`` is the ``…_kerberos_hostname_override`` / ``…_negotiate_hostname_override`` if
  set, else the host connected to. Both clients hand it to GSSAPI as a host-based service
  name, so MIT krb5 canonicalises it as its krb5.conf says: ``dns_canonicalize_hostname``
  (default true: follow CNAMEs to the canonical name; ``fallback``: the name as given first,
  the canonical one only if the KDC does not know it; false: the name as given) and ``rdns``
  (default true: then the reverse lookup of the address). This follows MIT's documentation
  (krb5.conf(5)); Heimdal (macOS) differs and is not modelled.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.predict import is_ip

# client → (service class var, its default, hostname override var)
CLIENTS: dict[str, tuple[str, str, str]] = {
    "winrm": ("ansible_winrm_service", "HTTP", "ansible_winrm_kerberos_hostname_override"),
    "psrp": ("ansible_psrp_negotiate_service", "WSMAN", "ansible_psrp_negotiate_hostname_override"),
}
HOST_VARS = ("ansible_host", "ansible_winrm_host", "ansible_psrp_host")
PORT_VARS = ("ansible_port", "ansible_winrm_port", "ansible_psrp_port")


@dataclass(frozen=True)
class Krb5Names:
    """The krb5.conf [libdefaults] settings that decide the host part of the SPN."""

    canonicalize: str = "true"  # true | false | fallback
    rdns: bool = True
    source: str = "MIT defaults"


def _truth(value: str) -> bool:
    return value.strip().lower() in ("true", "yes", "1", "on")


def read_krb5_names(path: str | None = None) -> Krb5Names:
    """``dns_canonicalize_hostname`` and ``rdns`` from ``path``, ``$KRB5_CONFIG`` or /etc/krb5.conf.

    The first file that exists is read; a setting missing everywhere keeps MIT's default.
    """
    paths = [path] if path else os.environ.get("KRB5_CONFIG", "/etc/krb5.conf").split(":")
    for candidate in paths:
        try:
            with open(candidate, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        return parse_krb5_names(text, candidate)
    return Krb5Names()


def parse_krb5_names(text: str, source: str = "krb5.conf") -> Krb5Names:
    """The two settings from the text of a krb5.conf (its [libdefaults] section)."""
    section = ""
    found: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip().lower()
        elif section == "libdefaults" and "=" in line:
            key, _sep, value = line.partition("=")
            found.setdefault(key.strip().lower(), value.strip())
    canon = found.get("dns_canonicalize_hostname", "true").lower()
    canon = "fallback" if canon == "fallback" else ("true" if _truth(canon) else "false")
    return Krb5Names(canon, _truth(found.get("rdns", "true")), source)


def canonical_names(name: str, names: Krb5Names,
                    resolver: Callable[[str], tuple[str, str | None]] | None = None,
                    reverse: Callable[[str], str | None] | None = None) -> list[str]:
    """The host names the client will try, in order (one, or two with ``fallback``).

    Args:
        name: the override or target as configured.
        names: the krb5.conf settings.
        resolver: name → (canonical name, first address); default getaddrinfo with AI_CANONNAME.
        reverse: address → name; default gethostbyaddr.
    """
    given = name.lower().rstrip(".")
    if names.canonicalize == "false" or is_ip(given):
        if is_ip(given) and names.canonicalize != "false" and names.rdns:
            back = (reverse or _reverse)(given)
            return [back.lower()] if back else [given]
        return [given]
    canonical, address = (resolver or _resolve)(given)
    chosen = canonical.lower().rstrip(".") if canonical else given
    if names.rdns and address:
        back = (reverse or _reverse)(address)
        chosen = back.lower().rstrip(".") if back else chosen
    if names.canonicalize == "fallback":
        return [given] if chosen == given else [given, chosen]
    return [chosen]


def _resolve(name: str) -> tuple[str, str | None]:
    try:
        infos = socket.getaddrinfo(name, None, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_CANONNAME)
    except (socket.gaierror, UnicodeError):
        return name, None
    canonical = next((i[3] for i in infos if i[3]), name)
    return canonical, str(infos[0][4][0]) if infos else None


def _reverse(address: str) -> str | None:
    try:
        return socket.gethostbyaddr(address)[0]
    except (OSError, UnicodeError):
        return None


@dataclass(frozen=True)
class ClientRequest:
    """What one inventory host's connection asks the KDC for."""

    host: str  # the name given (inventory name or DNS name)
    target: str  # ansible_host, or the name
    client: str  # winrm | psrp
    service_class: str
    override: str | None
    override_var: str
    service_var: str
    port: int | None
    candidates: tuple[str, ...]  # host parts of the SPN, in the order the client tries them

    @property
    def kerberos_name(self) -> str:
        return self.candidates[-1]

    def spn(self, name: str | None = None) -> str:
        return "%s/%s" % (self.service_class, name or self.kerberos_name)


def client_request(host: str, hostvars: Mapping[str, Any] | None, names: Krb5Names,
                   resolver: Callable[[str], tuple[str, str | None]] | None = None,
                   reverse: Callable[[str], str | None] | None = None) -> ClientRequest:
    """The SPN request of ``host`` from its vars (none: a plain DNS name, Ansible's winrm defaults)."""
    hv = hostvars or {}

    def var(keys: tuple[str, ...] | str, default: Any = None) -> Any:
        for key in (keys,) if isinstance(keys, str) else keys:
            if hv.get(key) not in (None, ""):
                return hv[key]
        return default

    client = "psrp" if str(var("ansible_connection", "winrm")).rsplit(".", 1)[-1] == "psrp" else "winrm"
    service_var, default_service, override_var = CLIENTS[client]
    target = str(var(HOST_VARS, host))
    override = var(override_var)
    port = var(PORT_VARS)
    candidates = canonical_names(str(override or target), names, resolver, reverse)
    return ClientRequest(host=host, target=target, client=client,
                         service_class=str(var(service_var, default_service)), override=override,
                         override_var=override_var, service_var=service_var,
                         port=int(port) if str(port or "").isdigit() else None, candidates=tuple(candidates))
