# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ad_spn_info and ad_spn actions over a small in-memory directory (the lab proves them on Samba)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.action import ad_spn, ad_spn_info
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.errors import ADError
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.ldapwrite import Modification
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.settings import build_ad_settings
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.spn import DIRECTORY_SERVICE_RDN, SpnDirectory
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.names import ClientRequest
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.spnfacts import gather_host

CONFIG = "CN=Configuration,DC=lab,DC=test"


def _account(dn: str, sam: str, classes: list[str], spns: list[str], **extra: Any) -> dict[str, Any]:
    return {"dn": dn, "sAMAccountName": [sam], "objectClass": classes, "servicePrincipalName": spns, **extra}


def directory() -> list[dict[str, Any]]:
    computer = ["top", "user", "computer"]
    return [
        _account("CN=SRV03,CN=Computers,DC=lab,DC=test", "SRV03$", computer,
                 ["HOST/srv03.lab.test", "WSMAN/srv03.lab.test"], dNSHostName=["srv03.lab.test"],
                 userAccountControl=["4096"]),
        _account("CN=svc_iis,CN=Users,DC=lab,DC=test", "svc_iis", ["top", "user"], ["HTTP/srv03.lab.test"]),
        _account("CN=alice,CN=Users,DC=lab,DC=test", "alice", ["top", "user"], [],
                 memberOf=["CN=Protected Users,CN=Users,DC=lab,DC=test"], userPrincipalName=["alice@lab.test"]),
    ]


class FakeAD:
    """Answers the searches spn.py sends (a handful of filter shapes) and applies modifies."""

    def __init__(self, entries: list[dict[str, Any]], writable: bool = True) -> None:
        self.entries, self.writable = entries, writable
        self.settings = build_ad_settings(server="dc1.lab.test", username="ansible@LAB.TEST", password="pw")
        self.modified: list[tuple[str, Modification]] = []

    def root_dse(self, _attributes: list[str]) -> dict[str, Any]:
        return {"configurationNamingContext": [CONFIG]}

    def search(self, search_filter: str, attributes: list[str], base: str | None = None,
               scope: str = "subtree") -> Iterator[dict[str, Any]]:
        if scope == "base":
            if base == "%s,%s" % (DIRECTORY_SERVICE_RDN, CONFIG):
                yield {"dn": base, "sPNMappings": ["host=http,www,cifs"]}
            for e in self.entries:
                if e["dn"].lower() == (base or "").lower():
                    yield {**e, "allowedAttributesEffective": ["servicePrincipalName"] if self.writable else []}
            return
        value = re.search(r"=([^()]*)\)+$", search_filter)
        wanted = (value.group(1) if value else "").lower()
        for e in self.entries:
            spns = [s.lower() for s in e.get("servicePrincipalName", [])]
            if search_filter.startswith("(servicePrincipalName="):
                hit = bool(spns) if wanted == "*" else wanted in spns
            elif "dNSHostName=" in search_filter:
                hit = wanted in [d.lower() for d in e.get("dNSHostName", [])]
            else:
                names = e["sAMAccountName"] + e.get("userPrincipalName", [])
                hit = wanted in [n.lower() for n in names]
            if hit:
                yield e

    def modify(self, dn: str, changes: list[Modification]) -> None:
        entry = next(e for e in self.entries if e["dn"] == dn)
        for change in changes:
            self.modified.append((dn, change))
            spns = entry["servicePrincipalName"]
            if change.operation == "add":
                spns.extend(change.values)
            else:
                entry["servicePrincipalName"] = [s for s in spns if s not in change.values]


def action(module: Any, monkeypatch: pytest.MonkeyPatch, ad: FakeAD, check: bool = False) -> Any:
    plugin = object.__new__(module.ActionModule)
    plugin._task = type("Task", (), {"check_mode": check})()

    @contextmanager
    def connection() -> Iterator[FakeAD]:
        yield ad

    monkeypatch.setattr(plugin, "ad_connection", connection, raising=False)
    return plugin


HOSTVARS = {"srv03": {"ansible_host": "srv03.lab.test", "ansible_user": "alice@LAB.TEST"},
            "srv03-psrp": {"ansible_host": "srv03.lab.test", "ansible_connection": "psrp"}}


def test_ad_spn_info_result(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    conf = tmp_path / "krb5.conf"
    conf.write_text("[libdefaults]\n dns_canonicalize_hostname = false\n rdns = false\n", encoding="utf-8")
    plugin = action(ad_spn_info, monkeypatch, FakeAD(directory()))
    result = plugin.execute({"hosts": ["srv03", "srv03-psrp"], "duplicates": True, "krb5_conf": str(conf)},
                            {"hostvars": HOSTVARS})
    srv03, psrp = result["hosts"]["srv03"], result["hosts"]["srv03-psrp"]
    assert (srv03["status"], srv03["owner"]["name"], srv03["recommended_vars"]) == \
        ("collision", "svc_iis", {"ansible_winrm_service": "WSMAN"})
    assert [f["id"] for f in srv03["findings"]] == ["SPN-COLLISION", "SPN-USER-PROTECTED"]
    assert (psrp["client"], psrp["spn"], psrp["status"], psrp["via"]) == ("psrp", "WSMAN/srv03.lab.test", "ok",
                                                                          "direct")
    assert result["duplicates"] == [] and result["changed"] is False
    assert result["notes"] == ["names follow %s (dns_canonicalize_hostname=false, rdns=false)" % conf]
    assert [f["host"] for f in result["findings"]] == ["srv03", "srv03"]


def test_ad_spn_refuses_then_moves(monkeypatch: pytest.MonkeyPatch) -> None:
    ad = FakeAD(directory())
    args = {"account": "SRV03$", "spns": ["HTTP/srv03.lab.test"], "state": "present", "move": False}
    with pytest.raises(ADError, match="already held by svc_iis \\(user, CN=svc_iis"):
        action(ad_spn, monkeypatch, ad).execute(args, {})
    checked = action(ad_spn, monkeypatch, ad, check=True).execute({**args, "move": True}, {})
    assert checked["changed"] is True and ad.modified == []  # check mode writes nothing
    done = action(ad_spn, monkeypatch, ad).execute({**args, "move": True}, {})
    assert done["moved"] == [{"spn": "HTTP/srv03.lab.test", "from": "CN=svc_iis,CN=Users,DC=lab,DC=test"}]
    assert [(dn.split(",")[0], c.operation) for dn, c in ad.modified] == [("CN=svc_iis", "delete"),
                                                                          ("CN=SRV03", "add")]
    assert done["spns"] == ["HOST/srv03.lab.test", "WSMAN/srv03.lab.test", "HTTP/srv03.lab.test"]
    assert done["diff"]["before"]["spns"] == ["HOST/srv03.lab.test", "WSMAN/srv03.lab.test"]
    again = action(ad_spn, monkeypatch, ad).execute({**args, "move": True}, {})
    assert again["changed"] is False and again["moved"] == []


def test_ad_spn_move_without_rights_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    ad = FakeAD(directory(), writable=False)
    args = {"account": "SRV03$", "spns": ["HTTP/srv03.lab.test"], "state": "present", "move": True}
    with pytest.raises(ADError, match="may not write servicePrincipalName on CN=SRV03.*nothing was changed"):
        action(ad_spn, monkeypatch, ad).execute(args, {})
    assert ad.modified == []


def test_ad_spn_warns_when_http_shadows_host(monkeypatch: pytest.MonkeyPatch) -> None:
    ad = FakeAD(directory())
    args = {"account": "svc_iis", "spns": ["HTTP/srv03"], "state": "present", "move": False}
    ad.entries[0]["servicePrincipalName"].append("HOST/srv03")
    result = action(ad_spn, monkeypatch, ad).execute(args, {})
    assert result["added"] == ["HTTP/srv03"]
    assert result["warnings"] == ["HTTP/srv03 on svc_iis shadows HOST/srv03 of SRV03$: tickets for HTTP/srv03 will "
                                  "now be issued for svc_iis, so a client that reaches SRV03$'s service by that name "
                                  "is rejected (0x80090322)"]


def test_ad_spn_rejects_a_malformed_spn_before_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = action(ad_spn, monkeypatch, FakeAD([]))
    monkeypatch.setattr(plugin, "ad_connection", lambda: pytest.fail("connected"), raising=False)
    with pytest.raises(ADError, match="'WSMAN srv03' is not a service principal name"):
        plugin.execute({"account": "SRV03$", "spns": ["WSMAN srv03"], "state": "present", "move": False}, {})


def test_fallback_canonicalisation_uses_the_first_name_the_kdc_knows() -> None:
    def request(*candidates: str) -> ClientRequest:
        return ClientRequest("srv03", candidates[0], "winrm", "WSMAN", None,
                             "ansible_winrm_kerberos_hostname_override", "ansible_winrm_service", None, candidates)

    spn_directory = SpnDirectory(FakeAD(directory()))  # type: ignore[arg-type]
    alias = gather_host(spn_directory, request("www-alias.lab.test", "srv03.lab.test"), {})
    assert (alias.kerberos_name, alias.resolution.status) == ("srv03.lab.test", "ok")
    known = gather_host(spn_directory, request("srv03.lab.test", "other.lab.test"), {})
    assert known.kerberos_name == "srv03.lab.test"
