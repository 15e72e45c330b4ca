# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class of the collection's controller-side Active Directory action plugins (ad_spn_info, ad_spn).

For internal collection use only; this is not a public API.

They talk LDAP to a DC from the controller and never to the task's host: the task's
arguments are the ``winauth.winrm.ad`` options (read through :class:`ADPluginBase`) plus
the module's own; any collection error becomes one ``msg``, without a traceback.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.winauth.winrm.plugins.module_utils._ad_spec import with_environment
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.base import ADPluginBase
from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError


class ADAction(ADPluginBase, ActionBase):  # type: ignore[misc]
    """Subclasses set ``AD_PLUGIN`` and ``ARGUMENT_SPEC`` and implement :meth:`execute`."""

    AD_ERROR = AnsibleActionFail
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False
    ARGUMENT_SPEC: dict[str, Any] = {}

    def get_option(self, option: str, hostvars: Any = None) -> Any:
        """The task argument ``option`` (validated by :meth:`run`)."""
        return self._ad_args.get(option)

    def execute(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        """Do the module's work.

        Args:
            args: the validated task arguments.
            task_vars: the task's variables (``hostvars`` among them).

        Returns:
            Result keys.

        Raises:
            WinAuthError: any failure; :meth:`run` turns it into one ``msg``.
        """
        raise NotImplementedError

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        del tmp
        try:
            _validation, args = self.validate_argument_spec(argument_spec=with_environment(self.ARGUMENT_SPEC,
                                                                                           self._task.args))
        except AnsibleActionFail as e:
            result.update(e.result)
            result.update(failed=True, msg=result.get("msg") or e.message)
            return result
        self._ad_args = args
        try:
            result.update(self.execute(args, task_vars or {}))
        except WinAuthError as e:
            # The message is complete; a chained traceback could show option values (a password).
            result.update(failed=True, msg="%s: %s" % (self.AD_PLUGIN, e))
        return result
