# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WINRM-CLI-CREDSSP (added by the hardening role): wildcard delegation fails; strict wants CredSSP off."""

from __future__ import annotations

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import Scope
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.hardening import compliance
from ansible_collections.winauth.winrm.tests.unit.helpers import delegation, make_posture

CLIENT = frozenset({"win02"})


def _row(profile: str, on: bool, entries: list[str], scope: Scope | None = None) -> dict[str, object]:
    posture = make_posture({"client.auth.credssp": on}, policy=delegation(AllowFreshCredentials=(True, entries)))
    (row,) = [r for r in compliance(posture, profile, scope) if r["control"] == "WINRM-CLI-CREDSSP"]
    return row


@pytest.mark.parametrize(("profile", "on", "entries", "status"), [
    ("baseline", True, ["wsman/*"], "fail"),
    ("baseline", True, ["wsman/*.lab.test"], "fail"),
    ("baseline", True, ["wsman/jump01.lab.test"], "pass"),  # exact targets are credssp_scoped's business
    ("baseline", False, [], "pass"),
    ("strict", True, ["wsman/jump01.lab.test"], "fail"),
    ("strict", False, ["wsman/jump01.lab.test"], "fail"),  # a leftover list waiting to be re-enabled
    ("strict", False, [], "pass"),
])
def test_verdicts(profile: str, on: bool, entries: list[str], status: str) -> None:
    row = _row(profile, on, entries)
    assert row["status"] == status, row
    assert row["module"] == "winauth.winrm.winrm_credssp" and row["option"] == "role: client, state: disabled"


def test_a_declared_client_passes_its_scope_is_credssp_scoped_s_job() -> None:
    scope = Scope(names=CLIENT, clients=CLIENT, jump_hosts=frozenset({"win03"}))
    assert _row("strict", True, ["wsman/*"], scope)["status"] == "pass"
    assert _row("strict", True, ["wsman/*"], Scope(names=frozenset({"win01"}), clients=CLIENT))["status"] == "fail"


def test_actual_names_the_role_and_the_targets() -> None:
    row = _row("baseline", True, ["wsman/*", "TERMSRV/x"])
    assert row["actual"] == ["client role on", "wsman/*"] and row["want"] == "no wildcard target"
    assert _row("strict", True, [])["want"] == "off"
