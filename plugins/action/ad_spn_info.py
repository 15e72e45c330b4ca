# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winauth.winrm.ad_spn_info (documentation in plugins/modules)."""

from __future__ import annotations

from typing import Any

from ansible_collections.winauth.winrm.plugins.modules.ad_spn_info import ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.spn import SpnDirectory
from ansible_collections.winauth.winrm.plugins.plugin_utils._adaction import ADAction
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.spn import duplicate_findings, host_record
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.names import client_request, read_krb5_names
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.spnfacts import gather_host


class ActionModule(ADAction):
    AD_PLUGIN = "winauth.winrm.ad_spn_info"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        hostvars = task_vars.get("hostvars", {})
        names = args["hosts"] or [task_vars.get("inventory_hostname", "localhost")]
        krb5 = read_krb5_names(args["krb5_conf"])
        hosts: dict[str, Any] = {}
        with self.ad_connection() as ad:
            directory = SpnDirectory(ad)
            for name in names:
                own = hostvars[name] if name in hostvars else {}
                request = client_request(name, own, krb5)
                hosts[name] = host_record(gather_host(directory, request, own))
            duplicates = directory.duplicates() if args["duplicates"] else []
        findings = [f for record in hosts.values() for f in record["findings"]]
        findings += [f.as_dict("domain") for f in duplicate_findings(duplicates)]
        notes = directory.notes + ["names follow %s (dns_canonicalize_hostname=%s, rdns=%s)"
                                   % (krb5.source, krb5.canonicalize, str(krb5.rdns).lower())]
        return {"changed": False, "hosts": hosts, "duplicates": duplicates, "findings": findings, "notes": notes}
