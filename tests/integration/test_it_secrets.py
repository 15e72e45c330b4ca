"""The password never appears in results, -vvv output or error messages."""

from __future__ import annotations

from winlab.client import Lab


def test_password_absent_from_vvv_output_and_results(fresh: Lab, playbook) -> None:
    password = fresh.hosts["win02"]["admin_password"]
    runs = [
        playbook("winrm_info", hosts={"win02": {}, "win01": {}}, verbosity=3),
        playbook("winrm_auth", {"client": {"digest": False}}, hosts={"win02": {}}, verbosity=3, diff=True),
        playbook("winrm_credssp", {"role": "client", "delegate_computers": ["jump01.lab.test"]}, hosts={"win02": {}},
                 verbosity=3, diff=True),
        # a failing logon must not echo the password it tried either
        playbook("winrm_info", hosts={"win02": {"ansible_password": password + "-wrong"}}, verbosity=3),
    ]
    # The module talks WS-Man itself: the winrm connection plugin never opened a cmd shell.
    assert "Create" not in fresh.stats("win02")["by_action"]
    for run in runs:
        assert run.results, run.output
        assert password not in run.output
        assert password not in repr(run.results)
    assert "WS-Man round trips" in runs[0].output  # -vvv does show what the module did
