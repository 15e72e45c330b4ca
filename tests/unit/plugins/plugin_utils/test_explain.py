"""The explain table on real error texts: each text as its library or Windows prints it.

Sources: ansible-core's winrm plugin (``'%s: %s' % (transport, err)``, 401 → "the specified
credentials were rejected by the server", kinit "Kerberos auth failure for principal …") and psrp
plugin; pywinrm (winrm/transport.py, winrm/exceptions.py); requests/urllib3 connection errors;
requests-credssp (credssp.py, exceptions.py); pyspnego (exceptions.py); python-gssapi GSSError
strings as MIT krb5 fills them (several produced here against an empty/odd krb5.conf); WSManFault
texts of Windows; the collection's own messages (_wsman.transport).
"""

from __future__ import annotations

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._explain import CAUSES, LAYERS, UNKNOWN, explain, match

_POOL = "HTTPSConnectionPool(host='win01.example.com', port=5986): Max retries exceeded with url: /wsman "
_HTTP_POOL = "HTTPConnectionPool(host='10.0.0.5', port=5985): Max retries exceeded with url: /wsman "
_GSS = "Major (851968): Unspecified GSS failure.  Minor code may provide more information, Minor (%d): %s"

# (cause id, real text). Every text of REFERENCE.md's "Error texts" table is here.
CASES = [
    # REFERENCE: Server not found in Kerberos database
    ("spn-not-found", "kerberos: " + _GSS % (2529638919, "Server not found in Kerberos database")),
    ("spn-not-found", "authGSSClientStep() failed: (('Unspecified GSS failure.  Minor code may provide more "
                      "information', 851968), ('Server not found in Kerberos database', -1765328377))"),
    # REFERENCE: 0x80090322 / kerberos: the specified credentials were rejected by the server
    ("kerberos-rejected", "kerberos: the specified credentials were rejected by the server"),
    ("kerberos-rejected", "The WinRM client cannot process the request... Error code 0x80090322"),
    # REFERENCE: Cannot find KDC for realm (produced: gssapi against a krb5.conf without the realm)
    ("kdc-not-found", "Major (458752): No credentials were supplied, or the credentials were unavailable or "
                      "inaccessible, Minor (2529639066): Cannot find KDC for realm \"nowhere.test\""),
    # REFERENCE: Configuration file does not specify default realm (produced: empty krb5.conf)
    ("no-default-realm", "Major (131072): An invalid name was supplied, Minor (2529639136): Configuration file "
                         "does not specify default realm"),
    # REFERENCE: Can't find client principal … in cache collection / No Kerberos credentials available
    ("no-ticket", "kerberos: Major (458752): No credentials were supplied, or the credentials were unavailable or "
                  "inaccessible, Minor (2529639053): No Kerberos credentials available (default cache: "
                  "FILE:/tmp/nocache)"),
    ("no-ticket", "Major (458752): No credentials were supplied, Minor (2529639053): Can't find client principal "
                  "ansible@LAB.TEST in cache collection"),
    # REFERENCE: Preauthentication failed (libraries) / Password incorrect (MIT kinit, via Ansible)
    ("wrong-password", _GSS % (2529638936, "Preauthentication failed")),
    ("wrong-password", "Kerberos auth failure for principal ansible@LAB.TEST: kinit: Password incorrect while "
                       "getting initial credentials"),
    # REFERENCE: The referenced credential has expired (GSS major GSS_S_CREDENTIALS_EXPIRED; spnego's text)
    ("ticket-expired", "Major (720896): The referenced credential has expired, Minor (2529638944): Ticket expired"),
    ("ticket-expired", "SpnegoError (11): The referenced credentials have expired"),
    # REFERENCE: invalid uid in persistent keyring name
    ("keyring-ccache", "Minor (2529639136): invalid uid in persistent keyring name while getting default ccache"),
    # REFERENCE: requests_kerberos / requests_ntlm / pykerberos is not installed (pywinrm, ansible)
    ("missing-library", "requested auth method is kerberos, but pykerberos is not installed"),
    ("missing-library", "requested auth method is ntlm, but requests_ntlm is not installed"),
    ("missing-library", "requests auth method is credssp, but requests-credssp is not installed"),
    ("missing-library", "WinRM Kerberos authentication requested but the python kerberos library is not installed. "
                        "Please install the pykerberos library"),
    ("missing-library", "pypsrp or dependencies are not installed: No module named 'pypsrp'"),
    # REFERENCE: unsupported hash type md4 (produced: hashlib.new('md4') on OpenSSL 3)
    ("md4-unsupported", "ntlm: unsupported hash type md4"),
    # REFERENCE: basic/plaintext … credentials were rejected
    ("basic-rejected", "basic: the specified credentials were rejected by the server"),
    ("basic-rejected", "plaintext: the specified credentials were rejected by the server"),
    ("basic-rejected", "Identify on https://win01:5986/wsman: basic authentication as 'Administrator' was rejected "
                       "by the host (HTTP 401): check ansible_user/ansible_password"),
    # REFERENCE: Code 500 with w:AccessDenied
    ("access-denied", "Bad HTTP response returned from server. Code 500 ... <s:Subcode><s:Value>w:AccessDenied"),
    ("access-denied", "Access is denied.  (extended fault data: {'transport_message': 'Bad HTTP response returned "
                      "from server. Code 500', 'http_status_code': 500, 'wsmanfault_code': 5, 'fault_code': "
                      "'s:Sender', 'fault_subcode': 'w:AccessDenied'})"),
    ("access-denied", "Get config on http://win02:5985/wsman: Access is denied.  (WSManFault 5 / 0x00000005)"),
    # REFERENCE: Code 500 without AccessDenied on HTTP (pywinrm's WinRMTransportError text)
    ("unencrypted-refused", "basic: Bad HTTP response returned from server. Code 500"),
    ("unencrypted-refused", "the host refused an unencrypted message over HTTP (service AllowUnencrypted=false)"),
    # REFERENCE: message encryption is set to 'always' but … does not support it (pywinrm)
    ("encryption-unsupported", "message encryption is set to 'always' but the selected auth method basic does not "
                               "support it"),
    # REFERENCE: CERTIFICATE_VERIFY_FAILED (requests/urllib3 through pywinrm)
    ("tls-untrusted", "ntlm: " + _POOL + "(Caused by SSLError(SSLCertVerificationError(1, '[SSL: "
                      "CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate "
                      "(_ssl.c:1006)')))"),
    ("tls-expired", "ntlm: " + _POOL + "(Caused by SSLError(SSLCertVerificationError(1, '[SSL: "
                    "CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)')))"),
    ("tls-misnamed", "ntlm: " + _POOL + "(Caused by SSLError(SSLCertVerificationError(1, \"[SSL: "
                     "CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not "
                     "valid for 'win01.example.com'. (_ssl.c:1006)\")))"),
    ("tls-self-signed", "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate "
                        "(_ssl.c:1006)"),
    ("tls-expired", "Identify on https://win01:5986/wsman: the host's TLS certificate is not trusted "
                    "(CERTIFICATE_VERIFY_FAILED: certificate has expired): renew the certificate"),  # our own
    # REFERENCE: UNSUPPORTED_PROTOCOL
    ("tls-protocol", "ntlm: " + _POOL + "(Caused by SSLError(SSLError(1, '[SSL: UNSUPPORTED_PROTOCOL] unsupported "
                     "protocol (_ssl.c:1006)')))"),
    ("tls-protocol", "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"),
    # REFERENCE: …CredSSP being an available authentication method (requests-credssp)
    ("credssp-not-offered", "credssp: The server did not response CredSSP being an available authentication method "
                            "- actual: 'Negotiate, Basic realm=\"WSMAN\"'"),
    # REFERENCE: Server did not response with a CredSSP token after step TLS Handshake
    ("credssp-tls", "credssp: Server did not response with a CredSSP token after step TLS Handshake - actual ''"),
    # REFERENCE: STATUS_LOGON_FAILURE (CredSSP; requests-credssp NTStatusException)
    ("credssp-logon-failure", "credssp: Received error status from the server: (3221225581) STATUS_LOGON_FAILURE "
                              "0xc000006d"),
    # REFERENCE: A computer policy does not allow the delegation of the user credentials
    ("delegation-policy", "Connecting to remote server srv01 failed with the following error message : The WinRM "
                          "client cannot process the request. A computer policy does not allow the delegation of "
                          "the user credentials to the target computer."),
    # REFERENCE: TrustedHosts message from the Windows client
    ("trusted-hosts", "The WinRM client cannot process the request. If the authentication scheme is different from "
                      "Kerberos, or if the client computer is not joined to a domain, then HTTPS transport must be "
                      "used or the destination machine must be added to the TrustedHosts configuration setting."),
    # REFERENCE: Access is denied on a UNC path / ANONYMOUS LOGON / AD Web Services unreachable
    ("double-hop", "Access to the path '\\\\fs01\\share\\file.txt' is denied."),
    ("double-hop", "Login failed for user 'NT AUTHORITY\\ANONYMOUS LOGON'."),
    ("double-hop", "Unable to contact the server. This may be because this server does not exist, it is currently "
                   "down, or it does not have the Active Directory Web Services running."),
    # REFERENCE: Win32ErrorCode 1385
    ("logon-right", "Failed to become user LAB\\svc: LogonUser failed (Win32ErrorCode 1385 - 0x00000569)"),
    # Beyond the table: transport-level texts and KDC answers.
    ("not-wsman", "ntlm: Bad HTTP response returned from server. Code 404"),
    ("port-refused", "ntlm: " + _HTTP_POOL + "(Caused by NewConnectionError('<urllib3.connection.HTTPConnection "
                     "object at 0x7f3c>: Failed to establish a new connection: [Errno 111] Connection refused'))"),
    ("port-filtered", "ntlm: " + _HTTP_POOL + "(Caused by ConnectTimeoutError(<urllib3.connection.HTTPConnection "
                      "object at 0x7f3c>, 'Connection to 10.0.0.5 timed out. (connect timeout=30)'))"),
    ("port-filtered", "the connection attempt timed out"),
    ("name-resolution", "ntlm: " + _POOL + "(Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection "
                        "object at 0x7f3c>: Failed to resolve 'win01.example.com' ([Errno -2] Name or service not "
                        "known)\"))"),
    ("no-route", "[Errno 113] No route to host"),
    ("clock-skew", _GSS % (2529638949, "Clock skew too great")),
    ("kdc-unreachable", "Minor (2529639068): Cannot contact any KDC for realm 'LAB.TEST'"),
    ("kerberos-user-unknown", _GSS % (2529638918, "Client 'nobody@LAB.TEST' not found in Kerberos database")),
    ("account-revoked", "kinit: Client's credentials have been revoked while getting initial credentials"),
    ("ntlm-rejected", "ntlm: the specified credentials were rejected by the server"),
    ("credentials-rejected", "failed to authenticate with the server: the specified credentials were rejected"),
    ("gpo-controlled", "The config setting CredSSP cannot be changed because is controlled by policies. The policy "
                       "would need to be set to \"Not Configured\" in order to change the config setting. "
                       "(WSManFault 2150858890 / 0x8033808A)"),
]


@pytest.mark.parametrize(("cause", "text"), CASES, ids=["%s-%d" % (case[0], i) for i, case in enumerate(CASES)])
def test_real_text_maps_to_its_cause(cause: str, text: str) -> None:
    row = match(text)
    assert row is not None, text
    assert row.id == cause, (row.id, text)


def test_the_table_is_big_enough_and_every_cause_is_tested() -> None:
    tested = {case[0] for case in CASES}
    assert len(CAUSES) >= 25
    assert tested == set(CAUSES), set(CAUSES) - tested


def test_every_row_is_complete() -> None:
    for row in CAUSES.values():
        assert row.layer in LAYERS, row
        assert row.cause and row.fix and row.patterns, row


def test_explain_details_and_unknown() -> None:
    got = explain("kerberos: the specified credentials were rejected by the server")
    assert got["id"] == "kerberos-rejected" and got["layer"] == "kerberos"
    assert "setspn" in got["fix"] and got["matched"].startswith("kerberos:")
    unknown = explain("something nobody has seen")
    assert unknown["id"] == UNKNOWN.id and "winrm_probe" in unknown["fix"]
    assert explain(None)["id"] == "unknown"
    # Untrusted text is cut before it is echoed.
    assert len(explain("x" * 5000)["matched"]) <= 300


def test_troubleshooting_doc_lists_exactly_the_table() -> None:
    """docs/troubleshooting.md's cause list is the table, row for row."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[4] / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    listed = doc.split("<!-- causes:start -->\n", 1)[1].split("\n<!-- causes:end -->", 1)[0]
    rows = ["| id | layer | cause | fix |", "|---|---|---|---|"] + [
        "| `%s` | %s | %s | %s |" % (c.id, c.layer, c.cause.replace("|", "\\|"), c.fix.replace("|", "\\|"))
        for c in CAUSES.values()]
    assert listed == "\n".join(rows), "docs/troubleshooting.md is out of date; its cause list must be:\n" + \
        "\n".join(rows)
