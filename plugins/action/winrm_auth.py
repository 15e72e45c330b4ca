# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winauth.winrm.winrm_auth (documentation in plugins/modules)."""

from __future__ import annotations

from typing import Any

from ansible_collections.winauth.winrm.plugins.modules.winrm_auth import ARGUMENT_SPEC, REQUIRED_ONE_OF
from ansible_collections.winauth.winrm.plugins.plugin_utils._action import WSManAction, display
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.change import gpo_message, nested, plan
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import Value, put_bodies
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.lockout import cut_reasons
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.posture import read_config
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ProtocolError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import WSManSettings
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.transport import WSManTransport

# module option -> config leaf
_KEYS = {
    "service": {
        "basic": "service.auth.basic",
        "kerberos": "service.auth.kerberos",
        "negotiate": "service.auth.negotiate",
        "certificate": "service.auth.certificate",
        "credssp": "service.auth.credssp",
        "allow_unencrypted": "service.allow_unencrypted",
        "cbt_hardening_level": "service.auth.cbt_hardening_level",
    },
    "client": {
        "basic": "client.auth.basic",
        "digest": "client.auth.digest",
        "kerberos": "client.auth.kerberos",
        "negotiate": "client.auth.negotiate",
        "certificate": "client.auth.certificate",
        "credssp": "client.auth.credssp",
        "allow_unencrypted": "client.allow_unencrypted",
    },
}


def desired_values(args: dict[str, Any]) -> dict[str, Value]:
    """Module arguments → ``{leaf key: wanted value}`` for the options given."""
    wanted: dict[str, Value] = {}
    for side, mapping in _KEYS.items():
        for option, value in (args.get(side) or {}).items():
            if value is not None:
                wanted[mapping[option]] = value
    return wanted


class ActionModule(WSManAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_ONE_OF = REQUIRED_ONE_OF

    def execute(self, client: WSManClient, settings: WSManSettings, transport: WSManTransport,
                args: dict[str, Any], host: str) -> dict[str, Any]:
        wanted = desired_values(args)
        before = read_config(client)
        changes = plan(before, wanted)
        result: dict[str, Any] = {"changed": bool(changes), "changes": [c.describe() for c in changes]}
        if not wanted:
            return {**result, "config": {}, "msg": "no setting given: nothing to enforce"}

        blocked = [c for c in changes if c.gpo]
        if blocked:
            return {**result, "changed": False, "failed": True, "msg": gpo_message(blocked)}
        reasons = cut_reasons(settings, transport.auth_used or "", changes)
        if reasons and not args["force"]:
            return {
                **result, "changed": False, "failed": True,
                "msg": "refusing to lock this controller out of %s: %s. Fix the connection first, or pass "
                       "force: true to apply anyway." % (host, "; ".join(reasons)),
            }
        if self._task.diff and changes:
            result["diff"] = {
                "before": nested({c.key: c.before for c in changes}),
                "after": nested({c.key: c.after for c in changes}),
            }
        if not changes or self._task.check_mode:
            return {**result, "config": nested({k: before.value(k) for k in wanted})}

        for uri, body in put_bodies((c.key, c.after) for c in changes).items():
            client.put(uri, body)
        if reasons:
            # Forced past the guard: the connection we would confirm with may be gone.
            display.warning("%s: forced change may have cut this controller's connection: %s"
                            % (host, "; ".join(reasons)))
            return {**result, "config": nested({c.key: c.after for c in changes})}

        after = read_config(client)
        wrong = [c for c in changes if plan(after, {c.key: c.after})]
        if wrong:
            raise ProtocolError(
                "the host accepted the Put but still reports %s"
                % ", ".join("%s=%r" % (c.key, after.value(c.key)) for c in wrong),
                target=settings.endpoint, operation="confirm",
            )
        return {**result, "config": nested({k: after.value(k) for k in wanted})}
