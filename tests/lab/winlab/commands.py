"""The few commands a lab host really runs: enough to show the double hop.

A cmd shell Command (what pywinrm's ``run_cmd`` sends, Command + Arguments joined) or
``PowerShell ... -EncodedCommand <base64 UTF-16LE>`` (what Ansible's winrm connection sends
for ``raw``) is parsed; each PowerShell statement (one per line or ``;``) is run in turn.

| command (cmd and PowerShell)                   | what happens                                   |
|------------------------------------------------|------------------------------------------------|
| ``whoami``, ``hostname``                       | the logon's account, the host name             |
| ``dir \\\\C\\share`` (cmd)                     | SMB logon from this host to C (hop.smb_logon)  |
| ``dir|ls|gci|Get-ChildItem [-Path] \\\\C\\share`` | the same, PowerShell output and errors      |
| ``winrm id|identify -r:C [-a:None|Negotiate|Kerberos|CredSSP] [-u:user -p:pw]`` | WS-Man Identify at C |
| ``Test-WSMan [-ComputerName] C [-Authentication None|Default|Negotiate|Kerberos|Credssp]`` | the same  |
| ``cmd /c <cmd line>`` (PowerShell)             | that cmd line                                  |

Anything else is not executed (exit code 0, stdout ``lab: not executed: …``), as before.
Windows texts: "Access is denied." (ERROR_ACCESS_DENIED), "The network path was not found."
(53), "The network name cannot be found." (67), "The user name or password is incorrect."
(1326); WinRM client errors as winrm.cmd prints them (``WSManFault`` / ``Message = …`` /
``Error number:  <signed> 0x<hex>``, exit code 1 = winrm.vbs ERR_GENERAL_FAILURE) and as
Test-WSMan prints them (``Test-WSMan : <f:WSManFault … Code="…" Machine="<this host>">``).
PowerShell errors reach stderr as CLIXML (``#< CLIXML``), as powershell.exe writes them when
started with -EncodedCommand; Ansible and pywinrm decode it.
"""

from __future__ import annotations

import base64
import binascii
import re
import shlex
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from . import credssp_policy, hop, xmlns
from .auth import Principal
from .hoststate import HostState
from .resources import identify
from .xmlutil import esc

# The lab's shares hold one empty file (Windows keeps no file list in the registry).
SHARE_FILE = "lab-share.txt"
_STAMP_CMD = "01/01/2026  12:00 AM"
_STAMP_PS = "1/1/2026  12:00 AM"
FAULT_NS = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"


@dataclass
class Result:
    stdout: str = ""
    stderr: str = ""
    rc: int = 0

    def add(self, other: Result) -> None:
        self.stdout += other.stdout
        self.stderr += other.stderr
        self.rc = other.rc


@dataclass(frozen=True)
class ClientError:
    """A WinRM client error: the WSManFault code (decimal, as Test-WSMan shows it) and message."""

    code: int
    message: str

    @property
    def hresult(self) -> int:
        """winrm.cmd's "Error number": Win32 codes as HRESULT_FROM_WIN32, WinRM codes as they are."""
        return self.code if self.code > 0xFFFF else (0x80070000 | self.code)


# Texts: recordings quoted in issue threads (see the README, "Emulated commands"). The codes
# 5, 1312, 2150859046, 2150859171 and 2150859172 were seen in such output; 2150859020 (TrustedHosts),
# the CredSSP-disabled and the not-offered codes are not confirmed (marked below).
ACCESS_DENIED = ClientError(5, "Access is denied. ")
NO_LOGON_SESSION = ClientError(1312, (
    "WinRM cannot process the request. The following error with errorcode 0x8009030e occurred while using "
    "{mech} authentication: A specified logon session does not exist. It may already have been terminated. "
    "\r\n \r\n This can occur if the provided credentials are not valid on the target server, or if the server "
    "identity could not be verified.  If you trust the server identity, add the server name to the TrustedHosts "
    "list, and then retry the request. Use winrm.cmd to view or edit the TrustedHosts list. Note that computers "
    "in the TrustedHosts list might not be authenticated. For more information about how to edit the "
    "TrustedHosts list, run the following command: winrm help config. "))
CANNOT_CONNECT = ClientError(2150859046, (
    "WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer "
    "is accessible over the network, and that a firewall exception for the WinRM service is enabled and allows "
    "access from this computer. By default, the WinRM firewall exception for public profiles limits access to "
    "remote computers within the same local subnet. "))
TRUSTED_HOSTS = ClientError(2150859020, (  # code 0x8033810C: recalled, not confirmed by a recording
    "The WinRM client cannot process the request. If the authentication scheme is different from Kerberos, or "
    "if the client computer is not joined to a domain, then HTTPS transport must be used or the destination "
    "machine must be added to the TrustedHosts configuration setting. Use winrm.cmd to configure TrustedHosts. "
    "Note that computers in the TrustedHosts list might not be authenticated. You can get more information "
    "about that by running the following command: winrm help config. "))
_EXAMPLE = ('For example, for a target computer name "myserver.domain.com", the SPN can be one of the '
            "following: WSMAN/myserver.domain.com or WSMAN/*.domain.com.")
POLICY_KERBEROS = ClientError(2150859171, (
    "The WinRM client cannot process the request. A computer policy does not allow the delegation of the user "
    "credentials to the target computer. Use gpedit.msc and look at the following policy: Computer "
    "Configuration -> Administrative Templates -> System -> Credentials Delegation -> Allow Delegating Fresh "
    "Credentials.  Verify that it is enabled and configured with an SPN appropriate for the target computer. "
    + _EXAMPLE + " "))
POLICY_NTLM = ClientError(2150859172, (
    "The WinRM client cannot process the request. A computer policy does not allow the delegation of the user "
    "credentials to the target computer because the computer is not trusted. The identity of the target "
    "computer can be verified if you configure the WSMAN service to use a valid certificate using the following "
    'command: winrm set winrm/config/service @{CertificateThumbprint="<thumbprint>"}  Or you can check the '
    "Event Viewer for an event that specifies that the following SPN could not be created: "
    "WSMAN/<computerFQDN>. If you find this event, you can manually create the SPN using setspn.exe .  If the "
    "SPN exists, but CredSSP cannot use Kerberos to validate the identity of the target computer and you still "
    "want to allow the delegation of the user credentials to the target computer, use gpedit.msc and look at the "
    "following policy: Computer Configuration -> Administrative Templates -> System -> Credentials Delegation -> "
    "Allow Fresh Credentials with NTLM-only Server Authentication.  Verify that it is enabled and configured "
    "with an SPN appropriate for the target computer. " + _EXAMPLE + " Try the request again after these "
    "changes.  "))
CREDSSP_CLIENT_OFF = ClientError(2150859169, (  # code not confirmed; text from reports of the error
    "The WinRM client cannot process the request. CredSSP authentication is currently disabled in the client "
    "configuration. Change the client configuration and try the request again. CredSSP authentication must also "
    "be enabled in the server configuration. Also, Group Policy must be edited to allow credential delegation "
    "to the target computer. "))
NOT_OFFERED = ClientError(2150858800, (  # code not confirmed
    "The WinRM client cannot process the request. The authentication mechanism requested by the client is not "
    "supported by the server or unencrypted traffic is disabled in the service configuration. Verify the "
    "unencrypted traffic setting in the service configuration or specify one of the authentication mechanisms "
    "supported by the server. "))
CREDSSP_NEEDS_CREDENTIAL = ClientError(2150859171, (  # code not confirmed
    "The WinRM client cannot process the request. Requests must include user name and password when CredSSP "
    "authentication mechanism is used. Add the user name and password or change the authentication mechanism "
    "and try the request again. "))


# -- running -----------------------------------------------------------------------------
@dataclass
class Session:
    """The logon a command runs in: its host and its principal (with what it holds)."""

    host: HostState
    principal: Principal


def run(session: Session, line: str) -> Result | None:
    """Run one command line of a cmd shell as the logon of ``session``.

    Args:
        session: the host and the authenticated principal (with what its logon holds).
        line: Command and Arguments joined, as the shell received them.

    Returns:
        stdout, stderr and exit code; None when the lab does not emulate the command (the
        caller then reports it as not executed).
    """
    argv = _split(line)
    if not argv:
        return None
    exe = argv[0].lower().removesuffix(".exe")
    if exe == "powershell" or exe == "pwsh":
        script = _encoded_script(argv[1:])
        return run_powershell(session, script) if script is not None else None
    return _run_cmd(session, argv)


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line, posix=False)
    except ValueError:
        return line.split()


def _encoded_script(args: list[str]) -> str | None:
    for index, arg in enumerate(args[:-1]):
        if arg.lower() in ("-encodedcommand", "-enc", "-e", "-ec"):
            try:
                return base64.b64decode(args[index + 1]).decode("utf-16-le")
            except (binascii.Error, UnicodeDecodeError):
                return None
    return None


def _unquote(word: str) -> str:
    return word[1:-1] if len(word) >= 2 and word[0] == word[-1] and word[0] in "'\"" else word


def _run_cmd(session: Session, argv: list[str]) -> Result | None:
    exe = argv[0].lower().removesuffix(".exe")
    args = [_unquote(a) for a in argv[1:]]
    if exe == "whoami" and not args:
        return Result(session.principal.display.lower() + "\r\n")
    if exe == "hostname" and not args:
        return Result(session.host.netbios + "\r\n")
    if exe == "dir" and len(args) == 1 and args[0].startswith("\\\\"):
        return _dir_cmd(session, args[0])
    if exe in ("winrm", "winrm.cmd") and args and args[0].lower() in ("id", "identify"):
        return _winrm_id(session, args[1:])
    if exe == "cmd" and len(args) >= 2 and args[0].lower() == "/c":
        return _run_cmd(session, _split(" ".join(args[1:])))
    return None


def run_powershell(session: Session, script: str) -> Result | None:
    """Each statement in turn; the exit code is 1 when the last one failed (powershell.exe)."""
    total = Result()
    ran = False
    errors: list[str] = []
    for statement in (s.strip() for s in re.split(r"[\r\n;]+", script)):
        if not statement:
            continue
        argv = _split(statement)
        name = argv[0].lower()
        result: Result | None
        if name in ("dir", "ls", "gci", "get-childitem"):
            result = _dir_powershell(session, argv, statement)
        elif name == "test-wsman":
            result = _test_wsman(session, argv, statement)
        else:
            result = _run_cmd(session, argv)
        if result is None:
            return None  # a script the lab cannot run: report it as not executed
        ran = True
        total.stdout += result.stdout
        if result.stderr:
            errors.append(result.stderr)
        total.rc = result.rc
    if not ran:
        return None
    total.stderr = clixml(errors) if errors else ""
    return total


def clixml(errors: list[str]) -> str:
    """PowerShell's error stream as powershell.exe -EncodedCommand writes it to stderr."""
    parts = []
    for text in errors:
        for line in text.replace("\r\n", "\n").split("\n"):
            if line:
                parts.append(f'<S S="Error">{esc(line)}_x000D__x000A_</S>')
    return ('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
            + "".join(parts) + "</Objs>")


# -- dir \\host\share ------------------------------------------------------------------------
def _unc(path: str) -> tuple[str, str]:
    parts = [p for p in path.strip("\\").split("\\") if p]
    return (parts[0], parts[1]) if len(parts) >= 2 else (parts[0] if parts else "", "")


def _share_access(session: Session, path: str) -> str:
    """'ok', or the Win32 error name: bad_netpath, bad_net_name, logon_failure, access_denied."""
    name, share = _unc(path)
    target = hop.find(name)
    if target is None or not share:
        return "bad_netpath"
    logon = hop.smb_logon(session.host, target, name, session.principal)
    if not logon.ok:
        # A null session is refused at the share (no Everyone for ANONYMOUS LOGON); a rejected
        # NTLM/Kerberos logon is a logon failure.
        return "access_denied" if logon.account == hop.ANONYMOUS or logon.via is None else "logon_failure"
    if share.lower() not in hop.shares(target):
        return "bad_net_name"
    return "ok"  # share permission Everyone:Read, NTFS Users:Read: any authenticated account


_CMD_ERRORS = {
    "bad_netpath": "The network path was not found.",
    "bad_net_name": "The network name cannot be found.",
    "logon_failure": "The user name or password is incorrect.",
    "access_denied": "Access is denied.",
}


def _dir_cmd(session: Session, path: str) -> Result:
    outcome = _share_access(session, path)
    if outcome != "ok":
        return Result("", _CMD_ERRORS[outcome] + "\r\n", 1)
    unc = path.rstrip("\\")
    lines = [
        f" Volume in drive {unc} has no label.", " Volume Serial Number is 5A1B-C0DE", "",
        f" Directory of {unc}", "",
        f"{_STAMP_CMD}    <DIR>          .", f"{_STAMP_CMD}    <DIR>          ..",
        f"{_STAMP_CMD}                 0 {SHARE_FILE}",
        "               1 File(s)              0 bytes",
        "               2 Dir(s)  52,428,800,000 bytes free", "",
    ]
    return Result("\r\n".join(lines), "", 0)


@dataclass(frozen=True)
class ErrorRecord:
    """The parts of a PowerShell error record the console shows."""

    message: str
    category: str  # ErrorCategory, e.g. PermissionDenied
    cmdlet: str  # Get-ChildItem
    exception: str  # UnauthorizedAccessException
    error_id: str  # FullyQualifiedErrorId, e.g. PathNotFound,Microsoft.PowerShell.Commands.GetChildItemCommand


def _ps_error(statement: str, target: str, record: ErrorRecord) -> str:
    """A non-terminating error record as the PowerShell 5.1 console host formats it.

    Args:
        statement: the statement as typed (its first word prefixes the message, as PowerShell
            shows the invocation name: ``dir : …`` for the alias).
        target: the CategoryInfo target (the path or computer name).
        record: message, category, cmdlet, exception type and FullyQualifiedErrorId.

    Returns:
        The text, lines separated by LF (clixml() turns them into CLIXML lines).
    """
    invocation = statement.split()[0]
    shown = statement if len(statement) <= 70 else statement[:67] + " ..."
    return (f"{invocation} : {record.message}\nAt line:1 char:1\n+ {shown}\n+ {'~' * len(shown)}\n"
            f"    + CategoryInfo          : {record.category}: ({target}:String) [{record.cmdlet}], "
            f"{record.exception}\n    + FullyQualifiedErrorId : {record.error_id}\n \n")


_GCI = "Microsoft.PowerShell.Commands.GetChildItemCommand"


def _dir_powershell(session: Session, argv: list[str], statement: str) -> Result | None:
    args = [_unquote(a) for a in argv[1:] if a.lower() not in ("-path", "-literalpath")]
    if len(args) != 1 or not args[0].startswith("\\\\"):
        return None
    path = args[0].rstrip("\\")
    outcome = _share_access(session, path)
    if outcome == "ok":
        out = (f"\r\n\r\n    Directory: {path}\r\n\r\n\r\nMode                 LastWriteTime         Length Name\r\n"
               "----                 -------------         ------ ----\r\n"
               f"-a----          {_STAMP_PS}              0 {SHARE_FILE}\r\n\r\n\r\n")
        return Result(out, "", 0)
    not_found = _ps_error(statement, path, ErrorRecord(
        f"Cannot find path '{path}' because it does not exist.", "ObjectNotFound", "Get-ChildItem",
        "ItemNotFoundException", f"PathNotFound,{_GCI}"))
    if outcome == "access_denied":
        # PowerShell reports the refused UNC root twice: access denied, then "does not exist".
        denied = _ps_error(statement, path, ErrorRecord(
            "Access is denied", "PermissionDenied", "Get-ChildItem", "UnauthorizedAccessException",
            f"ItemExistsUnauthorizedAccessError,{_GCI}"))
        return Result("", denied + not_found, 1)
    return Result("", not_found, 1)


# -- WS-Man Identify from this host to another -------------------------------------------------
@dataclass(frozen=True)
class IdentifyCall:
    target_name: str
    mechanism: str  # none | negotiate | kerberos | credssp
    explicit: hop.Explicit | None


def _trusted(host: HostState, name: str) -> bool:
    """The client's TrustedHosts (comma-separated names, ``*`` and ``*.suffix`` wildcards)."""
    for entry in (e.strip().lower() for e in host.value("Client", "TrustedHosts").split(",")):
        if entry and (entry == "*" or entry == name.lower()
                      or (entry.startswith("*") and name.lower().endswith(entry[1:]))):
            return True
    return False


def identify_call(session: Session, call: IdentifyCall) -> bytes | ClientError:
    """This host's WinRM client sends an Identify to another lab host.

    Checks run in the Windows client's order: the target is reachable (an enabled HTTP
    listener), for CredSSP the client role, the delegation policy and TrustedHosts before
    anything is sent, then the server's schemes and the real logon at the target.

    Args:
        session: the logon the command runs in (its credential is what a Negotiate or
            Kerberos call can use when no -u/-p was typed).
        call: target name as typed, mechanism, explicit credentials.

    Returns:
        The target's Identify reply (authenticated or not), or the client error to print.
    """
    source = session.host
    target = hop.find(call.target_name)
    if target is None or not hop.http_listener(target):
        return CANNOT_CONNECT
    if call.mechanism == "none":
        target.stats.count_request("Identify")
        return identify.response(target, authenticated=False)
    # NTLM (and CredSSP, NTLM-authenticated here) over HTTP needs the target in TrustedHosts
    # unless both ends are domain members and Kerberos is used.
    kerberos_possible = (source.member() is not None and target.member() is not None
                         and not hop.is_address(call.target_name))
    if call.mechanism == "credssp":
        if call.explicit is None:
            return CREDSSP_NEEDS_CREDENTIAL
        if not source.flag("Client", "Auth", "CredSSP"):
            return CREDSSP_CLIENT_OFF
        # The lab's CredSSP acceptor authenticates the server with NTLM inside TLS: a server is
        # "NTLM-only" unless Kerberos could work (both members, a host name) -- see the README.
        ntlm_only = not (kerberos_possible and "\\" in call.explicit.user)
        decision = credssp_policy.fresh_credentials(source.registry, f"WSMAN/{call.target_name}", ntlm_only)
        if not decision.allowed:
            return POLICY_NTLM if ntlm_only else POLICY_KERBEROS
        if ntlm_only and not _trusted(source, call.target_name):
            return TRUSTED_HOSTS
        if not target.flag("Service", "Auth", "CredSSP"):
            return NOT_OFFERED
        logon = hop.credssp_logon(source, target, call.target_name, call.explicit)
        return _identified(target) if logon.ok else ACCESS_DENIED
    scheme = "Kerberos" if call.mechanism == "kerberos" else "Negotiate"
    if not target.flag("Service", "Auth", "Negotiate") and not (
            scheme == "Kerberos" and target.flag("Service", "Auth", "Kerberos")):
        return NOT_OFFERED
    if not kerberos_possible and not _trusted(source, call.target_name):
        return TRUSTED_HOSTS  # the client knows it will not be Kerberos: refused before connecting
    try:
        logon = hop.wsman_logon(source, target, call.target_name, session.principal, scheme, call.explicit)
    except ValueError:  # the client context produced no token
        logon = hop.Logon(False, reason="no credentials")
    if logon.reason == "no credentials":
        return ClientError(NO_LOGON_SESSION.code, NO_LOGON_SESSION.message.format(mech=scheme))
    return _identified(target) if logon.ok else ACCESS_DENIED


def _identified(target: HostState) -> bytes:
    target.stats.count_request("Identify")  # the request C answers once the logon is done
    return identify.response(target, authenticated=True)


_WINRM_MECH = {"none": "none", "negotiate": "negotiate", "default": "negotiate", "kerberos": "kerberos",
               "credssp": "credssp"}


def _winrm_options(args: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for arg in args:
        if arg.startswith(("-", "/")) and ":" in arg:
            key, _colon, value = arg[1:].partition(":")
            out[key.lower()] = _unquote(value)
    return out


def _host_of(value: str) -> str:
    value = re.sub(r"^https?://", "", value, flags=re.IGNORECASE)
    return value.split("/")[0].rsplit(":", 1)[0] if value.count(":") == 1 or "/" in value else value


def _winrm_id(session: Session, args: list[str]) -> Result | None:
    options = _winrm_options(args)
    remote = options.get("r") or options.get("remote")
    if remote is None:
        return None  # local Identify: not a hop
    mech = _WINRM_MECH.get((options.get("a") or options.get("auth") or "default").lower())
    if mech is None:
        return None
    user = options.get("u") or options.get("username")
    password = options.get("p") or options.get("password")
    explicit = hop.Explicit(user, password) if user and password is not None else None
    reply = identify_call(session, IdentifyCall(_host_of(remote), mech, explicit))
    if isinstance(reply, ClientError):
        message = reply.message.strip()
        signed = reply.hresult - (1 << 32) if reply.hresult & 0x80000000 else reply.hresult
        return Result("", f"WSManFault\r\n    Message = {message}\r\n\r\nError number:  {signed} "
                          f"0x{reply.hresult:X}\r\n{reply.message}\r\n", 1)
    return Result(_render_winrm_identify(reply), "", 0)


def _identify_fields(reply: bytes) -> tuple[dict[str, str], list[str]]:
    root = ET.fromstring(reply)
    node = root.find(f".//{{{xmlns.WSMID}}}IdentifyResponse")
    fields: dict[str, str] = {}
    profiles: list[str] = []
    for child in node if node is not None else []:
        local = child.tag.split("}")[1]
        if local == "SecurityProfiles":
            profiles = [p.text or "" for p in child]
        else:
            fields[local] = child.text or ""
    return fields, profiles


def _render_winrm_identify(reply: bytes) -> str:
    fields, profiles = _identify_fields(reply)
    lines = ["IdentifyResponse"] + [f"    {k} = {v}" for k, v in fields.items()]
    if profiles:
        lines += ["    SecurityProfiles", "        SecurityProfileName = " + ", ".join(profiles)]
    return "\r\n".join(lines) + "\r\n\r\n"


_TEST_WSMAN_MECH = {"none": "none", "default": "negotiate", "negotiate": "negotiate", "kerberos": "kerberos",
                    "credssp": "credssp"}


def _test_wsman(session: Session, argv: list[str], statement: str) -> Result | None:
    args = [_unquote(a) for a in argv[1:]]
    target: str | None = None
    mech = "none"  # Test-WSMan without -Authentication sends an unauthenticated Identify
    index = 0
    while index < len(args):
        arg = args[index].lower()
        if arg in ("-computername", "-cn") and index + 1 < len(args):
            target = args[index + 1]
            index += 2
        elif arg in ("-authentication", "-auth") and index + 1 < len(args):
            found = _TEST_WSMAN_MECH.get(args[index + 1].lower())
            if found is None:
                return None
            mech = found
            index += 2
        elif not arg.startswith("-") and target is None:
            target = args[index]
            index += 1
        else:
            return None  # -Credential, -UseSSL, -Port ...: not emulated
    if target is None:
        return None
    reply = identify_call(session, IdentifyCall(target, mech, None))
    if isinstance(reply, ClientError):
        fault = (f'<f:WSManFault xmlns:f="{FAULT_NS}" Code="{reply.code}" Machine="{esc(session.host.fqdn)}">'
                 f"<f:Message>{esc(reply.message)}</f:Message></f:WSManFault>")
        return Result("", _ps_error(statement, target, ErrorRecord(
            fault, "InvalidOperation", "Test-WSMan", "InvalidOperationException",
            "WsManError,Microsoft.WSMan.Management.TestWSManCommand")), 1)
    fields, _profiles = _identify_fields(reply)
    rows = {"wsmid": xmlns.WSMID, **fields}
    width = max(len(k) for k in rows)
    return Result("\r\n" + "".join(f"{k.ljust(width)} : {v}\r\n" for k, v in rows.items()) + "\r\n", "", 0)
