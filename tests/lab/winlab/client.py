"""Helper for tests: read and steer a running lab (stdlib only).

    from winlab.client import Lab   # with tests/lab on sys.path (pytest: pyproject pythonpath)
    lab = Lab(".lab")
    lab.hosts["win01"]["address"]   # hosts.json entry
    lab.state("win01")              # parsed state/win01.json (what the host is configured as)
    lab.state_bytes("win01")        # raw bytes, to prove check mode wrote nothing
    lab.requests("win01")           # WS-Man requests received since the last reset
    lab.reset_counters()            # all hosts (or one: reset_counters("win01"))
    lab.set_state("win01", state)   # replace a host's state live (e.g. plant a GPO value)
    lab.restore("win01")            # back to the scenario state (no argument: every host)
    lab.redirect("win01", url)      # fault injection: win01 answers 307 Location: url (None: stop)
    lab.add_certificate("win01", subject="win01.lab.test", san=["win01"], not_after=-1)
                                    # a certificate in win01's LocalMachine\\My (here: expired yesterday)

State changes go through the server's loopback control API, so the running
server applies them at once (listeners are re-bound, policies re-read).

Domain labs (scenarios/domain.yml) add::

    lab.domain                      # hosts.json "domain": realm, dc, users, computers, krb5_conf, ...
    lab.user("ansible")             # a domain user: password, principal, upn, down_level, admin, ...
    lab.logons("srv01")             # completed authentications: protocol, client, delegated, ...
    lab.ns_command("kinit", "ansible@LAB.TEST")   # argv running inside the lab name space
    lab.ns_env(KRB5CCNAME="FILE:/tmp/cc")          # its environment (KRB5_CONFIG, ...)
    with lab.agent() as ns: ns.call("module:function", **kwargs)   # Python inside it (nsagent.py)
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent  # tests/lab
LABCTL = HERE / "labctl.py"
DOMAIN_SCENARIO = HERE / "scenarios" / "domain.yml"


class LabError(RuntimeError):
    """The lab is not running or refused a control request."""


class Lab:
    def __init__(self, run_dir: str | Path = ".lab") -> None:
        self.dir = Path(run_dir).resolve()
        doc = json.loads((self.dir / "hosts.json").read_text(encoding="utf-8"))
        self.hosts: dict[str, dict[str, Any]] = doc["hosts"]
        self.ca: str = doc["ca"]
        self.inventory = self.dir / "inventory.yml"
        self.domain: dict[str, Any] | None = doc.get("domain")

    @classmethod
    @contextmanager
    def started(cls, run_dir: str | Path, network: str, *extra: str) -> Iterator[Lab]:
        """Start a lab from scratch (``labctl up``), yield it, stop it however the block ends."""
        labctl = [sys.executable, str(LABCTL)]
        result = subprocess.run([*labctl, "up", "--dir", str(run_dir), "--network", network, *extra],
                                capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise LabError("labctl up failed:\n" + result.stdout + result.stderr)
        try:
            yield cls(run_dir)
        finally:
            subprocess.run([*labctl, "down", "--dir", str(run_dir)], capture_output=True, timeout=30, check=False)

    # -- domain ----------------------------------------------------------------
    def _domain(self) -> dict[str, Any]:
        if not self.domain:
            raise LabError(f"the lab in {self.dir} has no domain (scenario {DOMAIN_SCENARIO.name})")
        return self.domain

    def user(self, name: str) -> dict[str, Any]:
        """A domain user's hosts.json entry (password, principal, upn, down_level, admin, ...)."""
        users: dict[str, dict[str, Any]] = self._domain()["users"]
        if name not in users:
            raise LabError(f"unknown domain user {name!r}")
        return users[name]

    def logons(self, host: str) -> list[dict[str, Any]]:
        """Completed authentications of a host since the last reset, oldest first.

        Each: {"protocol": "kerberos"|"ntlm"|"credssp"|"basic", "scheme", "client" (as the
        acceptor saw it, e.g. ansible@LAB.TEST), "account" (LAB\\ansible), "transport",
        "delegated" (a TGT was forwarded), and for Kerberos "flags" (GSS), "acceptor",
        "ticket_flags" and "ok_as_delegate" (of the service ticket), "held" (password|tgt|None:
        what the logon left for a second hop)}. A second hop from another
        lab host (winlab/hop.py) adds "from", "service" (smb|wsman), "via" (password|tgt|
        s4u2proxy|explicit|None) and "delegated_credentials"; an anonymous SMB session has
        "account": "NT AUTHORITY\\ANONYMOUS LOGON" and "anonymous": True.
        """
        logons: list[dict[str, Any]] = self.stats(host).get("logons", [])
        return logons

    def ns_env(self, **extra: str) -> dict[str, str]:
        """Environment for ns_command(): os.environ + KRB5_CONFIG, KRB5CCNAME, LAB_DIR (+ extra)."""
        import labns

        self._domain()
        env = labns.environment(self.dir)
        env.update(extra)
        return env

    def ns_command(self, *argv: str) -> list[str]:
        """argv that runs inside the lab name space (DNS = the DC); run it with env=ns_env()."""
        import labns

        self._domain()
        return labns.command(self.dir, *argv)

    def agent(self, extra_path: list[str] | None = None, **env: str) -> Any:
        """An NsAgent (nsagent.py): Python functions run inside the lab name space."""
        from nsagent import NsAgent

        self._domain()
        return NsAgent(self.dir, extra_path=extra_path, env=self.ns_env(**env))

    @contextmanager
    def fresh(self) -> Iterator[Lab]:
        """Every host at its scenario state and counters at zero, before and after the block."""
        self.restore()
        self.reset_counters()
        try:
            yield self
        finally:
            self.restore()

    # -- control API -----------------------------------------------------------
    def _control(self, method: str, path: str, payload: Any = None) -> Any:
        try:
            server = json.loads((self.dir / "server.json").read_text(encoding="utf-8"))
        except OSError as e:
            raise LabError(f"lab in {self.dir} is not running") from e
        url = f"http://{server['control']['address']}:{server['control']['port']}{path}"
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(url, data=data, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as e:
            raise LabError(f"{method} {path}: {e.code} {e.read().decode(errors='replace')}") from e

    def _check(self, host: str) -> str:
        if host not in self.hosts:
            raise LabError(f"unknown lab host {host!r}")
        return host

    # -- reading -----------------------------------------------------------------
    def state_bytes(self, host: str) -> bytes:
        return Path(self.hosts[self._check(host)]["state_file"]).read_bytes()

    def state(self, host: str) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.state_bytes(host))
        return state

    def stats(self, host: str) -> dict[str, Any]:
        """{'requests': N, 'by_action': {...}, 'http_requests': N, 'auth_failures': N}."""
        try:
            stats: dict[str, Any] = self._control("GET", f"/stats?host={self._check(host)}")[host]
        except LabError:  # server stopped: the last flushed counters
            stats = json.loads(Path(self.hosts[host]["stats_file"]).read_text(encoding="utf-8"))
        return stats

    def requests(self, host: str) -> int:
        """WS-Man messages (SOAP requests, Identify included) the host received since the last reset."""
        return int(self.stats(host)["requests"])

    def endpoint(self, host: str, transport: str = "http") -> str:
        info = self.hosts[self._check(host)]
        port = info["https_port" if transport == "https" else "http_port"]
        return f"{transport}://{info['address']}:{port}/wsman"

    # -- steering ------------------------------------------------------------------
    def reset_counters(self, host: str | None = None) -> None:
        self._control("POST", "/stats/reset" + (f"?host={self._check(host)}" if host else ""))

    def set_state(self, host: str, state: dict[str, Any]) -> bool:
        """Replace the host's whole state; returns True if the state file changed."""
        return bool(self._control("PUT", f"/state?host={self._check(host)}", state)["changed"])

    def arm(self, host: str, action: str, state: dict[str, Any]) -> None:
        """Replace the host's state just before its next ``action`` request is handled.

        ``action`` is an action (``"Put"``) or an action and a resource below
        ``…/wsman/1/`` (``"Put config/client/auth"``), to land between two Puts of one run.
        Reproduces a change landing between a client's read and its write, such as Group
        Policy being applied by gpupdate. The new state must keep the host's users.
        """
        self._control("POST", f"/arm?host={self._check(host)}&action={urllib.parse.quote(action)}", state)

    def arm_registry_value(self, host: str, action: str, path: str, name: str, spec: Any) -> None:
        """Set one registry value just before the host's next ``action`` (as :meth:`arm`).

        Unlike :meth:`arm` with a whole state, what the host was written in the meantime stays:
        this is Group Policy landing between two Puts of one run. ``spec`` as in scenarios
        (int = REG_DWORD, str = REG_SZ).
        """
        self._control("POST", f"/arm?host={self._check(host)}&action={urllib.parse.quote(action)}",
                      {"set_registry_value": {"path": path, "name": name, "spec": spec}})

    def redirect(self, host: str, location: str | None, status: int = 307, after_auth: bool = False) -> None:
        """Fault injection for tests only (real Windows never redirects).

        The host answers every WS-Man POST with ``status`` and ``Location: location``: before
        authentication, or with ``after_auth`` once the client has authenticated on the
        connection. ``location=None`` (or :meth:`restore`) stops it.
        """
        doc = None if location is None else {"location": location, "status": status, "after_auth": after_auth}
        self._control("POST", f"/redirect?host={self._check(host)}", doc)

    def add_certificate(self, host: str, subject: str, san: list[str] | None = None, issuer: str | None = None,
                        not_before: str | int | None = None, not_after: str | int | None = None,
                        self_signed: bool = False, server_auth: bool = True) -> dict[str, Any]:
        """Add a certificate (with its private key) to the host's LocalMachine\\My store.

        Like an import on Windows: the registry gets its Blob (readable through StdRegProv),
        and a listener naming its thumbprint serves it. ``subject`` is a CN; ``issuer`` a CN
        (default: the lab CA, which clients trust); ``not_before``/``not_after`` ISO 8601 times
        or days from now (negative: past); ``server_auth=False`` gives a client-auth-only EKU.
        :meth:`restore` takes it out again.

        Returns:
            Its ``certificates`` entry: thumbprint, subject, dns_names, cert_file, key_file, store.
        """
        spec = {"subject": subject, "san": san or [], "issuer": issuer, "not_before": not_before,
                "not_after": not_after, "self_signed": self_signed, "server_auth": server_auth}
        entry: dict[str, Any] = self._control("POST", f"/certificates?host={self._check(host)}", spec)
        return entry

    def restore(self, host: str | None = None) -> None:
        for name in [self._check(host)] if host else list(self.hosts):
            self._control("POST", f"/restore?host={name}")

    def reload(self, host: str) -> bool:
        """Apply a hand edit of state/<host>.json."""
        return bool(self._control("POST", f"/reload?host={self._check(host)}")["changed"])
