# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import kdc as _kerberos
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.kdc import (
    _KNOWN,
    credentials,
    explain,
    memory_ccache,
    service_ticket_error,
)
from ansible_collections.winauth.winrm.tests.unit import fake_gssapi
from ansible_collections.winauth.winrm.tests.unit.fake_gssapi import FakeGSSAPI

# --------------------------------------------------------------------------- explain

# Messages as MIT krb5 / python-gssapi word them, with what explain() must say.
EXAMPLES = [
    ("Major (851968): Unspecified GSS failure.  Minor code may provide more information, Minor (2529638919): "
     "Server not found in Kerberos database", "no such SPN", "Server not found in Kerberos database"),
    ("Minor (2529638918): Client not found in Kerberos database", "unknown user principal",
     "Client not found in Kerberos database"),
    ("Minor (2529638936): Preauthentication failed", "wrong password", "Preauthentication failed"),
    # kinit's wording, as the winrm connection plugin's managed kinit reports it.
    ("kinit: Client 'nobody@LAB.TEST' not found in Kerberos database while getting initial credentials",
     "unknown user principal", "not found in Kerberos database"),
    ("kinit: Password incorrect while getting initial credentials", "wrong password", "Password incorrect"),
    ("Minor (2529638949): Clock skew too great", "clock skew", "Clock skew too great"),
    ("Minor (2529639068): Cannot find KDC for realm \"LAB.TEST\"", "krb5.conf", "Cannot find KDC"),
    ("Minor (2529639068): Cannot contact any KDC for realm 'LAB.TEST'", "port 88", "Cannot contact any KDC"),
    ("Minor (2529639053): Credentials cache file '/tmp/krb5cc_1000' not found", "kinit",
     "Credentials cache"),
    ("No Kerberos credentials available (default cache: FILE:/tmp/krb5cc_0)", "kinit", "No Kerberos credentials"),
    ("Configuration file does not specify default realm", "default_realm", "does not specify default realm"),
    ("Minor (2529638930): Client's credentials have been revoked", "disabled or locked", "revoked"),
    ("The referenced credential has expired", "expired", "expired"),
    ("Minor (2529638935): Password has expired", "expired", "expired"),
]


@pytest.mark.parametrize(("message", "meaning", "phrase"), EXAMPLES)
def test_explain_known_messages(message: str, meaning: str, phrase: str) -> None:
    text = explain(RuntimeError(message))
    assert meaning in text
    assert text.endswith("(%s)" % phrase)  # the original phrase is kept for searching


def test_every_known_phrase_explained() -> None:
    covered = {phrase for _message, _meaning, phrase in EXAMPLES}
    assert covered == {known for known, _meaning in _KNOWN}
    for known, meaning in _KNOWN:
        assert explain(Exception("prefix: %s: suffix" % known)) == "%s (%s)" % (meaning, known)


def test_explain_is_case_insensitive() -> None:
    assert explain(Exception("SERVER NOT FOUND IN KERBEROS DATABASE")).startswith("no such SPN in the domain")


def test_explain_first_match_wins() -> None:
    # "expired" is last in the table: a more specific phrase earlier in it is reported instead.
    text = explain(Exception("No Kerberos credentials available: ticket expired"))
    assert text == "no ticket: run kinit, or give username and password (No Kerberos credentials)"


def test_explain_unknown_is_kept_and_cut() -> None:
    assert explain(Exception("KDC has no support for encryption type")) == "KDC has no support for encryption type"
    long = "x" * 500
    assert explain(Exception(long)) == "x" * 300


# --------------------------------------------------------------------------- with the shared fake gssapi


@pytest.fixture
def gss(monkeypatch: pytest.MonkeyPatch) -> Any:
    def install(**kwargs: Any) -> FakeGSSAPI:
        return fake_gssapi.install(monkeypatch, **kwargs)

    return install


def test_credentials_from_password(gss: Any) -> None:
    fake = gss()
    assert credentials("alice@LAB.TEST", "pw") == "TGT for alice@LAB.TEST"
    assert fake.calls == [
        ("Name", "alice@LAB.TEST", "user"),
        ("acquire_cred_with_password", ("alice@LAB.TEST", "user"), b"pw", "initiate"),
    ]


def test_credentials_password_encoded_utf8(gss: Any) -> None:
    fake = gss()
    credentials("alice@LAB.TEST", "pässwörd")
    assert fake.calls[1][2] == "pässwörd".encode()


@pytest.mark.parametrize(("username", "password"), [(None, None), ("alice@LAB.TEST", None), (None, "pw"),
                                                    ("", "")])
def test_credentials_from_cache_without_both(gss: Any, username: str | None, password: str | None) -> None:
    fake = gss()
    creds = credentials(username, password)
    assert fake.calls == [("Credentials", "initiate"), ("inquire",)]
    assert hasattr(creds, "inquire")


def test_credentials_bad_password_explained(gss: Any) -> None:
    gss(fail_password="Minor (2529638936): Preauthentication failed")
    with pytest.raises(_kerberos.KerberosError) as caught:
        credentials("alice@LAB.TEST", "wrong")
    assert str(caught.value) == "wrong password (Preauthentication failed)"
    assert caught.value.__cause__ is None


def test_credentials_empty_cache_explained(gss: Any) -> None:
    gss(fail_cache="No Kerberos credentials available (default cache: FILE:/tmp/krb5cc_0)")
    with pytest.raises(_kerberos.KerberosError, match=r"run kinit"):
        credentials(None, None)


def test_credentials_kdc_unreachable_explained(gss: Any) -> None:
    gss(fail_password="Cannot contact any KDC for realm 'LAB.TEST'")
    with pytest.raises(_kerberos.KerberosError, match="port 88"):
        credentials("alice@LAB.TEST", "pw")


def test_credentials_without_gssapi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_kerberos, "HAS_GSSAPI", False)
    with pytest.raises(_kerberos.KerberosError, match="pip install gssapi"):
        credentials("alice@LAB.TEST", "pw")


def test_service_ticket_issued(gss: Any) -> None:
    fake = gss()
    assert service_ticket_error("TGT", "HTTP", "win01.lab.test") == ""
    assert fake.calls == [
        ("Name", "HTTP@win01.lab.test", "hostbased_service"),
        ("SecurityContext", ("HTTP@win01.lab.test", "hostbased_service"), "TGT", "initiate"),
        ("step",),
    ]


def test_service_ticket_refused_explained(gss: Any) -> None:
    gss(fail_ticket="Minor (2529638919): Server not found in Kerberos database")
    error = service_ticket_error("TGT", "HTTP", "192.0.2.10")
    assert error == "no such SPN in the domain (Server not found in Kerberos database)"


def test_service_ticket_unknown_error_kept(gss: Any) -> None:
    gss(fail_ticket="KDC policy rejects request")
    assert service_ticket_error("TGT", "WSMAN", "win01.lab.test") == "KDC policy rejects request"


# --------------------------------------------------------------------------- memory_ccache (the TGT handed to pyspnego)


def test_memory_ccache_stores_the_password_tgt_in_memory(gss: Any) -> None:
    fake = gss()
    name = memory_ccache("alice@LAB.TEST", "pässwörd")
    assert name.startswith("MEMORY:winauth-") and len(name) == len("MEMORY:winauth-") + 32
    assert fake.calls[1] == ("acquire_cred_with_password", ("alice@LAB.TEST", "user"), "pässwörd".encode(),
                             "initiate")
    assert fake.calls[2] == ("store_cred_into", {b"ccache": name.encode()}, "TGT for alice@LAB.TEST", "initiate",
                             ("OID", _kerberos.KRB5_MECH), True)
    assert fake.stores == {name: "TGT for alice@LAB.TEST"}
    assert memory_ccache("alice@LAB.TEST", "pw") != name  # one private cache per logon


def test_memory_ccache_logon_failure_explained_without_the_password(gss: Any) -> None:
    gss(fail_password="Minor (2529638936): Preauthentication failed")
    with pytest.raises(_kerberos.KerberosError) as caught:
        memory_ccache("alice@LAB.TEST", "Secret-123")
    assert str(caught.value) == "wrong password (Preauthentication failed)"
    assert caught.value.__cause__ is None and "Secret-123" not in repr(caught.value)


def test_memory_ccache_store_failure_explained(gss: Any) -> None:
    gss(fail_store="The referenced credential has expired")
    with pytest.raises(_kerberos.KerberosError, match=r"^the password or ticket has expired \(expired\)$"):
        memory_ccache("alice@LAB.TEST", "pw")


def test_explain_takes_text_too() -> None:
    assert explain("Preauthentication failed") == "wrong password (Preauthentication failed)"


def test_kdc_is_a_leaf() -> None:
    """kdc imports of the collection only the error root, so _ad.ldap and _wsman.transport can both use it."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(_kerberos))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    ours = {m for m in imported if m.startswith("ansible_collections.")}
    assert ours == {"ansible_collections.winauth.winrm.plugins.plugin_utils._errors"}
    assert issubclass(_kerberos.KerberosError, WinAuthError)
