"""Run one AWX-shaped job through ansible-runner: ``python awx_job.py SPEC.json RESULT.json``.

A separate process so a test can start it inside the lab's name space (tests/lab/labns.py), where
lab names resolve through the DC, exactly as it starts ansible-playbook there. SPEC:

- ``{"kind": "playbook", "private_data_dir": D, "playbook": "audit.yml", "ident": "1", "fact_cache": true}``:
  ``ansible_runner.run`` as ``awx/main/tasks/jobs.py`` ``BaseTask.run`` calls it (``fact_cache_type``
  ``jsonfile`` when the job template uses the fact cache; env/, inventory/ and project/ as laid out
  by ``awx_support.private_data_dir``).
- ``{"kind": "command", "private_data_dir": D, "executable": "ansible-inventory", "args": [...], "ident": "1"}``:
  ``ansible_runner.run_command``, as an inventory update runs ``ansible-inventory --list --export``.

RESULT: ``{"status", "rc"}``; the events, stdout and fact cache stay in ``D/artifacts/<ident>``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import ansible_runner


def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the job the spec describes.

    Args:
        spec: see the module docstring.

    Returns:
        ``{"status": ..., "rc": ...}`` of the runner.
    """
    common = {"private_data_dir": spec["private_data_dir"], "ident": spec.get("ident", "1"), "quiet": True}
    if spec["kind"] == "playbook":
        runner = ansible_runner.run(playbook=spec["playbook"],
                                    fact_cache_type="jsonfile" if spec.get("fact_cache") else "", **common)
        return {"status": runner.status, "rc": runner.rc}
    out, err, rc = ansible_runner.run_command(executable_cmd=spec["executable"], cmdline_args=spec["args"],
                                              runner_mode="subprocess", **common)
    return {"status": "successful" if rc == 0 else "failed", "rc": rc, "stdout": out, "stderr": err}


def main() -> int:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    Path(sys.argv[2]).write_text(json.dumps(run(spec)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
