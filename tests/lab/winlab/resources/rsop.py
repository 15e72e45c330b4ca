"""WMI root/rsop/computer: what Group Policy applied (RSOP_RegistryPolicySetting, RSOP_GPO), Enumerate only.

A host state may carry ``group_policy``: a list of GPOs, each
``{"name": "CredSSP jump hosts", "guid": "{…}", "values": [["Software\\\\Policies\\\\…", "ValueName"], …]}``,
naming the registry policy values that GPO delivers (the values themselves live in ``registry``
as on Windows). Instances are rendered as the lab's other WMI classes (:func:`wmi.render`);
property names from the RSoP WMI schema (MSDN) -- no recording of these replies exists, so
only the properties clients read are emulated.
"""

from __future__ import annotations

from typing import Any

from .. import xmlns
from ..operation import Context, Reply
from . import enumeration, wmi

NAMESPACE = xmlns.URI_PREFIX + "wmi/root/rsop/computer/"


def _gpo_id(guid: str) -> str:
    return f"cn={guid},cn=policies,cn=system,DC=lab,DC=test"


def _gpos(ctx: Context) -> list[dict[str, Any]]:
    return list(ctx.host.state.get("group_policy") or [])


def _answer(ctx: Context, cls: str, instances: list[dict[str, Any]]) -> Reply:
    items = [wmi.render(cls, i, wmi.wants_lang(ctx), NAMESPACE) for i in instances]
    return enumeration.enumerate_items(ctx, items, "s a n w")


def enumerate_registry_settings(ctx: Context) -> Reply:
    return _answer(ctx, "RSOP_RegistryPolicySetting", [
        {"GPOID": _gpo_id(gpo["guid"]), "precedence": "1", "registryKey": key, "valueName": name}
        for gpo in _gpos(ctx) for key, name in gpo.get("values", [])])


def enumerate_gpos(ctx: Context) -> Reply:
    return _answer(ctx, "RSOP_GPO", [{"id": _gpo_id(g["guid"]), "guidName": g["guid"], "name": g["name"],
                                      "enabled": "true"} for g in _gpos(ctx)])
