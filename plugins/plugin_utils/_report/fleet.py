# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hardening role's plan per host and the fleet report built from what the play did.

For internal collection use only; this is not a public API.

Input is the ``compliance`` table of ``winrm_info`` (one row per control: ``control``, ``title``,
``setting``, ``want``, ``actual``, ``follows``, ``refs``, ``profile``, ``status`` pass|fail|gpo,
``source``, ``module``, ``option``), read once before and, in apply mode, once after the
patches; plus the registered result of each patch task. Host data is untrusted: every value
that reaches the report is coerced to plain text or JSON scalars here, and the HTML page
escapes it again (:mod:`.html`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError
from ansible_collections.winauth.winrm.plugins.plugin_utils._text import shorten

# Cell statuses, in the order the report shows them.
STATUSES = ("pass", "fixed", "fail", "gpo", "skipped")
REPORT_FORMAT = "winauth.winrm.hardening_report/1"
# Compliance rows' own statuses (winrm_info); anything else from a host is refused.
ROW_STATUSES = ("pass", "fail", "gpo")
# The metadata of a control every host's row repeats; the report keeps the first host's.
_META = ("title", "setting", "want", "profile", "follows", "refs", "module", "option")
_TEXT_LIMIT = 300


class ReportInputError(WinAuthError):
    """A compliance row or a host record does not have the documented shape."""


def switch_var(control: str) -> str:
    """The role variable that turns a control on or off: ``WINRM-SVC-BASIC`` → ``hardening_winrm_svc_basic``."""
    return "hardening_" + control.lower().replace("-", "_").replace(".", "_")


def patch_var(control: str) -> str:
    """The variable the role registers a control's patch task in: ``hardening_patch_winrm_svc_basic``."""
    return "hardening_patch_" + switch_var(control).removeprefix("hardening_")


def _scalar(value: Any) -> Any:
    """A JSON scalar or a list of texts: what a report cell may carry of a host's value."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [shorten(v, _TEXT_LIMIT) for v in value][:50]
    return shorten(value, _TEXT_LIMIT)


def _shown(value: Any) -> str:
    """A value as the report's reasons print it (JSON spelling: true, false, null)."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    return shorten(", ".join(map(str, value)) if isinstance(value, list) else value, 80)


def _rows(rows: Any, where: str) -> dict[str, dict[str, Any]]:
    """``{control id: row}`` of a compliance table, validated.

    Raises:
        ReportInputError: not a list of mappings with a ``control`` and a known ``status``.
    """
    if rows is None:
        return {}
    if not isinstance(rows, list):
        raise ReportInputError("%s: the compliance table must be a list of rows, got %s" % (where, type(rows).__name__))
    table: dict[str, dict[str, Any]] = {}
    for row in rows:
        if not isinstance(row, Mapping) or not isinstance(row.get("control"), str):
            raise ReportInputError("%s: every compliance row needs a 'control' id (got %s)"
                                   % (where, shorten(row, 80)))
        if row.get("status") not in ROW_STATUSES:
            raise ReportInputError("%s: control %s has status %r; expected one of %s"
                                   % (where, shorten(row["control"], 80), shorten(row.get("status"), 40),
                                      ", ".join(ROW_STATUSES)))
        table[shorten(row["control"], 80)] = dict(row)
    return table


def plan(compliance: Any, switches: Mapping[str, Any], exempt: Mapping[str, str] | None = None,
         ) -> dict[str, Any]:
    """What the role's apply mode does on one host.

    Args:
        compliance: ``winrm_info``'s compliance table of the host (before any change).
        switches: ``{control id: bool}``, the role's one boolean per control; a control missing
            here is on (the role's defaults are true).
        exempt: ``{control id: reason}`` for controls that do not apply to this host (a declared
            CredSSP jump host, a host that is not Kerberos-ready, ...).

    Returns:
        ``{"todo": [ids to patch, table order], "want": {id: wanted value}, "also": {id: {option:
        value}} (what the enforcing task sets in the same write), "skipped": {id: reason},
        "gpo": [ids Group Policy delivers]}``.

    Raises:
        ReportInputError: the table is malformed.
    """
    exempt = exempt or {}
    todo: list[str] = []
    skipped: dict[str, str] = {}
    gpo: list[str] = []
    want: dict[str, Any] = {}
    also: dict[str, Any] = {}
    for control, row in _rows(compliance, "plan").items():
        want[control] = row.get("want")
        also[control] = dict(row["also"]) if isinstance(row.get("also"), Mapping) else {}
        if row["status"] == "gpo":
            gpo.append(control)
        elif control in exempt:
            skipped[control] = shorten(exempt[control], _TEXT_LIMIT)
        elif row["status"] == "fail" and not row.get("module"):
            skipped[control] = "report only: no module of this collection sets it (the finding says how)"
        elif not _on(switches.get(control, True)):
            skipped[control] = "turned off (%s: false)" % switch_var(control)
        elif row["status"] == "fail":
            todo.append(control)
    return {"todo": todo, "want": want, "also": also, "skipped": skipped, "gpo": gpo}


def _on(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y")
    return bool(value)


@dataclass(frozen=True)
class Cell:
    """One host × control verdict."""

    control: str
    status: str
    actual: Any
    want: Any
    reason: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {"control": self.control, "status": self.status, "actual": self.actual, "want": self.want,
                "reason": self.reason, "source": self.source}


def _patch_message(patch: Any) -> str:
    if not isinstance(patch, Mapping):
        return ""
    return shorten(patch.get("msg") or "", _TEXT_LIMIT) if patch.get("failed") else ""


def _cell(control: str, before: Mapping[str, Any], after: Mapping[str, Any] | None, host_plan: Mapping[str, Any],
          patch: Any, apply: bool) -> Cell:
    """The verdict of one control on one host (see :data:`STATUSES`)."""
    now = after if after is not None else before
    actual, want = _scalar(now.get("actual")), _scalar(before.get("want"))
    source = shorten(now.get("source") or "", 20)
    skipped = host_plan.get("skipped") or {}

    def cell(status: str, reason: str) -> Cell:
        return Cell(control, status, actual, want, reason, source)

    if before["status"] == "gpo" or now["status"] == "gpo":
        return cell("gpo", "Group Policy delivers this value: change it in the GPO, not on the host")
    if before["status"] == "pass":
        if now["status"] == "pass":
            return cell("pass", "")
        return cell("fail", "was compliant before the run, now %s" % _shown(actual))
    if control in skipped:
        return cell("skipped", shorten(skipped[control], _TEXT_LIMIT))
    if not apply:
        return cell("fail", "apply mode sets it to %s (report mode changes nothing)" % _shown(want))
    if now["status"] == "pass":
        return cell("fixed", "was %s" % _shown(_scalar(before.get("actual"))))
    message = _patch_message(patch)
    return cell("fail", message or "still %s after the run" % _shown(actual))


def _counts(cells: Iterable[Cell]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for c in cells:
        counts[c.status] += 1
    return counts


def host_entry(name: str, record: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """One host's report entry and its ``{control: before row}`` (for the control metadata).

    Args:
        name: the inventory name.
        record: the role's per-host record: ``before`` and ``after`` (compliance tables),
            ``plan`` (:func:`plan`), ``patches`` (``{control: registered result}``), ``mode``
            (report|apply), ``connection`` and ``notes`` (texts); None when the host never got
            as far as the audit.

    Raises:
        ReportInputError: a table is malformed.
    """
    where = "host %s" % shorten(name, 80)
    if not isinstance(record, Mapping):
        return {"name": name, "error": "no audit result (unreachable, or failed before the audit)", "cells": [],
                "counts": dict.fromkeys(STATUSES, 0), "notes": []}, {}
    before = _rows(record.get("before"), where)
    apply = record.get("mode") == "apply"
    after = _rows(record.get("after"), where) if apply and record.get("after") is not None else None
    host_plan: Mapping[str, Any] = record["plan"] if isinstance(record.get("plan"), Mapping) else {}
    patches: Mapping[str, Any] = record["patches"] if isinstance(record.get("patches"), Mapping) else {}
    cells = [
        _cell(control, row, None if after is None else after.get(control, row), host_plan, patches.get(control),
              apply)
        for control, row in before.items()
    ]
    notes: list[Any] = record["notes"] if isinstance(record.get("notes"), list) else []
    entry = {
        "name": name,
        "error": shorten(record["error"], _TEXT_LIMIT) if record.get("error") else None,
        "connection": {k: _scalar(v) for k, v in (record.get("connection") or {}).items()}
        if isinstance(record.get("connection"), Mapping) else {},
        "notes": [shorten(n, _TEXT_LIMIT) for n in notes],
        "counts": _counts(cells),
        "cells": [c.as_dict() for c in cells],
    }
    return entry, before


def build(records: Mapping[str, Any], profile: str, mode: str, generated: str) -> dict[str, Any]:
    """The fleet report: per host, per control and in total.

    Args:
        records: ``{inventory name: per-host record (see :func:`host_entry`) or None}``.
        profile: ``baseline`` or ``strict``.
        mode: ``report`` (check mode) or ``apply``.
        generated: the time stamp to print (ISO 8601).

    Returns:
        The JSON document: ``format``, ``generated``, ``profile``, ``mode``, ``statuses``,
        ``totals``, ``controls`` (metadata + ``counts``), ``hosts`` (``name``, ``error``,
        ``connection``, ``notes``, ``counts``, ``cells``).

    Raises:
        ReportInputError: a host's table is malformed.
    """
    hosts: list[dict[str, Any]] = []
    controls: dict[str, dict[str, Any]] = {}
    for name in records:
        entry, rows = host_entry(str(name), records[name])
        hosts.append(entry)
        for control, row in rows.items():
            controls.setdefault(control, {"id": control, **{k: _scalar(row.get(k)) for k in _META}})
    for control, meta in controls.items():
        meta["counts"] = dict.fromkeys(STATUSES, 0)
        for entry in hosts:
            for c in entry["cells"]:
                if c["control"] == control:
                    meta["counts"][c["status"]] += 1
    totals = dict.fromkeys(STATUSES, 0)
    for entry in hosts:
        for status, n in entry["counts"].items():
            totals[status] += n
    return {
        "format": REPORT_FORMAT, "generated": generated, "profile": profile, "mode": mode,
        "statuses": list(STATUSES), "totals": totals, "controls": list(controls.values()), "hosts": hosts,
    }
