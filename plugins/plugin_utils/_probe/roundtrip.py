# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Layer 7, the authenticated round trip: the configured transport, then one admin-only read.

For internal collection use only; this is not a public API.

An authenticated Identify proves the logon and shows which protocol really authenticated
(``auth_used``; transports are tried in order, as Ansible's winrm plugin does) and the real OS
version; a Get of ``config`` then proves the account may manage WinRM (a non-admin authenticates
and gets AccessDenied). Failures are named through the explain table, the same as ``explain``
of the connection plugin's error.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError
from ansible_collections.winauth.winrm.plugins.plugin_utils._explain import match
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.step import Step, ok, problem
from ansible_collections.winauth.winrm.plugins.plugin_utils._probe.unauth import IDENTIFY, parse_identify
from ansible_collections.winauth.winrm.plugins.plugin_utils._text import shorten
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import WSMAN_BASE


def failed(error: BaseException, evidence: dict[str, Any]) -> Step:
    """The step for a round trip that raised: the table names the cause.

    The summary is the error's own message (without the operation/endpoint prefix, which the
    verdict line already starts with); ``evidence.error`` keeps the whole text.
    """
    text = shorten(error, 500)
    row = match(text)
    summary = shorten(error.message if isinstance(error, WinAuthError) else error, 300)
    return problem("roundtrip", row.id if row else "credentials-rejected", summary, error=text, evidence=evidence)


def run(transport: Any, client: Any, username: str | None, encrypts: Any) -> Step:
    """Authenticate with the configured transports and read ``config``.

    Args:
        transport: the action's WSManTransport (``send``, ``auth_used``).
        client: the action's WSManClient (``get``).
        username: for the summary.
        encrypts: ``settings.encrypts_messages``.
    """
    evidence: dict[str, Any] = {"user": username}
    try:
        status, body = transport.send(IDENTIFY, "Identify (authenticated)")
    except WinAuthError as e:
        return failed(e, evidence)
    auth = transport.auth_used
    evidence.update(auth=auth, message_encryption=bool(encrypts(auth or "")), identify_status=status)
    evidence.update({"identify_" + k: v for k, v in parse_identify(body).items()})
    try:
        client.get(WSMAN_BASE + "config")
    except WinAuthError as e:
        return failed(e, evidence)
    evidence["config_read"] = True
    return ok("roundtrip", "%s authenticated %s; config readable (administrator)" % (auth, username or "the user"),
              **evidence)
