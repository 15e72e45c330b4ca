# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument spec of the ``winauth.winrm.ad`` options for the controller-side AD modules.

For internal collection use only; this is not a public API.

The module documentation files may import only module_utils, so the spec lives here; its
names are the doc fragment's options, i.e. the keywords of ``_ad.settings.build_ad_settings``
(a unit test keeps the three equal). The ``WINAUTH_AD_*`` variables are read as fallbacks,
as the lookups and the inventory read them.
"""

from __future__ import annotations

from typing import Any

from ansible.module_utils.basic import env_fallback

AD_ARGUMENT_SPEC: dict[str, dict[str, Any]] = dict(
    domain=dict(type="str", fallback=(env_fallback, ["WINAUTH_AD_DOMAIN"])),
    server=dict(type="list", elements="str", fallback=(env_fallback, ["WINAUTH_AD_SERVER"])),
    port=dict(type="int"),
    tls_mode=dict(type="str", choices=["ldaps", "starttls", "none"], default="ldaps"),
    auth=dict(type="str", choices=["kerberos", "simple", "ntlm", "negotiate"], default="kerberos"),
    username=dict(type="str", fallback=(env_fallback, ["WINAUTH_AD_USERNAME"])),
    password=dict(type="str", no_log=True, fallback=(env_fallback, ["WINAUTH_AD_PASSWORD"])),
    ca_cert=dict(type="path"),
    validate_certs=dict(type="bool", default=True),
    search_base=dict(type="str"),
    timeout=dict(type="int", default=10),
)
