# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class of the collection's WS-Man action plugins.

For internal collection use only; this is not a public API.

It validates arguments, builds the WS-Man client from the task's own connection
settings (without opening the connection plugin's shell), and turns every
:class:`WinAuthError` into one clear result: ``unreachable`` for the problems Ansible's
winrm connection would report as unreachable, ``failed`` for everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import (
    AuthenticationError,
    MissingLibraryError,
    TLSError,
    UnreachableError,
    WSManTimeoutError,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import (
    WSManSettings,
    settings_from_connection,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.transport import WSManTransport

display = Display()

# Errors the winrm connection plugin itself reports as UNREACHABLE.
_UNREACHABLE = (UnreachableError, WSManTimeoutError, TLSError, AuthenticationError)


@dataclass
class ActionContext:
    """Everything one run of a WS-Man action needs.

    Attributes:
        client: the WS-Man client of the host.
        settings: the host's connection settings (from its own connection variables).
        transport: the transport under the client (``auth_used`` after the first request).
        args: the validated module arguments.
        host: the inventory name, for messages.
        check_mode: the task runs in check mode: read, never write.
        diff: the task wants a diff.
        task_vars: the task's variables (``inventory_hostname``, ``groups``, ``hostvars``).
    """

    client: WSManClient
    settings: WSManSettings
    transport: WSManTransport
    args: dict[str, Any]
    host: str
    check_mode: bool = False
    diff: bool = False
    task_vars: dict[str, Any] = field(default_factory=dict)


class WSManAction(ActionBase):
    """Subclasses set ``ARGUMENT_SPEC`` and implement :meth:`execute`."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False
    ARGUMENT_SPEC: dict[str, Any] = {}
    REQUIRED_ONE_OF: list[Any] = []

    def execute(self, ctx: ActionContext) -> dict[str, Any]:
        """Do the module's work.

        Args:
            ctx: the client, settings, transport, arguments and host of this run.

        Returns:
            Result keys (``changed``, ``msg``, module-specific data).

        Raises:
            WinAuthError: any failure; :meth:`run` turns it into one ``msg``.
        """
        raise NotImplementedError

    def _kinit(self, settings: WSManSettings) -> Callable[[], None] | None:
        """The winrm connection plugin's own kinit, when it manages the ticket (run when Kerberos is reached)."""
        kerb_auth = getattr(self._connection, "_kerb_auth", None)
        if not (settings.kerberos_managed and "kerberos" in settings.transports and kerb_auth is not None):
            return None

        def kinit() -> None:
            if not getattr(self._connection, "_winrm_kwargs", None):
                self._connection._build_winrm_kwargs()
            try:
                kerb_auth(settings.username, settings.password)
            except Exception as e:  # AnsibleConnectionFailure, with the password already redacted
                # from None: the kinit subprocess error may carry the command line and its stdin.
                raise AuthenticationError(str(e), target=settings.endpoint, operation="kinit") from None

        return kinit

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        del tmp
        host = (task_vars or {}).get("inventory_hostname", "") or self._task.get_name()
        try:
            _validation, args = self.validate_argument_spec(
                argument_spec=self.ARGUMENT_SPEC, required_one_of=self.REQUIRED_ONE_OF
            )
        except AnsibleActionFail as e:
            # ansible-core 2.21 keeps the message on the exception, not in e.result.
            result.update(e.result)
            result["failed"] = True
            result["msg"] = result.get("msg") or e.message
            return result
        try:
            settings = settings_from_connection(self._connection)
            transport = WSManTransport(settings, before_kerberos=self._kinit(settings))
        except MissingLibraryError as e:
            return {**result, "failed": True, "msg": str(e)}
        except WinAuthError as e:
            return {**result, "failed": True, "msg": "connection settings: %s" % e}

        ctx = ActionContext(
            client=WSManClient(transport, settings.endpoint, settings.operation_timeout),
            settings=settings, transport=transport, args=args, host=host,
            check_mode=bool(self._task.check_mode), diff=bool(self._task.diff), task_vars=task_vars or {},
        )
        display.vvv("WS-Man %s as %r via %s" % (settings.endpoint, settings.username, ",".join(settings.transports)),
                    host=host)
        try:
            result.update(self.execute(ctx))
        except _UNREACHABLE as e:
            result.update(unreachable=True, msg=str(e))
        except WinAuthError as e:
            result.update(failed=True, msg=str(e))
        finally:
            display.vvv("WS-Man round trips: %d (auth %s)" % (transport.round_trips, transport.auth_used), host=host)
            transport.close()
        result["wsman_round_trips"] = transport.round_trips
        return result
