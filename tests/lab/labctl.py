"""Start, stop and inspect the lab of emulated Windows WinRM hosts (and its Samba AD DC).

    tests/lab/labctl.py up [--scenario tests/lab/scenarios/default.yml] [--hosts N] [--dir .lab]
    tests/lab/labctl.py status [--dir .lab]
    tests/lab/labctl.py down [--dir .lab]

`up` replaces a lab already running from the same directory, restores every
host from the scenario, waits until every listener accepts connections and
writes <dir>/hosts.json and <dir>/inventory.yml. A scenario with
`domain: {enabled: true}` (scenarios/domain.yml) also provisions a new Samba AD
domain controller in <dir>/dc and starts it (needs root); `down` stops it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_SCENARIO = HERE / "scenarios" / "default.yml"
DEFAULT_DIR = Path(".lab")


def _ensure_interpreter() -> None:
    """Re-run under the project's .venv when started with a Python that lacks the lab's deps."""
    try:
        import spnego  # noqa: F401
        import yaml  # noqa: F401
    except ImportError:
        venv = REPO / ".venv"
        # Compare prefixes, not executables: the venv's python is a symlink to the base one.
        if (venv / "bin" / "python").exists() and Path(sys.prefix).resolve() != venv.resolve():
            os.execv(str(venv / "bin" / "python"), [str(venv / "bin" / "python"), __file__, *sys.argv[1:]])
        raise


def _pid_alive(pid: int) -> bool:
    from winlab.samba_dc import alive  # the lab's one liveness check (a zombie counts as gone)

    return alive(pid)


def _read_pid(run_dir: Path) -> int | None:
    try:
        return int((run_dir / "lab.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def _is_lab_process(pid: int) -> bool:
    """Only ever signal our own server (the pid file could be stale and the pid reused)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(part.endswith(b"labctl.py") for part in cmdline) and b"serve" in cmdline


def down(run_dir: Path, quiet: bool = False) -> None:
    from winlab import samba_dc

    try:
        dc_pid = samba_dc.stop(samba_dc.layout(run_dir))
    except samba_dc.DCError as e:
        print(f"labctl: {e}", file=sys.stderr)
        dc_pid = None
    if dc_pid is not None and not quiet:
        print(f"domain controller stopped (pid {dc_pid})")
    pid = _read_pid(run_dir)
    if pid is not None and _pid_alive(pid) and _is_lab_process(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        if not quiet:
            print(f"lab stopped (pid {pid})")
    elif not quiet:
        print("lab not running")
    (run_dir / "lab.pid").unlink(missing_ok=True)
    (run_dir / "server.json").unlink(missing_ok=True)


def _expected_endpoints(doc: dict[str, Any]) -> list[tuple[str, str, int]]:
    out = []
    for name, info in doc["hosts"].items():
        for port in (info["http_port"], info["https_port"]):
            if port:
                out.append((name, info["address"], int(port)))
    return out


def _control(run_dir: Path, path: str) -> Any:
    """GET a route of the running server's loopback control API."""
    server = json.loads((run_dir / "server.json").read_text())
    url = f"http://{server['control']['address']}:{server['control']['port']}{path}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def up(args: argparse.Namespace) -> int:
    from winlab import build, samba_dc, scenario

    run_dir: Path = args.dir.resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    down(run_dir, quiet=True)
    started = time.monotonic()
    try:
        spec = scenario.load(args.scenario, bench_hosts=args.hosts, network=args.network)
    except scenario.ScenarioError as e:
        print(f"labctl: {e}", file=sys.stderr)
        return 2
    dc_pid = None
    try:
        if spec.domain is not None:
            samba_dc.preflight(spec.domain.dc_address)
        doc = build.build(spec, run_dir)
        if spec.domain is not None:  # the DC comes up while the WinRM hosts start
            dc_pid = samba_dc.start(samba_dc.layout(run_dir))
    except samba_dc.DCError as e:
        down(run_dir, quiet=True)
        print(f"labctl: domain controller: {e}", file=sys.stderr)
        return 2
    log_file = run_dir / "lab.log"
    with open(log_file, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "serve", "--dir", str(run_dir)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, close_fds=True,
        )
    (run_dir / "lab.pid").write_text(f"{proc.pid}\n")
    pending = _expected_endpoints(doc)
    deadline = time.monotonic() + args.timeout
    bound: set[tuple[str, int]] | None = None
    while pending and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if bound is None and (run_dir / "server.json").exists():
            # The server writes server.json once every host is synced: ask what it really
            # bound, so a port held by another process is an error, not a false "ready".
            bound = {(a, p) for eps in _control(run_dir, "/endpoints").values() for a, p, _t in eps}
            if any((e[1], e[2]) not in bound for e in pending):
                break
        if bound is not None:
            pending = [e for e in pending if not samba_dc.accepts(e[1], e[2])]
        if pending:
            time.sleep(0.05)
    if pending or proc.poll() is not None:
        down(run_dir, quiet=True)
        print(f"labctl: lab did not come up ({len(pending)} listeners not accepting); log {log_file}:", file=sys.stderr)
        print(log_file.read_text(errors="replace")[-4000:], file=sys.stderr)
        return 1
    domain = doc.get("domain")
    if domain and dc_pid is not None:
        try:
            dc_started = time.monotonic()
            samba_dc.wait_ready(samba_dc.layout(run_dir), dc_pid, domain["dc"]["address"], timeout=args.timeout)
            domain["timings"]["dc_ready"] = round(time.monotonic() - dc_started, 2)
        except samba_dc.DCError as e:
            down(run_dir, quiet=True)
            print(f"labctl: domain controller: {e}", file=sys.stderr)
            return 1
    elapsed = time.monotonic() - started
    print(f"lab up in {elapsed:.1f}s: {len(doc['hosts'])} hosts, pid {proc.pid}, dir {run_dir}")
    if domain:
        dc = domain["dc"]
        timings = " ".join(f"{k} {v:.1f}s" for k, v in domain["timings"].items())
        print(f"  domain {domain['realm']} ({domain['netbios']}): {dc['fqdn']} {dc['address']} "
              f"DNS 53, Kerberos 88, LDAP 389, LDAPS 636; samba pid {dc_pid}; {timings}")
        print(f"  clients: python {domain['labns']} --dir {run_dir} -- <command>   "
              f"(KRB5_CONFIG={domain['krb5_conf']})")
    for name, info in list(doc["hosts"].items())[: args.show]:
        ports = f"http:{info['http_port']} https:{info['https_port']}"
        print(f"  {name:10} {info['address']:15} {ports}  {info['description']}")
    if len(doc["hosts"]) > args.show:
        print(f"  ... and {len(doc['hosts']) - args.show} more")
    print(f"hosts:     {run_dir / 'hosts.json'}\ninventory: {run_dir / 'inventory.yml'}\nCA:        {doc['ca']}")
    return 0


def status(args: argparse.Namespace) -> int:
    run_dir: Path = args.dir.resolve()
    pid = _read_pid(run_dir)
    if pid is None or not _pid_alive(pid) or not (run_dir / "server.json").exists():
        print(f"lab not running ({run_dir})")
        return 3
    server = json.loads((run_dir / "server.json").read_text())
    endpoints = _control(run_dir, "/endpoints")
    stats = _control(run_dir, "/stats")
    control = f"{server['control']['address']}:{server['control']['port']}"
    print(f"lab running: pid {pid}, control {control}, {len(endpoints)} hosts")
    from winlab import samba_dc

    dc_pid = samba_dc.running_pid(samba_dc.layout(run_dir))
    if dc_pid is not None:
        domain = json.loads((run_dir / "hosts.json").read_text())["domain"]
        print(f"  domain {domain['realm']}: {domain['dc']['fqdn']} {domain['dc']['address']} samba pid {dc_pid}")
    for name, eps in endpoints.items():
        listening = " ".join(f"{t}:{a}:{p}" for a, p, t in eps) or "(no listener)"
        print(f"  {name:10} {listening:50} requests={stats[name]['requests']}")
    return 0


def serve(args: argparse.Namespace) -> int:
    import logging

    from winlab import server

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server.main(args.dir)
    return 0


def main(argv: list[str] | None = None) -> int:
    _ensure_interpreter()
    sys.path.insert(0, str(HERE))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="(re)start the lab from a scenario")
    p_up.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    p_up.add_argument("--hosts", type=int, default=0, help="add N benchmark copies of a default host")
    p_up.add_argument("--network", help="override the scenario's loopback network, e.g. 127.0.20.0/24")
    p_up.add_argument("--timeout", type=float, default=30.0)
    p_up.add_argument("--show", type=int, default=10, help="hosts listed in the summary")
    for p in (p_up, sub.add_parser("down", help="stop the lab"), sub.add_parser("status", help="show the lab"),
              sub.add_parser("serve", help=argparse.SUPPRESS)):
        p.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="run directory (default .lab)")
    args = parser.parse_args(argv)
    if args.command == "up":
        return up(args)
    if args.command == "down":
        down(args.dir.resolve())
        return 0
    if args.command == "status":
        return status(args)
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
