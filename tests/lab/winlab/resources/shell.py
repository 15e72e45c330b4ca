"""The cmd shell (windows/shell/cmd): enough for Ansible's winrm connection.

Commands are never executed: every command "succeeds" with exit code 0 and a
one-line stdout. Reply shapes follow recorded Windows replies (pypsrp
tests/tests_pypsrp/responses/test_client_execute_cmd.yml).
"""

from __future__ import annotations

import base64
import uuid

from .. import faults, xmlns
from ..operation import Context, Reply
from ..xmlns import q
from ..xmlutil import esc

_SHELL_FIELDS = "s a x w rsp p"


def _shell_id(ctx: Context) -> str:
    shell_id = ctx.request.selector("ShellId")
    if shell_id is None or shell_id.upper() not in ctx.host.shells:
        raise faults.invalid_selectors(faults.SHELL_PROVIDER)
    return shell_id.upper()


def create(ctx: Context) -> Reply:
    if not ctx.host.flag("Winrs", "AllowRemoteShellAccess"):
        raise faults.remote_shells_not_allowed()
    shell_id = str(uuid.uuid4()).upper()
    ctx.host.shells[shell_id] = {"commands": {}}
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
    shell["commands"][command_id] = line
    body_xml = f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>"
    return Reply(xmlns.ACTION_COMMAND + "Response", body_xml, _SHELL_FIELDS)


def receive(ctx: Context) -> Reply:
    shell = ctx.host.shells[_shell_id(ctx)]
    body = ctx.request.body
    stream = body.find(q(xmlns.SHELL, "DesiredStream")) if body is not None else None
    command_id = (stream.get("CommandId") or "").upper() if stream is not None else ""
    if command_id not in shell["commands"]:
        raise faults.invalid_selectors(faults.SHELL_PROVIDER)
    line = shell["commands"][command_id]
    out = ctx.principal.display.lower() if line.strip().lower() == "whoami" else f"lab: not executed: {line[:60]}"
    data = base64.b64encode((out + "\r\n").encode()).decode()
    cid = command_id
    body_xml = (
        f'<rsp:ReceiveResponse><rsp:Stream Name="stdout" CommandId="{cid}">{data}</rsp:Stream>'
        f'<rsp:Stream Name="stdout" CommandId="{cid}" End="true"></rsp:Stream>'
        f'<rsp:Stream Name="stderr" CommandId="{cid}" End="true"></rsp:Stream>'
        f'<rsp:CommandState CommandId="{cid}" State="{xmlns.SHELL}/CommandState/Done">'
        "<rsp:ExitCode>0</rsp:ExitCode></rsp:CommandState></rsp:ReceiveResponse>"
    )
    return Reply(xmlns.ACTION_RECEIVE + "Response", body_xml, "s a w rsp p")


def signal(ctx: Context) -> Reply:
    shell = ctx.host.shells[_shell_id(ctx)]
    body = ctx.request.body
    command_id = (body.get("CommandId") or "").upper() if body is not None else ""
    shell["commands"].pop(command_id, None)
    return Reply(xmlns.ACTION_SIGNAL + "Response", "<rsp:SignalResponse/>", _SHELL_FIELDS)


def send(ctx: Context) -> Reply:
    _shell_id(ctx)
    return Reply(xmlns.ACTION_SEND + "Response", "<rsp:SendResponse/>", _SHELL_FIELDS)
