"""The credssp_scoped role against the lab: exact scope, elsewhere off, check mode, idempotence, the window."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import recap
from winlab.client import Lab

PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
ROLE = PLAYBOOKS / "credssp_scoped.yml"
DELEGATION = ("SOFTWARE", "Policies", "Microsoft", "Windows", "CredentialsDelegation")
# win02 starts sessions, win03 is the jump host; win01 has CredSSP everywhere (wsman/*).
SCOPE = {"credssp_scoped_clients": ["win02"], "credssp_scoped_jump_hosts": ["win03"],
         "credssp_scoped_delegate_computers": ["win03.lab.test"], "credssp_scoped_enforce_elsewhere": True}


def _values(state: dict[str, Any], *parts: str) -> dict[str, Any] | None:
    node: dict[str, Any] | None = state["registry"]["HKEY_LOCAL_MACHINE"]
    for part in parts:
        node = (node or {}).get("subkeys", {}).get(part)
    return None if node is None else {v["name"]: v["data"] for v in node.get("values", [])}


def _credssp(lab: Lab, host: str) -> tuple[str, str]:
    auth = lab.state(host)["config"]
    return auth["Client"]["Auth"].get("CredSSP", "false"), auth["Service"]["Auth"].get("CredSSP", "false")


def test_scope_check_mode_apply_idempotent_close(fresh: Lab, play) -> None:
    before = {h: fresh.state_bytes(h) for h in ("win01", "win02", "win03")}
    check = play(ROLE, SCOPE, check=True)
    assert check.rc == 0, check.output
    assert all(fresh.state_bytes(h) == before[h] for h in before), "check mode changed a lab state file"
    assert recap(check.output)["win01"]["changed"] >= 1

    first = play(ROLE, SCOPE)
    assert first.rc == 0, first.output
    # The client delegates exactly to the jump host; only the jump host accepts; win01 is switched off.
    assert _credssp(fresh, "win02") == ("true", "false")
    assert _values(fresh.state("win02"), *DELEGATION, "AllowFreshCredentials") == {"1": "wsman/win03.lab.test"}
    assert _credssp(fresh, "win03") == ("false", "true")
    assert _values(fresh.state("win03"), *DELEGATION, "AllowFreshCredentials") is None  # wsman/*.lab.test gone
    assert _credssp(fresh, "win01") == ("false", "false")
    assert _values(fresh.state("win01"), *DELEGATION, "AllowFreshCredentials") is None
    assert "AllowFreshCredentials" not in (_values(fresh.state("win01"), *DELEGATION) or {})

    second = play(ROLE, SCOPE)
    assert second.rc == 0, second.output
    assert all(counts["changed"] == 0 for counts in recap(second.output).values()), second.output
    assert "WINRM-SVC-CREDSSP-OUT-OF-SCOPE" not in second.output

    closed = play(ROLE, {**SCOPE, "role_entry": "close"})
    assert closed.rc == 0, closed.output
    assert _credssp(fresh, "win02") == ("false", "false") and _credssp(fresh, "win03") == ("false", "false")
    assert _values(fresh.state("win02"), *DELEGATION, "AllowFreshCredentials") is None


def test_report_mode_names_out_of_scope_hosts(fresh: Lab, play) -> None:
    run = play(ROLE, {**SCOPE, "credssp_scoped_enforce_elsewhere": False})
    assert run.rc == 0, run.output
    assert _credssp(fresh, "win01") == ("true", "true")  # reported, not changed
    assert "WINRM-SVC-CREDSSP-OUT-OF-SCOPE" in run.output


def test_window_closes_even_when_the_work_fails(fresh: Lab, play) -> None:
    work = str(PLAYBOOKS.parent / "tasks" / "failing_work.yml")
    run = play(ROLE, {**SCOPE, "role_entry": "window", "credssp_scoped_work_tasks": work})
    assert run.rc != 0 and "the double-hop work failed" in run.output, run.output
    assert recap(run.output)["win03"]["failed"] == 1
    assert _credssp(fresh, "win03") == ("false", "false")
    assert _credssp(fresh, "win02") == ("false", "false")
    assert _values(fresh.state("win02"), *DELEGATION, "AllowFreshCredentials") is None


def _hop(lab: Lab, play, result_dir: Path, transport: str, **extra: Any) -> tuple[Any, dict[str, Any]]:
    """The second hop win01 -> \\\\win02\\share from the controller, connecting to win01 with ``transport``."""
    for old in result_dir.glob("*.json"):
        old.unlink()
    run = play(PLAYBOOKS / "hop.yml", {"hop_share": "\\\\win02\\share", "result_dir": str(result_dir), **extra},
               hosts={"win01": {"ansible_winrm_transport": transport}})
    saved = result_dir / "win01.json"
    return run, json.loads(saved.read_text(encoding="utf-8")) if saved.exists() else {}


def test_second_hop_only_inside_the_window(fresh: Lab, play, tmp_path: Path) -> None:
    results = tmp_path / "hop"
    results.mkdir()
    jump = {"credssp_scoped_jump_hosts": ["win01"], "hop_share": "\\\\win02\\share", "result_dir": str(results),
            "credssp_scoped_work_tasks": str(PLAYBOOKS.parent / "tasks" / "hop_work.yml")}
    # win01 starts with the CredSSP server role on; close it first, as after a previous window.
    assert play(ROLE, {**jump, "role_entry": "close"}, hosts={"win01": {}}).rc == 0
    assert _credssp(fresh, "win01")[1] == "false"

    _run, before = _hop(fresh, play, results, "credssp")  # the jump host refuses CredSSP logons
    assert before.get("unreachable") is True, before
    _run, ntlm = _hop(fresh, play, results, "ntlm")  # NTLM: win01 holds nothing to pass on
    assert ntlm["rc"] == 1 and "Access is denied" in ntlm["stdout"] + ntlm["stderr"], ntlm
    assert fresh.logons("win02")[-1]["account"] == "NT AUTHORITY\\ANONYMOUS LOGON"

    window = play(ROLE, {**jump, "role_entry": "window"}, hosts={"win01": {}})
    assert window.rc == 0, window.output
    inside = json.loads((results / "win01.json").read_text(encoding="utf-8"))
    assert inside["rc"] == 0 and "lab-share.txt" in inside["stdout"], inside
    hop = fresh.logons("win02")[-1]
    assert (hop["from"], hop["service"], hop["via"]) == ("win01", "smb", "password"), hop
    assert _credssp(fresh, "win01")[1] == "false"  # closed again

    _run, after = _hop(fresh, play, results, "credssp")
    assert after.get("unreachable") is True, after

    # The work fails inside the window: the hop happened, and the window still closes.
    failing = play(ROLE, {**jump, "role_entry": "window", "hop_then_fail": True}, hosts={"win01": {}})
    assert failing.rc != 0 and "the double-hop work failed" in failing.output
    assert json.loads((results / "win01.json").read_text(encoding="utf-8"))["rc"] == 0
    assert _credssp(fresh, "win01")[1] == "false"
    _run, after = _hop(fresh, play, results, "credssp")
    assert after.get("unreachable") is True, after
