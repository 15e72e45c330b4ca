r"""Benchmark: the ad inventory plugin vs microsoft.ad.ldap and a raw paged ldapsearch over 10,000 computers.

Not a test: it prints figures. Starts a domain lab, adds N computer accounts over LDAPS
(slow: Samba checks every SPN for uniqueness, about 3.5 minutes for 10,000), then times in
the same run, alternating, twice each: `ansible-inventory --list` with winauth.winrm.ad; the
same with the peer, microsoft.ad's `microsoft.ad.ldap` inventory (same DC, same bind: simple
over LDAPS as LAB\Administrator, same filter, its default attributes: name and dNSHostName
only, no posture vars, no groups); `ldapsearch` with our filter, attributes, bind and page
size; and ansible-core's own floor, the same hosts and variables served by a static script
inventory (what Ansible costs without LDAP).

microsoft.ad is not a dependency of this collection: it is taken from the `ansible` wheel on
PyPI (``pip download --no-deps ansible``; only ansible_collections/microsoft/ad is unpacked,
into .build/bench-collections, which only this benchmark puts on ANSIBLE_COLLECTIONS_PATH).
It needs sansldap and pyspnego, which requirements.txt already installs.

    python tests/benchmark/ad_inventory.py [--objects 10000] [--ansible-wheel PATH] [--keep]

While iterating, ``--keep`` leaves the lab and its populated directory running at the end, and
the next run with ``--keep`` and the same ``--dir`` reuses them (no provisioning, no 3.5 minutes
of ldapadd); run both in the same network name space (``nsenter -n -t <pid>`` of a sleeping
``unshare -n`` shell). Without ``--keep`` the lab starts from scratch and stops at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "lab"))
sys.path.insert(0, str(ROOT / ".build"))

from winlab.client import Lab  # noqa: E402

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.accounts import ACCOUNT_ATTRIBUTES  # noqa: E402

PEER = "microsoft/ad"
PEER_PATH = ROOT / ".build" / "bench-collections"


def install_peer(wheel: str | None) -> str:
    """Unpack microsoft.ad from the ``ansible`` wheel into PEER_PATH; returns its version.

    Args:
        wheel: a downloaded ansible-*.whl, or None to fetch the newest with ``pip download``.

    Returns:
        The MANIFEST.json version of the unpacked microsoft.ad.

    Raises:
        SystemExit: pip could not download the wheel, or the wheel has no microsoft.ad.
    """
    target = PEER_PATH / "ansible_collections" / PEER
    manifest = target / "MANIFEST.json"
    if not manifest.exists():
        if wheel is None:
            cache = ROOT / ".build" / "bench-wheel"
            cache.mkdir(parents=True, exist_ok=True)
            proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                                   "-q", "-d", str(cache), "ansible"], capture_output=True, text=True, check=False)
            found = sorted(cache.glob("ansible-*.whl"))
            if proc.returncode != 0 or not found:
                raise SystemExit("pip download ansible failed (microsoft.ad ships in it): " + proc.stderr[-2000:])
            wheel = str(found[-1])
        prefix = "ansible_collections/%s/" % PEER
        with zipfile.ZipFile(wheel) as whl:
            members = [n for n in whl.namelist() if n.startswith(prefix)]
            if not members:
                raise SystemExit("%s has no %s" % (wheel, prefix))
            whl.extractall(PEER_PATH, members=members)
    return str(json.loads(manifest.read_text(encoding="utf-8"))["collection_info"]["version"])


CPU: dict[str, float] = {}  # CPU seconds of the last in_lab command (and its children): less hit by load than wall


def in_lab(lab: Lab, *cmd: str, peer: bool = False) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run ``cmd`` in the lab name space; returns its wall seconds (CPU["last"]: its CPU seconds) and result."""
    labns = [sys.executable, str(ROOT / "tests" / "lab" / "labns.py"), "--dir", str(lab.dir), "--"]
    env = dict(os.environ)
    if peer:  # only the peer's runs see microsoft.ad
        env["ANSIBLE_COLLECTIONS_PATH"] = "%s:%s" % (env.get("ANSIBLE_COLLECTIONS_PATH", ""), PEER_PATH)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([*labns, *cmd], capture_output=True, text=True, check=False, env=env)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU["last"] = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return seconds, proc


POPULATED = "bench-populated.json"  # in the run dir: how many BENCH computers the running DC holds


@contextlib.contextmanager
def lab_for(run_dir: str, scenario: str, keep: bool) -> Iterator[Lab]:
    """The benchmark's lab: reused when ``keep`` and one runs in ``run_dir``, else started from scratch.

    Args:
        run_dir: the lab's run directory.
        scenario: the scenario file (domain.yml).
        keep: reuse a running lab and leave it running at the end.

    Yields:
        The running lab.
    """
    labctl = [sys.executable, str(ROOT / "tests" / "lab" / "labctl.py")]
    running = subprocess.run([*labctl, "status", "--dir", run_dir], capture_output=True, check=False).returncode == 0
    if keep and running:
        yield Lab(run_dir)
        return
    (Path(run_dir) / POPULATED).unlink(missing_ok=True)  # a fresh DC holds none
    if not keep:
        with Lab.started(run_dir, "127.0.63.0/24", "--scenario", scenario, "--show", "0") as lab:
            yield lab
        return
    up = subprocess.run([*labctl, "up", "--dir", run_dir, "--network", "127.0.63.0/24", "--scenario", scenario,
                         "--show", "0"], capture_output=True, text=True, timeout=120, check=False)
    if up.returncode != 0:
        raise SystemExit("labctl up failed:\n" + up.stdout + up.stderr)
    yield Lab(run_dir)


def add_computers(lab: Lab, count: int) -> float:
    """Add computer objects over LDAPS with ``ldapadd`` until the DC holds ``count`` (runs inside the lab name space).

    Args:
        lab: the running lab.
        count: how many BENCH computers the directory must hold.

    Returns:
        Seconds spent adding (0 when a kept lab already held them).

    Raises:
        SystemExit: ldapadd failed.
    """
    d = json.loads((lab.dir / "hosts.json").read_text(encoding="utf-8"))["domain"]
    marker = lab.dir / POPULATED
    held = json.loads(marker.read_text(encoding="utf-8"))["computers"] if marker.exists() else 0
    if held >= count:
        return 0.0
    ldif = lab.dir / "bench-computers.ldif"
    with ldif.open("w", encoding="utf-8") as out:
        for i in range(held, count):
            name = "BENCH%05d" % i
            host = "%s.%s" % (name.lower(), d["dns_domain"])
            out.write("dn: CN=%s,CN=Computers,%s\nobjectClass: computer\nsAMAccountName: %s$\n"
                      "userAccountControl: 4096\ndNSHostName: %s\nservicePrincipalName: HOST/%s\n"
                      "servicePrincipalName: HOST/%s\n\n" % (name, d["base_dn"], name, host, host, name))
    # -c: an object left from an earlier run (entryAlreadyExists) does not stop the rest.
    seconds, proc = in_lab(lab, "env", "LDAPTLS_CACERT=" + d["ca"], "ldapadd", "-c", "-x", "-H",
                           "ldaps://%s" % d["dc"]["fqdn"], "-D", "LAB\\Administrator", "-w", d["admin"]["password"],
                           "-f", str(ldif))
    if proc.returncode not in (0, 68):
        raise SystemExit("adding computers failed: " + proc.stderr[-2000:])
    marker.write_text(json.dumps({"computers": count}), encoding="utf-8")
    return seconds


def floor(lab: Lab, tag: str, listing: str) -> float:
    """ansible-inventory over a static script printing ``listing``: what ansible-core alone costs for it."""
    data = lab.dir / ("static_inventory_%s.json" % tag)
    data.write_text(listing, encoding="utf-8")
    script = lab.dir / ("static_inventory_%s.py" % tag)
    script.write_text("#!%s\nimport sys\nsys.stdout.write(open(%r).read())\n" % (sys.executable, str(data)),
                      encoding="utf-8")
    script.chmod(0o755)
    seconds, proc = in_lab(lab, "ansible-inventory", "-i", str(script), "--list")
    if proc.returncode != 0:
        raise SystemExit("floor run failed: " + proc.stderr[-2000:])
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10000)
    parser.add_argument("--dir", default=str(ROOT / ".lab-adbench"))
    parser.add_argument("--ansible-wheel", help="an ansible-*.whl to take microsoft.ad from (default: pip download)")
    parser.add_argument("--profile", help="also run our inventory once under cProfile, stats to this file")
    parser.add_argument("--rounds", type=int, default=2,
                        help="runs of each, alternating (the minimum counts; more when the machine is loaded)")
    parser.add_argument("--keep", action="store_true",
                        help="reuse the lab running in --dir (and its computers), leave it running at the end")
    args = parser.parse_args()
    peer_version = install_peer(args.ansible_wheel)
    scenario = str(ROOT / "tests" / "lab" / "scenarios" / "domain.yml")
    with lab_for(args.dir, scenario, args.keep) as lab:
        d = json.loads((lab.dir / "hosts.json").read_text(encoding="utf-8"))["domain"]
        added = add_computers(lab, args.objects)
        inv = lab.dir / "bench.ad.yml"
        inv.write_text(json.dumps({
            "plugin": "winauth.winrm.ad", "domain": d["dns_domain"], "ca_cert": d["ca"], "auth": "simple",
            "username": "LAB\\Administrator", "password": d["admin"]["password"],
        }), encoding="utf-8")
        base_filter = "(&(objectClass=computer)(!(userAccountControl:1.2.840.113556.1.4.803:=8192)))"
        # The peer adds (objectCategory=computer) itself; the rest of our filter (no DCs) makes the host sets equal.
        peer_inv = lab.dir / "bench.microsoft.ad.ldap.yml"
        peer_inv.write_text(json.dumps({
            "plugin": "microsoft.ad.ldap", "server": d["dc"]["fqdn"], "tls_mode": "ldaps", "ca_cert": d["ca"],
            "auth_protocol": "simple", "username": "LAB\\Administrator", "password": d["admin"]["password"],
            "filter": "(!(userAccountControl:1.2.840.113556.1.4.803:=8192))",
        }), encoding="utf-8")
        ldapsearch = ["env", "LDAPTLS_CACERT=" + d["ca"], "ldapsearch", "-LLL", "-o", "ldif-wrap=no",
                      "-H", "ldaps://%s" % d["dc"]["fqdn"], "-x", "-D", "LAB\\Administrator",
                      "-w", d["admin"]["password"], "-E", "pr=1000/noprompt", "-b", d["base_dn"], base_filter,
                      *ACCOUNT_ATTRIBUTES]
        plugin_times, peer_times, raw_times, floor_times, hosts, peer_hosts = [], [], [], [], 0, 0
        ours_vars = peer_vars = size_ours = size_theirs = 0
        peer_floor_times: list[float] = []
        plugin_cpu: list[float] = []
        peer_cpu: list[float] = []
        for _round in range(args.rounds):
            seconds, proc = in_lab(lab, "ansible-inventory", "-i", str(inv), "--list")
            if proc.returncode != 0:
                raise SystemExit("ansible-inventory failed: " + proc.stderr[-2000:])
            ours = json.loads(proc.stdout)
            hosts = len(ours["_meta"]["hostvars"])
            ours_vars = max(len(v) for v in ours["_meta"]["hostvars"].values())
            ours_groups = sorted(g for g in ours if g not in ("_meta", "all", "ungrouped"))
            plugin_times.append(seconds)
            plugin_cpu.append(CPU["last"])
            size_ours = len(proc.stdout)
            floor_times.append(floor(lab, "ours", proc.stdout))
            seconds, proc = in_lab(lab, "ansible-inventory", "-i", str(peer_inv), "--list", peer=True)
            if proc.returncode != 0:
                raise SystemExit("microsoft.ad.ldap failed: " + proc.stderr[-2000:])
            theirs = json.loads(proc.stdout)
            peer_hosts = len(theirs["_meta"]["hostvars"])
            peer_vars = max(len(v) for v in theirs["_meta"]["hostvars"].values())
            peer_groups = sorted(g for g in theirs if g not in ("_meta", "all", "ungrouped"))
            peer_times.append(seconds)
            peer_cpu.append(CPU["last"])
            size_theirs = len(proc.stdout)
            peer_floor_times.append(floor(lab, "theirs", proc.stdout))
            seconds, proc = in_lab(lab, *ldapsearch)
            if proc.returncode != 0:
                raise SystemExit("ldapsearch failed: " + proc.stderr[-2000:])
            raw_times.append(seconds)
        if args.profile:
            profile = ["python", "-m", "cProfile", "-o", args.profile,
                       str(Path(sys.executable).parent / "ansible-inventory"), "-i", str(inv), "--list"]
            in_lab(lab, *profile)
    plugin, peer, raw = min(plugin_times), min(peer_times), min(raw_times)
    our_floor, peer_floor = min(floor_times), min(peer_floor_times)
    kept = " (kept from an earlier run)" if not added else ""
    print("computer objects added         %d in %.1f s%s" % (args.objects, added, kept))
    print("hosts in the inventory         %d" % hosts)
    print("ad inventory plugin            %.2f s  (runs: %s)" % (plugin, ", ".join("%.2f" % t for t in plugin_times)))
    print("microsoft.ad.ldap %-12s %.2f s  (runs: %s)"
          % (peer_version, peer, ", ".join("%.2f" % t for t in peer_times)))
    print("  hosts / vars per host        ours %d / %d, theirs %d / %d" % (hosts, ours_vars, peer_hosts, peer_vars))
    print("  groups                       ours %d (%s), theirs %d" % (len(ours_groups), ", ".join(ours_groups),
                                                                      len(peer_groups)))
    print("raw paged ldapsearch           %.2f s  (runs: %s)" % (raw, ", ".join("%.2f" % t for t in raw_times)))
    print("ansible-core floor, our vars   %.2f s  (runs: %s)"
          % (our_floor, ", ".join("%.2f" % t for t in floor_times)))
    print("ansible-core floor, their vars %.2f s  (runs: %s)"
          % (peer_floor, ", ".join("%.2f" % t for t in peer_floor_times)))
    print("  --list output                ours %.1f MB, theirs %.1f MB" % (size_ours / 1e6, size_theirs / 1e6))
    print("  CPU seconds (client side)    ours %.2f (runs: %s), theirs %.2f (runs: %s)"
          % (min(plugin_cpu), ", ".join("%.2f" % t for t in plugin_cpu),
             min(peer_cpu), ", ".join("%.2f" % t for t in peer_cpu)))
    cpu_ratio = min(plugin_cpu) / min(peer_cpu)
    print("ratio ours / microsoft.ad.ldap %.2f  (target <= 1.0; CPU %.2f)" % (plugin / peer, cpu_ratio))
    print("ratio plugin / ldapsearch      %.2f  (target <= 2)" % (plugin / raw))
    print("ratio plugin / ansible floor   %.2f  (what the plugin itself adds)" % (plugin / our_floor))
    print("LDAP + plugin work, ours       %.2f s  (run minus the floor for the same output)" % (plugin - our_floor))
    print("LDAP + plugin work, theirs     %.2f s" % (peer - peer_floor))


if __name__ == "__main__":
    main()
