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
  (default true: then the reverse lookup of the address); a single-label name DNS did not
  canonicalise gets ``qualify_shortname`` (MIT 1.18 and later). This follows MIT's
  documentation (krb5.conf(5)) and source (lib/krb5/os/sn2princ.c, util/profile/prof_parse.c);
  Heimdal (macOS) differs and is not modelled. This module is the one place for these rules:
  ad_spn_info (:func:`client_request`) and auth_plan (_kerberos.facts.gather) both use it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping, Sequence
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
    qualify_shortname: str | None = None  # None: not set (MIT then takes the first DNS search domain); "": none

    @classmethod
    def of(cls, libdefaults: Mapping[str, str], source: str) -> Krb5Names:
        """The settings from ``[libdefaults]`` relations (:func:`read_libdefaults`), as MIT krb5 reads them.

        ``dns_canonicalize_hostname`` is MIT's tristate (init_ctx.c get_tristate): a boolean, or
        ``fallback``; any other value makes krb5_init_context fail (EINVAL), so no name is asked for at
        all; the default (true) is kept for it here. An ``rdns`` that is no boolean counts as its
        default, true (sn2princ.c use_reverse_dns).
        """
        canon = libdefaults.get("dns_canonicalize_hostname", "true")
        follow = _boolean(canon)
        mode = "fallback" if canon.lower() == "fallback" else ("false" if follow is False else "true")
        rdns = _boolean(libdefaults.get("rdns", "true"))
        return cls(mode, True if rdns is None else rdns, source, libdefaults.get("qualify_shortname"))


# MIT's profile booleans (util/profile/prof_get.c conf_yes / conf_no), compared case-insensitively.
_YES = ("y", "yes", "true", "t", "1", "on")
_NO = ("n", "no", "false", "nil", "0", "off")


def _boolean(value: str) -> bool | None:
    """A krb5.conf boolean; None: not one (MIT's PROF_BAD_BOOLEAN)."""
    word = value.lower()
    return True if word in _YES else False if word in _NO else None


def config_paths(path: str | None = None) -> list[str]:
    """The krb5.conf files the client reads: ``path``, else ``$KRB5_CONFIG`` (colon-separated), else /etc/krb5.conf."""
    return [path] if path else [p for p in (os.environ.get("KRB5_CONFIG") or "/etc/krb5.conf").split(":") if p]


def read_libdefaults(paths: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """The ``[libdefaults]`` relations of a krb5.conf profile made of ``paths``, as MIT's profile library reads it.

    MIT semantics (util/profile/prof_parse.c, krb5.conf(5)): the files are read in order and the first
    file, and in it the first line, that sets a relation wins; a file that cannot be read is skipped.
    A line whose first non-blank character is ``#`` or ``;`` is a comment (krb5.conf(5): "Lines
    beginning with '#' or ';' (possibly after initial whitespace) are ignored as comments"); a ``#``
    after a value is part of the value (parse_std_line strips only trailing blanks). Lines before the
    first ``[`` in column 0 are ignored; tags and section names are case-sensitive (strcmp);
    ``"..."`` values are unquoted with ``\\n \\t \\b`` escapes; a ``*`` after a tag or a section
    marks it final (later files' ``[libdefaults]*`` values are dropped); relations inside ``tag = {…}``
    are not top-level ones; ``include FILE`` and ``includedir DIR`` (column 0) read those files in place.

    Args:
        paths: the profile's files, in order (:func:`config_paths`).

    Returns:
        (relation name to its first value, the files that were read).
    """
    found: dict[str, str] = {}
    read: list[str] = []
    final = [False]  # [libdefaults] was marked final: later blocks of it are discarded
    for path in paths:
        if _parse_file(path, found, final, 0):
            read.append(path)
    return found, read


def _parse_file(path: str, found: dict[str, str], final: list[bool], depth: int) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return False
    _parse(text, found, final, depth)
    return True


def _parse(text: str, found: dict[str, str], final: list[bool], depth: int) -> None:
    section: str | None = None  # None: before the first section header
    level = 0  # subsection depth inside the section
    discard = False
    for line in text.splitlines():
        for directive in ("include", "includedir"):
            if line.startswith(directive) and line[len(directive):len(directive) + 1].isspace() and depth < 8:
                target = line[len(directive):].strip()
                files = [target] if directive == "include" else [
                    os.path.join(target, n) for n in sorted(_listdir(target)) if _included(n)]
                for name in files:
                    _parse_file(name, found, final, depth + 1)
                break
        else:
            if section is None and not line.startswith("["):
                continue
            stripped = line.strip()
            if not stripped or stripped[0] in "#;":
                continue
            if stripped[0] == "[":
                name, _close, rest = stripped[1:].partition("]")
                section, level = name, 0
                discard = section == "libdefaults" and final[0]
                if section == "libdefaults" and rest.strip() == "*":
                    final[0] = True
                continue
            if stripped[0] == "}":
                level = max(level - 1, 0)
                continue
            tag, eq, value = stripped.partition("=")
            if not eq:
                continue  # MIT: PROF_RELATION_SYNTAX (the whole file is refused); not modelled
            value = value.strip()
            if value in ("", "{"):
                level += 1  # a subsection (its "{" may be on the next line, which is skipped as no relation)
                continue
            if section == "libdefaults" and level == 0 and not discard:
                key = tag.strip().split("*", 1)[0]  # "tag* = value": final, as the first value is anyway
                found.setdefault(key, _unquote(value) if value.startswith('"') else value)


def _unquote(value: str) -> str:
    """A ``"..."`` value as parse_quoted_string reads it: up to the next unescaped quote, \\n \\t \\b escapes."""
    out, chars = [], iter(value[1:])
    for ch in chars:
        if ch == '"':
            break
        if ch == "\\":
            ch = next(chars, "\\")
            ch = {"n": "\n", "t": "\t", "b": "\b"}.get(ch, ch)
        out.append(ch)
    return "".join(out)


def _listdir(folder: str) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _included(name: str) -> bool:
    """includedir's rule (prof_parse.c valid_name): ``*.conf`` (no dotfile) or only [A-Za-z0-9_-]."""
    if name.startswith("."):
        return False
    return name.endswith(".conf") or all(c.isalnum() and c.isascii() or c in "-_" for c in name)


def read_krb5_names(path: str | None = None) -> Krb5Names:
    """The name settings of the client's krb5.conf: ``path``, else every file of ``$KRB5_CONFIG``, else /etc/krb5.conf.

    Args:
        path: one krb5.conf to read instead of the environment's.

    Returns:
        The settings; MIT's defaults for those no file sets (``source`` names the files read).
    """
    found, read = read_libdefaults(config_paths(path))
    return Krb5Names.of(found, ":".join(read)) if read else Krb5Names()


def parse_krb5_names(text: str, source: str = "krb5.conf") -> Krb5Names:
    """The name settings from the text of one krb5.conf (its [libdefaults] section, see :func:`read_libdefaults`)."""
    found: dict[str, str] = {}
    _parse(text, found, [False], 0)
    return Krb5Names.of(found, source)


Resolver = Callable[[str], "tuple[str, str | None]"]  # name → (canonical name, first address); no answer: (name, None)
Reverse = Callable[[str], "str | None"]  # address → its PTR name, or None


def expand_hostname(name: str, names: Krb5Names, use_dns: bool, resolver: Resolver | None = None,
                    reverse: Reverse | None = None) -> str:
    """The host name MIT krb5 puts into a host-based principal (lib/krb5/os/sn2princ.c expand_hostname).

    With DNS: the forward lookup's canonical name (CNAMEs followed), then, with ``rdns``, the PTR name
    of its first address. A single-label name that DNS did not change (no DNS, or no answer) gets
    ``qualify_shortname`` (MIT 1.18 and later; unset: the first DNS search domain, "": none). The
    result is lower case without a trailing dot. An address is never qualified (MIT would append the
    suffix to a dot-less IPv6 literal; not modelled: no such SPN exists).

    Args:
        name: the host name or address as the client has it.
        names: the krb5.conf settings (``qualify_shortname`` is read from it).
        use_dns: canonicalise through DNS (dns_canonicalize_hostname true, or fallback's second try).
        resolver: default :func:`forward_lookup`; reverse: default :func:`reverse_lookup`.

    Returns:
        The host part of the SPN.
    """
    given = name.lower().rstrip(".")
    if is_ip(given):
        if use_dns and names.rdns:
            return (reverse or reverse_lookup)(given) or given
        return given
    result, answered = given, False
    if use_dns:
        canonical, address = (resolver or forward_lookup)(given)
        answered = address is not None  # getaddrinfo's canonical name: the name itself when there is no CNAME
        if address is not None:
            result = (canonical or given).lower().rstrip(".")
            back = (reverse or reverse_lookup)(address) if names.rdns else None
            result = back.lower().rstrip(".") if back else result
    if not answered and "." not in name:
        suffix = _search_domain() if names.qualify_shortname is None else names.qualify_shortname.lower().strip(".")
        result = "%s.%s" % (given, suffix) if suffix else given
    return result


def canonical_names(name: str, names: Krb5Names, resolver: Resolver | None = None,
                    reverse: Reverse | None = None) -> list[str]:
    """The host names the client will try, in order (one, or two with ``fallback``).

    ``fallback`` (sn2princ.c k5_canonprinc): the name without DNS first, then with DNS when that differs.

    Args:
        name: the override or target as configured.
        names: the krb5.conf settings.
        resolver: name → (canonical name, first address); default :func:`forward_lookup`.
        reverse: address → name; default :func:`reverse_lookup`.

    Returns:
        The host parts of the SPNs asked for, in order.
    """
    if names.canonicalize != "fallback":
        return [expand_hostname(name, names, names.canonicalize == "true", resolver, reverse)]
    first = expand_hostname(name, names, False, resolver, reverse)
    second = expand_hostname(name, names, True, resolver, reverse)
    return [first] if second == first else [first, second]


def kerberos_name(name: str, names: Krb5Names, resolver: Resolver | None = None,
                  reverse: Reverse | None = None) -> tuple[str, str | None]:
    """The name the SPN carries first, and the CNAME target the client did not follow (for the fix).

    Args:
        name, names, resolver, reverse: as :func:`canonical_names`.

    Returns:
        (the first of :func:`canonical_names`, the CNAME target of that name when the client asks for it
        without following CNAMEs first (``false``, ``fallback``) and it differs, else None).
    """
    first = canonical_names(name, names, resolver, reverse)[0]
    if names.canonicalize == "true" or is_ip(first):
        return first, None
    canonical, address = (resolver or forward_lookup)(first)
    target = (canonical or "").lower().rstrip(".") if address is not None else ""
    return first, (target if target and target != first else None)


def forward_lookup(name: str) -> tuple[str, str | None]:
    """getaddrinfo with AI_CANONNAME, as MIT's forward canonicalisation: (canonical name, first address).

    Returns:
        The canonical name in lower case without a trailing dot and the first address; (name, None) when
        there is no answer.
    """
    try:
        infos = socket.getaddrinfo(name, None, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_CANONNAME)
    except (OSError, UnicodeError):
        return name, None
    if not infos:
        return name, None
    canonical = next((str(i[3]) for i in infos if i[3]), name)
    return canonical.lower().rstrip("."), str(infos[0][4][0])


def reverse_lookup(address: str) -> str | None:
    """The PTR name of an address (gethostbyaddr), lower case without a trailing dot; None: there is none."""
    try:
        return socket.gethostbyaddr(address)[0].lower().rstrip(".") or None
    except (OSError, UnicodeError):
        return None


def _search_domain(path: str = "/etc/resolv.conf") -> str | None:
    """The resolver's own domain, MIT's default ``qualify_shortname`` (k5_primary_domain: the resolver's defdname).

    resolv.conf(5): ``domain`` and ``search`` exclude each other and the last of them wins; its first
    entry is the domain.
    """
    found = None
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                words = line.split()
                if len(words) > 1 and words[0] in ("search", "domain"):
                    found = words[1].rstrip(".").lower()
    except OSError:
        return None
    return found


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
