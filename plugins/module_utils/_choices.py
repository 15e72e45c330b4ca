# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Value sets shared by the module argument specs and the controller-side code.

For internal collection use only; this is not a public API.

The module documentation files (plugins/modules) may import only module_utils, so the
constants their ``choices`` read live here, and plugin_utils reads them from here too.
"""

from __future__ import annotations

# config/service/auth CbtHardeningLevel, as Windows spells them (it compares case-insensitively).
CBT_LEVELS = ("None", "Relaxed", "Strict")
# Finding severities, lowest first.
SEVERITIES = ("info", "low", "medium", "high")
# winrm_info fail_on thresholds: "none" never fails; "info" findings never count.
FAIL_ON = ("none", "low", "medium", "high")
# winrm_probe steps, in the order they run (plugin_utils._probe.run.STEPS has one row per name).
PROBE_STEPS = ("dns", "tcp", "identify", "schemes", "tls", "kerberos", "clock", "roundtrip")
# Steps run only when asked for (the kerberos_preflight playbook): the Kerberos client's own setup.
PROBE_OPT_IN_STEPS = ("krb5_conf", "kdc")
# The options of winrm_info, which hardening_audit (the role's audit: winrm_info over each candidate
# connection) takes as they are.
AUDIT_ARGUMENT_SPEC = dict(
    fail_on=dict(type="str", choices=list(FAIL_ON), default="none"),
    credssp_scope=dict(type="dict", options=dict(
        jump_hosts=dict(type="list", elements="str"),
        clients=dict(type="list", elements="str"),
    )),
    profile=dict(type="str", choices=["baseline", "strict"]),
)
