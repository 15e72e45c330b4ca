# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report as one self-contained HTML page for people.

For internal collection use only; this is not a public API.

Every value in the report may come from a host (setting values, error texts, even host names
from an AD inventory), so every text goes through :func:`_e` (``html.escape`` with quotes) and
the page forbids scripts and remote loads with a Content-Security-Policy, so a value that
slipped through could still not run. Counts carry ``data-*`` attributes that the browser test
compares with the JSON document.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._report.fleet import STATUSES

_LABELS = {"pass": "pass", "fixed": "fixed", "fail": "fail", "gpo": "GPO-controlled", "skipped": "skipped"}
_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1b1b}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.4em 0 .4em}
table{border-collapse:collapse;margin:.3em 0}th,td{border:1px solid #c8c8c8;padding:.25em .5em;text-align:left}
thead th{background:#f0f0f0;position:sticky;top:0}th.v{writing-mode:vertical-rl;transform:rotate(180deg)}
td.s{font-weight:600;text-align:center}
.s-pass{background:#dff3e0}.s-fixed{background:#cfe6ff}.s-fail{background:#ffd7d5}
.s-gpo{background:#efe2ff}.s-skipped{background:#eeeeee;color:#555}
ul.totals{list-style:none;padding:0;display:flex;gap:1em}ul.totals li{padding:.3em .7em;border-radius:4px}
.meta{color:#555}.err{color:#a00}td code{word-break:break-all;font-size:.9em}#controls td:nth-child(3){max-width:26em}
"""


def _e(value: Any) -> str:
    """Escaped text of a value (lists joined with commas, None as an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return html.escape(", ".join(str(v) for v in value), quote=True)
    if isinstance(value, dict):
        return html.escape(json.dumps(value, sort_keys=True), quote=True)
    return html.escape(str(value), quote=True)


def _counts_cells(counts: Mapping[str, int], attribute: str) -> str:
    return "".join('<td class="s-%s" %s="%s">%d</td>' % (s, attribute, s, int(counts.get(s, 0))) for s in STATUSES)


def _status_headers() -> str:
    return "".join('<th class="s-%s">%s</th>' % (s, _e(_LABELS[s])) for s in STATUSES)


def _matrix(report: Mapping[str, Any]) -> list[str]:
    controls = report["controls"]
    out = ['<h2>Hosts × controls</h2>', '<table id="matrix"><thead><tr><th>host</th>']
    out += ['<th class="v" title="%s">%s</th>' % (_e(c.get("title")), _e(c["id"])) for c in controls]
    out.append(_status_headers() + "</tr></thead><tbody>")
    for host in report["hosts"]:
        by_control = {c["control"]: c for c in host["cells"]}
        row = ['<tr data-host="%s"><th scope="row">%s</th>' % (_e(host["name"]), _e(host["name"]))]
        for control in controls:
            cell = by_control.get(control["id"])
            if cell is None:
                row.append('<td class="s-none">–</td>')
                continue
            tip = cell["reason"] or "actual %s, want %s" % (_e(cell["actual"]), _e(cell["want"]))
            row.append('<td class="s s-%s" data-status="%s" data-control="%s" title="%s">%s</td>'
                       % (_e(cell["status"]), _e(cell["status"]), _e(control["id"]), _e(tip),
                          _e(_LABELS.get(cell["status"], cell["status"]))))
        row.append(_counts_cells(host["counts"], "data-host-count") + "</tr>")
        out.append("".join(row))
    out.append("</tbody></table>")
    return out


def _controls(report: Mapping[str, Any]) -> list[str]:
    out = ['<h2>Per control</h2>', '<table id="controls"><thead><tr><th>control</th><th>title</th><th>setting</th>'
           '<th>want</th><th>profile</th><th>follows</th><th>refs</th>' + _status_headers() + '</tr></thead><tbody>']
    for c in report["controls"]:
        out.append('<tr data-control="%s"><th scope="row">%s</th><td>%s</td><td><code>%s</code></td><td>%s</td>'
                   '<td>%s</td><td>%s</td><td>%s</td>%s</tr>'
                   % (_e(c["id"]), _e(c["id"]), _e(c.get("title")), _e(c.get("setting")), _e(c.get("want")),
                      _e(c.get("profile")), _e(c.get("follows")), _e(c.get("refs")),
                      _counts_cells(c["counts"], "data-control-count")))
    out.append("</tbody></table>")
    return out


def _details(report: Mapping[str, Any]) -> list[str]:
    out = ['<h2>What is not a plain pass, and why</h2>', '<table id="details"><thead><tr><th>host</th>'
           '<th>control</th><th>status</th><th>actual</th><th>want</th><th>reason</th></tr></thead><tbody>']
    for host in report["hosts"]:
        if host.get("error"):
            out.append('<tr><th scope="row">%s</th><td colspan="5" class="err">%s</td></tr>'
                       % (_e(host["name"]), _e(host["error"])))
        for cell in host["cells"]:
            if cell["status"] == "pass":
                continue
            out.append('<tr><th scope="row">%s</th><td>%s</td><td class="s-%s">%s</td><td>%s</td><td>%s</td>'
                       '<td>%s</td></tr>'
                       % (_e(host["name"]), _e(cell["control"]), _e(cell["status"]),
                          _e(_LABELS.get(cell["status"], cell["status"])), _e(cell["actual"]), _e(cell["want"]),
                          _e(cell["reason"])))
        for note in host.get("notes") or []:
            out.append('<tr><th scope="row">%s</th><td colspan="5">%s</td></tr>' % (_e(host["name"]), _e(note)))
    out.append("</tbody></table>")
    return out


def render(report: Mapping[str, Any]) -> str:
    """The page for a report from :func:`.fleet.build`."""
    totals = report["totals"]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # No script, no remote fetch: a host value that escaped escaping could still do nothing.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
        "<title>WinRM hardening report</title><style>%s</style></head><body>" % _STYLE,
        "<h1>WinRM hardening report</h1>",
        '<p class="meta">profile <b id="profile">%s</b> · mode <b id="mode">%s</b> · <span id="host-count">%d</span>'
        " hosts · <span id=\"control-count\">%d</span> controls · generated %s</p>"
        % (_e(report["profile"]), _e(report["mode"]), len(report["hosts"]), len(report["controls"]),
           _e(report["generated"])),
        '<ul class="totals" id="totals">',
        *('<li class="s-%s">%s <b data-total="%s">%d</b></li>' % (s, _e(_LABELS[s]), s, int(totals.get(s, 0)))
          for s in STATUSES),
        "</ul>",
        *_matrix(report),
        *_controls(report),
        *_details(report),
        "</body></html>",
    ]
    return "\n".join(out) + "\n"
