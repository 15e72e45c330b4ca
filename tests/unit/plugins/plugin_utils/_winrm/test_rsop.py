# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RSoP: which registry policy values a GPO delivers."""

from __future__ import annotations

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm import rsop
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import envelope as env
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import NS
from ansible_collections.winauth.winrm.tests.unit.helpers import ENDPOINT, FakeSender, Sent, fault_body

GPO_ID = "cn={6AC1786C-016F-11D2-945F-00C04FB984F9},cn=policies,cn=system,DC=corp,DC=example"
KEY = "Software\\Policies\\Microsoft\\Windows\\CredentialsDelegation"


def reply(items: str) -> str:
    return ('<n:EnumerateResponse xmlns:n="%s"><n:EnumerationContext/><w:Items>%s</w:Items><w:EndOfSequence/>'
            "</n:EnumerateResponse>" % (NS["n"], items))


def setting(key: str, name: str, precedence: str = "1") -> str:
    uri = rsop.REGISTRY_SETTING_URI
    return ('<p:RSOP_RegistryPolicySetting xmlns:p="%s"><p:GPOID>%s</p:GPOID><p:precedence>%s</p:precedence>'
            "<p:registryKey>%s</p:registryKey><p:valueName>%s</p:valueName></p:RSOP_RegistryPolicySetting>"
            % (uri, GPO_ID, precedence, key, name))


def host(settings: str, gpos: str | None = None, refuse: bool = False):  # type: ignore[no-untyped-def]
    def answer(request: Sent) -> object:
        assert request.action == env.ACTION_ENUMERATE
        if refuse:
            return 500, fault_body(subcode="w:InternalError", wsman_code=2147749902)
        if request.resource_uri == rsop.REGISTRY_SETTING_URI:
            return reply(settings)
        assert request.resource_uri == rsop.GPO_URI
        return reply(gpos or "")
    return FakeSender(responder=answer)


def test_matching_values_are_named_by_their_gpo() -> None:
    gpo = '<p:RSOP_GPO xmlns:p="%s"><p:id>%s</p:id><p:name>Tier-1 CredSSP</p:name></p:RSOP_GPO>' % (
        rsop.GPO_URI, GPO_ID.upper())
    sender = host(setting(KEY, "AllowFreshCredentials") + setting(KEY + "\\AllowFreshCredentials", "1")
                  + setting("Software\\Policies\\Microsoft\\Windows\\WinRM\\Service", "AllowBasic")
                  + setting(KEY, "AllowDefaultCredentials", precedence="2"), gpo)
    found = rsop.gpo_values(WSManClient(sender, ENDPOINT), KEY.upper())
    assert [(v.path, v.gpo) for v in found] == [
        ("HKLM\\%s\\AllowFreshCredentials" % KEY, "Tier-1 CredSSP"),
        ("HKLM\\%s\\AllowFreshCredentials\\1" % KEY, "Tier-1 CredSSP"),
    ]
    assert sender.round_trips == 2


def test_nothing_matched_costs_one_round_trip() -> None:
    sender = host(setting("Software\\Policies\\Microsoft\\Windows\\WinRM\\Service", "AllowBasic"))
    assert rsop.gpo_values(WSManClient(sender, ENDPOINT), KEY) == []
    assert sender.round_trips == 1


def test_unreadable_rsop_namespace_tells_nothing() -> None:
    assert rsop.gpo_values(WSManClient(host("", refuse=True), ENDPOINT), KEY) == []
