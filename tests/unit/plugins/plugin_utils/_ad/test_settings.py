# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.errors import ADError, ADSettingsError
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.settings import (
    AUTHS,
    TLS_MODES,
    ADSettings,
    build_ad_settings,
)

PASSWORD = "Pa55w0rd!ldap-secret"

# --------------------------------------------------------------------------- defaults


def test_defaults() -> None:
    s = build_ad_settings(domain="lab.test")
    assert s.domain == "lab.test"
    assert s.servers == ()
    assert (s.tls_mode, s.port, s.auth) == ("ldaps", 636, "kerberos")
    assert (s.username, s.password, s.ca_cert, s.search_base) == (None, None, None, None)
    assert s.validate_certs is True
    assert s.timeout == 10
    assert s.realm == "LAB.TEST"
    assert s.default_base == "DC=lab,DC=test"


@pytest.mark.parametrize(("tls_mode", "port"), [("ldaps", 636), ("starttls", 389), ("none", 389),
                                                ("LDAPS", 636), ("StartTLS", 389)])
def test_port_follows_tls_mode(tls_mode: str, port: int) -> None:
    s = build_ad_settings(domain="lab.test", tls_mode=tls_mode)
    assert s.port == port
    assert s.tls_mode == tls_mode.lower()


def test_explicit_port_kept_and_coerced() -> None:
    assert build_ad_settings(domain="lab.test", port=3269).port == 3269
    assert build_ad_settings(domain="lab.test", port="3268", tls_mode="none").port == 3268
    assert build_ad_settings(domain="lab.test", timeout="30").timeout == 30


@pytest.mark.parametrize(("server", "servers"), [
    ("dc1.lab.test", ("dc1.lab.test",)),
    ("dc1.lab.test, dc2.lab.test", ("dc1.lab.test", "dc2.lab.test")),
    (" a ,b,, ", ("a", "b")),
    (["dc1", " dc2 ", ""], ("dc1", "dc2")),
    ([], ()),
])
def test_server_forms(server: Any, servers: tuple[str, ...]) -> None:
    assert build_ad_settings(domain="lab.test", server=server).servers == servers


def test_server_alone_is_enough() -> None:
    s = build_ad_settings(server="a, b")
    assert s.servers == ("a", "b")
    assert s.domain is None
    assert s.realm is None
    assert s.default_base is None


@pytest.mark.parametrize("domain", ["LAB.TEST", " lab.test ", "lab.test.", "Lab.Test."])
def test_domain_normalised(domain: str) -> None:
    s = build_ad_settings(domain=domain)
    assert s.domain == "lab.test"
    assert s.realm == "LAB.TEST"
    assert s.default_base == "DC=lab,DC=test"


def test_default_base_of_deeper_domain_and_explicit_base() -> None:
    assert build_ad_settings(domain="corp.example.com").default_base == "DC=corp,DC=example,DC=com"
    s = build_ad_settings(domain="lab.test", search_base="OU=Servers,DC=lab,DC=test")
    assert s.default_base == "OU=Servers,DC=lab,DC=test"
    assert build_ad_settings(server="dc1", search_base="DC=x").default_base == "DC=x"


def test_case_insensitive_auth_and_empty_values() -> None:
    s = build_ad_settings(domain="lab.test", auth="KERBEROS", tls_mode="", username="", password="", ca_cert="",
                          search_base="")
    assert (s.auth, s.tls_mode, s.port) == ("kerberos", "ldaps", 636)
    assert (s.username, s.password, s.ca_cert, s.search_base) == (None, None, None, None)
    assert build_ad_settings(domain="lab.test", auth=None).auth == "kerberos"  # type: ignore[arg-type]


def test_validate_certs_coerced_to_bool() -> None:
    assert build_ad_settings(domain="lab.test", validate_certs=0).validate_certs is False  # type: ignore[arg-type]
    assert build_ad_settings(domain="lab.test", validate_certs=False).validate_certs is False


@pytest.mark.parametrize("auth", ["simple", "ntlm"])
@pytest.mark.parametrize("tls_mode", ["ldaps", "starttls"])
def test_password_binds_over_tls_accepted(auth: str, tls_mode: str) -> None:
    s = build_ad_settings(domain="lab.test", auth=auth, tls_mode=tls_mode, username="LAB\\reader",
                          password=PASSWORD)
    assert (s.auth, s.tls_mode, s.username, s.password) == (auth, tls_mode, "LAB\\reader", PASSWORD)


@pytest.mark.parametrize("auth", ["ntlm", "negotiate", "kerberos"])
def test_sasl_binds_on_plain_ldap_accepted(auth: str) -> None:
    # Issue 6: on tls_mode none the Kerberos, Negotiate and NTLM binds sign and seal (no longer TLS-only for NTLM).
    s = build_ad_settings(domain="lab.test", auth=auth, tls_mode="none", username="LAB\\reader", password=PASSWORD)
    assert (s.auth, s.tls_mode, s.port) == (auth, "none", 389)


def test_negotiate_without_credentials_uses_the_ticket_cache() -> None:
    s = build_ad_settings(domain="lab.test", auth="negotiate")
    assert (s.auth, s.username, s.password) == ("negotiate", None, None)


def test_kerberos_with_username_and_password() -> None:
    s = build_ad_settings(domain="lab.test", username="reader@LAB.TEST", password=PASSWORD, tls_mode="none")
    assert (s.auth, s.port, s.username) == ("kerberos", 389, "reader@LAB.TEST")


def test_kerberos_username_without_password_uses_ccache() -> None:
    assert build_ad_settings(domain="lab.test", username="reader@LAB.TEST").password is None


def test_password_not_in_repr() -> None:
    s = build_ad_settings(domain="lab.test", auth="simple", username="reader", password=PASSWORD)
    assert PASSWORD not in repr(s)
    assert PASSWORD not in str(s)
    assert "reader" in repr(s)
    assert s.password == PASSWORD


def test_settings_frozen() -> None:
    s = build_ad_settings(domain="lab.test")
    assert isinstance(s, ADSettings)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.port = 1  # type: ignore[misc]


def test_constants() -> None:
    assert AUTHS == ("kerberos", "simple", "ntlm", "negotiate")
    assert TLS_MODES == ("ldaps", "starttls", "none")


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(("kwargs", "words"), [
    (dict(), ("domain", "server")),
    (dict(domain="", server=""), ("domain", "server")),
    (dict(domain="  ", server=" , "), ("domain", "server")),
    (dict(domain=".", server=[]), ("domain", "server")),
    (dict(domain="lab.test", auth="digest"), ("auth", "kerberos", "simple", "ntlm", "'digest'")),
    (dict(domain="lab.test", tls_mode="ssl"), ("tls_mode", "ldaps", "starttls", "none", "'ssl'")),
    (dict(domain="lab.test", auth="simple", tls_mode="none", username="u", password=PASSWORD),
     ("simple", "clear", "tls_mode")),
    (dict(domain="lab.test", auth="simple", username="u"), ("simple", "username", "password")),
    (dict(domain="lab.test", auth="simple", password=PASSWORD), ("simple", "username", "password")),
    (dict(domain="lab.test", auth="ntlm", username="LAB\\u"), ("ntlm", "username", "password")),
    (dict(domain="lab.test", auth="ntlm", password=PASSWORD), ("ntlm", "username", "password")),
    (dict(domain="lab.test", auth="negotiate", password=PASSWORD), ("password", "username")),
    (dict(domain="lab.test", password=PASSWORD), ("password", "username")),
    (dict(domain="lab.test", port="ldap"), ("port",)),
    (dict(domain="lab.test", timeout="soon"), ("timeout",)),
    (dict(domain="lab.test", timeout=None), ("timeout",)),
    (dict(domain="lab.test", port=0), ("port", "1-65535")),
    (dict(domain="lab.test", port=65536), ("port", "1-65535")),
    (dict(domain="lab.test", port=-1), ("port",)),
    (dict(domain="lab.test", timeout=0), ("timeout",)),
])
def test_refusals_name_the_option(kwargs: dict[str, Any], words: tuple[str, ...]) -> None:
    with pytest.raises(ADSettingsError) as caught:
        build_ad_settings(**kwargs)
    for word in words:
        assert word in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert isinstance(caught.value, ADError)


def test_simple_without_tls_refused_even_without_credentials() -> None:
    # The clear-text refusal comes first: it is the one to fix.
    with pytest.raises(ADSettingsError, match="clear"):
        build_ad_settings(domain="lab.test", auth="simple", tls_mode="none")
