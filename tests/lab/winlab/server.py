"""The lab server process: loads a built run directory and serves every host."""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import certstore, control, hop
from .build import domain_ntlm_lines, ntlm_user_lines
from .hoststate import HostState, atomic_write
from .membership import from_hosts_json
from .network import NetworkManager

log = logging.getLogger(__name__)


class LabServer:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir.resolve()
        doc = json.loads((self.run_dir / "hosts.json").read_text(encoding="utf-8"))
        state_dir = self.run_dir / "state"
        self.hosts: dict[str, HostState] = {
            name: HostState(
                info,
                state_dir / f"{name}.json",
                state_dir / f"{name}.scenario.json",
                state_dir / f"{name}.stats.json",
            )
            for name, info in doc["hosts"].items()
        }
        self.domain: dict[str, Any] | None = doc.get("domain")
        for name, info in doc["hosts"].items():
            self.hosts[name].membership = from_hosts_json(self.domain, info)
        hop.install(self.hosts, doc["hosts"])  # commands on one host may reach the others
        self.network = NetworkManager()
        self._stopped = threading.Event()

    def apply(self, name: str, change: Callable[[HostState], Any]) -> Any:
        """Run a state change for one host, then re-sync its listeners and the NTLM accounts."""
        host = self.hosts[name]
        with host.lock:
            result = change(host)
        self.write_ntlm_users()
        self.network.sync(host)
        return result

    def add_certificate(self, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        """Issue a certificate (certstore.issue spec) into the host's LocalMachine\\My; returns its entry."""
        if not isinstance(spec, dict) or not spec.get("subject"):
            raise ValueError("a certificate spec needs at least a subject")
        entry, der = certstore.issue(self.run_dir / "pki", spec)

        def change(host: HostState) -> None:
            certstore.install(host.state, entry, der)
            host.commit()

        self.apply(name, change)
        return entry

    def check_users(self, name: str, users: dict[str, Any]) -> None:
        """One NTLM user file serves every host, so a user name must keep one password."""
        for other in self.hosts.values():
            if other.name == name:
                continue
            for user, info in other.users().items():
                mine = next((i for u, i in users.items() if u.lower() == user.lower()), None)
                if mine is not None and mine.get("password") != info["password"]:
                    raise ValueError(f"user {user} has another password on {other.name}")

    def write_ntlm_users(self) -> None:
        lines: set[str] = domain_ntlm_lines(self.domain)
        for host in self.hosts.values():
            with host.lock:
                lines |= ntlm_user_lines(host.name, host.users())
        text = "\n".join(sorted(lines)) + "\n"
        path = self.run_dir / "ntlm_users.txt"
        if path.read_text(encoding="utf-8") != text:
            atomic_write(path, text)

    def _flush_loop(self) -> None:
        while not self._stopped.wait(0.2):
            for host in self.hosts.values():
                host.flush_stats()

    def run(self) -> None:
        # pyspnego's NTLM acceptor reads accounts from this process-wide file.
        os.environ["NTLM_USER_FILE"] = str(self.run_dir / "ntlm_users.txt")
        # Kerberos: members accept with their own keytab (kerberos.py); make sure no host can
        # fall back to a default keytab (e.g. the machine's /etc/krb5.keytab), and keep MIT's
        # replay cache inside the run directory.
        os.environ["KRB5_KTNAME"] = "FILE:" + str(self.run_dir / "no-default.keytab")
        (self.run_dir / "rcache").mkdir(exist_ok=True)
        os.environ["KRB5RCACHEDIR"] = str(self.run_dir / "rcache")
        if self.domain:
            os.environ["KRB5_CONFIG"] = self.domain["krb5_direct_conf"]
        self.network.start()
        for host in self.hosts.values():
            self.network.sync(host)
        ctl, _thread = control.start(self)
        threading.Thread(target=self._flush_loop, name="stats", daemon=True).start()
        info = {"pid": os.getpid(), "control": {"address": ctl.server_address[0], "port": ctl.server_address[1]}}
        atomic_write(self.run_dir / "server.json", json.dumps(info, indent=2) + "\n")
        log.info("lab serving %d hosts; control on 127.0.0.1:%s", len(self.hosts), ctl.server_address[1])
        self._stopped.wait()
        ctl.shutdown()
        self.network.stop()
        for host in self.hosts.values():
            host.flush_stats()
        (self.run_dir / "server.json").unlink(missing_ok=True)

    def stop(self, *_args: object) -> None:
        self._stopped.set()


def main(run_dir: Path) -> None:
    server = LabServer(run_dir)
    signal.signal(signal.SIGTERM, server.stop)
    signal.signal(signal.SIGINT, server.stop)
    server.run()
