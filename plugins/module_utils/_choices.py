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
