"""WMI root/default/StdRegProv methods invoked over WS-Man.

Shape, from a Windows reply kept as an openwsman test fixture
(bindings/ruby/tests/EnumKey.xml) and the Invoke-WSManAction documentation:
action ``<resourceURI>/<Method>Response``; body ``<p:<Method>_OUTPUT>`` declaring
xsi, p (= resource URI) and cim, out parameters first, ``p:ReturnValue`` last.
A NULL out parameter (no subkeys, failed read) is rendered xsi:nil.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import faults, registry, xmlns
from ..operation import Context, Reply
from ..xmlutil import esc, local, ns_of

Outputs = list[tuple[str, Any]]  # (name, str | list[str] | None)

_WBEM_E_TYPE_MISMATCH = 2147749893  # 0x80041005, what WMI returns for a value of another type


def _params(ctx: Context, method: str) -> dict[str, list[str]]:
    body = ctx.request.body
    uri = ctx.request.resource_uri
    if body is None:
        return {}
    if local(body.tag).lower() != f"{method}_INPUT".lower() or ns_of(body.tag).lower() != uri.lower():
        raise faults.WSManFault(
            2150859038, "w:InvalidParameter",  # ERROR_WSMAN_WMI_PROVIDER_INVALID_PARAMETER; subcode unconfirmed
            "The WS-Management service cannot process the request. The WMI provider returned an "
            "'invalid parameter' error. ",
            provider=faults.WMI_PROVIDER,
        )
    params: dict[str, list[str]] = {}
    for child in body:
        params.setdefault(local(child.tag).lower(), []).append(child.text or "")
    return params


class _Call:
    """Parameter access with WMI's defaults (hDefKey defaults to HKEY_LOCAL_MACHINE)."""

    def __init__(self, ctx: Context, params: dict[str, list[str]]) -> None:
        self.ctx = ctx
        self.params = params
        self.reg = ctx.host.registry

    def one(self, name: str, default: str | None = None) -> str | None:
        values = self.params.get(name.lower())
        return values[0] if values else default

    def required(self, name: str) -> str:
        value = self.one(name)
        if value is None:
            raise _invalid_parameter()
        return value

    def hive_and_path(self) -> tuple[str, list[str]] | None:
        try:
            hive = registry.HIVES.get(int(self.one("hDefKey", "2147483650") or "2147483650"))
        except ValueError:
            hive = None
        if hive is None:
            return None
        return hive, registry.split_path(self.one("sSubKeyName", "") or "")

    def key(self) -> registry.Key | None:
        located = self.hive_and_path()
        return self.reg.find(*located) if located else None


def _invalid_parameter() -> faults.WSManFault:
    return faults.WSManFault(
        2150859038, "w:InvalidParameter",
        "The WS-Management service cannot process the request. The WMI provider returned an "
        "'invalid parameter' error. ",
        provider=faults.WMI_PROVIDER,
    )


def _enum_key(call: _Call) -> tuple[int, Outputs]:
    key = call.key()
    if key is None:
        return registry.FILE_NOT_FOUND, [("sNames", None)]
    return registry.OK, [("sNames", registry.subkey_names(key) or None)]


def _enum_values(call: _Call) -> tuple[int, Outputs]:
    key = call.key()
    if key is None:
        return registry.FILE_NOT_FOUND, [("sNames", None), ("Types", None)]
    names = [v["name"] for v in key["values"]] or None
    types = [str(registry.TYPES[v["type"]]) for v in key["values"]] or None
    return registry.OK, [("sNames", names), ("Types", types)]


def _getter(out_name: str, types: tuple[str, ...], fmt: Callable[[Any], Any]) -> Callable[[_Call], tuple[int, Outputs]]:
    def run(call: _Call) -> tuple[int, Outputs]:
        key = call.key()
        value = registry.get_value(key, call.one("sValueName", "") or "") if key is not None else None
        if value is None:
            return registry.FILE_NOT_FOUND, [(out_name, None)]
        if value["type"] not in types:
            return _WBEM_E_TYPE_MISMATCH, [(out_name, None)]
        return registry.OK, [(out_name, fmt(value["data"]))]

    return run


def _setter(param: str, type_name: str, multi: bool = False) -> Callable[[_Call], tuple[int, Outputs]]:
    def run(call: _Call) -> tuple[int, Outputs]:
        key = call.key()
        if key is None:
            return registry.FILE_NOT_FOUND, []
        if multi:
            data: Any = call.params.get(param.lower(), [])
        elif type_name == "REG_DWORD":
            raw = call.required(param)
            if not raw.strip().isdigit() or int(raw) > 0xFFFFFFFF:
                raise _invalid_parameter()
            data = int(raw)
        else:
            data = call.required(param)
        if registry.set_value(key, call.one("sValueName", "") or "", type_name, data):
            call.ctx.host.commit()
        return registry.OK, []

    return run


def _create_key(call: _Call) -> tuple[int, Outputs]:
    located = call.hive_and_path()
    if located is None:
        return registry.FILE_NOT_FOUND, []
    _key, created = call.reg.create(*located)
    if created:
        call.ctx.host.commit()
    return registry.OK, []


def _delete_key(call: _Call) -> tuple[int, Outputs]:
    located = call.hive_and_path()
    if located is None:
        return registry.FILE_NOT_FOUND, []
    rc = call.reg.delete(*located)
    if rc == registry.OK:
        call.ctx.host.commit()
    return rc, []


def _delete_value(call: _Call) -> tuple[int, Outputs]:
    key = call.key()
    if key is None or not registry.delete_value(key, call.one("sValueName", "") or ""):
        return registry.FILE_NOT_FOUND, []
    call.ctx.host.commit()
    return registry.OK, []


METHODS: dict[str, Callable[[_Call], tuple[int, Outputs]]] = {
    "EnumKey": _enum_key,
    "EnumValues": _enum_values,
    "GetStringValue": _getter("sValue", ("REG_SZ",), str),
    "GetExpandedStringValue": _getter("sValue", ("REG_EXPAND_SZ",), str),
    "GetMultiStringValue": _getter("sValue", ("REG_MULTI_SZ",), lambda d: [str(s) for s in d] or None),
    "GetDWORDValue": _getter("uValue", ("REG_DWORD",), str),
    "GetQWORDValue": _getter("uValue", ("REG_QWORD",), str),
    # uint8 uValue[]: one element per byte (how WMI arrays go over WS-Man; no recording of this one).
    "GetBinaryValue": _getter("uValue", ("REG_BINARY",), lambda d: [str(b) for b in d] or None),
    "SetStringValue": _setter("sValue", "REG_SZ"),
    "SetExpandedStringValue": _setter("sValue", "REG_EXPAND_SZ"),
    "SetMultiStringValue": _setter("sValue", "REG_MULTI_SZ", multi=True),
    "SetDWORDValue": _setter("uValue", "REG_DWORD"),
    "CreateKey": _create_key,
    "DeleteKey": _delete_key,
    "DeleteValue": _delete_value,
}


def _render(uri: str, method: str, rc: int, outputs: Outputs, lang: bool) -> str:
    parts = []
    for name, value in outputs:
        if value is None:
            parts.append(f'<p:{name} xsi:nil="true"/>')
        elif isinstance(value, list):
            parts += [f"<p:{name}>{esc(v)}</p:{name}>" for v in value]
        else:
            parts.append(f"<p:{name}>{esc(value)}</p:{name}>")
    parts.append(f"<p:ReturnValue>{rc}</p:ReturnValue>")
    # xml:lang only when the request set w:Locale, like WMI instances (see resources/wmi.py):
    # the recorded EnumKey reply to openwsman, which sends none, has none.
    lang_attr = ' xml:lang="en-US"' if lang else ""
    return (
        f'<p:{method}_OUTPUT xmlns:xsi="{xmlns.XSI}" xmlns:p="{esc(uri)}" xmlns:cim="{xmlns.CIM}"'
        f'{lang_attr}>{"".join(parts)}</p:{method}_OUTPUT>'
    )


def invoke(ctx: Context) -> Reply:
    uri = ctx.request.resource_uri
    requested = ctx.request.action[len(uri) + 1:] if ctx.request.action.lower().startswith(uri.lower() + "/") else ""
    method = next((m for m in METHODS if m.lower() == requested.lower()), None)
    if method is None:
        # ERROR_WSMAN_PROVSYS_NOT_SUPPORTED 0x803380A9 ("The provider method was not found").
        raise faults.WSManFault(
            2150858921, "a:ActionNotSupported",
            "The WS-Management service cannot process the request. The provider method was not found. ",
            provider=faults.WMI_PROVIDER,
        )
    call = _Call(ctx, _params(ctx, method))
    rc, outputs = METHODS[method](call)
    lang = ctx.request.header_child(xmlns.WSMAN, "Locale") is not None
    return Reply(f"{xmlns.STDREGPROV}/{method}Response", _render(xmlns.STDREGPROV, method, rc, outputs, lang))
