# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hardening report page in a real headless Chromium: it renders, its counts equal the JSON.

Run by scripts/test.sh (step "browser"), which says NOT RUN when Debian's chromium is missing;
here a missing browser is a failure, never a skip. The report comes from the same code the
action plugin runs (records -> build -> render -> files), fed host values that try to inject
markup. The screenshot stays in the test's tmp dir (its path is printed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ansible_collections.winauth.winrm.plugins.action.hardening_report import records, write_atomically
from ansible_collections.winauth.winrm.plugins.plugin_utils._report import html
from ansible_collections.winauth.winrm.plugins.plugin_utils._report.fleet import STATUSES, build, plan

HOSTILE = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>&amp;"'
BROWSER = os.environ.get("WINAUTH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _row(control: str, status: str, actual: Any, want: Any, profile: str = "baseline") -> dict[str, Any]:
    return {"control": control, "title": "title " + control, "setting": control.lower(), "want": want,
            "actual": actual, "follows": "CIS 2022 v4" if profile == "baseline" else "Microsoft Server 2025",
            "refs": ["CIS 18.10.89.2.1", "STIG V2R3 WN22-CC-000500"], "profile": profile, "status": status,
            "source": "gpo" if status == "gpo" else "local", "module": "winauth.winrm.winrm_auth",
            "option": "service.basic"}


def _fleet() -> dict[str, Any]:
    """Host variables as a play leaves them: three hosts, every status, one hostile host name."""
    before = [_row("WINRM-SVC-BASIC", "fail", True, False), _row("WINRM-CLI-DIGEST", "fail", True, False),
              _row("WINRM-SVC-UNENCRYPTED", "pass", False, False), _row("WINRM-SVC-CREDSSP", "gpo", True, False),
              _row("WINRM-SVC-CBT", "fail", HOSTILE, "Strict", "strict")]
    after = [dict(r, status="pass", actual=False) if r["control"] == "WINRM-SVC-BASIC" else r for r in before]
    switches = {"WINRM-CLI-DIGEST": False}
    return {
        "win01": {"hardening_result": {"mode": "apply", "before": before, "after": after,
                                       "plan": plan(before, switches), "notes": [HOSTILE]},
                  "hardening_patch_winrm_svc_basic": {"changed": True},
                  "hardening_patch_winrm_svc_cbt": {"failed": True, "msg": "refused: " + HOSTILE}},
        HOSTILE: {"hardening_result": {"mode": "apply", "before": after, "after": after, "plan": plan(after, {})}},
        "win03": {},
    }


class Page(HTMLParser):
    """What the browser's DOM holds: elements, status cells and every data-*count."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.cells: list[dict[str, str | None]] = []
        self.counts: list[tuple[str, str, str, str]] = []  # (attribute, status, row key, text)
        self.title = ""
        self._open: tuple[str, str, str] | None = None
        self._row = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = dict(attrs)
        self._in_title = tag == "title"
        if tag == "tr":
            self._row = a.get("data-host") or a.get("data-control") or ""
        if "data-status" in a:
            self.cells.append(a)
        for attribute in ("data-total", "data-host-count", "data-control-count"):
            if a.get(attribute):
                self._open = (attribute, str(a[attribute]), self._row)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._open:
            self.counts.append((*self._open, data.strip()))
            self._open = None


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert BROWSER, "chromium is not installed (apt-get install chromium; scripts/bootstrap.sh installs it)"
    return subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--user-data-dir=%s" % profile, *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_report_renders_in_chromium_and_agrees_with_the_json(tmp_path: Path) -> None:
    found = records(_fleet(), ["win01", HOSTILE, "win03"], "hardening_result")
    report = build(found, "strict", "apply", "2026-12-01T12:00:00+00:00")
    json_path, html_path = tmp_path / "winrm-hardening.json", tmp_path / "winrm-hardening.html"
    write_atomically(json_path, json.dumps(report))
    write_atomically(html_path, html.render(report))
    doc = json.loads(json_path.read_text(encoding="utf-8"))

    dom = _chromium("--dump-dom", html_path.as_uri(), profile=tmp_path / "profile")
    assert dom.returncode == 0 and "</html>" in dom.stdout, dom.stderr[-2000:]
    page = Page()
    page.feed(dom.stdout)
    # The browser parsed the hostile values as text: no element came from them, no script ran.
    assert "script" not in page.tags and "img" not in page.tags
    assert page.title == "WinRM hardening report"

    # Every cell, and every count the page prints, equals the JSON.
    assert len(page.cells) == sum(len(h["cells"]) for h in doc["hosts"]) == 10
    for status in STATUSES:
        assert sum(1 for c in page.cells if c["data-status"] == status) == doc["totals"][status]
    printed = {(attr, status, key): int(text) for attr, status, key, text in page.counts}
    for status in STATUSES:
        assert printed[("data-total", status, "")] == doc["totals"][status]
        for host in doc["hosts"]:
            assert printed[("data-host-count", status, host["name"])] == host["counts"][status], host["name"]
        for control in doc["controls"]:
            assert printed[("data-control-count", status, control["id"])] == control["counts"][status]
    assert doc["totals"] == {"pass": 3, "fixed": 1, "fail": 3, "gpo": 2, "skipped": 1}
    assert {c["status"] for h in doc["hosts"] for c in h["cells"]} == set(STATUSES)

    shot = tmp_path / "report.png"
    run = _chromium("--screenshot=%s" % shot, "--window-size=1400,1000", html_path.as_uri(),
                    profile=tmp_path / "profile")
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    print("report screenshot: %s" % shot)
