"""Client actions the domain tests run inside the lab name space (through nsagent.py).

Every function takes and returns JSON values. Kerberos functions use the ticket cache
named by KRB5CCNAME, which the caller sets per call (``ns.call(..., env={...})``).
"""

from __future__ import annotations

import base64
import http.client
import os
import socket
import struct
import subprocess
from typing import Any

SOAP = "application/soap+xml;charset=UTF-8"
IDENTIFY = ('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
            'xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">'
            "<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>")


def _run(argv: list[str], stdin: str | None = None) -> dict[str, Any]:
    result = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60, check=False)
    return {"rc": result.returncode, "stdout": result.stdout, "stderr": result.stderr}


def kinit(principal: str, password: str, forwardable: bool = True) -> dict[str, Any]:
    return _run(["kinit", "-f" if forwardable else "-F", principal], stdin=password + "\n")


def kinit_keytab(principal: str, keytab: str) -> dict[str, Any]:
    return _run(["kinit", "-k", "-t", keytab, principal])


def klist() -> dict[str, Any]:
    return _run(["klist", "-f"])


def ticket_flags(server: str) -> str:
    """klist -f flags of the cached ticket for `server` (e.g. HTTP/srv04.lab.test@LAB.TEST)."""
    lines = _run(["klist", "-f"])["stdout"].splitlines()
    for index, line in enumerate(lines):
        if line.split()[-1:] == [server]:
            for follow in lines[index + 1:index + 3]:
                if "Flags:" in follow:
                    flags: str = follow.split("Flags:")[1].split(",")[0].strip()
                    return flags
    raise LookupError(f"no ticket for {server} in the cache")


def kvno(spn: str) -> dict[str, Any]:
    return _run(["kvno", spn])


def resolve(name: str) -> list[str]:
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(name, None, socket.AF_INET)})


def srv(name: str) -> list[dict[str, Any]]:
    import dns.resolver

    answer = dns.resolver.resolve(name, "SRV", lifetime=5)
    return sorted(({"target": str(r.target).rstrip("."), "port": r.port} for r in answer),
                  key=lambda r: (r["target"], r["port"]))


def winrm_whoami(endpoint: str, transport: str = "kerberos", username: str | None = None,
                 password: str | None = None, **options: Any) -> dict[str, Any]:
    """Open a cmd shell, run whoami, close it -- what Ansible's winrm connection does first."""
    import winrm

    protocol = winrm.Protocol(endpoint=endpoint, transport=transport, username=username, password=password,
                              server_cert_validation="ignore", **options)
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "whoami")
    stdout, _stderr, rc = protocol.get_command_output(shell, command)
    protocol.cleanup_command(shell, command)
    protocol.close_shell(shell)
    encryption = protocol.transport.encryption
    return {"stdout": stdout.decode().strip(), "rc": rc,
            "encryption": encryption.protocol if encryption is not None else None}


def winrm_run(endpoint: str, command: str, transport: str = "kerberos", **options: Any) -> dict[str, Any]:
    """Run one cmd line in a cmd shell (as pywinrm's run_cmd does) and return its output and exit code."""
    import winrm

    protocol = winrm.Protocol(endpoint=endpoint, transport=transport, server_cert_validation="ignore", **options)
    shell = protocol.open_shell()
    command_id = protocol.run_command(shell, command)
    stdout, stderr, rc = protocol.get_command_output(shell, command_id)
    protocol.cleanup_command(shell, command_id)
    protocol.close_shell(shell)
    return {"stdout": stdout.decode(), "stderr": stderr.decode(), "rc": rc}


def ldapsearch_gssapi(uri: str, base: str, ldap_filter: str, attrs: list[str]) -> list[dict[str, list[str]]]:
    """ldapsearch -Y GSSAPI -N (no reverse lookup of the server): one dict per entry."""
    result = _run(["ldapsearch", "-N", "-Q", "-LLL", "-o", "ldif-wrap=no", "-Y", "GSSAPI", "-H", uri,
                   "-b", base, ldap_filter, *attrs])
    if result["rc"] != 0:
        raise RuntimeError(f"ldapsearch failed ({result['rc']}): {result['stderr'].strip()}")
    entries: list[dict[str, list[str]]] = []
    for block in result["stdout"].strip().split("\n\n"):
        entry: dict[str, list[str]] = {}
        for line in block.splitlines():
            if line.startswith("#") or ":" not in line:
                continue
            key, _colon, value = line.partition(":")
            if value.startswith(":"):  # base64 value
                value = base64.b64decode(value[1:].strip()).decode(errors="replace")
            entry.setdefault(key, []).append(value.strip())
        if "dn" in entry:
            entries.append(entry)
    return entries


def _ldap_exchange(sock: Any, client: Any, message_id: int) -> list[Any]:
    """Send what the sansldap client queued; read until the reply (or the SearchResultDone) for ``message_id``."""
    import sansldap

    sock.sendall(client.data_to_send())
    replies: list[Any] = []
    while True:
        data = sock.recv(65536)
        if not data:
            raise RuntimeError("the DC closed the connection")
        for message in client.receive(data):
            if message.message_id != message_id:
                continue
            replies.append(message)
            if not isinstance(message, (sansldap.SearchResultEntry, sansldap.SearchResultReference)):
                return replies


def ldaps_simple_bind(host: str, user: str, password: str, ca_file: str, base: str,
                      ldap_filter: str, attrs: list[str]) -> list[dict[str, Any]]:
    """LDAPS with the lab CA (certificate and host name validated), simple bind; sansldap + ssl, not our client."""
    import socket
    import ssl

    import sansldap

    context = ssl.create_default_context(cafile=ca_file)
    with context.wrap_socket(socket.create_connection((host, 636), timeout=5), server_hostname=host) as sock:
        client = sansldap.LDAPClient()
        (bound,) = _ldap_exchange(sock, client, client.bind_simple(user, password))
        if bound.result.result_code.value != 0:
            raise RuntimeError(f"bind refused: {bound.result}")
        replies = _ldap_exchange(sock, client, client.search_request(
            base, filter=sansldap.LDAPFilter.from_string(ldap_filter), attributes=attrs))
        return [{"dn": r.object_name, **{a.name: [v.decode() for v in a.values] for a in r.attributes}}
                for r in replies if isinstance(r, sansldap.SearchResultEntry)]


def ldap_simple_bind_plain(host: str, user: str, password: str) -> str:
    """Simple bind over plain LDAP (389): the DC requires strong auth, so this reports the refusal (RFC 4511 name)."""
    import socket

    import sansldap

    with socket.create_connection((host, 389), timeout=5) as sock:
        client = sansldap.LDAPClient()
        (reply,) = _ldap_exchange(sock, client, client.bind_simple(user, password))
    names = {8: "strongerAuthRequired", 0: "success"}
    code = reply.result.result_code.value
    return names.get(code, reply.result.result_code.name)


def _post(conn: http.client.HTTPConnection, authorization: str | None, body: bytes = b"",
          content_type: str = SOAP) -> tuple[int, str, bytes, str]:
    headers = {"Content-Type": content_type}
    if authorization:
        headers["Authorization"] = authorization
    conn.request("POST", "/wsman", body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, response.getheader("WWW-Authenticate", ""), data, response.getheader("Content-Type", "")


def raw_kerberos_session(host: str, port: int, scheme: str, mech: str, service: str = "HTTP") -> dict[str, Any]:
    """Authenticate with pyspnego by hand (scheme Negotiate|Kerberos, mech negotiate|kerberos),
    then send one sealed Identify: the lab must answer sealed with the scheme's protocol string."""
    import spnego

    ctx = spnego.client(hostname=host, service=service, protocol=mech)
    conn = http.client.HTTPConnection(host, port, timeout=10)
    token: bytes | None = ctx.step()
    status, header = 0, ""
    while token is not None:
        status, header, _data, _ct = _post(conn, f"{scheme} {base64.b64encode(token).decode()}")
        incoming = base64.b64decode(header.split(" ", 1)[1]) if " " in header else None
        if status != 401 or incoming is None:
            if incoming is not None and not ctx.complete:
                ctx.step(incoming)  # mutual authentication: the AP-REP
            break
        token = ctx.step(incoming)
    result: dict[str, Any] = {"status": status, "complete": ctx.complete,
                              "negotiated": ctx.negotiated_protocol, "mutual_token": " " in header}
    if status != 200 or not ctx.complete:
        return result
    protocol = ("application/HTTP-Kerberos-session-encrypted" if scheme.lower() == "kerberos"
                else "application/HTTP-SPNEGO-session-encrypted")
    message = IDENTIFY.encode()
    sealed = ctx.wrap_winrm(message)
    boundary = b"--Encrypted Boundary"
    body = (boundary + b"\r\n\tContent-Type: " + protocol.encode() + b"\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(len(message)).encode()
            + b"\r\n" + boundary + b"\r\n\tContent-Type: application/octet-stream\r\n"
            + struct.pack("<I", len(sealed.header)) + sealed.header + sealed.data + boundary + b"--\r\n")
    content_type = f'multipart/encrypted;protocol="{protocol}";boundary="Encrypted Boundary"'
    status, _header, data, reply_type = _post(conn, None, body, content_type)
    result.update({"sealed_status": status, "reply_type": reply_type})
    if status == 200:
        part = data.split(boundary + b"\r\n")[2][len(b"\tContent-Type: application/octet-stream\r\n"):]
        (sig_len,) = struct.unpack("<I", part[:4])
        plain = ctx.unwrap_winrm(part[4:4 + sig_len], part[4 + sig_len:-len(boundary + b"--\r\n")])
        result["identify"] = b"ProductVendor" in plain
    conn.close()
    return result


def s4u_proxy(service: str, keytab: str, user: str, target: str) -> str:
    """As `service` (keys from its keytab): S4U2Self for `user`, then S4U2Proxy to host-based `target`.

    Returns "ok" or the KDC's refusal (e.g. "KDC can't fulfill requested option").
    """
    import gssapi

    got = _run(["kinit", "-k", "-t", keytab, service])
    if got["rc"] != 0:
        raise RuntimeError(f"kinit -k {service}: {got['stderr'].strip()}")
    creds = gssapi.Credentials(usage="initiate")  # the service's TGT, from KRB5CCNAME
    impersonated = creds.impersonate(gssapi.Name(user, gssapi.NameType.kerberos_principal), usage="initiate")
    ctx = gssapi.SecurityContext(name=gssapi.Name(target, gssapi.NameType.hostbased_service), creds=impersonated,
                                 usage="initiate")
    try:
        ctx.step()
    except gssapi.exceptions.GSSError as e:
        return str(e).rsplit("):", 1)[-1].strip()
    return "ok"


def env(name: str) -> str | None:
    return os.environ.get(name)
