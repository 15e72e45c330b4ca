# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding domain controllers through DNS SRV records, as Windows' DC locator does.

For internal collection use only; this is not a public API.
"""

from __future__ import annotations

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.errors import ADConnectError

try:
    import dns.exception
    import dns.resolver
    HAS_DNSPYTHON = True
except ImportError:  # pragma: no cover - reported when discovery is needed
    HAS_DNSPYTHON = False


def discover_dcs(domain: str, timeout: float = 5.0) -> list[str]:
    """Host names of the domain's DCs from ``_ldap._tcp.dc._msdcs.<domain>``.

    Ordered by SRV priority, then by weight (highest first).

    Raises:
        ADConnectError: no resolver, no record, or DNS not answering; the message says which.
    """
    if not HAS_DNSPYTHON:
        raise ADConnectError("dnspython is required to find domain controllers: pip install dnspython, "
                             "or set server to a DC host name")
    name = "_ldap._tcp.dc._msdcs.%s" % domain
    try:
        answer = dns.resolver.resolve(name, "SRV", lifetime=timeout)
    except dns.resolver.NXDOMAIN:
        raise ADConnectError(
            "no domain controller found: DNS has no %s record. Check the domain name (%r) and that this "
            "controller uses the domain's DNS servers, or set server explicitly" % (name, domain)
        ) from None
    except (dns.resolver.NoAnswer, dns.resolver.NoNameservers) as e:
        raise ADConnectError("DNS could not answer %s (%s): set server explicitly" % (name, e)) from None
    except dns.exception.Timeout:
        raise ADConnectError("DNS timed out looking up %s: is a DNS server reachable? Or set server explicitly"
                             % name) from None
    records = sorted(answer, key=lambda r: (r.priority, -r.weight))
    return [str(r.target).rstrip(".") for r in records]
