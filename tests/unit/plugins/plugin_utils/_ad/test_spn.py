# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SPN syntax, the KDC's choice of owner, duplicates, RBCD descriptors and the all-or-nothing write plan."""

from __future__ import annotations

import base64
import struct
from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad import spn as _spn
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.errors import ADError, ADWriteError
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.ldapwrite import Modification
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.spn import (
    SPN,
    Owner,
    SPNSyntaxError,
    account_type,
    apply_steps,
    dacl_sids,
    escape_sid,
    mapped_spn,
    move_steps,
    parse_spn,
    parse_spn_mappings,
    plan_spns,
    resolve,
)

MAPPINGS = parse_spn_mappings(_spn.DEFAULT_SPN_MAPPINGS)


def owner(name: str, kind: str = "computer", spns: tuple[str, ...] = ()) -> Owner:
    classes = {"computer": ["top", "user", "computer"], "user": ["top", "user"],
               "managed_service_account": ["top", "user", "computer", "msDS-GroupManagedServiceAccount"]}[kind]
    return Owner.from_entry({"dn": "CN=%s,DC=lab,DC=test" % name.rstrip("$"), "sAMAccountName": [name],
                             "objectClass": classes, "servicePrincipalName": list(spns)})


@pytest.mark.parametrize(("text", "parsed"), [
    ("HTTP/srv01.lab.test", SPN("HTTP", "srv01.lab.test")),
    ("WSMAN/SRV01", SPN("WSMAN", "SRV01")),
    ("HTTP/srv01.lab.test:5985", SPN("HTTP", "srv01.lab.test", 5985)),
    ("ldap/dc1.lab.test/lab.test", SPN("ldap", "dc1.lab.test", None, "lab.test")),
    ("MSSQLSvc/sql.lab.test:1433/inst", SPN("MSSQLSvc", "sql.lab.test", 1433, "inst")),
    ("HTTP/127.0.30.8", SPN("HTTP", "127.0.30.8")),
    ("HTTP/[fd00::1]", SPN("HTTP", "[fd00::1]")),
])
def test_parse_spn(text: str, parsed: SPN) -> None:
    assert parse_spn(text) == parsed
    assert str(parsed) == text
    assert parsed.key == text.lower()


@pytest.mark.parametrize("text", ["HTTP", "HTTP/", "/srv01", "HTTP srv01", "HTTP/srv 01", "HTTP/srv01:0",
                                  "HTTP/srv01:65536", "HTTP/srv01:port", "HTTP/a/b/c", "1HTTP/x", "HTTP/u@x", 42])
def test_malformed_spn_names_the_form(text: Any) -> None:
    with pytest.raises(SPNSyntaxError, match="service/host\\[:port\\]\\[/name\\]|must be a string"):
        parse_spn(text)


def test_spn_mappings_default_covers_http_not_wsman() -> None:
    assert MAPPINGS["http"] == "host" and MAPPINGS["www"] == "host" and MAPPINGS["cifs"] == "host"
    assert "wsman" not in MAPPINGS
    assert parse_spn_mappings(["host=HTTP, www", "broken", "=x"]) == {"http": "host", "www": "host"}
    assert mapped_spn(SPN("HTTP", "x", 5985), MAPPINGS) == SPN("HOST", "x", 5985)
    assert mapped_spn(SPN("WSMAN", "x"), MAPPINGS) is None


def test_account_types() -> None:
    assert account_type(["top", "user", "computer"]) == "computer"
    assert account_type(["top", "user"]) == "user"
    assert account_type(["computer", "msDS-ManagedServiceAccount"]) == "managed_service_account"
    assert owner("gmsa$", "managed_service_account").type == "managed_service_account"


def test_resolve_each_status() -> None:
    host = owner("SRV03$")
    svc = owner("svc_iis", "user")
    spn = SPN("HTTP", "srv03.lab.test")
    assert resolve(spn, [host], [], host.account, MAPPINGS).status == "ok"
    collision = resolve(spn, [svc], [], host.account, MAPPINGS)
    assert (collision.status, collision.owner, collision.via) == ("collision", svc, "direct")
    mapped = resolve(spn, [], [host], host.account, MAPPINGS)
    assert (mapped.status, mapped.via) == ("ok", "host_mapping")
    assert resolve(spn, [], [svc], host.account, MAPPINGS).status == "collision"
    duplicate = resolve(spn, [host, svc], [], host.account, MAPPINGS)
    assert duplicate.status == "duplicate" and duplicate.owner is None and duplicate.holders == (host, svc)
    assert resolve(spn, [], [], host.account, MAPPINGS).status == "missing"
    # WSMAN is not an alias of HOST: a HOST/ holder does not help.
    assert resolve(SPN("WSMAN", "srv02"), [], [host], host.account, MAPPINGS).status == "missing"
    # Host account unknown (an IP address): a computer owner is taken as the host, a user is not.
    assert resolve(spn, [host], [], None, MAPPINGS).status == "ok"
    assert resolve(spn, [svc], [], None, MAPPINGS).status == "collision"


def test_plan_spns_is_case_insensitive_and_idempotent() -> None:
    current = ["HOST/srv01", "http/SRV01.lab.test"]
    wanted = [parse_spn("HTTP/srv01.lab.test"), parse_spn("WSMAN/srv01.lab.test")]
    assert plan_spns(current, wanted, "present") == (["WSMAN/srv01.lab.test"], [])
    assert plan_spns(current, wanted, "absent") == ([], ["http/SRV01.lab.test"])
    assert plan_spns(current, wanted, "exact") == (["WSMAN/srv01.lab.test"], ["HOST/srv01"])
    assert plan_spns(["WSMAN/srv01.lab.test", *current], wanted, "present") == ([], [])
    with pytest.raises(ADError, match="state must be present, absent or exact"):
        plan_spns(current, wanted, "gone")


def test_move_steps_take_it_off_the_holder_first() -> None:
    target, svc = owner("SRV03$"), owner("svc_iis", "user")
    steps = move_steps(target, ["HTTP/srv03.lab.test"], ["HTTP/old"], {"HTTP/srv03.lab.test": [svc]})
    assert [(s.dn, s.change.operation, s.change.values) for s in steps] == [
        (svc.dn, "delete", ("HTTP/srv03.lab.test",)),
        (target.dn, "delete", ("HTTP/old",)),
        (target.dn, "add", ("HTTP/srv03.lab.test",)),
    ]
    assert [s.undo.operation for s in steps] == ["add", "add", "delete"]


class FakeAD:
    """Records modifies; refuses the n-th one (1-based) and optionally every undo."""

    def __init__(self, refuse: int, refuse_undo: bool = False) -> None:
        self.calls: list[tuple[str, str, tuple[str, ...]]] = []
        self.refuse, self.refuse_undo = refuse, refuse_undo

    def modify(self, dn: str, changes: list[Modification]) -> None:
        change = changes[0]
        self.calls.append((dn, change.operation, change.values))
        if len(self.calls) == self.refuse or (self.refuse_undo and len(self.calls) > self.refuse):
            raise ADWriteError("the DC refused to modify %s: insufficientAccessRights" % dn)


def test_apply_steps_undoes_the_done_part_when_a_later_one_is_refused() -> None:
    target, svc = owner("SRV03$"), owner("svc_iis", "user")
    steps = move_steps(target, ["HTTP/srv03.lab.test"], [], {"HTTP/srv03.lab.test": [svc]})
    ad = FakeAD(refuse=2)
    with pytest.raises(ADError, match=r"insufficientAccessRights; nothing was changed \(the earlier part was undone\)"):
        apply_steps(ad, steps)  # type: ignore[arg-type]
    assert ad.calls == [(svc.dn, "delete", ("HTTP/srv03.lab.test",)), (target.dn, "add", ("HTTP/srv03.lab.test",)),
                        (svc.dn, "add", ("HTTP/srv03.lab.test",))]


def test_apply_steps_names_what_the_undo_could_not_restore() -> None:
    target, svc = owner("SRV03$"), owner("svc_iis", "user")
    steps = move_steps(target, ["HTTP/srv03.lab.test"], [], {"HTTP/srv03.lab.test": [svc]})
    with pytest.raises(ADError, match="restore by hand: add HTTP/srv03.lab.test on CN=svc_iis"):
        apply_steps(FakeAD(refuse=2, refuse_undo=True), steps)  # type: ignore[arg-type]


def test_apply_steps_first_refusal_changes_nothing() -> None:
    ad = FakeAD(refuse=1)
    with pytest.raises(ADError, match="insufficientAccessRights; nothing was changed$"):
        apply_steps(ad, move_steps(owner("SRV01$"), ["HTTP/x"], [], {}))  # type: ignore[arg-type]
    assert len(ad.calls) == 1


def _sid_bytes(sid: str) -> bytes:
    parts = sid.split("-")
    subs = [int(p) for p in parts[3:]]
    return bytes([1, len(subs)]) + int(parts[2]).to_bytes(6, "big") + struct.pack("<%dI" % len(subs), *subs)


def _descriptor(sids: list[str], deny: str | None = None) -> bytes:
    aces = b""
    for kind, sid in [(0, s) for s in sids] + ([(1, deny)] if deny else []):
        body = struct.pack("<I", 0xF01FF) + _sid_bytes(sid)
        aces += struct.pack("<BBH", kind, 0, 4 + len(body)) + body
    acl = struct.pack("<BBHHH", 2, 0, 8 + len(aces), len(sids) + (1 if deny else 0), 0) + aces
    return struct.pack("<BBHIIII", 1, 0, 0x8004, 0, 0, 0, 20) + acl


def test_rbcd_descriptor_sids() -> None:
    sids = ["S-1-5-21-1-2-3-1104", "S-1-5-21-1-2-3-1105"]
    raw = _descriptor(sids, deny="S-1-1-0")
    assert dacl_sids(base64.b64encode(raw).decode()) == sids  # deny ACEs do not grant delegation


@pytest.mark.parametrize("value", ["", "not base64!", base64.b64encode(b"\x01" * 10).decode(),
                                   base64.b64encode(struct.pack("<BBHIIII", 1, 0, 4, 0, 0, 0, 900)).decode()])
def test_rbcd_descriptor_malformed_is_empty(value: str) -> None:
    assert dacl_sids(value) == []


def test_escape_sid_round_trip() -> None:
    sid = "S-1-5-21-2637941720-3032634154-3921459104-1114"
    escaped = escape_sid(sid)
    assert bytes(int(h, 16) for h in escaped.split("\\")[1:]) == _sid_bytes(sid)
    with pytest.raises(ValueError):
        escape_sid("nope")


class SambaAD:
    """A DC that, like Samba's samldb, refuses to delete a value another account also holds."""

    def __init__(self, spns: list[str]) -> None:
        self.spns = spns
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def modify(self, dn: str, changes: list[Modification]) -> None:
        change = changes[0]
        self.calls.append((change.operation, change.values))
        if change.operation == "delete":
            raise ADWriteError("the DC refused to modify %s: constraintViolation" % dn, 19)
        self.spns = list(change.values)

    def search(self, *_args: Any) -> list[dict[str, Any]]:
        return [{"dn": "CN=svc_dup", "servicePrincipalName": self.spns}]


def test_removing_a_duplicate_falls_back_to_replace_on_samba() -> None:
    ad = SambaAD(["HTTP/srv09.lab.test", "HTTP/other"])
    apply_steps(ad, move_steps(owner("svc_dup", "user"), [], ["HTTP/srv09.lab.test"], {}))  # type: ignore[arg-type]
    assert ad.calls == [("delete", ("HTTP/srv09.lab.test",)), ("replace", ("HTTP/other",))]
    assert ad.spns == ["HTTP/other"]


def test_other_refusals_are_not_retried() -> None:
    ad = FakeAD(refuse=1)
    with pytest.raises(ADError, match="insufficientAccessRights"):
        apply_steps(ad, move_steps(owner("svc_dup", "user"), [], ["HTTP/x"], {}))  # type: ignore[arg-type]
    assert len(ad.calls) == 1
