# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CredSSP service-account check: SIDs, privileged groups (nested, primary), Protected Users."""

from __future__ import annotations

import base64
import struct
from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad import privilege

DOMAIN = "S-1-5-21-1004336348-1177238915-682003330"


def sid_bytes(sid: str) -> bytes:
    parts = sid.split("-")
    subs = [int(p) for p in parts[3:]]
    return bytes([1, len(subs)]) + int(parts[2]).to_bytes(6, "big") + struct.pack("<%dI" % len(subs), *subs)


def as_client_text(raw: bytes) -> str:
    """What the LDAP client hands over: UTF-8 text where valid, else base64."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii")


@pytest.mark.parametrize("sid", ["S-1-5-32-544", DOMAIN + "-512", DOMAIN + "-1105", "S-1-5-21-4294967295-1-2-525"])
def test_sid_string_round_trips_both_encodings(sid: str) -> None:
    raw = sid_bytes(sid)
    assert privilege.sid_string(as_client_text(raw)) == sid
    assert privilege.sid_string(base64.b64encode(raw).decode()) == sid


@pytest.mark.parametrize("value", ["", "not a sid", base64.b64encode(b"\x01\x05short").decode(), "\x01\x02abc"])
def test_sid_string_refuses_malformed(value: str) -> None:
    assert privilege.sid_string(value) is None


@pytest.mark.parametrize(("sid", "name"), [
    ("S-1-5-32-544", "Administrators"), ("S-1-5-32-551", "Backup Operators"), (DOMAIN + "-512", "Domain Admins"),
    (DOMAIN + "-519", "Enterprise Admins"), (DOMAIN + "-518", "Schema Admins"), (DOMAIN + "-513", None),
    ("S-1-5-32-545", None), (DOMAIN + "-525", None),
])
def test_privileged_name(sid: str, name: str | None) -> None:
    assert privilege.privileged_name(sid) == name


def test_ldap_escape() -> None:
    assert privilege.ldap_escape("a*b(c)\\d\x00") == "a\\2ab\\28c\\29\\5cd\\00"


class FakeAD:
    def __init__(self, user: dict[str, Any] | None, groups: list[tuple[str, str]]) -> None:
        self.user, self.groups = user, groups
        self.filters: list[str] = []

    def search(self, search_filter: str, attributes: list[str], **_: Any) -> list[dict[str, Any]]:
        self.filters.append(search_filter)
        if search_filter.startswith("(member:"):
            return [{"dn": dn, "objectSid": [as_client_text(sid_bytes(sid))]} for dn, sid in self.groups]
        return [self.user] if self.user else []


USER = {"dn": "CN=svc,CN=Users,DC=lab,DC=test", "userAccountControl": ["512"], "primaryGroupID": ["513"],
        "memberOf": ["CN=Tier0,CN=Users,DC=lab,DC=test"]}


def test_clean_account_is_ok() -> None:
    ad = FakeAD(USER, [("CN=Tier0,CN=Users,DC=lab,DC=test", DOMAIN + "-1200")])
    result = privilege.check_account(ad, "LAB\\svc").as_dict()  # type: ignore[arg-type]
    assert result["ok"] is True and result["found"] is True and result["enabled"] is True
    assert ad.filters[1] == "(member:1.2.840.113556.1.4.1941:=CN=svc,CN=Users,DC=lab,DC=test)"
    assert "(sAMAccountName=svc)" in ad.filters[0]


def test_nested_privilege_disabled_and_protected_users_are_reported() -> None:
    user = {**USER, "userAccountControl": ["514"], "primaryGroupID": ["512"]}
    ad = FakeAD(user, [("CN=Tier0,CN=Users,DC=lab,DC=test", DOMAIN + "-1200"),
                       ("CN=Domain Admins,CN=Users,DC=lab,DC=test", DOMAIN + "-512"),
                       ("CN=Backup Operators,CN=Builtin,DC=lab,DC=test", "S-1-5-32-551"),
                       ("CN=Protected Users,CN=Users,DC=lab,DC=test", DOMAIN + "-525")])
    result = privilege.check_account(ad, "svc").as_dict()  # type: ignore[arg-type]
    assert result["ok"] is False and result["enabled"] is False
    assert result["privileged_groups"] == ["Domain Admins (through a nested group)",
                                           "Backup Operators (through a nested group)", "Domain Admins (primary group)"]
    assert any("disabled" in p for p in result["problems"])
    assert sum("is a member of" in p for p in result["problems"]) == 3
    assert result["protected_users"] is True and "never delegated" in result["notes"][0]


def test_missing_account() -> None:
    result = privilege.check_account(FakeAD(None, []), "ghost").as_dict()  # type: ignore[arg-type]
    assert result["found"] is False and result["ok"] is False
    assert "does not exist" in result["problems"][0]
