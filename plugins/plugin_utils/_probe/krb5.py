# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kerberos client's own setup: krb5.conf and the realm's KDCs (the EE preflight's first layers).

For internal collection use only; this is not a public API.

Inside an execution environment these fail first and look like everything else ("Cannot find
KDC", "does not specify default realm"), so they are steps of their own. The krb5.conf parsing
and the KDC lookups are ``_probe.clock``'s (the same ones the clock step uses); the port check is
``_probe.tcp``'s.
"""

from __future__ import annotations

import os
import re

from ansible_collections.winauth.winrm.plugins.plugin_utils._probe import clock, tcp
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.step import Step, ok, problem

DEFAULT_PATH = "/etc/krb5.conf"


def config_files() -> tuple[list[str], list[str]]:
    """``(readable, missing)`` files of ``KRB5_CONFIG`` (else /etc/krb5.conf), as the library reads them."""
    paths = [p for p in (os.environ.get("KRB5_CONFIG") or DEFAULT_PATH).split(":") if p]
    readable = [p for p in paths if os.access(p, os.R_OK) and os.path.isfile(p)]
    return readable, [p for p in paths if p not in readable]


def _setting(config: str, name: str) -> str | None:
    m = re.search(r"^\s*%s\s*=\s*(\S+)" % re.escape(name), config, re.MULTILINE)
    return m.group(1) if m else None


def judge_config(username: str | None, readable: list[str], missing: list[str], config: str) -> Step:
    """Is there a krb5.conf, and does it know the realm the user logs on to?

    Args:
        username: the login (``user@REALM``, ``DOMAIN\\user`` or a bare name).
        readable / missing: :func:`config_files`.
        config: the text of the readable files.

    Returns:
        ``krb5_conf``: fail ``no-default-realm`` (no file, or no realm at all), fail ``kdc-not-found``
        (a lower-case realm: MIT realms are case-sensitive), warn ``kdc-not-found`` (the user's realm is
        not the default one and has no ``[realms]`` entry: only DNS can find its KDC), else ok.
    """
    default = clock.default_realm(config)
    realm = clock.realm_and_user(username, config)[0]
    given = username.rsplit("@", 1)[1] if username and "@" in username else ""
    evidence = {"files": readable, "missing": missing, "default_realm": default or None, "realm": realm or None,
                "env_KRB5_CONFIG": os.environ.get("KRB5_CONFIG"), "dns_lookup_kdc": _setting(config, "dns_lookup_kdc"),
                "rdns": _setting(config, "rdns"), "default_ccache_name": _setting(config, "default_ccache_name")}
    if not readable:
        return problem("krb5_conf", "no-default-realm", "no krb5.conf: %s cannot be read" % ", ".join(missing),
                       fix="give the execution environment a krb5.conf with default_realm (the sample EE's, or the "
                           "winauth.winrm krb5.conf credential type) and point KRB5_CONFIG at it",
                       evidence=evidence)
    if not realm:
        summary = "%s has no default_realm and the user %r names no realm" % (", ".join(readable), username or "")
        fix = "set default_realm = YOUR.REALM in [libdefaults] of %s, or name the user user@YOUR.REALM" % readable[0]
        return problem("krb5_conf", "no-default-realm", summary, fix=fix, evidence=evidence)
    if given and given != given.upper():
        return problem("krb5_conf", "kdc-not-found", "the realm %r of %s is not in capitals" % (given, username),
                       fix="write the user as %s@%s (Kerberos realms are upper case)" % (
                           username.rsplit("@", 1)[0] if username else "user", given.upper()), evidence=evidence)
    if default and realm != default and not clock.configured_kdcs(config, realm):
        return problem("krb5_conf", "kdc-not-found", "the user's realm %s is not default_realm %s and krb5.conf "
                       "has no [realms] entry for it" % (realm, default), status="warn",
                       fix="check the realm of the user, or add %s = { kdc = <dc> } under [realms]" % realm,
                       evidence=evidence)
    return ok("krb5_conf", "%s: realm %s" % (", ".join(readable), realm), **evidence)


def judge_kdcs(realm: str, configured: list[tuple[str, int]], srv: list[tuple[str, int]],
               ports: list[tcp.PortResult]) -> Step:
    """Are KDCs of the realm known (krb5.conf ``kdc =`` lines, else DNS SRV records) and does one answer on 88?

    Args:
        realm: the realm the user logs on to.
        configured: ``kdc =`` entries of krb5.conf.
        srv: ``_kerberos._udp`` / ``_kerberos._tcp`` SRV targets.
        ports: TCP connects to the first KDCs.

    Returns:
        ``kdc``: fail ``kdc-not-found`` / ``kdc-unreachable``, else ok.
    """
    kdcs = configured or srv
    evidence = {"realm": realm, "from": "krb5.conf" if configured else "dns" if srv else None,
                "srv": ["%s:%d" % k for k in srv], "configured": ["%s:%d" % k for k in configured],
                "ports": [p.as_dict() for p in ports]}
    if not kdcs:
        return problem("kdc", "kdc-not-found", "no KDC for %s: no kdc = line in krb5.conf and no _kerberos._udp/_tcp."
                       "%s SRV record" % (realm, realm.lower()),
                       fix="check that this controller's DNS is the domain's (the DCs register _kerberos._tcp.%s), or "
                           "add %s = { kdc = <dc fqdn> } under [realms] in krb5.conf" % (realm.lower(), realm),
                       evidence=evidence)
    answering = [p for p in ports if p.state == "open"]
    if not answering:
        tried = ", ".join("%s:%d (%s)" % (p.address, p.port, p.state) for p in ports) or "(none tried)"
        return problem("kdc", "kdc-unreachable", "no KDC of %s answers on TCP %s" % (realm, tried), evidence=evidence)
    return ok("kdc", "KDC %s:%d of %s answers (found through %s)" % (
        answering[0].address, answering[0].port, realm, evidence["from"]), **evidence)


def check_config(username: str | None) -> Step:
    """:func:`judge_config` of this process's krb5.conf."""
    readable, missing = config_files()
    return judge_config(username, readable, missing, clock.config_text())


def check_kdcs(username: str | None, timeout: float) -> Step:
    """:func:`judge_kdcs` of the user's realm: the KDCs from krb5.conf or DNS, the first two connected to."""
    config = clock.config_text()
    realm = clock.realm_and_user(username, config)[0]
    configured = clock.configured_kdcs(config, realm) if realm else []
    srv = clock.srv_kdcs(realm) if realm else []
    ports = [tcp.connect(host, port, timeout) for host, port in (configured or srv)[:2]]
    return judge_kdcs(realm, configured, srv, ports)
