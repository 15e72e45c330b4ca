# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._text import nested
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.change import Change, gpo_message, plan
from ansible_collections.winauth.winrm.tests.unit.helpers import HARDENED, make_config

POLICY = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\"


def test_no_change_when_values_match() -> None:
    config = make_config(HARDENED)
    assert plan(config, {"service.auth.basic": False, "service.auth.kerberos": True}) == []


def test_changes_in_request_order() -> None:
    config = make_config({**HARDENED, "service.auth.basic": True})
    changes = plan(config, {"service.auth.kerberos": True, "service.auth.basic": False,
                            "client.auth.credssp": True})
    assert changes == [
        Change("service.auth.basic", True, False, False),
        Change("client.auth.credssp", False, True, False),
    ]


@pytest.mark.parametrize("wanted", ["relaxed", "RELAXED", "Relaxed"])
def test_cbt_compare_is_case_insensitive(wanted: str) -> None:
    config = make_config({"service.auth.cbt_hardening_level": "Relaxed"})
    assert plan(config, {"service.auth.cbt_hardening_level": wanted}) == []


def test_cbt_change() -> None:
    config = make_config({"service.auth.cbt_hardening_level": "Relaxed"})
    (change,) = plan(config, {"service.auth.cbt_hardening_level": "Strict"})
    assert (change.before, change.after) == ("Relaxed", "Strict")
    assert change.describe() == "service.auth.cbt_hardening_level: 'Relaxed' -> 'Strict'"


def test_none_is_skipped() -> None:
    config = make_config({"service.auth.basic": True})
    assert plan(config, {"service.auth.basic": None, "client.auth.basic": None}) == []


def test_absent_value_is_a_change() -> None:
    (change,) = plan(make_config({}), {"service.auth.cbt_hardening_level": "Relaxed"})
    assert change.before is None
    assert change.describe() == "service.auth.cbt_hardening_level: (absent) -> 'Relaxed'"


def test_gpo_flagged() -> None:
    config = make_config({"service.auth.basic": True, "service.auth.credssp": True}, gpo={"service.auth.basic"})
    changes = plan(config, {"service.auth.basic": False, "service.auth.credssp": False})
    assert [(c.key, c.gpo) for c in changes] == [("service.auth.basic", True), ("service.auth.credssp", False)]


def test_gpo_value_already_wanted_is_not_a_change() -> None:
    config = make_config({"service.auth.basic": False}, gpo={"service.auth.basic"})
    assert plan(config, {"service.auth.basic": False}) == []


def test_unknown_key_fails_loudly() -> None:
    with pytest.raises(KeyError):
        plan(make_config({}), {"service.auth.digest": False})


def test_describe_bool() -> None:
    assert Change("service.auth.basic", True, False, False).describe() == "service.auth.basic: true -> false"


def test_gpo_message_names_policy_paths() -> None:
    msg = gpo_message([
        Change("service.auth.basic", True, False, True),
        Change("client.trusted_hosts", "*", "a.lab.test", True),
        Change("service.auth.certificate", True, False, True),
    ])
    assert "service.auth.basic (wanted false, policy sets true via %sService\\AllowBasic)" % POLICY in msg
    assert ("client.trusted_hosts (wanted 'a.lab.test', policy sets '*' via %sClient\\TrustedHostsList)"
            % POLICY) in msg
    assert "service.auth.certificate (wanted false, policy sets true via Group Policy)" in msg
    assert "0x8033808A" in msg
    assert "gpupdate" in msg


def test_nested() -> None:
    assert nested({"service.auth.basic": True, "service.allow_unencrypted": False, "client.auth.digest": None,
                   "service.auth.cbt_hardening_level": "Strict"}) == {
        "client": {"auth": {"digest": None}},
        "service": {"allow_unencrypted": False, "auth": {"basic": True, "cbt_hardening_level": "Strict"}},
    }
    assert nested({}) == {}
