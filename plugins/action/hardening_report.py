# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winauth.winrm.hardening_report (documentation in plugins/modules)."""

from __future__ import annotations

import datetime
import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.winauth.winrm.plugins.modules.hardening_report import ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._report import html
from ansible_collections.winauth.winrm.plugins.plugin_utils._report.fleet import ReportInputError, build, patch_var

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")


def _plain(value: Any) -> Any:
    """Ansible's lazy/tagged containers as plain dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def records(hostvars: Any, hosts: list[str], record: str) -> dict[str, Any]:
    """``{host: record with its patch results}`` from the play's host variables (None: never audited)."""
    found: dict[str, Any] = {}
    for host in hosts:
        try:
            own = hostvars[host]
        except KeyError:
            found[host] = None
            continue
        data = _plain(own.get(record))
        if isinstance(data, dict):
            controls = [row.get("control") for row in data.get("before") or [] if isinstance(row, dict)]
            data["patches"] = {c: _plain(own.get(patch_var(c))) for c in controls if isinstance(c, str)}
        found[host] = data
    return found


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` in one step (a reader never sees half a report), mode 0644."""
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=".%s." % path.name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        try:
            _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        except AnsibleActionFail as e:
            return {**result, **e.result, "failed": True, "msg": e.result.get("msg") or e.message}
        if not _NAME.match(args["name"]):
            return {**result, "failed": True,
                    "msg": "name must be a plain file name (letters, digits, '.', '_', '-'), got %r" % args["name"]}
        hosts = args["hosts"] if args["hosts"] is not None else list(task_vars.get("ansible_play_hosts_all") or [])
        found = records(task_vars.get("hostvars") or {}, hosts, args["record"])
        mode = "report" if self._task.check_mode else "apply"
        modes = {r.get("mode") for r in found.values() if isinstance(r, dict)}
        if len(modes) == 1:
            mode = str(modes.pop())
        generated = datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()
        try:
            report = build(found, args["profile"], mode, generated)
        except ReportInputError as e:
            return {**result, "failed": True, "msg": "cannot build the hardening report: %s" % e}
        dest = Path(args["dest"]).expanduser().absolute()  # a relative dest: where ansible-playbook runs
        try:
            dest.mkdir(parents=True, exist_ok=True)
            json_path, html_path = dest / (args["name"] + ".json"), dest / (args["name"] + ".html")
            write_atomically(json_path, json.dumps(report, indent=1, sort_keys=False) + "\n")
            write_atomically(html_path, html.render(report))
        except OSError as e:
            return {**result, "failed": True, "msg": "cannot write the hardening report into %s: %s (choose a "
                                                     "writable directory with dest)" % (dest, e.strerror or e)}
        failing = [{"host": h["name"], "control": c["control"], "reason": c["reason"]}
                   for h in report["hosts"] for c in h["cells"] if c["status"] == "fail"]
        return {**result, "changed": False, "json_path": str(json_path), "html_path": str(html_path),
                "totals": report["totals"], "failing": failing,
                "msg": "hardening report: %s (%s)" % (html_path, ", ".join("%s %d" % kv
                                                                           for kv in report["totals"].items()))}
