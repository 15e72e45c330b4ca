# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hardening plan and the fleet report's verdicts and counts."""

from __future__ import annotations

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._report.fleet import (
    STATUSES,
    ReportInputError,
    build,
    patch_var,
    plan,
    switch_var,
)

from .sample import row

BEFORE = [row("WINRM-SVC-BASIC", "fail", True), row("WINRM-CLI-DIGEST", "fail", True),
          row("WINRM-SVC-UNENCRYPTED", "pass"), row("WINRM-SVC-CREDSSP", "gpo", True),
          row("WINRM-SVC-CBT", "fail", "None", "Relaxed")]


def test_variable_names_follow_the_contract() -> None:
    assert switch_var("WINRM-SVC-BASIC") == "hardening_winrm_svc_basic"
    assert patch_var("WINRM-SVC-BASIC") == "hardening_patch_winrm_svc_basic"


def test_plan_patches_failing_enabled_controls_only() -> None:
    got = plan(BEFORE, {"WINRM-CLI-DIGEST": False}, {"WINRM-SVC-CBT": "not Kerberos-ready"})
    assert got["todo"] == ["WINRM-SVC-BASIC"]
    assert got["skipped"] == {"WINRM-CLI-DIGEST": "turned off (hardening_winrm_cli_digest: false)",
                              "WINRM-SVC-CBT": "not Kerberos-ready"}
    assert got["gpo"] == ["WINRM-SVC-CREDSSP"]  # never patched: the GPO would win anyway
    assert got["want"]["WINRM-SVC-CBT"] == "Relaxed"
    assert got["also"]["WINRM-SVC-BASIC"] == {}
    auto = row("WINRM-SVC-AUTOCONFIG", "fail", None, True, also={"service_ipv4_filter": "*"})
    assert plan([auto], {})["also"] == {"WINRM-SVC-AUTOCONFIG": {"service_ipv4_filter": "*"}}


def test_report_only_rows_are_skipped_with_the_reason() -> None:
    got = plan([row("WINRM-SVC-ROOTSDDL", "fail", "O:NS...", "BA, RM", module=None, option=None)], {})
    assert got["todo"] == [] and got["skipped"]["WINRM-SVC-ROOTSDDL"].startswith("report only")


@pytest.mark.parametrize("switch", ["false", "no", 0, False])
def test_plan_reads_switches_as_ansible_booleans(switch: object) -> None:
    assert plan([row("A", "fail")], {"A": switch})["todo"] == []
    assert plan([row("A", "fail")], {"A": "true"})["todo"] == ["A"]


@pytest.mark.parametrize("bad", [{"x": 1}, [{"status": "pass"}], [{"control": "A", "status": "fixed"}],
                                 [{"control": "A"}], ["text"]])
def test_plan_refuses_malformed_tables(bad: object) -> None:
    with pytest.raises(ReportInputError):
        plan(bad, {})


def _apply_record() -> dict[str, object]:
    after = [row("WINRM-SVC-BASIC", "pass", False), row("WINRM-CLI-DIGEST", "fail", True),
             row("WINRM-SVC-UNENCRYPTED", "pass"), row("WINRM-SVC-CREDSSP", "gpo", True),
             row("WINRM-SVC-CBT", "fail", "None", "Relaxed")]
    return {"mode": "apply", "before": BEFORE, "after": after,
            "plan": plan(BEFORE, {"WINRM-CLI-DIGEST": False}),
            "patches": {"WINRM-SVC-BASIC": {"changed": True},
                        "WINRM-SVC-CBT": {"failed": True, "msg": "refusing to lock this controller out of win01"}}}


def test_apply_verdicts() -> None:
    report = build({"win01": _apply_record()}, "baseline", "apply", "2026-12-01T12:00:00+00:00")
    (host,) = report["hosts"]
    cells = {c["control"]: c for c in host["cells"]}
    assert {k: c["status"] for k, c in cells.items()} == {
        "WINRM-SVC-BASIC": "fixed", "WINRM-CLI-DIGEST": "skipped", "WINRM-SVC-UNENCRYPTED": "pass",
        "WINRM-SVC-CREDSSP": "gpo", "WINRM-SVC-CBT": "fail"}
    assert cells["WINRM-SVC-BASIC"]["reason"] == "was true" and cells["WINRM-SVC-BASIC"]["actual"] is False
    assert cells["WINRM-SVC-CBT"]["reason"] == "refusing to lock this controller out of win01"
    assert "turned off" in cells["WINRM-CLI-DIGEST"]["reason"]
    assert host["counts"] == {"pass": 1, "fixed": 1, "fail": 1, "gpo": 1, "skipped": 1}


def test_report_mode_never_says_fixed() -> None:
    record = {"mode": "report", "before": BEFORE, "plan": plan(BEFORE, {})}
    report = build({"win01": record}, "strict", "report", "t")
    statuses = [c["status"] for c in report["hosts"][0]["cells"]]
    assert statuses == ["fail", "fail", "pass", "gpo", "fail"]
    assert "report mode changes nothing" in report["hosts"][0]["cells"][0]["reason"]


def test_a_regression_is_a_failure() -> None:
    after = [row("WINRM-SVC-UNENCRYPTED", "fail", True)]
    report = build({"h": {"mode": "apply", "before": [row("WINRM-SVC-UNENCRYPTED", "pass")], "after": after}},
                   "baseline", "apply", "t")
    assert report["hosts"][0]["cells"][0]["status"] == "fail"


def test_counts_per_host_per_control_and_in_total_agree() -> None:
    report = build({"win01": _apply_record(), "win02": {"mode": "apply", "before": BEFORE, "after": BEFORE},
                    "win03": None}, "baseline", "apply", "t")
    assert report["hosts"][2]["error"] and report["hosts"][2]["cells"] == []
    cells = [c for h in report["hosts"] for c in h["cells"]]
    assert report["totals"] == {s: sum(1 for c in cells if c["status"] == s) for s in STATUSES}
    for control in report["controls"]:
        assert sum(control["counts"].values()) == 2
    assert sum(report["totals"].values()) == sum(sum(c["counts"].values()) for c in report["controls"])
    assert report["controls"][0]["follows"] == "CIS 2022 v4" and report["controls"][0]["refs"] == ["CIS 18.10.89.2.1"]


def test_host_values_are_cut_to_size() -> None:
    big = row("A", "fail", "x" * 10_000)
    report = build({"h": {"mode": "report", "before": [big]}}, "baseline", "report", "t")
    assert len(report["hosts"][0]["cells"][0]["actual"]) <= 300
