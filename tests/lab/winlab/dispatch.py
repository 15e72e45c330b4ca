"""Route an authenticated WS-Man request to its resource handler."""

from __future__ import annotations

from . import faults, registry, schema, xmlns
from .operation import Context, Reply
from .resources import config, enumeration, listener, rsop, shell, stdregprov, wmi

_LISTENER = {
    xmlns.ACTION_ENUMERATE: listener.enumerate_listeners,
    xmlns.ACTION_GET: listener.get,
    xmlns.ACTION_PUT: listener.put,
    xmlns.ACTION_CREATE: listener.create,
    xmlns.ACTION_DELETE: listener.delete,
}
_SHELL = {
    xmlns.ACTION_CREATE: shell.create,
    xmlns.ACTION_DELETE: shell.delete,
    xmlns.ACTION_COMMAND: shell.command,
    xmlns.ACTION_RECEIVE: shell.receive,
    xmlns.ACTION_SIGNAL: shell.signal,
    xmlns.ACTION_SEND: shell.send,
}
_SHELLS = {
    xmlns.ACTION_GET: shell.get_shell,
    xmlns.ACTION_ENUMERATE: shell.enumerate_shells,
}
_CIMV2 = {
    xmlns.ACTION_GET: wmi.get,
    xmlns.ACTION_ENUMERATE: wmi.enumerate_instances,
}


_UAC = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System"


def elevated(ctx: Context) -> bool:
    """Whether the network logon token still holds Administrators (UAC remote restrictions).

    Remote logons of local accounts get a filtered token unless LocalAccountTokenFilterPolicy=1;
    the built-in Administrator (RID 500) is exempt unless FilterAdministratorToken=1. Domain
    accounts in the member's Administrators group (Domain Admins) keep their full token.
    """
    if not ctx.principal.admin:
        return False
    if ctx.principal.domain:
        return True  # remote UAC filtering applies to local accounts only
    key = ctx.host.registry.find_path(_UAC)

    def dword(name: str) -> int:
        value = registry.get_value(key, name) if key is not None else None
        return int(value["data"]) if value is not None and value["type"] == "REG_DWORD" else 0

    if ctx.principal.user.lower() == "administrator":
        return dword("FilterAdministratorToken") != 1
    return dword("LocalAccountTokenFilterPolicy") == 1


def handle(ctx: Context) -> Reply:
    """Run one operation; raises WSManFault for anything Windows would refuse."""
    req = ctx.request
    if not elevated(ctx):
        # RootSDDL grants access to Administrators only; checked before any resource.
        raise faults.access_denied()
    action = req.action
    # Pull and Release continue an enumeration whatever resource it came from.
    if action == xmlns.ACTION_PULL:
        return enumeration.pull(ctx)
    if action == xmlns.ACTION_RELEASE:
        return enumeration.release(ctx)
    uri = req.resource_uri.rstrip("/").lower()
    resource = schema.resource_for(uri)
    if resource is not None:
        if action == xmlns.ACTION_GET:
            return config.get(ctx, resource)
        if action == xmlns.ACTION_PUT:
            return config.put(ctx, resource)
        raise faults.action_not_supported()
    table = {
        xmlns.LISTENER.lower(): _LISTENER,
        xmlns.CMD_SHELL.lower(): _SHELL,
        xmlns.SHELL.lower(): _SHELLS,
        xmlns.RSOP_REGISTRY_SETTING.lower(): {xmlns.ACTION_ENUMERATE: rsop.enumerate_registry_settings},
        xmlns.RSOP_GPO.lower(): {xmlns.ACTION_ENUMERATE: rsop.enumerate_gpos},
    }.get(uri)
    if table is None and wmi.class_of_uri(uri) is not None:
        table = _CIMV2  # wmi/root/cimv2/<Class> and wmi/root/cimv2/* (WQL)
    if table is not None:
        handler = table.get(action)
        if handler is None:
            raise faults.action_not_supported()
        return handler(ctx)
    if uri == xmlns.STDREGPROV.lower():
        return stdregprov.invoke(ctx)
    if uri.startswith((xmlns.URI_PREFIX + "wmi/").lower()):
        raise faults.resource_not_found(faults.WMI_PROVIDER)
    raise faults.unknown_resource(req.resource_uri)
