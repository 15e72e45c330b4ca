# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from typing import Any

import pytest
from ansible.errors import AnsibleLookupError

from ansible_collections.winauth.winrm.plugins.lookup import auth_plan
from ansible_collections.winauth.winrm.plugins.lookup.auth_plan import LookupModule, _host_connection
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad import base as _ad_base
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.base import AD_OPTIONS
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.errors import ADConnectError
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.predict import TargetFacts
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import SettingsError

PASSWORD = "Pa55w0rd!winrm-secret"


class FakeHostVars:
    """Like Ansible's HostVars: ``hostvars[name]`` gives a mapping supporting ``in`` and ``[]`` only."""

    def __init__(self, hosts: dict[str, dict[str, Any]]) -> None:
        self.hosts = hosts
        self.read: list[tuple[str, str]] = []

    def __contains__(self, name: object) -> bool:
        return name in self.hosts

    def __getitem__(self, name: str) -> Any:
        outer = self

        class Vars:
            def __contains__(self, key: object) -> bool:
                return key in outer.hosts[name]

            def __getitem__(self, key: str) -> Any:
                outer.read.append((name, key))
                return outer.hosts[name][key]

        return Vars()


def conn(hostvars: dict[str, Any], name: str = "win01", service: str = "HTTP") -> dict[str, Any]:
    return _host_connection(FakeHostVars(hostvars), name, service)


# --------------------------------------------------------------------------- winrm


def test_defaults_are_the_winrm_plugins() -> None:
    # No ansible_winrm_transport: Basic for a plain user, Kerberos for a UPN — what the winrm plugin does.
    c = conn({"win01": {"ansible_user": "admin"}})
    assert c == {"target": "win01", "transports": ("basic",), "service": "HTTP", "hostname_override": None,
                 "username": "admin", "password": None, "kinit_managed": False, "host": "win01",
                 "cert": False, "scheme": "http"}
    assert conn({"win01": {"ansible_user": "alice@LAB.TEST"}})["transports"] == ("kerberos",)


def test_default_service_passed_in() -> None:
    c = conn({"win01": {"ansible_user": "LAB\\ansible", "ansible_winrm_transport": "ntlm"}}, service="WSMAN")
    assert (c["transports"], c["service"]) == (("ntlm",), "WSMAN")


def test_winrm_variable_aliases() -> None:
    c = conn({"win01": {"ansible_winrm_host": "h.lab.test", "ansible_winrm_user": "u@LAB.TEST",
                        "ansible_winrm_password": "pw"}})
    assert (c["target"], c["username"], c["password"], c["transports"]) == ("h.lab.test", "u@LAB.TEST", "pw",
                                                                            ("kerberos",))


def test_ansible_host_defaults_to_inventory_name() -> None:
    assert conn({"web01.lab.test": {"ansible_user": "a"}}, name="web01.lab.test")["target"] == "web01.lab.test"
    assert conn({"win01": {"ansible_user": "a", "ansible_host": "192.0.2.10"}})["target"] == "192.0.2.10"


def test_winrm_vars() -> None:
    c = conn({"win01": {
        "ansible_connection": "winrm",
        "ansible_host": "192.0.2.10",
        "ansible_port": 5986,
        "ansible_user": "alice@LAB.TEST",
        "ansible_password": PASSWORD,
        "ansible_winrm_transport": "kerberos",
        "ansible_winrm_service": "WSMAN",
        "ansible_winrm_kerberos_hostname_override": "win01.lab.test",
    }})
    assert c == {"target": "192.0.2.10", "transports": ("kerberos",), "service": "WSMAN",
                 "hostname_override": "win01.lab.test", "username": "alice@LAB.TEST", "password": PASSWORD,
                 "kinit_managed": True, "host": "win01", "cert": False, "scheme": "https"}


@pytest.mark.parametrize(("hostvars", "managed"), [
    # unset ansible_winrm_kinit_mode: the winrm plugin manages kinit for a password with kerberos in the list
    ({"ansible_user": "alice@LAB.TEST", "ansible_password": PASSWORD}, True),  # UPN: kerberos by default
    ({"ansible_user": "LAB\\alice", "ansible_password": PASSWORD, "ansible_winrm_transport": "ntlm,kerberos"}, True),
    ({"ansible_winrm_user": "alice@LAB.TEST", "ansible_winrm_pass": PASSWORD}, True),
    ({"ansible_user": "alice@LAB.TEST"}, False),  # no password: the operator's ticket cache
    ({"ansible_user": "alice@LAB.TEST", "ansible_password": ""}, False),
    ({"ansible_user": "LAB\\alice", "ansible_password": PASSWORD, "ansible_winrm_transport": "ntlm"}, False),
    ({"ansible_user": "admin", "ansible_password": PASSWORD}, False),  # basic by default
    # explicit ansible_winrm_kinit_mode wins
    ({"ansible_user": "alice@LAB.TEST", "ansible_password": PASSWORD, "ansible_winrm_kinit_mode": "manual"}, False),
    ({"ansible_user": "alice@LAB.TEST", "ansible_winrm_kinit_mode": "managed"}, True),
    ({"ansible_user": "LAB\\alice", "ansible_password": PASSWORD, "ansible_winrm_transport": "ntlm",
      "ansible_winrm_kinit_mode": "managed"}, True),
])
def test_winrm_kinit_managed(hostvars: dict[str, Any], managed: bool) -> None:
    c = conn({"win01": hostvars})
    assert c["kinit_managed"] is managed


@pytest.mark.parametrize("hostvars", [
    {"ansible_user": "alice@LAB.TEST", "ansible_password": PASSWORD},
    {"ansible_user": "alice@LAB.TEST", "ansible_password": PASSWORD, "ansible_psrp_auth": "kerberos"},
    {"ansible_user": "alice@LAB.TEST", "ansible_password": PASSWORD, "ansible_winrm_kinit_mode": "managed"},
])
def test_psrp_never_kinit_managed(hostvars: dict[str, Any]) -> None:
    hv = FakeHostVars({"win01": {"ansible_connection": "psrp", **hostvars}})
    c = _host_connection(hv, "win01", "HTTP")
    assert c["kinit_managed"] is False
    assert ("win01", "ansible_winrm_kinit_mode") not in hv.read  # a winrm-only variable


def test_host_is_the_inventory_name() -> None:
    c = conn({"web01": {"ansible_host": "192.0.2.10", "ansible_user": "a"}}, name="web01")
    assert (c["host"], c["target"]) == ("web01", "192.0.2.10")
    c = conn({"web02": {"ansible_connection": "psrp", "ansible_host": "web02.lab.test"}}, name="web02")
    assert (c["host"], c["target"]) == ("web02", "web02.lab.test")


@pytest.mark.parametrize(("value", "transports"), [
    ("kerberos,ntlm", ("kerberos", "ntlm")),
    (["ntlm", "kerberos"], ("ntlm", "kerberos")),
    ("plaintext", ("basic",)),
    ("NTLM", ("ntlm",)),
    ("credssp", ("credssp",)),
])
def test_winrm_transport_forms(value: Any, transports: tuple[str, ...]) -> None:
    c = conn({"win01": {"ansible_user": "LAB\\ansible", "ansible_winrm_transport": value}})
    assert c["transports"] == transports


@pytest.mark.parametrize("connection", ["winrm", "ansible.builtin.winrm"])
def test_winrm_ignores_psrp_vars(connection: str) -> None:
    c = conn({"win01": {"ansible_connection": connection, "ansible_user": "alice@LAB.TEST",
                        "ansible_psrp_auth": "ntlm", "ansible_psrp_negotiate_service": "HOST",
                        "ansible_psrp_negotiate_hostname_override": "x.lab.test"}})
    assert (c["transports"], c["service"], c["hostname_override"]) == (("kerberos",), "HTTP", None)


def test_unknown_transport_refused() -> None:
    with pytest.raises(SettingsError, match="ansible_winrm_transport"):
        conn({"win01": {"ansible_winrm_transport": "digest"}})


def test_winrm_certificate_host() -> None:
    c = conn({"win01": {"ansible_port": 5986, "ansible_winrm_transport": "certificate",
                        "ansible_winrm_cert_pem": "/etc/ansible/win01.pem",
                        "ansible_winrm_cert_key_pem": "/etc/ansible/win01.key"}})
    assert c["transports"] == ("certificate",)


# --------------------------------------------------------------------------- psrp


@pytest.mark.parametrize("connection", ["psrp", "ansible.builtin.psrp"])
def test_psrp_defaults_negotiate(connection: str) -> None:
    c = conn({"win01": {"ansible_connection": connection}}, service="HTTP")
    assert c["transports"] == ("kerberos", "ntlm")
    assert c["service"] == "WSMAN"  # psrp's negotiate_service default, not the lookup's
    assert c["hostname_override"] is None
    assert c["target"] == "win01"


@pytest.mark.parametrize(("auth", "transports"), [
    ("negotiate", ("kerberos", "ntlm")),
    ("Negotiate", ("kerberos", "ntlm")),
    ("kerberos", ("kerberos",)),
    ("NTLM", ("ntlm",)),
    ("credssp", ("credssp",)),
    ("basic", ("basic",)),
])
def test_psrp_auth(auth: str, transports: tuple[str, ...]) -> None:
    c = conn({"win01": {"ansible_connection": "psrp", "ansible_psrp_auth": auth, "ansible_user": "LAB\\ansible"}})
    assert c["transports"] == transports


def test_psrp_vars() -> None:
    c = conn({"win01": {
        "ansible_connection": "psrp",
        "ansible_host": "10.0.0.21",
        "ansible_user": "alice@LAB.TEST",
        "ansible_password": PASSWORD,
        "ansible_psrp_negotiate_service": "HTTP",
        "ansible_psrp_negotiate_hostname_override": "win01.lab.test",
        "ansible_winrm_transport": "basic",  # ignored: not a winrm host
        "ansible_winrm_service": "HOST",
    }})
    assert c == {"target": "10.0.0.21", "transports": ("kerberos", "ntlm"), "service": "HTTP",
                 "hostname_override": "win01.lab.test", "username": "alice@LAB.TEST", "password": PASSWORD,
                 "kinit_managed": False, "host": "win01", "cert": False, "scheme": "http"}


def test_only_needed_vars_read() -> None:
    hv = FakeHostVars({"win01": {"ansible_connection": "psrp", "ansible_winrm_transport": "ntlm"}})
    _host_connection(hv, "win01", "HTTP")
    assert ("win01", "ansible_winrm_transport") not in hv.read
    assert ("win01", "ansible_winrm_kinit_mode") not in hv.read
    assert ("win01", "ansible_connection") in hv.read


# --------------------------------------------------------------------------- run (options faked)


def lookup(monkeypatch: pytest.MonkeyPatch, **options: Any) -> tuple[LookupModule, list[dict[str, Any]]]:
    values: dict[str, Any] = {k: None for k in AD_OPTIONS}
    values.update(tls_mode="ldaps", auth="kerberos", validate_certs=True, timeout=10)  # doc fragment defaults
    values.update(transport="kerberos", service="HTTP", check_ticket=False)
    values.update(options)
    module = LookupModule()
    monkeypatch.setattr(module, "set_options", lambda **kwargs: None)
    monkeypatch.setattr(module, "get_option", values.__getitem__)
    gathered: list[dict[str, Any]] = []

    def gather(**kwargs: Any) -> TargetFacts:  # stands in for _auth_facts.gather: no DNS, no KDC
        gathered.append(kwargs)
        return TargetFacts(target=kwargs["target"], transports=tuple(kwargs["transports"]),
                           service=kwargs["service"], resolves=True,
                           kinit_managed=kwargs.get("kinit_managed", False), host=kwargs["host"])

    monkeypatch.setattr(auth_plan, "gather", gather)
    return module, gathered


def test_run_inventory_host_and_plain_name(monkeypatch: pytest.MonkeyPatch) -> None:
    module, gathered = lookup(monkeypatch)
    hostvars = FakeHostVars({"win01": {"ansible_host": "192.0.2.10", "ansible_user": "LAB\\ansible",
                                       "ansible_winrm_transport": "ntlm"}})
    plans = module.run(["win01", "win02.lab.test"], variables={"hostvars": hostvars})
    assert [p["protocol"] for p in plans] == ["ntlm", "kerberos"]
    assert [p["target"] for p in plans] == ["192.0.2.10", "win02.lab.test"]
    assert [p["host"] for p in plans] == ["win01", "win02.lab.test"]
    assert all(list(p)[0] == "host" for p in plans)
    assert gathered[0]["directory"] is None
    assert gathered[0]["check_ticket"] is False
    assert (gathered[0]["host"], gathered[0]["kinit_managed"]) == ("win01", False)
    assert gathered[1]["transports"] == ("kerberos",)
    assert gathered[1]["username"] is None
    assert gathered[1]["host"] == "win02.lab.test"
    assert "kinit_managed" not in gathered[1]  # a plain name has no password: gather's default (False)


def test_run_managed_kinit_failure_reaches_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    module, gathered = lookup(monkeypatch)

    def gather(**kwargs: Any) -> TargetFacts:  # the KDC refuses the password
        gathered.append(kwargs)
        return TargetFacts(target=kwargs["target"], transports=tuple(kwargs["transports"]), service=kwargs["service"],
                           username=kwargs["username"], resolves=True, kinit_managed=kwargs["kinit_managed"],
                           host=kwargs["host"], kdc_error="wrong password (Preauthentication failed)")

    monkeypatch.setattr(auth_plan, "gather", gather)
    base = {"ansible_host": "192.0.2.10", "ansible_user": "LAB\\ansible", "ansible_password": PASSWORD,
            "ansible_winrm_transport": "kerberos,ntlm"}
    hostvars = FakeHostVars({"managed": dict(base), "manual": {**base, "ansible_winrm_kinit_mode": "manual"}})
    plans = module.run(["managed", "manual"], variables={"hostvars": hostvars})
    assert [g["kinit_managed"] for g in gathered] == [True, False]
    assert [(p["host"], p["protocol"]) for p in plans] == [("managed", "fail"), ("manual", "ntlm")]
    assert plans[0]["reason"] == ("the winrm connection runs kinit for LAB\\ansible before trying Kerberos and it "
                                  "fails: wrong password (Preauthentication failed)")
    assert PASSWORD not in repr(plans)


def test_run_settings_error_becomes_lookup_error(monkeypatch: pytest.MonkeyPatch) -> None:
    module, _unused = lookup(monkeypatch)
    hostvars = FakeHostVars({"win01": {"ansible_winrm_transport": "digest"}})
    with pytest.raises(AnsibleLookupError, match="winauth.winrm.auth_plan: unsupported transport 'digest'"):
        module.run(["win01"], variables={"hostvars": hostvars})


def test_run_ad_settings_error_becomes_lookup_error(monkeypatch: pytest.MonkeyPatch) -> None:
    module, _unused = lookup(monkeypatch, server="dc1", auth="simple", tls_mode="none", username="u",
                             password=PASSWORD)
    with pytest.raises(AnsibleLookupError) as caught:
        module.run(["win01"], variables={})
    assert "winauth.winrm.auth_plan: a simple bind sends the password in clear" in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_run_plain_name_transport_list(monkeypatch: pytest.MonkeyPatch) -> None:
    module, gathered = lookup(monkeypatch, transport="kerberos,ntlm")
    module.run(["win02.lab.test"], variables={})
    assert gathered[0]["transports"] == ("kerberos", "ntlm")


class FakeADConnection:
    instances: list[FakeADConnection] = []

    def __init__(self, settings: Any, fail: Exception | None = None) -> None:
        self.settings = settings
        self.fail = fail
        self.events: list[str] = []
        FakeADConnection.instances.append(self)

    def open(self) -> None:
        self.events.append("open")
        if self.fail is not None:
            raise self.fail

    def close(self) -> None:
        self.events.append("close")


def test_run_with_ad_opens_passes_directory_and_closes(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeADConnection.instances = []
    monkeypatch.setattr(_ad_base, "ADConnection", FakeADConnection)
    module, gathered = lookup(monkeypatch, domain="LAB.TEST")
    module.run(["win01.lab.test", "win02.lab.test"], variables={})
    ad = FakeADConnection.instances[0]
    assert ad.settings.domain == "lab.test"
    assert ad.events == ["open", "close"]
    assert gathered[0]["directory"] is gathered[1]["directory"]  # one cache for every term
    assert gathered[0]["directory"].ad is ad


def test_run_ad_error_becomes_lookup_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(settings: Any) -> FakeADConnection:
        return FakeADConnection(settings, fail=ADConnectError("no domain controller reachable: dc1:636 unreachable"))

    monkeypatch.setattr(_ad_base, "ADConnection", failing)
    module, gathered = lookup(monkeypatch, server="dc1")
    with pytest.raises(AnsibleLookupError, match="winauth.winrm.auth_plan: no domain controller reachable"):
        module.run(["win01.lab.test"], variables={})
    assert gathered == []


def test_run_closes_ad_when_a_term_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeADConnection.instances = []
    monkeypatch.setattr(_ad_base, "ADConnection", FakeADConnection)
    module, _unused = lookup(monkeypatch, domain="lab.test")
    hostvars = FakeHostVars({"win01": {"ansible_winrm_transport": "digest"}})
    with pytest.raises(AnsibleLookupError):
        module.run(["win01"], variables={"hostvars": hostvars})
    assert FakeADConnection.instances[0].events == ["open", "close"]


# --------------------------------------------------------------------------- terms that are not host names


@pytest.mark.parametrize(("terms", "number", "described"), [
    ([42], 1, "term 1 is int 42"),
    (["win01.lab.test", None], 2, "term 2 is NoneType None"),
    ([["win01", "win02"]], 1, "term 1 is a list of 2 items"),
    ([{"ansible_host": "win01", "ansible_password": PASSWORD}], 1,
     "term 1 is a dict with keys ansible_host, ansible_password"),
])
def test_non_string_term_is_named_with_what_to_pass(monkeypatch: pytest.MonkeyPatch, terms: list[Any], number: int,
                                                    described: str) -> None:
    module, gathered = lookup(monkeypatch, domain="lab.test")
    FakeADConnection.instances = []
    monkeypatch.setattr(_ad_base, "ADConnection", FakeADConnection)
    with pytest.raises(AnsibleLookupError) as caught:
        module.run(terms, variables={})
    text = str(caught.value)
    assert text.startswith("winauth.winrm.auth_plan: %s, not a host name: " % described)
    assert "pass inventory host names or DNS names as strings" in text
    assert "*groups['windows']" in text
    assert PASSWORD not in text  # a hostvars dict passed by mistake is described by its keys only
    assert gathered == [] and FakeADConnection.instances == []  # checked before AD or DNS is asked


def test_many_keys_are_cut() -> None:
    with pytest.raises(AnsibleLookupError, match=r"keys a, b, c, d, e, …, not a host name"):
        auth_plan.check_terms([{k: 1 for k in "abcdefg"}])


def test_string_subclasses_are_host_names() -> None:
    class Unsafe(str):  # what Ansible's templating hands over (AnsibleUnsafeText, tagged str)
        pass

    assert auth_plan.check_terms([Unsafe("win01")]) == ["win01"]
