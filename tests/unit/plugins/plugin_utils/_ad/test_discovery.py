# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dns.exception
import dns.name
import dns.resolver
import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad import discovery as _ad_discovery
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.discovery import discover_dcs
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.errors import ADConnectError

SRV = "_ldap._tcp.dc._msdcs.lab.test"


@dataclass
class FakeSRV:
    priority: int
    weight: int
    target: Any  # dns.name.Name in dnspython; str() ends with a dot
    port: int = 389


class Resolver:
    """Records each resolve() call; answers a list of records or raises."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str, Any]] = []

    def __call__(self, qname: str, rdtype: str, lifetime: Any = None) -> Any:
        self.calls.append((qname, rdtype, lifetime))
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Any:
    def install(answer: Any) -> Resolver:
        fake = Resolver(answer)
        monkeypatch.setattr(dns.resolver, "resolve", fake)
        return fake

    return install


def test_query_name_type_and_timeout(resolver: Any) -> None:
    fake = resolver([FakeSRV(0, 100, dns.name.from_text("dc1.lab.test."))])
    assert discover_dcs("lab.test", timeout=3) == ["dc1.lab.test"]
    assert fake.calls == [(SRV, "SRV", 3)]


def test_ordered_by_priority_then_weight_highest_first(resolver: Any) -> None:
    resolver([
        FakeSRV(10, 100, dns.name.from_text("backup.lab.test.")),
        FakeSRV(0, 50, dns.name.from_text("light.lab.test.")),
        FakeSRV(0, 200, dns.name.from_text("heavy.lab.test.")),
        FakeSRV(5, 0, dns.name.from_text("middle.lab.test.")),
        FakeSRV(0, 100, dns.name.from_text("medium.lab.test.")),
    ])
    assert discover_dcs("lab.test") == [
        "heavy.lab.test", "medium.lab.test", "light.lab.test", "middle.lab.test", "backup.lab.test",
    ]


def test_trailing_dots_stripped(resolver: Any) -> None:
    resolver([FakeSRV(0, 0, "dc1.lab.test."), FakeSRV(1, 0, "dc2.lab.test")])
    names = discover_dcs("lab.test")
    assert names == ["dc1.lab.test", "dc2.lab.test"]
    assert not any(n.endswith(".") for n in names)


@pytest.mark.parametrize("error", [
    dns.resolver.NXDOMAIN(),
    dns.resolver.NoAnswer(),
    dns.resolver.NoNameservers(),
    dns.exception.Timeout(),
], ids=["NXDOMAIN", "NoAnswer", "NoNameservers", "Timeout"])
def test_dns_failures_name_the_record_and_the_fix(resolver: Any, error: Exception) -> None:
    resolver(error)
    with pytest.raises(ADConnectError) as caught:
        discover_dcs("lab.test")
    text = str(caught.value)
    assert SRV in text
    assert "set server" in text
    assert caught.value.__cause__ is None  # raised "from None": no chained traceback


def test_nxdomain_names_the_domain(resolver: Any) -> None:
    resolver(dns.resolver.NXDOMAIN())
    with pytest.raises(ADConnectError, match="no domain controller found") as caught:
        discover_dcs("lab.test")
    assert "'lab.test'" in str(caught.value)


def test_timeout_is_a_connect_error_naming_the_record(resolver: Any) -> None:
    resolver(dns.exception.Timeout())
    with pytest.raises(ADConnectError, match="timed out") as caught:
        discover_dcs("lab.test")
    assert SRV in str(caught.value)


def test_without_dnspython(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ad_discovery, "HAS_DNSPYTHON", False)
    with pytest.raises(ADConnectError) as caught:
        discover_dcs("lab.test")
    assert "dnspython" in str(caught.value)
    assert "set server" in str(caught.value)
