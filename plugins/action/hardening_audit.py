# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winauth.winrm.hardening_audit (documentation in plugins/modules)."""

from __future__ import annotations

from typing import Any

from ansible_collections.winauth.winrm.plugins.action.winrm_info import ActionModule as WinrmInfo
from ansible_collections.winauth.winrm.plugins.modules.hardening_audit import ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.hardening import CONTROLS
from ansible_collections.winauth.winrm.plugins.plugin_utils._report import audit
from ansible_collections.winauth.winrm.plugins.plugin_utils._report.fleet import switch_var


class ActionModule(WinrmInfo):
    """winrm_info over each candidate connection until one answers, then the role's plan and record."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def _var(self, task_vars: dict[str, Any], name: str, default: Any = None) -> Any:
        """A role variable, templated (a plain value costs no template compile)."""
        if name not in task_vars:
            return default
        return self._templar.template(task_vars[name])

    def _kerberos_ready(self, task_vars: dict[str, Any]) -> bool:
        """hardening_kerberos_ready; unset: the host is in the winauth.winrm.ad inventory's kerberos_ready group."""
        ready = self._var(task_vars, "hardening_kerberos_ready")
        if ready is not None:
            return audit.true(ready)
        group = (task_vars.get("groups") or {}).get("kerberos_ready") or []
        return task_vars.get("inventory_hostname") in group

    def _inputs(self, task_vars: dict[str, Any]) -> audit.Inputs:
        profile = self._task.args.get("profile") or self._var(task_vars, "hardening_profile", "baseline")
        return audit.Inputs(
            profile=profile,
            fallback_transport=str(self._var(task_vars, "hardening_fallback_transport", "ntlm")),
            https_default_port=int(self._var(task_vars, "hardening_https_default_port", 5986)),
            switches={c.id: self._var(task_vars, switch_var(c.id), True) for c in CONTROLS.values()},
            kerberos_ready=profile == "strict" and self._kerberos_ready(task_vars),  # only strict requires it
            no_remote_shell_ok=self._var(task_vars, "hardening_no_remote_shell_ok", False),
        )

    def _option(self, name: str) -> Any:
        try:
            return self._connection.get_option(name)
        except KeyError:
            return None

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        inputs = self._inputs(task_vars)
        args = self._task.args
        args.setdefault("profile", inputs.profile)
        if args.get("credssp_scope") is None:  # the credssp_scoped role's declared scope
            args["credssp_scope"] = {"clients": self._var(task_vars, "credssp_scoped_clients", []) or [],
                                     "jump_hosts": self._var(task_vars, "credssp_scoped_jump_hosts", []) or []}
        short = str(getattr(self._connection, "_load_name", "") or "").rsplit(".", 1)[-1]
        inventory = audit.inventory_connection(self._option("transport"), self._option("scheme"),
                                               self._option("port"), inputs.fallback_transport)
        tried = audit.candidates(inventory, inputs, winrm=short == "winrm")
        attempts: list[dict[str, Any]] = []
        for candidate in tried.connections:
            if short == "winrm":  # the audit's own settings read the connection plugin's options
                for option, value in candidate.plugin_options().items():
                    self._connection.set_option(option, value)
            result = super().run(tmp, task_vars)
            attempts.append(result)
            if audit.worked(result):
                break
        kept = audit.outcome(tried, attempts, inputs, check_mode=bool(self._task.check_mode))
        final = dict(attempts[-1])
        final.pop("compliance", None)  # it is the record's "before": one copy to register and ship
        final["hardening"] = {
            **kept,
            "candidates": [c.as_dict() for c in tried.connections],
            "attempts": [{"connection": c.as_dict(), "msg": a.get("msg", "")}
                         for c, a in zip(tried.connections, attempts, strict=False)],
        }
        if kept["winner"] < 0:
            final.pop("unreachable", None)  # every connection was tried: a failure of this task, with each error
            final["failed"] = True
            final["msg"] = "no connection to %s worked (%d tried): %s" % (
                task_vars.get("inventory_hostname", "the host"), len(attempts),
                " / ".join(str(a.get("msg")) for a in attempts if a.get("msg")))
        return final
