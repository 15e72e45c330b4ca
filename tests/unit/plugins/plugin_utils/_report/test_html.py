# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report page: every host value escaped, counts in data attributes equal to the JSON."""

from __future__ import annotations

from html.parser import HTMLParser

from ansible_collections.winauth.winrm.plugins.plugin_utils._report.fleet import STATUSES, build
from ansible_collections.winauth.winrm.plugins.plugin_utils._report.html import render

from .sample import HOSTILE, row


class Collect(HTMLParser):
    """Tags and data-* attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.cells: list[dict[str, str | None]] = []
        self.totals: dict[str, str] = {}
        self._total: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if "data-status" in found:
            self.cells.append(found)
        self._total = found.get("data-total")

    def handle_data(self, data: str) -> None:
        if self._total:
            self.totals[self._total] = data
            self._total = None


def _report() -> dict[str, object]:
    rows = [row("WINRM-SVC-BASIC", "fail", HOSTILE, title=HOSTILE), row(HOSTILE, "pass", follows=HOSTILE),
            row("WINRM-SVC-CREDSSP", "gpo", True)]
    return build({HOSTILE: {"mode": "report", "before": rows, "notes": [HOSTILE]},
                  "win02": {"mode": "report", "before": rows[:2]}}, "baseline", "report", HOSTILE)


def test_hostile_values_never_become_markup() -> None:
    page = render(_report())
    assert "<script" not in page and "<img" not in page and "&lt;img src=x onerror" in page
    parsed = Collect()
    parsed.feed(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_data_attributes_carry_the_json_counts() -> None:
    report = _report()
    parsed = Collect()
    parsed.feed(render(report))
    assert len(parsed.cells) == sum(len(h["cells"]) for h in report["hosts"])  # type: ignore[attr-defined]
    for status in STATUSES:
        assert parsed.totals[status] == str(report["totals"][status])  # type: ignore[index]
        assert sum(1 for c in parsed.cells if c["data-status"] == status) == report["totals"][status]  # type: ignore[index]


def test_labels_people_read() -> None:
    page = render(_report())
    assert ">GPO-controlled<" in page and "report mode changes nothing" in page
