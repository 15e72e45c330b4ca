# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import copy
from typing import Any

import pytest
from ansible.template import is_trusted_as_template

from ansible_collections.winauth.winrm.plugins.inventory.ad import (
    ACCOUNT_FACTS,
    DEFAULTS,
    DOCUMENTATION,
    FLAGS,
    PLAIN_KERBEROS,
    STATUS_GROUPS,
    VOCABULARY,
    host_record,
    host_variable,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.accounts import Account


def account(sam: str, spns: tuple[str, ...], dns_host_name: str | None = None, uac: int = 0x1000,
            container: str = "CN=Computers") -> Account:
    return Account.from_entry({
        "dn": "CN=%s,%s,DC=lab,DC=test" % (sam.rstrip("$"), container),
        "sAMAccountName": [sam],
        "dNSHostName": [dns_host_name] if dns_host_name else [],
        "servicePrincipalName": list(spns),
        "userAccountControl": [str(uac)],
        "msDS-SupportedEncryptionTypes": ["24"],
        "objectClass": ["top", "computer"] if sam.endswith("$") else ["top", "user"],
    })


WIN01 = account("WIN01$", ("HOST/win01.lab.test", "HOST/WIN01", "HTTP/win01.lab.test", "WSMAN/win01.lab.test"),
                "WIN01.lab.test")
WIN02 = account("WIN02$", ("HOST/win02.lab.test", "HOST/WIN02", "WSMAN/win02.lab.test", "WSMAN/WIN02"),
                "win02.lab.test")
WIN03 = account("WIN03$", ("HOST/WIN03",), "win03.lab.test")  # no HOST/<fqdn>
WIN05 = account("WIN05$", ("HOST/win05.lab.test",), "win05.lab.test", uac=0x1000 | 0x2 | 0x80000)
SVC_IIS = account("svc_iis", ("HTTP/win02.lab.test", "HTTP/WIN02"), container="CN=Users")


def owners_of(*accounts: Account) -> dict[str, Account]:
    """As the inventory builds it: every SPN of every owner, lower-cased."""
    return {spn.lower(): a for a in accounts for spn in a.spns}


def test_status_ok_when_the_host_owns_the_spn() -> None:
    r = host_record(WIN01, owners_of(WIN01), "HTTP", "kerberos")
    assert r["spn"] == "HTTP/win01.lab.test"
    assert r["spn_status"] == "ok"
    assert r["spn_owner"] == "WIN01$"
    assert r["predicted_protocol"] == "kerberos"
    assert r["prediction_reason"] == "Kerberos to HTTP/win01.lab.test"
    assert r["fix"] == {}


def test_record_carries_account_facts() -> None:
    r = host_record(WIN01, owners_of(WIN01), "HTTP", "kerberos")
    for key, value in WIN01.as_dict().items():
        assert r[key] == value
    assert r["dns_host_name"] == "win01.lab.test"
    assert r["supported_enctypes"] == ["AES128", "AES256"]
    assert {"spn", "spn_status", "spn_owner", "predicted_protocol", "prediction_reason", "fix"} <= set(r)


def test_host_spn_covers_http() -> None:
    r = host_record(WIN02, {}, "HTTP", "kerberos")
    assert r["spn"] == "HTTP/win02.lab.test"
    assert r["spn_status"] == "ok"
    assert r["spn_owner"] is None
    assert r["predicted_protocol"] == "kerberos"


def test_wsman_spn_owned_by_host() -> None:
    r = host_record(WIN02, owners_of(WIN02), "WSMAN", "kerberos")
    assert (r["spn"], r["spn_status"], r["spn_owner"], r["predicted_protocol"]) == (
        "WSMAN/win02.lab.test", "ok", "WIN02$", "kerberos")


def test_missing_wsman_with_host_only() -> None:
    r = host_record(WIN03, {}, "WSMAN", "kerberos")
    assert r["spn_status"] == "missing"
    assert r["spn_owner"] is None
    assert r["predicted_protocol"] == "fail"
    assert "HOST/ does not cover WSMAN/" in r["prediction_reason"]


def test_missing_http_without_host_spn_for_the_fqdn() -> None:
    r = host_record(WIN03, {}, "HTTP", "kerberos")
    assert r["spn_status"] == "missing"
    assert r["predicted_protocol"] == "fail"
    assert "no account holds HTTP/win03.lab.test" in r["prediction_reason"]


def test_collision() -> None:
    r = host_record(WIN02, owners_of(SVC_IIS), "HTTP", "kerberos")
    assert r["spn_status"] == "collision"
    assert r["spn_owner"] == "svc_iis"
    assert r["predicted_protocol"] == "fail"
    assert "0x80090322" in r["prediction_reason"]
    assert r["fix"] == {"ansible_winrm_service": "WSMAN"}  # WIN02 holds WSMAN/win02.lab.test


def test_collision_without_wsman_on_host_has_no_fix() -> None:
    bare = account("WIN02$", ("HOST/win02.lab.test",), "win02.lab.test")
    r = host_record(bare, owners_of(SVC_IIS), "HTTP", "kerberos")
    assert r["spn_status"] == "collision"
    assert r["fix"] == {}


def test_collision_with_ntlm_transport() -> None:
    r = host_record(WIN02, owners_of(SVC_IIS), "HTTP", "ntlm")
    assert r["spn_status"] == "collision"  # the status is about the directory, whatever the transport
    assert r["predicted_protocol"] == "ntlm"


def test_disabled_host_status_ok_but_prediction_fails() -> None:
    r = host_record(WIN05, {}, "HTTP", "kerberos")
    assert r["spn_status"] == "ok"
    assert r["disabled"] is True
    assert r["unconstrained_delegation"] is True
    assert r["predicted_protocol"] == "fail"
    assert "disabled" in r["prediction_reason"]


@pytest.mark.parametrize(("transport", "protocol"), [("basic", "basic"), ("certificate", "certificate"),
                                                     ("credssp", "credssp")])
def test_other_transports(transport: str, protocol: str) -> None:
    assert host_record(WIN03, {}, "WSMAN", transport)["predicted_protocol"] == protocol


def test_owner_lookup_case_insensitive() -> None:
    owners: dict[str, Any] = {"http/win01.lab.test": WIN01}
    r = host_record(WIN01, owners, "HTTP", "kerberos")
    assert r["spn_owner"] == "WIN01$"


@pytest.mark.parametrize(("transport", "protocol"), [("kerberos,ntlm", "ntlm"), ("plaintext", "basic")])
def test_transport_option_normalised(transport: str, protocol: str) -> None:
    assert host_record(WIN03, {}, "WSMAN", transport)["predicted_protocol"] == protocol


def test_status_groups() -> None:
    assert STATUS_GROUPS == ("kerberos_ready", "spn_missing", "spn_collision", "spn_duplicate",
                             "unconstrained_delegation", "disabled")


# --------------------------------------------------------------------------- the winauth_ad variable


CASES = {
    "healthy": (WIN02, {}),  # HOST/ covers HTTP/: every optional key at its default
    "own-spn": (WIN01, owners_of(WIN01)),  # holds HTTP/ itself: owner and holders are the host
    "collision": (WIN02, owners_of(SVC_IIS)),  # owner, holders, fix
    "delegation": (WIN05, {}),  # disabled, unconstrained: a delegation finding
}


@pytest.mark.parametrize("case", CASES)
def test_host_variable_loses_nothing_but_account_facts_and_defaults(case: str) -> None:
    record = host_record(*CASES[case], "HTTP", "kerberos")
    before = copy.deepcopy(record)
    var = host_variable(record)
    assert record == before  # the record (what the cache keeps) is not changed
    assert not set(var) & ACCOUNT_FACTS
    for key, value in record.items():
        if key not in ACCOUNT_FACTS:
            default = PLAIN_KERBEROS % record["spn"] if key == "prediction_reason" else DEFAULTS.get(key, KeyError)
            assert var[key] == value if key in var else value == default, key
    assert {"predicted_protocol", "spn_status"} <= set(var)
    for key in VOCABULARY:  # the plugin's own words are trusted; everything else stays as ansible-core makes it
        assert is_trusted_as_template(var[key])
    assert not any(is_trusted_as_template(v) for k, v in var.items() if k not in VOCABULARY)


def test_host_variable_keeps_what_is_not_default() -> None:
    healthy, own, collision, delegation = (host_variable(host_record(*c, "HTTP", "kerberos")) for c in CASES.values())
    assert not set(healthy) & set(DEFAULTS)
    assert (own["spn_owner"], own["spn_holders"]) == ("WIN01$", ["WIN01$"])
    assert (collision["spn_owner"], collision["spn_holders"], collision["fix"]) == (
        "svc_iis", ["svc_iis"], {"ansible_winrm_service": "WSMAN"})
    assert [f["id"] for f in delegation["delegation_findings"]] == ["DELEG-UNCONSTRAINED"]
    assert delegation["disabled"] is True and delegation["unconstrained_delegation"] is True
    assert not set(FLAGS) & set(healthy)  # false flags are left out
    assert "prediction_reason" not in healthy and "prediction_reason" not in own  # plain Kerberos to the SPN
    assert "0x80090322" in collision["prediction_reason"]
    assert "disabled" in delegation["prediction_reason"]
    raw = host_variable({**host_record(WIN02, {}, "HTTP", "kerberos"), "raw": {"cn": ["WIN02"]}})
    assert raw["raw"] == {"cn": ["WIN02"]}


def test_every_key_of_the_variable_is_documented() -> None:
    record = host_record(WIN02, {}, "HTTP", "kerberos")
    assert set(record) == set(host_variable(record)) | ACCOUNT_FACTS | set(DEFAULTS) | {"prediction_reason"}
    for key in record:
        assert "C(%s)" % key in DOCUMENTATION, key
    assert "C(winauth_ad.raw)" in DOCUMENTATION


# --------------------------------------------------------------------------- _fetch against a scripted DC


class Options:
    """get_option for an InventoryModule: the doc fragment defaults plus the given options."""

    def __init__(self, **options: Any) -> None:
        from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.base import AD_OPTIONS

        self.values: dict[str, Any] = {k: None for k in AD_OPTIONS}
        self.values.update(tls_mode="ldaps", auth="kerberos", validate_certs=True, timeout=10, filter="",
                           attributes=[], transport="kerberos", service="HTTP")
        self.values.update(options)

    def __call__(self, name: str) -> Any:
        return self.values[name]


def test_server_without_domain_searches_the_rootdse_naming_context(monkeypatch: pytest.MonkeyPatch) -> None:
    from ansible_collections.winauth.winrm.plugins.inventory.ad import InventoryModule
    from ansible_collections.winauth.winrm.tests.unit import fake_dc

    dc, _spnego = fake_dc.install(monkeypatch)
    dc.root_dse = {"defaultNamingContext": ["DC=corp,DC=example"]}
    win01 = fake_dc.entry("CN=WIN01,CN=Computers,DC=corp,DC=example", sAMAccountName=["WIN01$"],
                          dNSHostName=["win01.corp.example"], userAccountControl=["4096"],
                          servicePrincipalName=["HOST/win01.corp.example"], objectClass=["top", "computer"])
    # In the order the plugin asks: RBCD holders, <service>/ SPN owners, then the computers.
    dc.pages = [fake_dc.page([]), fake_dc.page([]), fake_dc.page([win01])]
    plugin = InventoryModule()
    monkeypatch.setattr(plugin, "get_option", Options(server=["dc1.corp.example"], auth="simple",
                                                      username="CORP\\reader", password="pw"))
    hosts = plugin._fetch()
    assert [h["dns_host_name"] for h in hosts] == ["win01.corp.example"]
    assert {s.base_object for s in dc.searches()} == {"DC=corp,DC=example"}  # no domain: the DC's own context


def test_inventory_errors_name_the_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    from ansible.errors import AnsibleParserError

    from ansible_collections.winauth.winrm.plugins.inventory.ad import InventoryModule

    plugin = InventoryModule()
    monkeypatch.setattr(plugin, "get_option", Options(auth="simple", tls_mode="none", domain="lab.test",
                                                      username="u", password="Secret-1"))
    with pytest.raises(AnsibleParserError) as caught:
        with plugin.ad_errors():
            plugin._fetch()
    assert str(caught.value).startswith("winauth.winrm.ad: a simple bind sends the password in clear")
    assert "Secret-1" not in str(caught.value)


def test_duplicate_is_not_a_collision() -> None:
    """Two holders (setspn -X): status duplicate, both named; the prediction fails as the KDC refuses the SPN."""
    svc_dup = account("svc_dup", ("HTTP/win01.lab.test",), container="CN=Users")
    r = host_record(WIN01, {"http/win01.lab.test": [WIN01, svc_dup]}, "HTTP", "kerberos")
    assert r["spn_status"] == "duplicate"
    assert r["spn_holders"] == ["WIN01$", "svc_dup"]
    assert r["spn_owner"] == "svc_dup"
    assert r["predicted_protocol"] == "fail"


def test_delegation_findings_in_the_inventory_vars() -> None:
    (finding,) = host_record(WIN05, {}, "HTTP", "kerberos")["delegation_findings"]
    assert finding["id"] == "DELEG-UNCONSTRAINED" and "PingCastle P-UnconstrainedDelegation" in finding["refs"]
    assert host_record(WIN01, owners_of(WIN01), "HTTP", "kerberos")["delegation_findings"] == []
