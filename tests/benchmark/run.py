"""Benchmark (not a test): what auditing N lab hosts costs, against Ansible's own floors.

In one run, on each fleet size (default 100 and 500 hosts, forks 25), alternating, each
``--rounds`` times (``--large-rounds`` on fleets above 100 hosts):

- ``ansible.builtin.debug`` - Ansible's per-task floor (no connection);
- ``ansible.builtin.raw`` over the winrm connection - the least any task that reads the host
  through the connection costs (what ``win_shell: winrm get winrm/config`` costs at least);
- ``winauth.winrm.winrm_info``;
- the ``winauth.winrm.hardening`` role in report mode (``--check``: one winrm_info, the report);
- ``winrm_info`` on a fleet whose hosts are CredSSP clients with a 3-entry delegation list
  (scenario tests/benchmark/delegation.yml).

Printed per playbook and fleet size: WS-Man requests per host (the lab counts them), the median
wall time, its ratio to raw / winrm_info, and CPU seconds per host of the controller (ansible-
playbook and its forks) separately from the lab server's (they share the cores).

    python tests/benchmark/run.py [--sizes 100 500] [--forks 25] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests" / "lab"))

from winlab.client import Lab  # noqa: E402

NETWORK = "127.0.40.0/22"  # room for 500 hosts and the scenario's own
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Sample:
    wall: list[float] = field(default_factory=list)
    requests: list[float] = field(default_factory=list)
    controller_cpu: list[float] = field(default_factory=list)
    lab_cpu: list[float] = field(default_factory=list)


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system, children included) of a process, from /proc."""
    fields = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / TICKS  # utime stime cutime cstime


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(lab: Lab, lab_pid: int, playbook: str, limit: str, hosts: list[str], forks: int,
             extra: list[str]) -> tuple[float, float, float, float]:
    """One timed ansible-playbook: (wall s, requests per host, controller CPU s, lab CPU s)."""
    lab.reset_counters()
    cmd = ["ansible-playbook", "-i", str(lab.inventory), "-l", limit, "-f", str(forks), str(HERE / playbook), *extra]
    cpu0, lab0, start = _children_cpu(), _cpu_of(lab_pid), time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    wall = time.perf_counter() - start
    cpu, lab_cpu = _children_cpu() - cpu0, _cpu_of(lab_pid) - lab0
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-4000:])
        raise SystemExit("benchmark playbook %s failed (rc=%d)" % (playbook, proc.returncode))
    requests = sum(lab.requests(h) for h in hosts) / len(hosts)
    return wall, requests, cpu, lab_cpu


@dataclass
class Case:
    label: str
    playbook: str
    extra: list[str] = field(default_factory=list)


def measure(scenario: Path | None, sizes: list[int], cases: list[Case], args: argparse.Namespace, run_dir: Path,
            ) -> dict[tuple[str, int], Sample]:
    """Start one lab of max(sizes) benchmark hosts, run every case on the first N of them for each N."""
    up = [sys.executable, str(ROOT / "tests/lab/labctl.py"), "up", "--dir", str(run_dir), "--hosts",
          str(max(sizes)), "--network", NETWORK, "--show", "0", "--timeout", "120"]
    if scenario is not None:
        up += ["--scenario", str(scenario)]
    subprocess.run(up, check=True, stdout=subprocess.DEVNULL)
    results: dict[tuple[str, int], Sample] = {}
    try:
        lab = Lab(run_dir)
        lab_pid = int((run_dir / "lab.pid").read_text())
        bench = [name for name in lab.hosts if lab.hosts[name].get("description", "").endswith("(benchmark copy)")]
        for size in sizes:
            hosts = bench[:size]
            limit = ",".join(hosts)
            for _round in range(args.rounds if size <= 100 else args.large_rounds):
                for case in cases:
                    sample = results.setdefault((case.label, size), Sample())
                    wall, requests, cpu, lab_cpu = run_once(lab, lab_pid, case.playbook, limit, hosts, args.forks,
                                                            case.extra)
                    sample.wall.append(wall)
                    sample.requests.append(requests)
                    sample.controller_cpu.append(cpu / size)
                    sample.lab_cpu.append(lab_cpu / size)
                    print("  %-32s %4d hosts: %6.2f s, %5.2f req/host" % (case.label, size, wall, requests), flush=True)
    finally:
        subprocess.run([sys.executable, str(ROOT / "tests/lab/labctl.py"), "down", "--dir", str(run_dir)],
                       check=False, stdout=subprocess.DEVNULL)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--forks", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=3, help="rounds on fleets of up to 100 hosts")
    parser.add_argument("--large-rounds", type=int, default=1, help="rounds on larger fleets")
    parser.add_argument("--dir", default=str(ROOT / ".lab-bench"))
    args = parser.parse_args()
    sizes = sorted(set(args.sizes))
    report_dir = tempfile.mkdtemp(prefix="winauth-bench-report-")
    cases = [
        Case("debug", "debug.yml"),
        Case("raw", "raw.yml"),
        Case("winrm_info", "info.yml"),
        Case("hardening (report mode)", "role_report.yml", ["--check", "-e", "bench_report_dir=%s" % report_dir]),
    ]
    results = measure(None, sizes, cases, args, Path(args.dir))
    delegation = measure(HERE / "delegation.yml", sizes, [Case("winrm_info, 3-entry delegation", "info.yml")],
                         args, Path(args.dir))
    results.update(delegation)

    cores = os.cpu_count() or 0
    print("forks %d, cores %d, medians of %d rounds (<= 100 hosts) / %d (more)" % (args.forks, cores, args.rounds,
                                                                                   args.large_rounds))
    header = "%-32s %6s %9s %9s %8s %8s %11s %9s" % ("playbook", "hosts", "req/host", "wall s", "/raw", "/info",
                                                     "ctl cpu/h", "lab cpu/h")
    print(header)
    print("-" * len(header))
    for size in sizes:
        raw = statistics.median(results[("raw", size)].wall)
        info = statistics.median(results[("winrm_info", size)].wall)
        for label in [c.label for c in cases] + ["winrm_info, 3-entry delegation"]:
            s = results[(label, size)]
            wall = statistics.median(s.wall)
            print("%-32s %6d %9.2f %9.2f %8.2f %8.2f %11.4f %9.4f" % (
                label, size, statistics.median(s.requests), wall, wall / raw, wall / info,
                statistics.median(s.controller_cpu), statistics.median(s.lab_cpu)))
        print("  targets: winrm_info/raw %.2f (<= 0.8); hardening/winrm_info %.2f (<= 1.2); "
              "req/host with a 3-entry delegation list %.2f (<= 6)" % (
                  info / raw, statistics.median(results[("hardening (report mode)", size)].wall) / info,
                  statistics.median(results[("winrm_info, 3-entry delegation", size)].requests)))


if __name__ == "__main__":
    main()
