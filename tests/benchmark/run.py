"""Benchmark: winrm_info over N lab hosts vs ansible.builtin.debug on the same inventory.

Not a test: it prints figures. Both playbooks run in the same lab session, alternating,
each twice; the best wall time of each is compared as a ratio (target <= 1.5).

    python tests/benchmark/run.py [--hosts 100] [--forks 25]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "lab"))

from winlab.client import Lab  # noqa: E402


def timed_playbook(playbook: Path, inventory: Path, forks: int) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), "-l", "bench", "-f", str(forks), str(playbook)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-3000:])
        raise SystemExit("benchmark playbook %s failed (rc=%d)" % (playbook.name, proc.returncode))
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--forks", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--dir", default=str(ROOT / ".lab-bench"))
    args = parser.parse_args()

    subprocess.run([sys.executable, str(ROOT / "tests/lab/labctl.py"), "up", "--dir", args.dir,
                    "--hosts", str(args.hosts), "--network", "127.0.40.0/22", "--show", "0"],
                   check=True, stdout=subprocess.DEVNULL)
    lab = Lab(args.dir)
    bench_hosts = [name for name in lab.hosts if name.startswith("bench")]
    here = Path(__file__).resolve().parent
    info_times, debug_times, trips = [], [], []
    try:
        for _round in range(args.rounds):
            debug_times.append(timed_playbook(here / "debug.yml", lab.inventory, args.forks))
            lab.reset_counters()
            info_times.append(timed_playbook(here / "info.yml", lab.inventory, args.forks))
            trips.append(sum(lab.requests(h) for h in bench_hosts) / len(bench_hosts))
    finally:
        subprocess.run([sys.executable, str(ROOT / "tests/lab/labctl.py"), "down", "--dir", args.dir],
                       check=False, stdout=subprocess.DEVNULL)

    info, debug = min(info_times), min(debug_times)
    cores = os.cpu_count() or 0
    print("hosts                          %d (forks %d, cores %d)" % (len(bench_hosts), args.forks, cores))
    print("WS-Man round trips per host    %.2f" % (sum(trips) / len(trips)))
    print("winrm_info wall time           %.2f s  (runs: %s)" % (info, ", ".join("%.2f" % t for t in info_times)))
    print("ansible.builtin.debug wall     %.2f s  (runs: %s)" % (debug, ", ".join("%.2f" % t for t in debug_times)))
    print("ratio winrm_info / debug       %.2f  (target <= 1.5)" % (info / debug))


if __name__ == "__main__":
    main()
