"""The cmd shell (windows/shell/cmd) and the shell list (windows/shell): enough for Ansible's winrm connection.

A few commands really run (winlab/commands.py: whoami, hostname, dir of a share and
WS-Man calls to another lab host, the double hop); any other "succeeds" with exit code 0
and a one-line stdout. A command that sleeps (``Start-Sleep N``, ``timeout /t N``,
``ping -n N``) runs for that long: its first Receive answers state Running, a
later one waits up to OperationTimeout and then answers Done or faults w:TimedOut,
as recorded (pypsrp tests_pypsrp/responses/test_winrs_operation_timeout.yml).
Reply shapes follow the recorded Windows replies (windows-recorded/shell-*,
enumerate-shells, fault-invalid-parameter, fault-operation-timeout).
"""

from __future__ import annotations

import base64
import re
import time
import uuid
from typing import Any

from .. import commands, faults, soap, xmlns
from ..operation import Context, Reply
from ..xmlns import q
from ..xmlutil import esc
from . import enumeration

_SHELL_FIELDS = "s a x w rsp p"
_SLEEP = re.compile(r"(?:start-sleep\s+(?:-s(?:econds)?\s+)?|timeout(?:\.exe)?\s+/t\s+|ping(?:\.exe)?\s+-n\s+)(\d+)",
                    re.IGNORECASE)


def _shell_id(ctx: Context) -> str:
    shell_id = ctx.request.selector("ShellId")
    if shell_id is None or shell_id.upper() not in ctx.host.shells:
        raise faults.invalid_selectors(faults.SHELL_PROVIDER)
    return shell_id.upper()


def create(ctx: Context) -> Reply:
    if not ctx.host.flag("Winrs", "AllowRemoteShellAccess"):
        raise faults.remote_shells_not_allowed()
    limit = int(ctx.host.value("Winrs", "MaxShellsPerUser"))
    if sum(1 for s in ctx.host.shells.values() if s["owner"] == ctx.principal.display) >= limit:
        raise faults.shell_quota(limit)
    shell_id = str(uuid.uuid4()).upper()
    ctx.host.shells[shell_id] = {"commands": {}, "owner": ctx.principal.display, "client_ip": ctx.client_ip,
                                 "created": time.monotonic(), "pid": 1000 + len(ctx.host.shells) * 4}
    created = (
        f"<x:ResourceCreated><a:Address>{esc(ctx.endpoint)}</a:Address><a:ReferenceParameters>"
        f"<w:ResourceURI>{xmlns.CMD_SHELL}</w:ResourceURI><w:SelectorSet>"
        f'<w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet>'
        "</a:ReferenceParameters></x:ResourceCreated>"
    )
    shell = (
        f'<rsp:Shell xmlns:rsp="{xmlns.SHELL}"><rsp:ShellId>{shell_id}</rsp:ShellId>'
        f"<rsp:ResourceUri>{xmlns.CMD_SHELL}</rsp:ResourceUri>"
        f"<rsp:Owner>{esc(ctx.principal.display)}</rsp:Owner><rsp:ClientIP>{esc(ctx.client_ip)}</rsp:ClientIP>"
        "<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:InputStreams>stdin</rsp:InputStreams>"
        "<rsp:OutputStreams>stdout stderr</rsp:OutputStreams><rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime>"
        "<rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>"
    )
    return Reply(xmlns.ACTION_CREATE + "Response", created + shell, _SHELL_FIELDS)


def delete(ctx: Context) -> Reply:
    del ctx.host.shells[_shell_id(ctx)]
    return Reply(xmlns.ACTION_DELETE + "Response", "", "s a w p")


def _duration(seconds: float) -> str:
    whole = int(seconds)
    return f"P{whole // 86400}DT{whole % 86400 // 3600}H{whole % 3600 // 60}M{whole % 60}S"


def _listed(shell_id: str, shell: dict[str, Any], now: float) -> str:
    """A shell as windows/shell Enumerate lists it (windows-recorded/enumerate-shells.response.xml)."""
    fields = [
        ("ShellId", shell_id), ("ResourceUri", xmlns.CMD_SHELL), ("Owner", shell["owner"]),
        ("ClientIP", shell["client_ip"]), ("ProcessId", shell["pid"]), ("IdleTimeOut", "PT7200.000S"),
        ("InputStreams", "stdin"), ("OutputStreams", "stdout stderr"), ("MaxIdleTimeOut", "PT2147483.647S"),
        ("Locale", "en-US"), ("DataLocale", "en-US"), ("CompressionMode", "NoCompression"),
        ("ProfileLoaded", "Yes"), ("Encoding", "UTF8"), ("BufferMode", "Block"), ("State", "Connected"),
        ("ShellRunTime", _duration(now - float(shell["created"]))),
        ("ShellInactivity", "P0DT0H0M0S"), ("MemoryUsed", "12MB"), ("ChildProcesses", len(shell["commands"])),
    ]
    inner = "".join(f"<rsp:{name}>{esc(str(value))}</rsp:{name}>" for name, value in fields)
    return f'<rsp:Shell xmlns:rsp="{xmlns.SHELL}">{inner}</rsp:Shell>'


def enumerate_shells(ctx: Context) -> Reply:
    """Enumerate windows/shell: the caller's open shells, p:ActivityId in the header as recorded."""
    now = time.monotonic()
    items = [_listed(sid, sh, now) for sid, sh in ctx.host.shells.items() if sh["owner"] == ctx.principal.display]
    return enumeration.enumerate_items(ctx, items, "s a n w p", activity=True)


def get_shell(ctx: Context) -> Reply:
    """Get windows/shell?ShellId=…; an unknown id is InvalidSelectors (fault-invalid-selectors recording)."""
    shell_id = _shell_id(ctx)
    return Reply(xmlns.ACTION_GET + "Response", _listed(shell_id, ctx.host.shells[shell_id], time.monotonic()),
                 "s a x w rsp p")


def command(ctx: Context) -> Reply:
    shell = ctx.host.shells[_shell_id(ctx)]
    body = ctx.request.body
    line = ""
    if body is not None:
        line = " ".join(
            filter(None, [body.findtext(q(xmlns.SHELL, "Command"), "")]
                   + [a.text or "" for a in body.findall(q(xmlns.SHELL, "Arguments"))])
        )
    command_id = str(uuid.uuid4()).upper()
    sleep = _SLEEP.search(line)
    shell["commands"][command_id] = {"line": line, "ends": time.monotonic() + (int(sleep.group(1)) if sleep else 0),
                                     "started": False}
    body_xml = f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>"
    return Reply(xmlns.ACTION_COMMAND + "Response", body_xml, _SHELL_FIELDS)


def receive(ctx: Context) -> Reply:
    shell = ctx.host.shells[_shell_id(ctx)]
    body = ctx.request.body
    stream = body.find(q(xmlns.SHELL, "DesiredStream")) if body is not None else None
    if stream is None or not stream.get("CommandId"):
        raise faults.invalid_parameter()  # the cmd plugin needs the CommandId (recorded)
    command_id = (stream.get("CommandId") or "").upper()
    if command_id not in shell["commands"]:
        raise faults.invalid_selectors(faults.SHELL_PROVIDER)
    cmd = shell["commands"][command_id]
    cid = command_id
    streams = ""
    if not cmd["started"]:  # the first Receive gets the output at once
        cmd["started"] = True
        line = cmd["line"]
        # The few commands the lab really runs (commands.py: the double hop); the rest is not executed.
        result = commands.run(commands.Session(ctx.host, ctx.principal), line) or commands.Result(
            f"lab: not executed: {line[:60]}\r\n")
        cmd["rc"] = result.rc
        for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            if text:
                data = base64.b64encode(text.encode()).decode()
                streams += f'<rsp:Stream Name="{name}" CommandId="{cid}">{data}</rsp:Stream>'
    remaining = cmd["ends"] - time.monotonic()
    delay = 0.0
    if remaining > 0 and not streams:  # nothing to say yet: wait, up to OperationTimeout
        timeout = soap.seconds(soap.child_text(ctx.request.header, xmlns.WSMAN, "OperationTimeout")
                               if ctx.request.header is not None else None)
        if remaining > timeout:
            raise faults.operation_timeout(timeout)
        delay, remaining = remaining, 0.0
    if remaining > 0:
        state = f'<rsp:CommandState CommandId="{cid}" State="{xmlns.SHELL}/CommandState/Running"></rsp:CommandState>'
    else:
        streams += (f'<rsp:Stream Name="stdout" CommandId="{cid}" End="true"></rsp:Stream>'
                    f'<rsp:Stream Name="stderr" CommandId="{cid}" End="true"></rsp:Stream>')
        state = (f'<rsp:CommandState CommandId="{cid}" State="{xmlns.SHELL}/CommandState/Done">'
                 f"<rsp:ExitCode>{cmd.get('rc', 0)}</rsp:ExitCode></rsp:CommandState>")
    reply = Reply(xmlns.ACTION_RECEIVE + "Response", f"<rsp:ReceiveResponse>{streams}{state}</rsp:ReceiveResponse>",
                  "s a w rsp p")
    reply.delay = delay
    return reply


def signal(ctx: Context) -> Reply:
    shell = ctx.host.shells[_shell_id(ctx)]
    body = ctx.request.body
    command_id = (body.get("CommandId") or "").upper() if body is not None else ""
    shell["commands"].pop(command_id, None)
    return Reply(xmlns.ACTION_SIGNAL + "Response", "<rsp:SignalResponse/>", _SHELL_FIELDS)


def send(ctx: Context) -> Reply:
    _shell_id(ctx)
    return Reply(xmlns.ACTION_SEND + "Response", "<rsp:SendResponse/>", _SHELL_FIELDS)
