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


def _host_vars(hostvars: Any, host: str) -> Mapping[str, Any] | None:
    """A host's variables as stored, not templated (None: not an inventory host).

    ansible-core's ``hostvars[host]`` templates each value read: for a registered audit result that
    walks every leaf, a large share of the report's cost on a big fleet. The records are data the
    play produced (registered results, set_fact values), so they are read as they are; a plain
    mapping (tests) is read as is.
    """
    raw_get = getattr(hostvars, "raw_get", None)
    try:
        own = raw_get(host) if raw_get is not None else hostvars[host]
    except KeyError:
        return None
    return own if isinstance(own, Mapping) else None


def _lookup(own: Mapping[str, Any], path: str) -> Any:
    """``hardening_before.hardening.record`` of a host's variables (None where a step is missing)."""
    value: Any = own
    for step in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def records(hostvars: Any, hosts: list[str], record: str) -> dict[str, Any]:
    """``{host: record with its patch results}`` from the play's host variables (None: never audited).

    Args:
        hostvars: ansible-core's ``hostvars`` (or a mapping of host to its variables).
        hosts: the hosts to report.
        record: the variable holding each host's record, or a dotted path into one.
    """
    found: dict[str, Any] = {}
    for host in hosts:
        own = _host_vars(hostvars, host)
        if own is None:
            found[host] = None
            continue
        data = _plain(_lookup(own, record))
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
