# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import SettingsError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import (
    TRANSPORTS,
    WSManSettings,
    build_settings,
    settings_from_connection,
)

PASSWORD = "Pa55w0rd!secret"


class FakeConnection:
    """Stands in for an Ansible connection plugin whose options are already resolved."""

    def __init__(self, load_name: str, **options: Any) -> None:
        self._load_name = load_name
        self.options = options
        self.asked: list[str] = []

    def get_option(self, name: str) -> Any:
        self.asked.append(name)
        if name not in self.options:
            raise KeyError(name)
        return self.options[name]


def winrm_connection(**options: Any) -> FakeConnection:
    # What ansible.builtin.winrm resolves by default (port defaults to 5986 there).
    base: dict[str, Any] = dict(
        remote_addr="win01.lab.test", port=5986, scheme=None, path="/wsman", remote_user="LAB\\ansible",
        remote_password=PASSWORD, transport=None, connection_timeout=None, kerberos_mode=None, _extras={},
    )
    base.update(options)
    return FakeConnection("winrm", **base)


def psrp_connection(**options: Any) -> FakeConnection:
    # What ansible.builtin.psrp resolves by default (see its DOCUMENTATION).
    base: dict[str, Any] = dict(
        remote_addr="win01.lab.test", port=None, protocol=None, path="wsman", remote_user="ansible@LAB.TEST",
        remote_password=PASSWORD, auth="negotiate", cert_validation="validate", ca_cert=None,
        connection_timeout=30, read_timeout=30, operation_timeout=20, message_encryption="auto", proxy=None,
        ignore_proxy=False, certificate_pem=None, certificate_key_pem=None, credssp_auth_mechanism="auto",
        credssp_disable_tlsv1_2=False, credssp_minimum_version=2, negotiate_delegate=None,
        negotiate_hostname_override=None, negotiate_send_cbt=True, negotiate_service="WSMAN",
    )
    base.update(options)
    return FakeConnection("psrp", **base)


# --------------------------------------------------------------------------- build_settings defaults


def test_defaults_port_5985_is_http() -> None:
    s = build_settings("win01", username="admin", password=PASSWORD)
    assert (s.scheme, s.port, s.path) == ("http", 5985, "/wsman")
    assert s.endpoint == "http://win01:5985/wsman"
    assert s.transports == ("basic",)
    assert s.server_cert_validation == "validate"
    assert s.message_encryption == "auto"
    assert s.send_cbt is True
    assert s.service == "HTTP"
    assert (s.connection_timeout, s.read_timeout, s.operation_timeout) == (30, 30, 20)
    assert s.kerberos_managed is False


@pytest.mark.parametrize(("port", "scheme"), [(5986, "https"), (443, "https"), ("8443", "https"), (5985, "http")])
def test_scheme_follows_port(port: int | str, scheme: str) -> None:
    s = build_settings("win01", port=port, username="u")
    assert s.scheme == scheme
    assert s.port == int(port)


def test_port_follows_scheme() -> None:
    assert build_settings("win01", scheme="https", username="u").port == 5986
    assert build_settings("win01", scheme="HTTP", username="u").port == 5985
    assert build_settings("win01", scheme="http", port=8080, username="u").endpoint == "http://win01:8080/wsman"


def test_upn_user_defaults_to_kerberos() -> None:
    s = build_settings("win01", username="alice@LAB.TEST", password=PASSWORD)
    assert s.transports == ("kerberos",)
    assert s.kerberos_managed is True  # a password given with Kerberos: kinit is ours to do
    assert build_settings("win01", username="alice@LAB.TEST").kerberos_managed is False
    assert build_settings("win01", username="alice@LAB.TEST", kerberos_managed=False,
                          password=PASSWORD).kerberos_managed is False


@pytest.mark.parametrize("legacy", ["plaintext", "ssl", "PLAINTEXT", "Basic"])
def test_legacy_names_mean_basic(legacy: str) -> None:
    assert build_settings("win01", port=5986, username="u", transport=legacy).transports == ("basic",)


def test_ssl_with_certificate_means_certificate() -> None:
    s = build_settings("win01", port=5986, transport="ssl", cert_pem="/c.pem", cert_key_pem="/k.pem")
    assert s.transports == ("certificate",)
    assert (s.cert_pem, s.cert_key_pem) == ("/c.pem", "/k.pem")


def test_transport_list_and_string_forms_deduplicated() -> None:
    assert build_settings("h", username="u", transport="ntlm, kerberos,ntlm").transports == ("ntlm", "kerberos")
    assert build_settings("h", username="u", transport=["credssp", "NTLM"]).transports == ("credssp", "ntlm")
    assert build_settings("h", username="u", transport=[]).transports == ("basic",)
    assert build_settings("h", username="u", transport="").transports == ("basic",)


def test_path_normalised_and_values_coerced() -> None:
    s = build_settings("h", username="u", path="wsman", kerberos_delegation="yes", send_cbt="false",
                       credssp_disable_tlsv1_2="1", connection_timeout="5", read_timeout="70",
                       operation_timeout="60", credssp_minimum_version="3", message_encryption="ALWAYS",
                       server_cert_validation="IGNORE")
    assert s.path == "/wsman"
    assert s.kerberos_delegation is True
    assert s.send_cbt is False
    assert s.credssp_disable_tlsv1_2 is True
    assert (s.connection_timeout, s.read_timeout, s.operation_timeout) == (5, 70, 60)
    assert s.credssp_minimum_version == 3
    assert s.message_encryption == "always"
    assert s.server_cert_validation == "ignore"


def test_empty_strings_become_none() -> None:
    s = build_settings("h", username="", password="", ca_trust_path="", kerberos_hostname_override="", proxy="",
                       service="", transport="kerberos")
    assert s.username is None and s.password is None
    assert s.ca_trust_path is None and s.kerberos_hostname_override is None and s.proxy is None
    assert s.service == "HTTP"


# --------------------------------------------------------------------------- build_settings errors


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        (dict(host=""), ["ansible_host"]),
        (dict(scheme="ftp"), ["scheme", "ansible_winrm_scheme"]),
        (dict(port="fifty"), ["port", "ansible_port"]),
        (dict(port=0), ["port", "ansible_port", "at least 1"]),
        (dict(port=70000), ["port", "ansible_port", "65535"]),
        (dict(transport="digest"), ["digest", "ansible_winrm_transport"]),
        (dict(transport="ntlm,bogus"), ["bogus", "ansible_winrm_transport"]),
        (dict(read_timeout=20, operation_timeout=20), ["read_timeout", "operation_timeout"]),
        (dict(read_timeout=10), ["read_timeout", "operation_timeout"]),
        (dict(transport="certificate", port=5986), ["ansible_winrm_cert_pem", "ansible_winrm_cert_key_pem"]),
        (dict(transport="certificate", cert_pem="/c.pem"), ["ansible_winrm_cert_key_pem"]),
        (dict(message_encryption="sometimes"), ["message_encryption", "ansible_winrm_message_encryption"]),
        (dict(server_cert_validation="maybe"), ["ansible_winrm_server_cert_validation"]),
        (dict(transport="ntlm", username=None), ["ntlm", "ansible_user"]),
        (dict(username=None), ["basic", "ansible_user"]),
        (dict(connection_timeout="soon"), ["connection_timeout"]),
        (dict(operation_timeout=0), ["operation_timeout", "ansible_winrm_operation_timeout_sec"]),
        (dict(read_timeout="x"), ["read_timeout", "ansible_winrm_read_timeout_sec"]),
        (dict(kerberos_delegation="perhaps"), ["kerberos_delegation"]),
        (dict(send_cbt="perhaps"), ["send_cbt"]),
    ],
)
def test_invalid_input_names_the_variable(kwargs: dict[str, Any], names: list[str]) -> None:
    args: dict[str, Any] = dict(host="win01", username="admin", password=PASSWORD)
    args.update(kwargs)
    with pytest.raises(SettingsError) as info:
        build_settings(**args)
    for name in names:
        assert name in str(info.value), (name, str(info.value))
    assert PASSWORD not in str(info.value)


@pytest.mark.parametrize("transport", [" ", ",", " , "])
def test_blank_transport_list_is_not_silently_empty(transport: str) -> None:
    try:
        s = build_settings("win01", username="admin", password=PASSWORD, transport=transport)
    except SettingsError as e:
        assert "ansible_winrm_transport" in str(e)
        return
    assert s.transports, "no transport to authenticate with"


def test_transports_constant() -> None:
    assert set(TRANSPORTS) == {"basic", "ntlm", "kerberos", "credssp", "certificate"}


# --------------------------------------------------------------------------- WSManSettings


@pytest.mark.parametrize(
    ("host", "endpoint"),
    [
        ("win01.lab.test", "https://win01.lab.test:5986/wsman"),
        ("192.0.2.10", "https://192.0.2.10:5986/wsman"),
        ("2001:db8::10", "https://[2001:db8::10]:5986/wsman"),
        ("::1", "https://[::1]:5986/wsman"),
    ],
)
def test_endpoint_formatting(host: str, endpoint: str) -> None:
    assert build_settings(host, port=5986, username="u").endpoint == endpoint


@pytest.mark.parametrize(
    ("scheme", "mode", "expected"),
    [
        ("http", "auto", {"ntlm": True, "kerberos": True, "credssp": True, "basic": False, "certificate": False}),
        ("https", "auto", {"ntlm": False, "kerberos": False, "credssp": False, "basic": False, "certificate": False}),
        ("http", "always", {"ntlm": True, "kerberos": True, "credssp": True, "basic": False, "certificate": False}),
        ("https", "always", {"ntlm": True, "kerberos": True, "credssp": True, "basic": False, "certificate": False}),
        ("http", "never", {"ntlm": False, "kerberos": False, "credssp": False, "basic": False, "certificate": False}),
        ("https", "never", {"ntlm": False, "kerberos": False, "credssp": False, "basic": False, "certificate": False}),
    ],
)
def test_encrypts_messages_truth_table(scheme: str, mode: str, expected: dict[str, bool]) -> None:
    s = build_settings("h", scheme=scheme, username="u", message_encryption=mode)
    assert {t: s.encrypts_messages(t) for t in expected} == expected


def test_password_not_in_repr() -> None:
    s = build_settings("win01", username="admin", password=PASSWORD, transport="ntlm")
    assert s.password == PASSWORD
    assert PASSWORD not in repr(s)
    assert PASSWORD not in str(s)
    assert "admin" in repr(s)


def test_settings_are_frozen() -> None:
    s = build_settings("win01", username="admin")
    with pytest.raises(AttributeError):
        s.password = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------- settings_from_connection: winrm


def test_winrm_connection_defaults() -> None:
    conn = winrm_connection()
    s = settings_from_connection(conn)
    assert isinstance(s, WSManSettings)
    assert s.endpoint == "https://win01.lab.test:5986/wsman"
    assert s.username == "LAB\\ansible"
    assert s.password == PASSWORD
    assert s.transports == ("basic",)  # "ssl" in Ansible's terms, no certificate
    assert (s.operation_timeout, s.read_timeout, s.connection_timeout) == (20, 30, 30)
    assert s.service == "HTTP"
    assert "_extras" in conn.asked


def test_winrm_fully_qualified_load_name_and_extras() -> None:
    conn = winrm_connection(
        port=5985, transport=["ntlm"],
        _extras={
            "ansible_winrm_server_cert_validation": "ignore",
            "ansible_winrm_ca_trust_path": "/etc/ssl/lab-ca.pem",
            "ansible_winrm_message_encryption": "always",
            "ansible_winrm_kerberos_delegation": "true",
            "ansible_winrm_kerberos_hostname_override": "win01-alias.lab.test",
            "ansible_winrm_service": "WSMAN",
            "ansible_winrm_send_cbt": "false",
            "ansible_winrm_operation_timeout_sec": "40",
            "ansible_winrm_read_timeout_sec": "50",
            "ansible_winrm_proxy": "http://proxy:3128",
            "ansible_winrm_credssp_disable_tlsv1_2": True,
        },
    )
    conn._load_name = "ansible.builtin.winrm"
    s = settings_from_connection(conn)
    assert s.endpoint == "http://win01.lab.test:5985/wsman"
    assert s.transports == ("ntlm",)
    assert s.server_cert_validation == "ignore"
    assert s.ca_trust_path == "/etc/ssl/lab-ca.pem"
    assert s.message_encryption == "always"
    assert s.kerberos_delegation is True
    assert s.kerberos_hostname_override == "win01-alias.lab.test"
    assert s.service == "WSMAN"
    assert s.send_cbt is False
    assert (s.operation_timeout, s.read_timeout) == (40, 50)
    assert s.proxy == "http://proxy:3128"
    assert s.credssp_disable_tlsv1_2 is True


def test_winrm_connection_timeout_overrides_both_timeouts() -> None:
    conn = winrm_connection(connection_timeout=60, _extras={"ansible_winrm_operation_timeout_sec": 5,
                                                            "ansible_winrm_read_timeout_sec": 8})
    s = settings_from_connection(conn)
    # same rule as ansible.builtin.winrm: operation = connection_timeout, read = connection_timeout + 10
    assert (s.operation_timeout, s.read_timeout, s.connection_timeout) == (60, 70, 60)


def test_winrm_kerberos_mode() -> None:
    upn = dict(remote_user="alice@LAB.TEST")
    assert settings_from_connection(winrm_connection(**upn)).kerberos_managed is True
    assert settings_from_connection(winrm_connection(kerberos_mode="manual", **upn)).kerberos_managed is False
    assert settings_from_connection(winrm_connection(kerberos_mode="managed", remote_password=None,
                                                     **upn)).kerberos_managed is True
    assert settings_from_connection(winrm_connection(**upn)).transports == ("kerberos",)


def test_winrm_missing_option_is_none() -> None:
    # older ansible-core without kerberos_mode/connection_timeout: get_option raises KeyError
    conn = winrm_connection()
    del conn.options["kerberos_mode"]
    del conn.options["connection_timeout"]
    s = settings_from_connection(conn)
    assert s.kerberos_managed is False
    assert (s.operation_timeout, s.read_timeout) == (20, 30)


def test_winrm_invalid_extra_names_variable() -> None:
    conn = winrm_connection(_extras={"ansible_winrm_message_encryption": "sometimes"})
    with pytest.raises(SettingsError, match="ansible_winrm_message_encryption"):
        settings_from_connection(conn)


# --------------------------------------------------------------------------- settings_from_connection: psrp


def test_psrp_negotiate_is_kerberos_then_ntlm() -> None:
    s = settings_from_connection(psrp_connection(port=5986))
    assert s.transports == ("kerberos", "ntlm")
    assert s.service == "WSMAN"  # psrp's negotiate_service default
    assert s.path == "/wsman"
    assert s.endpoint == "https://win01.lab.test:5986/wsman"
    assert s.kerberos_managed is False
    assert s.send_cbt is True
    assert (s.connection_timeout, s.read_timeout, s.operation_timeout) == (30, 30, 20)


def test_psrp_auth_none_means_negotiate_and_service_default() -> None:
    s = settings_from_connection(psrp_connection(port=5986, auth=None, negotiate_service=None))
    assert s.transports == ("kerberos", "ntlm")
    assert s.service == "WSMAN"


@pytest.mark.parametrize(
    ("auth", "transports"),
    [("basic", ("basic",)), ("ntlm", ("ntlm",)), ("kerberos", ("kerberos",)), ("credssp", ("credssp",)),
     ("NTLM", ("ntlm",))],
)
def test_psrp_auth_mapping(auth: str, transports: tuple[str, ...]) -> None:
    assert settings_from_connection(psrp_connection(port=5986, auth=auth)).transports == transports


def test_psrp_certificate_auth() -> None:
    s = settings_from_connection(psrp_connection(port=5986, auth="certificate", certificate_pem="/c.pem",
                                                 certificate_key_pem="/k.pem"))
    assert s.transports == ("certificate",)
    assert (s.cert_pem, s.cert_key_pem) == ("/c.pem", "/k.pem")


def test_psrp_options_mapping() -> None:
    s = settings_from_connection(psrp_connection(
        port=5985, protocol="http", cert_validation="ignore", ca_cert="/ca.pem", negotiate_delegate=True,
        negotiate_hostname_override="alias", negotiate_service="HTTP", negotiate_send_cbt=False,
        message_encryption="never", proxy="http://p:3128", read_timeout=90, operation_timeout=60,
        connection_timeout=5,
    ))
    assert s.endpoint == "http://win01.lab.test:5985/wsman"
    assert s.server_cert_validation == "ignore"
    assert s.ca_trust_path == "/ca.pem"
    assert s.kerberos_delegation is True
    assert s.kerberos_hostname_override == "alias"
    assert s.service == "HTTP"
    assert s.send_cbt is False
    assert s.message_encryption == "never"
    assert s.proxy == "http://p:3128"
    assert (s.connection_timeout, s.read_timeout, s.operation_timeout) == (5, 90, 60)


def test_psrp_ignore_proxy() -> None:
    s = settings_from_connection(psrp_connection(port=5986, proxy="http://p:3128", ignore_proxy=True))
    assert s.proxy is None


def test_psrp_cert_validation_validate() -> None:
    assert settings_from_connection(psrp_connection(port=5986)).server_cert_validation == "validate"


def test_psrp_unsupported_auth() -> None:
    with pytest.raises(SettingsError, match="ansible_psrp_auth"):
        settings_from_connection(psrp_connection(auth="digest"))


def test_psrp_defaults_to_https_5986_like_the_psrp_plugin() -> None:
    s = settings_from_connection(psrp_connection(port=None, protocol=None))
    assert (s.scheme, s.port) == ("https", 5986)


def test_psrp_protocol_without_port() -> None:
    assert settings_from_connection(psrp_connection(protocol="http")).endpoint == "http://win01.lab.test:5985/wsman"
    assert settings_from_connection(psrp_connection(protocol="https")).port == 5986


# --------------------------------------------------------------------------- unsupported connections


@pytest.mark.parametrize("name", ["ssh", "ansible.builtin.ssh", "ansible.netcommon.network_cli", ""])
def test_unsupported_connection(name: str) -> None:
    with pytest.raises(SettingsError) as info:
        settings_from_connection(FakeConnection(name, remote_addr="h"))
    text = str(info.value)
    assert "ansible_connection" in text
    assert "winrm" in text and "psrp" in text
    assert repr(name or "unknown") in text


def test_connection_name_from_transport_attribute() -> None:
    class Legacy:
        transport = "winrm"

        def get_option(self, name: str) -> Any:
            return {"remote_addr": "h", "port": 5985, "remote_user": "u", "_extras": {}}.get(name)

    assert settings_from_connection(Legacy()).endpoint == "http://h:5985/wsman"


# --------------------------------------------------------------------------- issue 7: timeouts of 0, names


@pytest.mark.parametrize(
    ("connection", "variable"),
    [
        (lambda: winrm_connection(connection_timeout=0), "ansible_winrm_connection_timeout"),
        (lambda: psrp_connection(connection_timeout=0), "ansible_psrp_connection_timeout"),
        (lambda: psrp_connection(read_timeout=0), "ansible_psrp_read_timeout"),
        (lambda: psrp_connection(operation_timeout=0), "ansible_psrp_operation_timeout"),
        (lambda: winrm_connection(_extras={"ansible_winrm_read_timeout_sec": 0}), "ansible_winrm_read_timeout_sec"),
    ],
    ids=["winrm-connection", "psrp-connection", "psrp-read", "psrp-operation", "winrm-read"],
)
def test_timeout_zero_is_refused_not_replaced(connection: Any, variable: str) -> None:
    with pytest.raises(SettingsError) as info:
        settings_from_connection(connection())
    text = str(info.value)
    assert variable in text and "got 0" in text
    assert "refused, not replaced by a default" in text


def test_winrm_connection_timeout_names_itself_as_the_timeout_to_raise() -> None:
    s = settings_from_connection(winrm_connection(connection_timeout=15))
    assert s.timeouts_from_connection_timeout is True
    assert s.variable("read_timeout") == s.variable("operation_timeout") == "ansible_winrm_connection_timeout"
    assert s.request_deadline == s.read_timeout == 25


@pytest.mark.parametrize(
    ("connection", "expected"),
    [
        (winrm_connection, {"read_timeout": "ansible_winrm_read_timeout_sec", "path": "ansible_winrm_path",
                            "ca_trust_path": "ansible_winrm_ca_trust_path", "proxy": "ansible_winrm_proxy",
                            "scheme": "ansible_winrm_scheme", "host": "ansible_host"}),
        (psrp_connection, {"read_timeout": "ansible_psrp_read_timeout", "path": "ansible_psrp_path",
                           "ca_trust_path": "ansible_psrp_ca_cert", "proxy": "ansible_psrp_proxy",
                           "scheme": "ansible_psrp_protocol", "host": "ansible_host"}),
    ],
)
def test_variable_names_follow_the_connection_plugin(connection: Any, expected: dict[str, str]) -> None:
    s = settings_from_connection(connection())
    assert {option: s.variable(option) for option in expected} == expected
    assert s.request_deadline == s.read_timeout


def test_psrp_timeout_messages_name_psrp_variables() -> None:
    with pytest.raises(SettingsError, match="raise ansible_psrp_read_timeout or lower ansible_psrp_operation_timeout"):
        settings_from_connection(psrp_connection(read_timeout=10, operation_timeout=20))


def test_unknown_connection_name() -> None:
    with pytest.raises(SettingsError, match="unknown connection plugin 'ssh'"):
        build_settings(host="win01", username="a", password="b", connection="ssh")


@pytest.mark.parametrize(
    ("host", "needle"),
    [
        ("a" * 64 + ".lab.test", "has a label of 64 characters, DNS allows at most 63"),
        (".".join(["b" * 60] * 5), "longer than the 253 characters DNS allows"),
    ],
    ids=["label", "name"],
)
def test_overlong_host_name_is_refused_before_any_network_io(host: str, needle: str) -> None:
    with pytest.raises(SettingsError) as info:
        build_settings(host=host, username="a", password="b")
    assert needle in str(info.value) and "ansible_host" in str(info.value)
    assert len(str(info.value)) < 400  # the name is shown shortened


@pytest.mark.parametrize("host", ["a" * 63 + ".lab.test", "win01.lab.test.", "10.0.0.1", "fe80::1", "x" * 63])
def test_host_names_dns_allows_are_accepted(host: str) -> None:
    assert build_settings(host=host, username="a", password="b").host == host
