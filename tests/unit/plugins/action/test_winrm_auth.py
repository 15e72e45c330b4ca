# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.action import winrm_auth
from ansible_collections.winauth.winrm.plugins.module_utils._choices import CBT_LEVELS
from ansible_collections.winauth.winrm.plugins.modules.winrm_auth import ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._action import ActionContext, display
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import CONFIG_URI, LEAVES
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import envelope as env
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ProtocolError, UnreachableError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import WSManSettings, build_settings
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import local_name, to_bytes
from ansible_collections.winauth.winrm.tests.unit.helpers import (
    DEFAULT_LEAF_TEXT,
    ENDPOINT,
    FakeSender,
    Sent,
    config_element,
    fault_body,
)

# --------------------------------------------------------------------------- desired_values


def test_desired_values_maps_every_option() -> None:
    args = {
        "service": {"basic": False, "kerberos": True, "negotiate": True, "certificate": False, "credssp": False,
                    "allow_unencrypted": False, "cbt_hardening_level": "Strict"},
        "client": {"basic": False, "digest": False, "kerberos": True, "negotiate": True, "certificate": True,
                   "credssp": True, "allow_unencrypted": False},
        "force": True,
    }
    assert winrm_auth.desired_values(args) == {
        "service.auth.basic": False,
        "service.auth.kerberos": True,
        "service.auth.negotiate": True,
        "service.auth.certificate": False,
        "service.auth.credssp": False,
        "service.allow_unencrypted": False,
        "service.auth.cbt_hardening_level": "Strict",
        "client.auth.basic": False,
        "client.auth.digest": False,
        "client.auth.kerberos": True,
        "client.auth.negotiate": True,
        "client.auth.certificate": True,
        "client.auth.credssp": True,
        "client.allow_unencrypted": False,
    }


def test_desired_values_skips_unset() -> None:
    args = {"service": {"basic": False, "kerberos": None, "cbt_hardening_level": None}, "client": None,
            "force": False}
    assert winrm_auth.desired_values(args) == {"service.auth.basic": False}
    assert winrm_auth.desired_values({"service": None, "client": None}) == {}
    assert winrm_auth.desired_values({}) == {}


def test_every_module_option_has_a_leaf() -> None:
    for side in ("service", "client"):
        options: dict[str, Any] = ARGUMENT_SPEC[side]["options"]  # type: ignore[index]
        args = {side: {name: True for name in options}}
        keys = winrm_auth.desired_values(args)
        assert len(keys) == len(options)
        assert all(key in LEAVES for key in keys)
        assert all(key.startswith(side + ".") for key in keys)


def test_every_option_leaf_is_a_module_option() -> None:
    """The leaf table and the argument spec name the same options, and choices read the constants."""
    table = {(leaf.side, leaf.option) for leaf in LEAVES.values() if leaf.option}
    spec = {(side, name) for side in ("service", "client") for name in ARGUMENT_SPEC[side]["options"]}  # type: ignore[index]
    assert table == spec
    cbt = ARGUMENT_SPEC["service"]["options"]["cbt_hardening_level"]  # type: ignore[index]
    assert cbt["choices"] == list(CBT_LEVELS)


# --------------------------------------------------------------------------- execute against a fake host


class ConfigHost:
    """A WinRM config that answers Get config and Put of sub-resources, refusing GPO values."""

    def __init__(self, overrides: dict[str, str] | None = None, gpo: set[str] | None = None,
                 ignore_puts: bool = False, gpo_before_put: dict[int, str] | None = None,
                 dies_after_puts: int | None = None) -> None:
        self.texts = {**DEFAULT_LEAF_TEXT, **(overrides or {})}
        self.gpo = gpo or set()
        self.ignore_puts = ignore_puts
        # {n: leaf}: Group Policy takes the leaf over just before the n-th Put (1-based) arrives.
        self.gpo_before_put = gpo_before_put or {}
        # The host stops answering after this many Puts.
        self.dies_after_puts = dies_after_puts
        self.puts: list[tuple[str, dict[str, str]]] = []

    def __call__(self, request: Sent) -> Any:
        if self.dies_after_puts is not None and len(self.puts) >= self.dies_after_puts:
            raise UnreachableError("connection refused", target=ENDPOINT)
        if request.action == env.ACTION_GET and request.resource_uri == CONFIG_URI:
            return to_bytes(config_element(self.texts, gpo=self.gpo)).decode()
        if request.action == env.ACTION_PUT:
            assert request.body is not None
            landing = self.gpo_before_put.get(len(self.puts) + 1)
            if landing:
                self.gpo.add(landing)
            uri = request.resource_uri or ""
            values = {local_name(child.tag): child.text or "" for child in request.body}
            self.puts.append((uri, values))
            for name, text in values.items():
                key = next(k for k, leaf in LEAVES.items() if leaf.resource_uri == uri and leaf.path[-1] == name)
                if key in self.gpo:
                    return 500, fault_body(subcode="w:InternalError", wsman_code=2150858890)
                if not self.ignore_puts:
                    self.texts[key] = text
            return ""
        raise AssertionError("unexpected %s" % request.operation)


def run(host: ConfigHost, args: dict[str, Any], auth: str = "ntlm", check: bool = False, diff: bool = False,
        settings: WSManSettings | None = None) -> tuple[dict[str, Any], FakeSender]:
    action = object.__new__(winrm_auth.ActionModule)
    action._task = SimpleNamespace(check_mode=check, diff=diff)  # type: ignore[assignment]
    sender = FakeSender(responder=host)
    settings = settings or build_settings("win01.lab.test", port=5985, username="LAB\\ansible", password="pw",
                                          transport=auth)
    full = {"service": None, "client": None, "force": False, **args}
    ctx = ActionContext(WSManClient(sender, ENDPOINT), settings, SimpleNamespace(auth_used=auth),  # type: ignore[arg-type]
                        full, "win01", check_mode=check, diff=diff)
    result = action.execute(ctx)
    return result, sender


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    monkeypatch.setattr(display, "warning", lambda msg, *a, **k: seen.append(msg))
    return seen


def test_already_compliant_is_one_get() -> None:
    result, sender = run(ConfigHost(), {"service": {"basic": False, "kerberos": True}})
    assert result["changed"] is False
    assert result["changes"] == []
    assert result["config"] == {"service": {"auth": {"basic": False, "kerberos": True}}}
    assert sender.round_trips == 1


def test_apply_puts_per_sub_resource_and_confirms() -> None:
    host = ConfigHost({"service.auth.basic": "true", "service.allow_unencrypted": "true"})
    result, sender = run(host, {"service": {"basic": False, "allow_unencrypted": False, "credssp": False},
                                "client": {"digest": False}})
    assert result["changed"] is True
    assert "failed" not in result
    assert result["changes"] == ["service.auth.basic: true -> false", "service.allow_unencrypted: true -> false",
                                 "client.auth.digest: true -> false"]
    assert host.puts == [
        (CONFIG_URI + "/service/auth", {"Basic": "false"}),
        (CONFIG_URI + "/service", {"AllowUnencrypted": "false"}),
        (CONFIG_URI + "/client/auth", {"Digest": "false"}),
    ]
    assert sender.round_trips == 5  # Get, three Puts, Get to confirm
    assert result["config"] == {"client": {"auth": {"digest": False}},
                                "service": {"allow_unencrypted": False, "auth": {"basic": False, "credssp": False}}}


def test_check_mode_writes_nothing() -> None:
    host = ConfigHost({"service.auth.basic": "true"})
    result, sender = run(host, {"service": {"basic": False}}, check=True, diff=True)
    assert result["changed"] is True
    assert host.puts == []
    assert sender.round_trips == 1
    assert result["config"] == {"service": {"auth": {"basic": True}}}
    assert result["diff"] == {"before": {"service": {"auth": {"basic": True}}},
                              "after": {"service": {"auth": {"basic": False}}}}


def test_cbt_idempotent_case_insensitive() -> None:
    host = ConfigHost({"service.auth.cbt_hardening_level": "Relaxed"})
    result, _sent = run(host, {"service": {"cbt_hardening_level": "relaxed"}})
    assert result["changed"] is False


def test_gpo_controlled_value_refused_before_any_put() -> None:
    host = ConfigHost({"service.auth.basic": "true"}, gpo={"service.auth.basic"})
    result, _sent = run(host, {"service": {"basic": False, "credssp": True}})
    assert result["failed"] is True
    assert result["changed"] is False
    assert "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service\\AllowBasic" in result["msg"]
    assert host.puts == []


def test_lockout_guard_refuses() -> None:
    host = ConfigHost({"service.auth.basic": "true"})
    result, _sent = run(host, {"service": {"basic": False}}, auth="basic")
    assert result["failed"] is True
    assert result["changed"] is False
    assert result["msg"].startswith("refusing to lock this controller out of win01: ")
    assert "force: true" in result["msg"]
    assert host.puts == []


def test_lockout_guard_force(warnings: list[str]) -> None:
    host = ConfigHost({"service.auth.basic": "true"})
    result, sender = run(host, {"service": {"basic": False}, "force": True}, auth="basic")
    assert result["changed"] is True
    assert host.puts == [(CONFIG_URI + "/service/auth", {"Basic": "false"})]
    assert sender.round_trips == 2  # no confirming read over a connection that may be gone
    assert result["config"] == {"service": {"auth": {"basic": False}}}
    assert len(warnings) == 1 and "forced change may have cut" in warnings[0]


def test_put_not_applied_is_reported() -> None:
    host = ConfigHost({"service.auth.basic": "true"}, ignore_puts=True)
    with pytest.raises(ProtocolError, match="accepted the Put but still reports service.auth.basic=True"):
        run(host, {"service": {"basic": False}})


def test_no_setting_given() -> None:
    result, sender = run(ConfigHost(), {"service": {"basic": None}})
    assert result["changed"] is False
    assert result["msg"] == "no setting given: nothing to enforce"
    assert sender.round_trips == 1


# --------------------------------------------------------------------------- writes that stop part-way


def test_gpo_landing_between_puts_reports_what_was_applied() -> None:
    # Group Policy takes client Digest over after the service Put went through.
    host = ConfigHost({"service.auth.basic": "true"}, gpo_before_put={2: "client.auth.digest"})
    result, sender = run(host, {"service": {"basic": False}, "client": {"digest": False}})
    assert result["failed"] is True
    assert result["changed"] is True
    assert result["applied"] == ["service.auth.basic: true -> false"]
    assert result["not_applied"] == ["client.auth.digest: true -> false"]
    assert result["msg"].startswith("win01 is partly changed: applied service.auth.basic: true -> false; "
                                    "not applied client.auth.digest: true -> false.")
    assert "Put config/client/auth" in result["msg"]
    assert "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Client\\AllowDigest" in result["msg"]
    assert "gpupdate" in result["msg"]
    assert result["config"] == {"client": {"auth": {"digest": True}}, "service": {"auth": {"basic": False}}}
    assert host.texts["service.auth.basic"] == "false" and host.texts["client.auth.digest"] == "true"
    assert sender.round_trips == 4  # Get, Put (applied), Put (refused), Get to report the real state


def test_first_put_refused_is_unchanged() -> None:
    host = ConfigHost({"service.auth.basic": "true"}, gpo_before_put={1: "service.auth.basic"})
    result, _sender = run(host, {"service": {"basic": False}, "client": {"digest": False}})
    assert result["failed"] is True and result["changed"] is False
    assert result["applied"] == []
    assert result["not_applied"] == ["service.auth.basic: true -> false", "client.auth.digest: true -> false"]
    assert result["msg"].startswith("win01 is unchanged: not applied ")


def test_host_dying_between_puts_reports_acknowledged_writes() -> None:
    host = ConfigHost({"service.auth.basic": "true"}, dies_after_puts=1)
    result, _sender = run(host, {"service": {"basic": False}, "client": {"digest": False}})
    assert result["failed"] is True and result["changed"] is True
    assert result["applied"] == ["service.auth.basic: true -> false"]
    assert result["not_applied"] == ["client.auth.digest: true -> false"]
    assert "could not be read back to confirm" in result["msg"]
    assert "re-run this task" in result["msg"]
    assert "config" not in result
