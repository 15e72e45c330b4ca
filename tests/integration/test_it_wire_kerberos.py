"""A 307 between Kerberos hosts of the Samba AD lab reaches nothing on the target (issue 7).

The redirect refusal sits below every auth handler; this shows it for Kerberos with a real
KDC, the one transport the workgroup lab cannot run (test_it_wire.py covers the others).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from winlab.client import Lab

ROOT = Path(__file__).resolve().parents[2]
NETWORK = "127.0.64.0/24"
PLAYBOOK = Path(__file__).resolve().parent / "playbooks" / "run_module.yml"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("samba") is None or shutil.which("unshare") is None,
    reason="the AD lab needs root, unshare and samba (scripts/bootstrap.sh installs samba)",
)


@pytest.fixture(scope="module")
def klab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    scenario = str(ROOT / "tests" / "lab" / "scenarios" / "domain.yml")
    with Lab.started(tmp_path_factory.mktemp("wirekrb"), NETWORK, "--scenario", scenario) as lab:
        yield lab


def _run(lab: Lab, tmp_path: Path, module: str, host: str, variables: dict[str, Any],
         module_args: dict[str, Any]) -> tuple[dict[str, Any], str]:
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {host: variables}}}), encoding="utf-8")
    results = tmp_path / "results"
    results.mkdir(exist_ok=True)
    labns = [sys.executable, str(ROOT / "tests" / "lab" / "labns.py"), "--dir", str(lab.dir), "--"]
    cmd = ["ansible-playbook", "-i", str(inventory), str(PLAYBOOK), "-e",
           json.dumps({"module": module, "module_args": module_args, "result_dir": str(results)})]
    run = subprocess.run([*labns, *cmd], capture_output=True, text=True, timeout=300, check=False,
                         env=dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="False"))
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads((results / f"{host}.json").read_text(encoding="utf-8")), run.stdout + run.stderr


@pytest.mark.parametrize("after_auth", [False, True], ids=["before-auth", "after-kerberos-auth"])
def test_kerberos_redirect_reaches_nothing_on_the_target(klab: Lab, tmp_path: Path, after_auth: bool) -> None:
    user = klab.domain["users"]["ansible"]  # type: ignore[index]
    source, target = klab.hosts["srv01"], klab.hosts["srv04"]
    location = "http://%s:%d/wsman" % (target["fqdn"], target["http_port"])
    before = {name: klab.state_bytes(name) for name in ("srv01", "srv04")}
    klab.restore()
    klab.reset_counters()
    klab.redirect("srv01", location, 307, after_auth=after_auth)
    try:
        variables = {"ansible_connection": "winrm", "ansible_winrm_transport": "kerberos",
                     "ansible_host": source["fqdn"], "ansible_port": source["http_port"],
                     "ansible_user": user["principal"], "ansible_password": user["password"]}
        result, output = _run(klab, tmp_path, "winrm_auth", "srv01", variables, {"client": {"basic": False}})
    finally:
        klab.redirect("srv01", None)
    assert result.get("failed") and not result.get("changed"), result
    assert "HTTP 307 redirecting to %s" % location in result["msg"], result["msg"]
    assert "Traceback" not in output
    stats = klab.stats("srv04")
    assert (stats["requests"], stats["http_requests"], stats["logons"]) == (0, 0, []), stats
    assert {name: klab.state_bytes(name) for name in ("srv01", "srv04")} == before
    if after_auth:
        assert [lg["protocol"] for lg in klab.logons("srv01")] == ["kerberos"], klab.logons("srv01")
