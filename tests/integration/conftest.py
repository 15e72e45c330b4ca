"""Integration tests: ansible-playbook against the lab WinRM hosts, through ansible_connection=winrm.

One lab per session on its own loopback network. Each host is reached a different way:
win01 Basic over HTTPS, win02 NTLM over HTTP with message encryption, win03 NTLM over HTTPS.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from winlab.client import Lab

ROOT = Path(__file__).resolve().parents[2]

NETWORK = "127.0.50.0/24"
PLAYBOOK = Path(__file__).resolve().parent / "playbooks" / "run_module.yml"

# How each lab host is reached.
CONNECTIONS: dict[str, dict[str, Any]] = {
    "win01": {"ansible_winrm_transport": "basic", "ansible_winrm_scheme": "https", "port": "https"},
    "win02": {"ansible_winrm_transport": "ntlm", "ansible_winrm_scheme": "http", "port": "http"},
    "win03": {"ansible_winrm_transport": "ntlm", "ansible_winrm_scheme": "https", "port": "https"},
}


def domain_lab_marks() -> list[pytest.MarkDecorator]:
    """Skip marks of a test module that needs the domain lab: where the lab name space cannot exist (not
    root, no unshare, unshare --mount refused, as in a chroot or an unprivileged container) or without
    samba, with the reason."""
    import labns

    reason = labns.unavailable()
    return [pytest.mark.skipif(reason is not None, reason=f"the AD lab needs the lab name space: {reason}"),
            pytest.mark.skipif(shutil.which("samba") is None,
                               reason="the AD lab needs samba (bootstrap.sh installs it)")]


@contextmanager
def domain_lab(tmp_path_factory: pytest.TempPathFactory, network: str, name: str) -> Iterator[Lab]:
    """A domain lab (tests/lab/scenarios/domain.yml: the Samba AD DC and its members) on ``network``."""
    scenario = str(ROOT / "tests" / "lab" / "scenarios" / "domain.yml")
    with Lab.started(tmp_path_factory.mktemp(name), network, "--scenario", scenario, "--show", "0") as lab:
        yield lab


@dataclass
class Run:
    """What one ansible-playbook run produced."""

    rc: int
    output: str
    results: dict[str, dict[str, Any]]


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab.started(tmp_path_factory.mktemp("itlab"), NETWORK) as instance:
        yield instance


@pytest.fixture
def fresh(lab: Lab) -> Iterator[Lab]:
    """Every lab host back at its scenario state, counters at zero."""
    with lab.fresh():
        yield lab


def host_vars(lab: Lab, name: str, **overrides: Any) -> dict[str, Any]:
    """Connection vars for one lab host, the way an admin would write them."""
    info = lab.hosts[name]
    how = dict(CONNECTIONS[name])
    port = info["https_port"] if how.pop("port") == "https" else info["http_port"]
    data = {
        "ansible_connection": "winrm",
        "ansible_host": info["address"],
        "ansible_port": port,
        "ansible_user": info["admin_user"],
        "ansible_password": info["admin_password"],
        "ansible_winrm_ca_trust_path": lab.ca,
        "ansible_winrm_server_cert_validation": "validate",
        **how,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def recap(output: str) -> dict[str, dict[str, int]]:
    """PLAY RECAP counters per host: ``{"win01": {"ok": 3, "changed": 1, "failed": 0, ...}}``."""
    counts: dict[str, dict[str, int]] = {}
    for match in re.finditer(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$", output, re.M):
        counts[match.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(2))}
    return counts


@pytest.fixture
def play(request: pytest.FixtureRequest, tmp_path: Path):
    """``play(playbook, extra_vars, hosts={name: overrides}, check=)`` → Run (results empty; use recap).

    ``inventory=`` (a whole inventory) with ``inside=`` (a domain Lab) runs ansible-playbook in that
    lab's name space instead (DNS = its DC, its krb5.conf), and the session lab is not started.
    """

    def run(playbook_path: Path, extra_vars: dict[str, Any] | None = None,
            hosts: dict[str, dict[str, Any]] | None = None, check: bool = False,
            inventory: dict[str, Any] | None = None, inside: Lab | None = None) -> Run:
        if inventory is None:
            lab: Lab = request.getfixturevalue("lab")
            chosen = hosts if hosts is not None else {name: {} for name in CONNECTIONS}
            inventory = {"all": {"hosts": {name: host_vars(lab, name, **over) for name, over in chosen.items()}}}
        inv_path = tmp_path / "inventory.yml"
        inv_path.write_text(yaml.safe_dump(inventory), encoding="utf-8")
        cmd = ["ansible-playbook", "-i", str(inv_path), str(playbook_path), "-e", json.dumps(extra_vars or {})]
        if check:
            cmd.append("--check")
        quiet = {"ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_RETRY_FILES_ENABLED": "False"}
        env = dict(os.environ, **quiet)
        if inside is not None:
            cmd, env = inside.ns_command(*cmd), inside.ns_env(**quiet)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, check=False)
        return Run(proc.returncode, proc.stdout + proc.stderr, {})

    return run


@pytest.fixture
def playbook(lab: Lab, tmp_path: Path):
    """``playbook(module, args, hosts={name: overrides}, check=, diff=, verbosity=)`` → Run."""

    def run(module: str, module_args: dict[str, Any] | None = None, hosts: dict[str, dict[str, Any]] | None = None,
            check: bool = False, diff: bool = False, verbosity: int = 0) -> Run:
        chosen = hosts if hosts is not None else {name: {} for name in CONNECTIONS}
        inventory = {"all": {"hosts": {name: host_vars(lab, name, **over) for name, over in chosen.items()}}}
        inv_path = tmp_path / "inventory.yml"
        inv_path.write_text(yaml.safe_dump(inventory), encoding="utf-8")
        result_dir = tmp_path / "results"
        result_dir.mkdir(exist_ok=True)
        for old in result_dir.glob("*.json"):
            old.unlink()
        extra = {"module": module, "module_args": module_args or {}, "result_dir": str(result_dir)}
        cmd = ["ansible-playbook", "-i", str(inv_path), str(PLAYBOOK), "-e", json.dumps(extra)]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        if verbosity:
            cmd.append("-" + "v" * verbosity)
        env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_RETRY_FILES_ENABLED="False")
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, check=False)
        results = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in result_dir.glob("*.json")}
        return Run(proc.returncode, proc.stdout + proc.stderr, results)

    return run
