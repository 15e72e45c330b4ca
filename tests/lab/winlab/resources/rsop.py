"""WMI root/rsop/computer: what Group Policy applied (RSOP_RegistryPolicySetting, RSOP_GPO), Enumerate only.

A host state may carry ``group_policy``: a list of GPOs, each
``{"name": "CredSSP jump hosts", "guid": "{…}", "values": [["Software\\\\Policies\\\\…", "ValueName"], …]}``,
naming the registry policy values that GPO delivers (the values themselves live in ``registry``
as on Windows). Instance shape as the lab's other WMI classes (p:<Class>_Type, properties in
case-insensitive alphabetical order); property names from the RSoP WMI schema (MSDN) — no
recording of these replies exists, so only the properties clients read are emulated.
"""

from __future__ import annotations

from typing import Any

from .. import xmlns
from ..operation import Context, Reply
from ..xmlutil import esc
from . import enumeration


def _gpo_id(guid: str) -> str:
    return f"cn={guid},cn=policies,cn=system,DC=lab,DC=test"


def _instance(cls: str, props: dict[str, str]) -> str:
    uri = xmlns.URI_PREFIX + "wmi/root/rsop/computer/" + cls
    body = "".join(f"<p:{k}>{esc(v)}</p:{k}>" for k, v in sorted(props.items(), key=lambda kv: kv[0].lower()))
    return (f'<p:{cls} xmlns:xsi="{xmlns.XSI}" xmlns:p="{uri}" xmlns:cim="{xmlns.CIM}" '
            f'xsi:type="p:{cls}_Type" xml:lang="en-US">{body}</p:{cls}>')


def _gpos(ctx: Context) -> list[dict[str, Any]]:
    return list(ctx.host.state.get("group_policy") or [])


def enumerate_registry_settings(ctx: Context) -> Reply:
    items = []
    for gpo in _gpos(ctx):
        for key, name in gpo.get("values", []):
            items.append(_instance("RSOP_RegistryPolicySetting", {
                "GPOID": _gpo_id(gpo["guid"]), "precedence": "1", "registryKey": key, "valueName": name,
            }))
    return enumeration.enumerate_items(ctx, items)


def enumerate_gpos(ctx: Context) -> Reply:
    items = [_instance("RSOP_GPO", {"id": _gpo_id(g["guid"]), "guidName": g["guid"], "name": g["name"],
                                    "enabled": "true"}) for g in _gpos(ctx)]
    return enumeration.enumerate_items(ctx, items)
