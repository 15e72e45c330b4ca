# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument spec of the ``winauth.winrm.ad`` options for the controller-side AD modules.

For internal collection use only; this is not a public API.

The module documentation files may import only module_utils, so the spec lives here; its
names are the doc fragment's options, i.e. the keywords of ``_ad.settings.build_ad_settings``
(a unit test keeps the three equal). The ``WINAUTH_AD_*`` variables are read as fallbacks,
as the lookups and the inventory read them (Ansible sets a default before it tries a fallback,
so :func:`with_environment` puts a set variable in place of the default of such an option).
"""

from __future__ import annotations

import os
from typing import Any

from ansible.module_utils.basic import env_fallback

AD_ARGUMENT_SPEC: dict[str, dict[str, Any]] = dict(
    domain=dict(type="str", fallback=(env_fallback, ["WINAUTH_AD_DOMAIN"])),
    server=dict(type="list", elements="str", fallback=(env_fallback, ["WINAUTH_AD_SERVER"])),
    port=dict(type="int"),
    tls_mode=dict(type="str", choices=["ldaps", "starttls", "none"], default="ldaps",
                  fallback=(env_fallback, ["WINAUTH_AD_TLS_MODE"])),
    auth=dict(type="str", choices=["kerberos", "simple", "ntlm", "negotiate"], default="kerberos",
              fallback=(env_fallback, ["WINAUTH_AD_AUTH"])),
    username=dict(type="str", fallback=(env_fallback, ["WINAUTH_AD_USERNAME"])),
    password=dict(type="str", no_log=True, fallback=(env_fallback, ["WINAUTH_AD_PASSWORD"])),
    ca_cert=dict(type="path", fallback=(env_fallback, ["WINAUTH_AD_CA_CERT"])),
    validate_certs=dict(type="bool", default=True),
    search_base=dict(type="str"),
    timeout=dict(type="int", default=10),
)


def with_environment(spec: dict[str, dict[str, Any]], given: Any) -> dict[str, dict[str, Any]]:
    """``spec`` with the default of each option not in ``given`` replaced by its set environment variable.

    Args:
        spec: an argument spec whose env fallbacks are ``(env_fallback, [NAME, ...])``.
        given: the task's arguments as written.

    Returns:
        A copy of the spec; choices and types still apply to the variable's value.
    """
    out = dict(spec)
    for name, option in spec.items():
        fallback = option.get("fallback")
        if name in given or option.get("default") is None or not fallback:
            continue
        value = next((os.environ[env] for env in fallback[1] if os.environ.get(env)), None)
        if value is not None:
            out[name] = dict(option, default=value)
    return out
