"""Measure the lab under the benchmark's load: N workers, one NTLM session per host.

    tests/lab/loadtest.py [--hosts 100] [--workers 25] [--requests 4] [--transport ntlm]

Starts its own lab (127.0.44.0/24, temporary directory) unless --dir points at a
running one, then every host gets one pywinrm session (NTLM over HTTP with message
encryption by default) sending --requests config Gets. Prints startup time,
throughput and latency percentiles.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from winlab.client import Lab  # noqa: E402

GET = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
    'xmlns:wsman="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header>'
    '<wsa:Action s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</wsa:Action>'
    "<wsa:MessageID>uuid:6A1A4B9E-0000-4000-8000-000000000001</wsa:MessageID>"
    '<wsman:ResourceURI s:mustUnderstand="true">http://schemas.microsoft.com/wbem/wsman/1/config</wsman:ResourceURI>'
    "<wsa:To>http://lab/wsman</wsa:To></s:Header><s:Body/></s:Envelope>"
)


def session(lab: Lab, host: str, requests: int, transport: str, scheme: str) -> list[float]:
    from winrm.protocol import Protocol

    info = lab.hosts[host]
    p = Protocol(endpoint=lab.endpoint(host, scheme), transport=transport, username=info["admin_user"],
                 password=info["admin_password"], ca_trust_path=lab.ca)
    latencies = []
    for _request in range(requests):
        started = time.perf_counter()
        p.send_message(GET)
        latencies.append(time.perf_counter() - started)
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--workers", type=int, default=25)
    parser.add_argument("--requests", type=int, default=4)
    parser.add_argument("--transport", default="ntlm")
    parser.add_argument("--scheme", default="http")
    parser.add_argument("--dir", type=Path, help="use this running lab instead of starting one")
    args = parser.parse_args()

    labctl = [sys.executable, str(HERE / "labctl.py")]
    tmp = None
    run_dir = args.dir
    if run_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="lab-load-")
        run_dir = Path(tmp.name)
        started = time.monotonic()
        subprocess.run([*labctl, "up", "--dir", str(run_dir), "--hosts", str(args.hosts),
                        "--network", "127.0.44.0/24"], check=True, stdout=subprocess.DEVNULL)
        print(f"startup: {time.monotonic() - started:.2f}s for {args.hosts + 3} hosts")
    try:
        lab = Lab(run_dir)
        lab.reset_counters()
        hosts = [h for h in lab.hosts if h.startswith("bench")] or list(lab.hosts)
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
            results = list(pool.map(lambda h: session(lab, h, args.requests, args.transport, args.scheme), hosts))
        elapsed = time.perf_counter() - started
        latencies = sorted(x for r in results for x in r)
        total = sum(lab.requests(h) for h in hosts)
        rate = len(latencies) / elapsed
        print(f"{len(hosts)} sessions x {args.requests} requests ({args.transport} over {args.scheme}), "
              f"{args.workers} workers: {len(latencies)} requests in {elapsed:.2f}s = {rate:.0f} req/s")
        print(f"latency p50 {statistics.median(latencies) * 1000:.1f} ms, "
              f"p95 {latencies[int(len(latencies) * 0.95) - 1] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms; "
              f"server counted {total} WS-Man requests")
    finally:
        if tmp is not None:
            subprocess.run([*labctl, "down", "--dir", str(run_dir)], check=False, stdout=subprocess.DEVNULL)
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
