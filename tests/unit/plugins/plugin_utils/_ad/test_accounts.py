# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.accounts import (
    ACCOUNT_ATTRIBUTES,
    UAC_ACCOUNTDISABLE,
    UAC_NOT_DELEGATED,
    UAC_SERVER_TRUST,
    UAC_TRUSTED_FOR_DELEGATION,
    UAC_TRUSTED_TO_AUTH_FOR_DELEGATION,
    UAC_WORKSTATION_TRUST,
    Account,
    UserAccountControl,
    decode_enctypes,
)

FLAGS = ("disabled", "workstation_or_server", "domain_controller", "unconstrained_delegation", "sensitive",
         "protocol_transition")


def flags_of(value: int) -> set[str]:
    uac = UserAccountControl(value)
    return {name for name in FLAGS if getattr(uac, name)}


# --------------------------------------------------------------------------- UserAccountControl


def test_flag_constants_match_ms_adts() -> None:
    assert UAC_ACCOUNTDISABLE == 0x2
    assert UAC_WORKSTATION_TRUST == 0x1000
    assert UAC_SERVER_TRUST == 0x2000
    assert UAC_TRUSTED_FOR_DELEGATION == 0x80000
    assert UAC_NOT_DELEGATED == 0x100000
    assert UAC_TRUSTED_TO_AUTH_FOR_DELEGATION == 0x1000000


@pytest.mark.parametrize(("value", "flag"), [
    (0x2, "disabled"),
    (0x1000, "workstation_or_server"),
    (0x2000, "domain_controller"),
    (0x80000, "unconstrained_delegation"),
    (0x100000, "sensitive"),
    (0x1000000, "protocol_transition"),
])
def test_each_flag_alone(value: int, flag: str) -> None:
    assert flags_of(value) == {flag}


def test_no_flags() -> None:
    assert flags_of(0) == set()
    assert flags_of(0x200) == set()  # NORMAL_ACCOUNT (a user) carries none of the decoded flags


@pytest.mark.parametrize(("value", "expected"), [
    # A member server trusted for unconstrained delegation: WORKSTATION_TRUST_ACCOUNT | TRUSTED_FOR_DELEGATION.
    (528384, {"workstation_or_server", "unconstrained_delegation"}),
    # A DC as AD creates it: SERVER_TRUST_ACCOUNT | TRUSTED_FOR_DELEGATION.
    (532480, {"domain_controller", "unconstrained_delegation"}),
    # A disabled member computer: WORKSTATION_TRUST_ACCOUNT | ACCOUNTDISABLE.
    (4098, {"workstation_or_server", "disabled"}),
    # Constrained delegation with protocol transition.
    (0x1000 | 0x1000000, {"workstation_or_server", "protocol_transition"}),
    # A sensitive, disabled user (NORMAL_ACCOUNT 0x200 is ignored).
    (0x200 | 0x100000 | 0x2, {"sensitive", "disabled"}),
    (0x2 | 0x1000 | 0x2000 | 0x80000 | 0x100000 | 0x1000000, set(FLAGS)),
])
def test_combined_values(value: int, expected: set[str]) -> None:
    assert flags_of(value) == expected


def test_well_known_values() -> None:
    assert 528384 == UAC_WORKSTATION_TRUST | UAC_TRUSTED_FOR_DELEGATION
    assert 532480 == UAC_SERVER_TRUST | UAC_TRUSTED_FOR_DELEGATION
    assert 4098 == UAC_WORKSTATION_TRUST | UAC_ACCOUNTDISABLE


# --------------------------------------------------------------------------- decode_enctypes


@pytest.mark.parametrize(("value", "names"), [
    (24, ["AES128", "AES256"]),
    (28, ["RC4-HMAC", "AES128", "AES256"]),
    (0x1F, ["DES-CBC-CRC", "DES-CBC-MD5", "RC4-HMAC", "AES128", "AES256"]),
    (0x4, ["RC4-HMAC"]),
    (0x10, ["AES256"]),
])
def test_decode_enctypes(value: int, names: list[str]) -> None:
    assert decode_enctypes(value) == names


@pytest.mark.parametrize("value", [None, 0])
def test_decode_enctypes_unset_means_rc4_default(value: int | None) -> None:
    decoded = decode_enctypes(value)
    assert len(decoded) == 1
    assert decoded[0].startswith("RC4-HMAC")
    assert "not set" in decoded[0]


def test_decode_enctypes_ignores_unknown_bits() -> None:
    # 0x20 (AES256-SK) and 0x80000 (FAST) are not encryption types of a ticket.
    assert decode_enctypes(0x18 | 0x20 | 0x80000) == ["AES128", "AES256"]


# --------------------------------------------------------------------------- Account.from_entry

WIN01_LIST_SHAPED: dict[str, Any] = {
    # What ADConnection.search yields: every value a list of strings (binary values base64 text).
    "dn": "CN=WIN01,CN=Computers,DC=lab,DC=test",
    "sAMAccountName": ["WIN01$"],
    "dNSHostName": ["WIN01.Lab.Test"],
    "servicePrincipalName": ["HOST/win01.lab.test", "HOST/WIN01", "WSMAN/win01.lab.test", "WSMAN/WIN01"],
    "userAccountControl": ["528384"],
    "msDS-AllowedToDelegateTo": ["cifs/files01.lab.test", "cifs/FILES01"],
    "msDS-AllowedToActOnBehalfOfOtherIdentity": [b"\x01\x00\x04\x80\x14\x00\x00\x00"],
    "msDS-SupportedEncryptionTypes": ["28"],
    "memberOf": ["CN=Servers,OU=Groups,DC=lab,DC=test", "CN=Protected Users,CN=Users,DC=lab,DC=test"],
    "objectClass": ["top", "person", "organizationalPerson", "user", "computer"],
    "operatingSystem": ["Windows Server 2022 Datacenter"],
}

WIN01_SCALAR_SHAPED: dict[str, Any] = {
    # What a schema-aware LDAP client would yield: single-valued attributes as scalars, ints as ints.
    "dn": "CN=WIN01,CN=Computers,DC=lab,DC=test",
    "sAMAccountName": "WIN01$",
    "dNSHostName": "WIN01.Lab.Test",
    "servicePrincipalName": ["HOST/win01.lab.test", "HOST/WIN01", "WSMAN/win01.lab.test", "WSMAN/WIN01"],
    "userAccountControl": 528384,
    "msDS-AllowedToDelegateTo": ["cifs/files01.lab.test", "cifs/FILES01"],
    "msDS-AllowedToActOnBehalfOfOtherIdentity": b"\x01\x00\x04\x80\x14\x00\x00\x00",
    "msDS-SupportedEncryptionTypes": 28,
    "memberOf": ["CN=Servers,OU=Groups,DC=lab,DC=test", "CN=Protected Users,CN=Users,DC=lab,DC=test"],
    "objectClass": ["top", "person", "organizationalPerson", "user", "computer"],
    "operatingSystem": "Windows Server 2022 Datacenter",
}


@pytest.mark.parametrize("entry", [WIN01_LIST_SHAPED, WIN01_SCALAR_SHAPED], ids=["lists", "scalars"])
def test_from_entry_full(entry: dict[str, Any]) -> None:
    a = Account.from_entry(entry)
    assert a.dn == "CN=WIN01,CN=Computers,DC=lab,DC=test"
    assert a.sam_account_name == "WIN01$"
    assert a.dns_host_name == "win01.lab.test"  # lowered
    assert a.spns == ("HOST/win01.lab.test", "HOST/WIN01", "WSMAN/win01.lab.test", "WSMAN/WIN01")
    assert a.uac.value == 528384
    assert a.uac.workstation_or_server and a.uac.unconstrained_delegation
    assert not a.uac.domain_controller
    assert a.allowed_to_delegate_to == ("cifs/files01.lab.test", "cifs/FILES01")
    assert a.rbcd is True
    assert a.supported_enctypes == 28
    assert a.protected_users is True
    assert a.is_computer is True
    assert a.operating_system == "Windows Server 2022 Datacenter"


def test_from_entry_missing_attributes() -> None:
    a = Account.from_entry({"dn": "CN=svc_iis,CN=Users,DC=lab,DC=test", "sAMAccountName": "svc_iis"})
    assert a.sam_account_name == "svc_iis"
    assert a.dns_host_name is None
    assert a.spns == ()
    assert a.uac.value == 0
    assert a.allowed_to_delegate_to == ()
    assert a.rbcd is False
    assert a.supported_enctypes is None
    assert a.protected_users is False
    assert a.is_computer is False
    assert a.operating_system is None


def test_from_entry_empty_lists_as_absent_attributes() -> None:
    entry = {"dn": "CN=X,DC=lab,DC=test", "sAMAccountName": [], "dNSHostName": [], "servicePrincipalName": [],
             "userAccountControl": [], "msDS-AllowedToDelegateTo": [],
             "msDS-AllowedToActOnBehalfOfOtherIdentity": [], "msDS-SupportedEncryptionTypes": [],
             "memberOf": [], "objectClass": [], "operatingSystem": []}
    a = Account.from_entry(entry)
    assert (a.sam_account_name, a.dns_host_name, a.spns, a.uac.value) == ("", None, (), 0)
    assert (a.rbcd, a.supported_enctypes, a.protected_users, a.is_computer) == (False, None, False, False)


def test_from_entry_no_dn() -> None:
    assert Account.from_entry({}).dn == ""


def test_from_entry_single_spn_as_scalar() -> None:
    a = Account.from_entry({"dn": "CN=svc,DC=lab,DC=test", "servicePrincipalName": "HTTP/win02.lab.test"})
    assert a.spns == ("HTTP/win02.lab.test",)


@pytest.mark.parametrize(("member_of", "protected"), [
    ("CN=Protected Users,CN=Users,DC=lab,DC=test", True),
    (["cn=protected users,cn=users,dc=lab,dc=test"], True),
    (["CN=Domain Admins,CN=Users,DC=lab,DC=test"], False),
    (["CN=Not Protected Users,CN=Users,DC=lab,DC=test"], False),
    (["CN=Protected Users Extra,CN=Users,DC=lab,DC=test"], False),
])
def test_protected_users_membership(member_of: Any, protected: bool) -> None:
    assert Account.from_entry({"dn": "CN=u,DC=lab,DC=test", "memberOf": member_of}).protected_users is protected


@pytest.mark.parametrize(("classes", "computer"), [
    (["top", "person", "organizationalPerson", "user", "computer"], True),
    (["top", "person", "organizationalPerson", "User", "Computer"], True),
    (["top", "person", "organizationalPerson", "user"], False),
    ("computer", True),
])
def test_is_computer_from_object_class(classes: Any, computer: bool) -> None:
    assert Account.from_entry({"dn": "CN=x,DC=lab,DC=test", "objectClass": classes}).is_computer is computer


@pytest.mark.parametrize(("raw", "value", "decoded"), [
    (["24"], 24, ["AES128", "AES256"]),
    (28, 28, ["RC4-HMAC", "AES128", "AES256"]),
    (None, None, None),
    ("", None, None),
    ([], None, None),
])
def test_supported_enctypes_from_entry(raw: Any, value: int | None, decoded: list[str] | None) -> None:
    a = Account.from_entry({"dn": "CN=x,DC=lab,DC=test", "msDS-SupportedEncryptionTypes": raw})
    assert a.supported_enctypes == value
    enctypes = a.as_dict()["supported_enctypes"]
    if decoded is None:
        assert enctypes == decode_enctypes(None)
        assert "not set" in enctypes[0]
    else:
        assert enctypes == decoded


def test_uac_as_string_scalar() -> None:
    assert Account.from_entry({"dn": "CN=x", "userAccountControl": "4098"}).uac.disabled is True


# --------------------------------------------------------------------------- has_spn / as_dict


def test_has_spn_is_case_insensitive() -> None:
    a = Account.from_entry(WIN01_LIST_SHAPED)
    assert a.has_spn("WSMAN/win01.lab.test")
    assert a.has_spn("wsman/WIN01.LAB.TEST")
    assert a.has_spn("host/win01")
    assert not a.has_spn("HTTP/win01.lab.test")
    assert not a.has_spn("WSMAN/win01.lab")  # whole SPN, not a prefix


def test_as_dict_keys_and_values() -> None:
    d = Account.from_entry(WIN01_LIST_SHAPED).as_dict()
    assert set(d) == {
        "dn", "sam_account_name", "dns_host_name", "spns", "disabled", "domain_controller",
        "unconstrained_delegation", "protocol_transition", "constrained_delegation_to",
        "resource_based_delegation", "sensitive", "protected_users", "supported_enctypes",
    }
    assert d["spns"] == ["HOST/win01.lab.test", "HOST/WIN01", "WSMAN/win01.lab.test", "WSMAN/WIN01"]
    assert d["constrained_delegation_to"] == ["cifs/files01.lab.test", "cifs/FILES01"]
    assert d["disabled"] is False
    assert d["domain_controller"] is False
    assert d["unconstrained_delegation"] is True
    assert d["protocol_transition"] is False
    assert d["resource_based_delegation"] is True
    assert d["sensitive"] is False
    assert d["protected_users"] is True
    assert d["supported_enctypes"] == ["RC4-HMAC", "AES128", "AES256"]
    assert d["dns_host_name"] == "win01.lab.test"


def test_as_dict_lists_are_copies() -> None:
    a = Account.from_entry(WIN01_LIST_SHAPED)
    d = a.as_dict()
    d["spns"].append("HTTP/evil")
    assert "HTTP/evil" not in a.spns


def test_account_attributes_cover_every_attribute_read() -> None:
    for name in ("sAMAccountName", "dNSHostName", "servicePrincipalName", "userAccountControl",
                 "msDS-AllowedToDelegateTo", "msDS-AllowedToActOnBehalfOfOtherIdentity",
                 "msDS-SupportedEncryptionTypes", "memberOf", "objectClass", "operatingSystem"):
        assert name in ACCOUNT_ATTRIBUTES
