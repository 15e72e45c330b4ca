# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import ssl
from typing import Any

import ldap3
import pytest
from ldap3.core import exceptions as ldap_exc

from ansible_collections.winauth.winrm.plugins.plugin_utils import _ad_ldap
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad_errors import (
    ADBindError,
    ADConnectError,
    ADError,
    ADSearchError,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad_ldap import PAGE_SIZE, ADConnection, _gss_text
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad_settings import build_ad_settings

PASSWORD = "Pa55w0rd!ldap-secret"
PAGED_OID = "1.2.840.113556.1.4.319"
CERT_FAILED = ("socket ssl wrapping error: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
               "self-signed certificate in certificate chain (_ssl.c:1006)")


# --------------------------------------------------------------------------- fake ldap3


class FakeServer:
    def __init__(self, host: str, **kwargs: Any) -> None:
        self.host = host
        self.kwargs = kwargs


class FakeConnection:
    """ldap3.Connection as _ad_ldap drives it; behaviour per host comes from the :class:`FakeLDAP`."""

    def __init__(self, ldap: FakeLDAP, server: FakeServer, **kwargs: Any) -> None:
        self.ldap = ldap
        self.server = server
        self.kwargs = kwargs
        self.behaviour = ldap.hosts.get(server.host, {})
        self.authentication = kwargs.get("authentication")
        self.sasl_mechanism: Any = None
        self.sasl_credentials: Any = None
        self.user: Any = None
        self.password: Any = None
        self.result: Any = None
        self.response: Any = None
        self.bound = False
        self.unbound = False
        self.searches: list[dict[str, Any]] = []
        ldap.connections.append(self)

    def open(self) -> None:
        self.ldap.events.append(("open", self.server.host))
        error = self.behaviour.get("open")
        if error is not None:
            raise error

    def start_tls(self) -> bool:
        self.ldap.events.append(("start_tls", self.server.host))
        outcome = self.behaviour.get("start_tls", True)
        if isinstance(outcome, BaseException):
            raise outcome
        if not outcome:
            self.result = {"result": 2, "description": "protocolError", "message": "unsupported extended operation"}
        return bool(outcome)

    def bind(self) -> bool:
        self.ldap.events.append(("bind", self.server.host))
        outcome = self.behaviour.get("bind", True)
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome is True:
            self.bound = True
            self.result = {"result": 0, "description": "success"}
            return True
        self.result = outcome
        return False

    def search(self, search_base: str, search_filter: str, **kwargs: Any) -> bool:
        self.searches.append({"base": search_base, "filter": search_filter, **kwargs})
        page = self.ldap.pages.pop(0)
        if isinstance(page, BaseException):
            raise page
        ok, self.result, self.response = page
        return ok

    def unbind(self) -> None:
        self.ldap.events.append(("unbind", self.server.host))
        self.unbound = True
        if self.behaviour.get("unbind") is not None:
            raise self.behaviour["unbind"]


class FakeLDAP:
    """Installed over ldap3.Server/ldap3.Connection; ``hosts`` scripts each DC, ``pages`` the searches."""

    def __init__(self) -> None:
        self.hosts: dict[str, dict[str, Any]] = {}
        self.pages: list[Any] = []
        self.connections: list[FakeConnection] = []
        self.servers: list[FakeServer] = []
        self.events: list[tuple[str, str]] = []

    def server(self, host: str, **kwargs: Any) -> FakeServer:
        srv = FakeServer(host, **kwargs)
        self.servers.append(srv)
        return srv

    def connection(self, server: FakeServer, **kwargs: Any) -> FakeConnection:
        return FakeConnection(self, server, **kwargs)


@pytest.fixture
def ldap(monkeypatch: pytest.MonkeyPatch) -> FakeLDAP:
    fake = FakeLDAP()
    monkeypatch.setattr(_ad_ldap.ldap3, "Server", fake.server)
    monkeypatch.setattr(_ad_ldap.ldap3, "Connection", fake.connection)

    def no_dns(domain: str, timeout: float = 5.0) -> list[str]:
        raise AssertionError("no DNS discovery expected")

    monkeypatch.setattr(_ad_ldap, "discover_dcs", no_dns)
    return fake


def simple(**kwargs: Any) -> Any:
    base: dict[str, Any] = {"domain": "lab.test", "server": "dc1.lab.test", "auth": "simple",
                            "username": "reader@lab.test", "password": PASSWORD}
    base.update(kwargs)
    return build_ad_settings(**base)


def entry(dn: str, **attributes: Any) -> dict[str, Any]:
    return {"type": "searchResEntry", "dn": dn, "attributes": attributes}


def page(entries: list[dict[str, Any]], cookie: bytes | None) -> tuple[bool, dict[str, Any], list[dict[str, Any]]]:
    controls = {PAGED_OID: {"description": "", "criticality": False, "value": {"size": 0, "cookie": cookie}}}
    return True, {"result": 0, "description": "success", "controls": controls}, entries


def bound(ldap: FakeLDAP, **kwargs: Any) -> ADConnection:
    conn = ADConnection(simple(**kwargs))
    conn.open()
    return conn


# --------------------------------------------------------------------------- open: servers, TLS


def test_open_tries_servers_in_order_and_binds_the_first_reachable(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1"] = {"open": ldap_exc.LDAPSocketOpenError("socket connection error while opening: "
                                                              "[Errno 111] Connection refused")}
    ldap.hosts["dc2"] = {"open": ldap_exc.LDAPSocketOpenError("socket connection error while opening: timed out")}
    conn = ADConnection(simple(server="dc1, dc2, dc3"))
    conn.open()
    assert conn.server_name == "dc3"
    assert ldap.events == [("open", "dc1"), ("open", "dc2"), ("open", "dc3"), ("bind", "dc3")]


def test_open_reports_every_failure(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1"] = {"open": ldap_exc.LDAPSocketOpenError("[Errno 111] Connection refused")}
    ldap.hosts["dc2"] = {"open": ldap_exc.LDAPSocketOpenError("[Errno 113] No route to host")}
    with pytest.raises(ADConnectError) as caught:
        ADConnection(simple(server="dc1,dc2")).open()
    text = str(caught.value)
    assert text.startswith("no domain controller reachable: ")
    assert "dc1:636 unreachable ([Errno 111] Connection refused)" in text
    assert "dc2:636 unreachable ([Errno 113] No route to host)" in text
    assert text.index("dc1") < text.index("dc2")
    assert ("bind", "dc1") not in ldap.events and ("bind", "dc2") not in ldap.events


def test_certificate_failure_mentions_ca_cert(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"open": ldap_exc.LDAPSocketOpenError(CERT_FAILED)}
    with pytest.raises(ADConnectError) as caught:
        ADConnection(simple()).open()
    text = str(caught.value)
    assert "dc1.lab.test:636" in text
    assert "TLS certificate not trusted or does not match the name" in text
    assert "ca_cert" in text
    assert "CERTIFICATE_VERIFY_FAILED" in text


def test_hostname_mismatch_mentions_ca_cert(ldap: FakeLDAP) -> None:
    ldap.hosts["10.0.0.5"] = {"open": ldap_exc.LDAPSocketOpenError(
        "socket ssl wrapping error: certificate {...} doesn't match any name in ['10.0.0.5'] ")}
    with pytest.raises(ADConnectError, match="ca_cert"):
        ADConnection(simple(server="10.0.0.5")).open()


def test_long_error_text_cut(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"open": ldap_exc.LDAPSocketOpenError("x" * 1000)}
    with pytest.raises(ADConnectError) as caught:
        ADConnection(simple()).open()
    assert "x" * 200 + "…" in str(caught.value)
    assert "x" * 201 not in str(caught.value)


def test_other_ldap_errors_while_connecting(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"open": ldap_exc.LDAPSessionTerminatedByServerError("session terminated")}
    with pytest.raises(ADConnectError, match=r"dc1.lab.test:636: session terminated"):
        ADConnection(simple()).open()


def test_ldaps_server_and_tls_arguments(ldap: FakeLDAP) -> None:
    conn = bound(ldap, timeout=7, port=3269)
    srv = ldap.servers[0]
    assert srv.host == "dc1.lab.test"
    assert srv.kwargs["port"] == 3269
    assert srv.kwargs["use_ssl"] is True
    assert srv.kwargs["connect_timeout"] == 7
    assert srv.kwargs["get_info"] == ldap3.NONE
    tls = srv.kwargs["tls"]
    assert tls.validate == ssl.CERT_REQUIRED
    c = ldap.connections[0]
    assert c.kwargs["authentication"] == ldap3.ANONYMOUS
    assert c.kwargs["receive_timeout"] == 7
    assert c.kwargs["raise_exceptions"] is False
    assert c.kwargs["read_only"] is True
    assert ("start_tls", "dc1.lab.test") not in ldap.events
    assert conn.server_name == "dc1.lab.test"


def test_validate_certs_false_and_ca_cert(ldap: FakeLDAP, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[dict[str, Any]] = []

    def tls(**kwargs: Any) -> dict[str, Any]:
        made.append(kwargs)
        return kwargs

    monkeypatch.setattr(_ad_ldap.ldap3, "Tls", tls)
    bound(ldap, validate_certs=False, ca_cert="/etc/pki/lab-ca.pem")
    assert made[0]["validate"] == ssl.CERT_NONE
    assert made[0]["ca_certs_file"] == "/etc/pki/lab-ca.pem"
    bound(ldap)
    assert made[1]["validate"] == ssl.CERT_REQUIRED
    assert made[1]["ca_certs_file"] is None


def test_starttls_started_before_bind(ldap: FakeLDAP) -> None:
    bound(ldap, tls_mode="starttls")
    assert ldap.servers[0].kwargs["use_ssl"] is False
    assert ldap.servers[0].kwargs["port"] == 389
    assert ldap.events == [("open", "dc1.lab.test"), ("start_tls", "dc1.lab.test"), ("bind", "dc1.lab.test")]


def test_starttls_refused(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"start_tls": False}
    with pytest.raises(ADConnectError) as caught:
        ADConnection(simple(tls_mode="starttls")).open()
    assert "dc1.lab.test:389 refused StartTLS" in str(caught.value)


def test_no_tls_mode_none_skips_starttls(ldap: FakeLDAP) -> None:
    conn = ADConnection(build_ad_settings(server="dc1", tls_mode="none"))
    conn.open()
    assert ("start_tls", "dc1") not in ldap.events
    assert ldap.servers[0].kwargs["use_ssl"] is False


def test_starttls_certificate_failure_mentions_ca_cert(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"start_tls": ldap_exc.LDAPStartTLSError(
        "wrap socket error: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate")}
    with pytest.raises(ADConnectError) as caught:
        ADConnection(simple(tls_mode="starttls")).open()
    assert "ca_cert" in str(caught.value)


def test_discovery_when_no_server(ldap: FakeLDAP, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, float]] = []

    def discover(domain: str, timeout: float = 5.0) -> list[str]:
        asked.append((domain, timeout))
        return ["dc2.lab.test", "dc1.lab.test"]

    monkeypatch.setattr(_ad_ldap, "discover_dcs", discover)
    conn = ADConnection(build_ad_settings(domain="LAB.TEST", timeout=4))
    conn.open()
    assert asked == [("lab.test", 4)]
    assert conn.server_name == "dc2.lab.test"


def test_discovery_error_propagates(ldap: FakeLDAP, monkeypatch: pytest.MonkeyPatch) -> None:
    def discover(domain: str, timeout: float = 5.0) -> list[str]:
        raise ADConnectError("no domain controller found: set server")

    monkeypatch.setattr(_ad_ldap, "discover_dcs", discover)
    with pytest.raises(ADConnectError, match="set server"):
        ADConnection(build_ad_settings(domain="lab.test")).open()


def test_without_ldap3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ad_ldap, "HAS_LDAP3", False)
    with pytest.raises(ADError, match="pip install ldap3"):
        ADConnection(simple())


# --------------------------------------------------------------------------- bind


def test_simple_bind_sets_user_and_password(ldap: FakeLDAP) -> None:
    bound(ldap)
    c = ldap.connections[0]
    assert c.authentication == ldap3.SIMPLE
    assert (c.user, c.password) == ("reader@lab.test", PASSWORD)


def test_bind_invalid_credentials(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"bind": {"result": 49, "description": "invalidCredentials",
                                           "message": "80090308: LdapErr: DSID-0C09044E, comment: "
                                                      "AcceptSecurityContext error, data 52e, v4563"}}
    with pytest.raises(ADBindError) as caught:
        ADConnection(simple()).open()
    text = str(caught.value)
    assert text == "simple bind to dc1.lab.test refused: invalid credentials for reader@lab.test"
    assert PASSWORD not in text


def test_bind_requires_signing(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1"] = {"bind": {"result": 8, "description": "strongerAuthRequired",
                                  "message": "00002028: LdapErr: DSID-0C090259, comment: The server requires "
                                             "binds to turn on integrity checking"}}
    with pytest.raises(ADBindError) as caught:
        ADConnection(build_ad_settings(server="dc1", tls_mode="none")).open()
    text = str(caught.value)
    assert "kerberos bind to dc1 refused" in text
    assert "requires signing or TLS" in text
    assert "tls_mode ldaps/starttls" in text


def test_bind_other_refusal_keeps_description_and_message(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"bind": {"result": 53, "description": "unwillingToPerform",
                                           "message": "0000052D: SvcErr: DSID-031A1256"}}
    with pytest.raises(ADBindError, match="refused: unwillingToPerform 0000052D: SvcErr"):
        ADConnection(simple()).open()


def test_bind_refusal_without_result(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"bind": None}
    with pytest.raises(ADBindError, match="simple bind to dc1.lab.test refused: error"):
        ADConnection(simple()).open()


def test_bind_refusal_does_not_try_next_server(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1"] = {"bind": {"result": 49, "description": "invalidCredentials", "message": ""}}
    with pytest.raises(ADBindError):
        ADConnection(simple(server="dc1,dc2")).open()
    assert ("open", "dc2") not in ldap.events


def test_kerberos_bind_from_ticket_cache(ldap: FakeLDAP) -> None:
    conn = ADConnection(build_ad_settings(server="dc1.lab.test"))
    conn.open()
    c = ldap.connections[0]
    assert c.authentication == ldap3.SASL
    assert c.sasl_mechanism == ldap3.KERBEROS
    assert c.sasl_credentials == ("dc1.lab.test",)


def test_kerberos_bind_with_password(ldap: FakeLDAP, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, str]] = []

    def creds(username: str, password: str) -> str:
        asked.append((username, password))
        return "TGT"

    monkeypatch.setattr(_ad_ldap, "_password_credentials", creds)
    ADConnection(build_ad_settings(server="dc1.lab.test", username="reader@LAB.TEST", password=PASSWORD)).open()
    assert asked == [("reader@LAB.TEST", PASSWORD)]
    assert ldap.connections[0].sasl_credentials == ("dc1.lab.test", None, "TGT")


def test_kerberos_logon_failure_propagates_unwrapped(ldap: FakeLDAP, monkeypatch: pytest.MonkeyPatch) -> None:
    def creds(username: str, password: str) -> str:
        raise ADBindError("Kerberos logon of reader@LAB.TEST failed: wrong password (Preauthentication failed)")

    monkeypatch.setattr(_ad_ldap, "_password_credentials", creds)
    with pytest.raises(ADBindError) as caught:
        ADConnection(build_ad_settings(server="dc1", username="reader@LAB.TEST", password=PASSWORD)).open()
    assert str(caught.value) == "Kerberos logon of reader@LAB.TEST failed: wrong password (Preauthentication failed)"


def test_kerberos_bind_exception_explained(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1"] = {"bind": RuntimeError("Major (851968): Unspecified GSS failure, Minor (2529639053): "
                                              "No Kerberos credentials available (default cache: FILE:/tmp/x)")}
    with pytest.raises(ADBindError) as caught:
        ADConnection(build_ad_settings(server="dc1")).open()
    assert str(caught.value) == ("kerberos bind to dc1 failed: no ticket: run kinit, or give username and "
                                 "password (No Kerberos credentials)")
    assert caught.value.__cause__ is None


class FakeSpnego:
    def __init__(self) -> None:
        self.steps: list[bytes | None] = []
        self.args: Any = None

    def client(self, username: str, password: str, **kwargs: Any) -> Any:
        self.args = (username, password, kwargs)
        fake = self

        class Context:
            def step(self, token: bytes | None = None) -> bytes:
                fake.steps.append(token)
                return b"NTLM-%d" % len(fake.steps)

        return Context()


def install_ntlm(monkeypatch: pytest.MonkeyPatch, replies: list[dict[str, Any]]) -> tuple[FakeSpnego, list[Any]]:
    import spnego

    fake = FakeSpnego()
    sent: list[Any] = []
    monkeypatch.setattr(spnego, "client", fake.client)

    def send(conn: Any, controls: Any, token: bytes) -> dict[str, Any]:
        sent.append((conn.sasl_mechanism, token))
        return replies.pop(0)

    monkeypatch.setattr(_ad_ldap, "send_sasl_negotiation", send)
    return fake, sent


def test_ntlm_bind_through_spnego(ldap: FakeLDAP, monkeypatch: pytest.MonkeyPatch) -> None:
    fake, sent = install_ntlm(monkeypatch, [{"result": 14, "saslCreds": b"CHALLENGE"}, {"result": 0}])
    conn = ADConnection(simple(auth="ntlm", username="LAB\\reader"))
    conn.open()
    assert fake.args == ("LAB\\reader", PASSWORD, {"hostname": "dc1.lab.test", "service": "ldap",
                                                   "protocol": "ntlm"})
    assert sent == [("GSS-SPNEGO", b"NTLM-1"), ("GSS-SPNEGO", b"NTLM-2")]
    assert fake.steps == [None, b"CHALLENGE"]
    assert ldap.connections[0].bound is True


def test_ntlm_bind_refused(ldap: FakeLDAP, monkeypatch: pytest.MonkeyPatch) -> None:
    install_ntlm(monkeypatch, [{"result": 14, "saslCreds": b"CHALLENGE"},
                               {"result": 49, "description": "invalidCredentials", "message": "data 52e"}])
    with pytest.raises(ADBindError) as caught:
        ADConnection(simple(auth="ntlm", username="LAB\\reader")).open()
    assert str(caught.value) == "ntlm bind to dc1.lab.test refused: invalid credentials for LAB\\reader"


@pytest.mark.parametrize(("text", "hint"), [
    ("Preauthentication failed", "wrong password"),
    ("Client not found in Kerberos database", "unknown principal"),
    ("Cannot find KDC for realm \"LAB.TEST\"", "krb5.conf"),
    ("Cannot contact any KDC for realm", "does not answer"),
    ("Clock skew too great", "5 minutes"),
    ("No Kerberos credentials available", "kinit"),
    ("Configuration file does not specify default realm", "user@REALM"),
])
def test_gss_text_known(text: str, hint: str) -> None:
    explained = _gss_text(Exception("Minor (1): %s" % text))
    assert hint in explained
    assert explained.endswith(")")


def test_gss_text_unknown_cut() -> None:
    assert _gss_text(Exception("y" * 400)) == "y" * 300


# --------------------------------------------------------------------------- search


def test_search_follows_paging_cookie(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    ldap.pages = [
        page([entry("CN=WIN01,DC=lab,DC=test", dNSHostName=["win01.lab.test"]),
              {"type": "searchResRef", "uri": ["ldap://ForestDnsZones.lab.test/DC=ForestDnsZones,DC=lab,DC=test"]},
              entry("CN=WIN02,DC=lab,DC=test", dNSHostName=["win02.lab.test"])], b"cookie-1"),
        page([entry("CN=WIN03,DC=lab,DC=test", dNSHostName=["win03.lab.test"])], b"cookie-2"),
        page([], b""),
    ]
    found = list(conn.search("(objectClass=computer)", ["dNSHostName"]))
    assert found == [
        {"dn": "CN=WIN01,DC=lab,DC=test", "dNSHostName": ["win01.lab.test"]},
        {"dn": "CN=WIN02,DC=lab,DC=test", "dNSHostName": ["win02.lab.test"]},
        {"dn": "CN=WIN03,DC=lab,DC=test", "dNSHostName": ["win03.lab.test"]},
    ]
    searches = ldap.connections[0].searches
    assert [s["paged_cookie"] for s in searches] == [None, b"cookie-1", b"cookie-2"]
    assert all(s["paged_size"] == PAGE_SIZE for s in searches)
    assert all(s["base"] == "DC=lab,DC=test" for s in searches)
    assert all(s["filter"] == "(objectClass=computer)" for s in searches)
    assert all(s["search_scope"] == ldap3.SUBTREE for s in searches)
    assert all(s["attributes"] == ["dNSHostName"] for s in searches)


def test_search_single_page_without_controls(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    ldap.pages = [(True, {"result": 0, "description": "success"}, [entry("CN=A,DC=lab,DC=test")])]
    assert list(conn.search("(cn=A)", [])) == [{"dn": "CN=A,DC=lab,DC=test"}]
    assert len(ldap.connections[0].searches) == 1


def test_search_is_lazy_per_page(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    ldap.pages = [page([entry("CN=A,DC=lab,DC=test")], b"more"), page([entry("CN=B,DC=lab,DC=test")], None)]
    first = next(iter(conn.search("(cn=*)", [])))
    assert first["dn"] == "CN=A,DC=lab,DC=test"
    assert len(ldap.connections[0].searches) == 1


@pytest.mark.parametrize(("scope", "expected"), [("subtree", ldap3.SUBTREE), ("onelevel", ldap3.LEVEL),
                                                 ("base", ldap3.BASE)])
def test_search_scope_base_and_page_size(ldap: FakeLDAP, scope: str, expected: str) -> None:
    conn = bound(ldap, search_base="OU=Servers,DC=lab,DC=test")
    ldap.pages = [page([], None), page([], None)]
    list(conn.search("(cn=*)", ["cn"], scope=scope, page_size=50))
    list(conn.search("(cn=*)", ["cn"], base="CN=Computers,DC=lab,DC=test"))
    first, second = ldap.connections[0].searches
    assert (first["base"], first["search_scope"], first["paged_size"]) == ("OU=Servers,DC=lab,DC=test", expected, 50)
    assert second["base"] == "CN=Computers,DC=lab,DC=test"


def test_search_invalid_filter(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    ldap.pages = [ldap_exc.LDAPInvalidFilterError("malformed filter")]
    with pytest.raises(ADSearchError) as caught:
        list(conn.search("(objectClass=computer", ["cn"]))
    assert str(caught.value) == "invalid LDAP filter '(objectClass=computer': malformed filter"
    assert caught.value.__cause__ is None


def test_search_base_does_not_exist(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    ldap.pages = [(False, {"result": 32, "description": "noSuchObject",
                           "message": "0000208D: NameErr: DSID-03100245, problem 2001 (NO_OBJECT)"}, [])]
    with pytest.raises(ADSearchError) as caught:
        list(conn.search("(cn=*)", ["cn"], base="OU=Nope,DC=lab,DC=test"))
    assert str(caught.value) == "search base 'OU=Nope,DC=lab,DC=test' does not exist in this domain"


def test_search_other_failure(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    ldap.pages = [(False, {"result": 50, "description": "insufficientAccessRights", "message": "no read"}, [])]
    with pytest.raises(ADSearchError, match=r"search '\(cn=\*\)' failed: insufficientAccessRights no read"):
        list(conn.search("(cn=*)", ["cn"]))


def test_search_not_ok_but_success_code_yields_nothing(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    ldap.pages = [(False, {"result": 0, "description": "success"}, [])]
    assert list(conn.search("(cn=nobody)", ["cn"])) == []


def test_search_ldap_exception(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    ldap.pages = [ldap_exc.LDAPSocketReceiveError("error receiving data: timed out")]
    with pytest.raises(ADSearchError) as caught:
        list(conn.search("(cn=*)", ["cn"]))
    assert str(caught.value) == "search '(cn=*)' under DC=lab,DC=test failed: error receiving data: timed out"


def test_search_without_base(ldap: FakeLDAP) -> None:
    conn = ADConnection(build_ad_settings(server="dc1", auth="simple", username="u", password=PASSWORD))
    conn.open()
    with pytest.raises(ADSearchError, match="no search base: set search_base or domain"):
        list(conn.search("(cn=*)", ["cn"]))
    assert ldap.connections[0].searches == []


# --------------------------------------------------------------------------- lifetime


def test_context_manager_opens_and_closes(ldap: FakeLDAP) -> None:
    with ADConnection(simple()) as conn:
        assert conn.server_name == "dc1.lab.test"
        assert ldap.connections[0].bound
    assert ldap.connections[0].unbound
    assert conn._conn is None


def test_close_twice_and_close_unopened(ldap: FakeLDAP) -> None:
    conn = bound(ldap)
    conn.close()
    conn.close()
    assert ldap.events.count(("unbind", "dc1.lab.test")) == 1
    ADConnection(simple()).close()  # nothing to do


def test_close_forgets_connection_even_when_unbind_fails(ldap: FakeLDAP) -> None:
    ldap.hosts["dc1.lab.test"] = {"unbind": ldap_exc.LDAPSocketReceiveError("gone")}
    conn = bound(ldap)
    with pytest.raises(ldap_exc.LDAPSocketReceiveError):
        conn.close()
    assert conn._conn is None
