# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CredSSP rules: every delegation list at its severity, and the declared scope."""

from __future__ import annotations

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._findings import host
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import (
    FleetNames,
    Scope,
    exceeds,
    same_host,
)
from ansible_collections.winauth.winrm.tests.unit.helpers import delegation, make_posture


def found(posture: object, fid: str, scope: Scope | None = None) -> list[object]:
    return [f for f in host.evaluate(posture, scope) if f.id == fid]  # type: ignore[arg-type]


@pytest.mark.parametrize(("list_name", "entry", "fid", "severity"), [
    ("AllowDefaultCredentials", "wsman/*", "WINRM-CLI-CREDSSP-DEFAULT", "high"),
    ("AllowDefaultCredentials", "wsman/*.lab.test", "WINRM-CLI-CREDSSP-DEFAULT", "high"),
    ("AllowDefaultCredentials", "wsman/jump01.lab.test", "WINRM-CLI-CREDSSP-DEFAULT", "medium"),
    ("AllowDefCredentialsWhenNTLMOnly", "wsman/jump01.lab.test", "WINRM-CLI-CREDSSP-DEFAULT", "high"),
    ("AllowDefCredentialsWhenNTLMOnly", "*", "WINRM-CLI-CREDSSP-DEFAULT", "high"),
    ("AllowFreshCredentialsWhenNTLMOnly", "wsman/*.lab.test", "WINRM-CLI-CREDSSP-WILDCARD", "high"),
    ("AllowSavedCredentials", "wsman/*", "WINRM-CLI-CREDSSP-SAVED", "medium"),
    ("AllowSavedCredentialsWhenNTLMOnly", "wsman/*", "WINRM-CLI-CREDSSP-SAVED", "high"),
    ("AllowSavedCredentialsWhenNTLMOnly", "wsman/web*", "WINRM-CLI-CREDSSP-SAVED", "medium"),
])
def test_every_list_at_its_severity(list_name: str, entry: str, fid: str, severity: str) -> None:
    posture = make_posture({"client.auth.credssp": True}, policy=delegation(**{list_name: (True, [entry])}))
    findings = found(posture, fid)
    assert [f.severity for f in findings] == [severity]  # type: ignore[attr-defined]
    f = findings[0]
    assert f.setting == "credential_delegation.%s" % list_name  # type: ignore[attr-defined]
    assert repr(entry) in f.why  # type: ignore[attr-defined]


def test_high_lists_fail_fail_on_high() -> None:
    posture = make_posture({"client.auth.credssp": True}, policy=delegation(
        AllowDefaultCredentials=(True, ["wsman/*"]), AllowFreshCredentialsWhenNTLMOnly=(True, ["wsman/*.lab.test"])))
    failing = exceeds(host.evaluate(posture), "high")
    assert sorted(f.id for f in failing) == ["WINRM-CLI-CREDSSP-DEFAULT", "WINRM-CLI-CREDSSP-WILDCARD"]


def test_exact_fresh_and_saved_entries_are_fine_and_termsrv_is_not_judged() -> None:
    posture = make_posture({"client.auth.credssp": True}, policy=delegation(
        AllowFreshCredentials=(True, ["wsman/jump01.lab.test"]), AllowSavedCredentials=(True, ["wsman/jump01"]),
        AllowDefaultCredentials=(True, ["TERMSRV/*"])))
    assert [f.id for f in host.evaluate(posture)] == []


def test_leftover_lists_are_low_when_the_client_role_is_off() -> None:
    policy = delegation(AllowDefaultCredentials=(True, ["wsman/*"]))
    posture = make_posture({"client.auth.credssp": False}, policy=policy)
    assert [f.severity for f in found(posture, "WINRM-CLI-CREDSSP-DEFAULT")] == ["low"]


def test_server_role_outside_the_declared_jump_hosts() -> None:
    posture = make_posture({"service.auth.credssp": True})
    outside = Scope(names=frozenset({"win02", "127.0.10.2"}), jump_hosts=frozenset({"jump01", "jump01.lab.test"}))
    inside = Scope(names=frozenset({"jump01"}), jump_hosts=frozenset({"jump01.lab.test"}))
    assert [f.severity for f in found(posture, "WINRM-SVC-CREDSSP-OUT-OF-SCOPE", outside)] == ["high"]
    assert found(posture, "WINRM-SVC-CREDSSP-OUT-OF-SCOPE", inside) == []
    assert found(posture, "WINRM-SVC-CREDSSP-OUT-OF-SCOPE") == []  # no scope declared: silent


def test_client_targets_against_the_scope_and_the_inventory() -> None:
    posture = make_posture({"client.auth.credssp": True}, policy=delegation(
        AllowFreshCredentials=(True, ["wsman/jump01.lab.test", "wsman/db07.lab.test", "TERMSRV/x"])))
    declared = Scope(names=frozenset({"ws01"}), jump_hosts=frozenset({"jump01"}), clients=frozenset({"ws01"}))
    assert [f.why for f in found(posture, "WINRM-CLI-CREDSSP-UNDECLARED-TARGET", declared)] == [  # type: ignore[attr-defined]
        "This host may hand reusable passwords to db07.lab.test, which is not a declared jump host."]
    assert found(posture, "WINRM-CLI-CREDSSP-OUT-OF-SCOPE", declared) == []
    other = Scope(names=frozenset({"ws02"}), clients=frozenset({"ws01"}))
    assert len(found(posture, "WINRM-CLI-CREDSSP-OUT-OF-SCOPE", other)) == 1
    inventory = Scope(names=frozenset({"ws01"}), known_hosts=FleetNames({"jump01", "ws01"}))
    unknown = found(posture, "WINRM-CLI-CREDSSP-UNKNOWN-TARGET", inventory)
    assert [f.severity for f in unknown] == ["low"]  # type: ignore[attr-defined]
    assert "db07.lab.test" in unknown[0].why  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "names", "same"), [
    ("jump01.lab.test", frozenset({"jump01"}), True),
    ("JUMP01", frozenset({"jump01.lab.test"}), True),
    ("jump01.lab.test", frozenset({"jump01.other.test"}), False),
    ("jump02", frozenset({"jump01"}), False),
    ("jump01.lab.test.", frozenset({"jump01.lab.test"}), True),
])
def test_same_host(name: str, names: frozenset[str], same: bool) -> None:
    assert same_host(name, names) is same


def test_the_generic_server_role_finding_spares_declared_jump_hosts() -> None:
    posture = make_posture({"service.auth.credssp": True})
    jump = Scope(names=frozenset({"jump01"}), jump_hosts=frozenset({"jump01"}))
    assert found(posture, "WINRM-SVC-CREDSSP", jump) == []
    assert len(found(posture, "WINRM-SVC-CREDSSP")) == 1
    assert len(found(posture, "WINRM-SVC-CREDSSP", Scope(names=frozenset({"ws01"}), jump_hosts=frozenset({"j"})))) == 1


def test_fleet_names_read_the_addresses_only_for_a_name_the_inventory_lacks_and_once() -> None:
    reads: list[int] = []

    def addresses() -> list[str]:
        reads.append(1)
        return ["10.0.0.7", "DB07.lab.test"]

    fleet = FleetNames(["jump01", "ws01"], addresses)
    assert fleet.knows("jump01.lab.test") and fleet.knows("WS01")
    assert reads == []  # every name was an inventory name: no host's variables were read
    assert fleet.knows("db07.lab.test") and fleet.knows("10.0.0.7")
    assert not fleet.knows("db08.lab.test")
    assert reads == [1]
