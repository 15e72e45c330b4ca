# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which registry policy values a Group Policy object delivers (the host's resultant set of policy).

For internal collection use only; this is not a public API.

``Enable-WSManCredSSP`` and Group Policy write the same keys under
``HKLM\\SOFTWARE\\Policies\\…``, so the registry alone cannot tell a local change from a GPO
that will put it back at the next refresh. Windows records what each GPO applied in WMI
``root\\rsop\\computer``: ``RSOP_RegistryPolicySetting`` (``registryKey``, ``valueName``,
``GPOID``, ``precedence``) and ``RSOP_GPO`` (``id``, ``name``). Class and property names are
those of the RSoP WMI schema; no recording of these replies exists here yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.faults import WSManFault
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import WSMAN_BASE, children

RSOP_URI = WSMAN_BASE + "wmi/root/rsop/computer/"
REGISTRY_SETTING_URI = RSOP_URI + "RSOP_RegistryPolicySetting"
GPO_URI = RSOP_URI + "RSOP_GPO"


@dataclass(frozen=True)
class PolicyValue:
    """One registry value a GPO delivers.

    Attributes:
        key: below HKLM, as RSoP spells it (``Software\\Policies\\…``).
        name: the value name ('' for the key's own entry).
        gpo: the GPO's display name, or its id when the name is not known.
    """

    key: str
    name: str
    gpo: str

    @property
    def path(self) -> str:
        return "HKLM\\%s\\%s" % (self.key, self.name) if self.name else "HKLM\\%s" % self.key


def gpo_values(client: WSManClient, key_prefix: str) -> list[PolicyValue]:
    """GPO-delivered values at or below ``key_prefix`` (a path below HKLM, any case).

    One Enumerate of the registry settings, one of the GPOs only when something matched. A host
    whose RSoP namespace cannot be read (logging turned off, an old Windows) gives no values:
    the caller then cannot tell, which is what the registry alone says too.
    """
    prefix = key_prefix.lower().rstrip("\\")
    try:
        settings = [children(item) for item in client.enumerate(REGISTRY_SETTING_URI)]
    except WSManFault:
        return []
    matched = []
    for values in settings:
        key = (values.get("registryKey") or [""])[0]
        if key.lower() == prefix or key.lower().startswith(prefix + "\\"):
            matched.append((key, (values.get("valueName") or [""])[0], (values.get("GPOID") or [""])[0],
                            (values.get("precedence") or ["1"])[0]))
    if not matched:
        return []
    names = {}
    try:
        for item in client.enumerate(GPO_URI):
            gpo = children(item)
            names[(gpo.get("id") or [""])[0].lower()] = (gpo.get("name") or [""])[0]
    except WSManFault:
        pass
    # precedence 1 is the GPO that wins; others were overridden and change nothing.
    return [PolicyValue(key, name, names.get(gpo_id.lower()) or gpo_id or "Group Policy")
            for key, name, gpo_id, precedence in matched if precedence.strip() in ("", "1")]
