"""Benchmark: the ad inventory plugin vs a raw paged ldapsearch over 10,000 computer objects.

Not a test: it prints figures. Starts a domain lab, adds N computer accounts over LDAPS
(slow: Samba checks every SPN for uniqueness, about 3.5 minutes for 10,000), then times in
the same run: `ansible-inventory --list` with winauth.winrm.ad; `ldapsearch` with the same
filter, attributes, bind (simple over LDAPS) and page size; and ansible-core's own floor, the
same hosts and variables served by a static script inventory (what Ansible costs without LDAP).

    python tests/benchmark/ad_inventory.py [--objects 10000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "lab"))
sys.path.insert(0, str(ROOT / ".build"))

from winlab.client import Lab  # noqa: E402

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.accounts import ACCOUNT_ATTRIBUTES  # noqa: E402


def in_lab(lab: Lab, *cmd: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    labns = [sys.executable, str(ROOT / "tests" / "lab" / "labns.py"), "--dir", str(lab.dir), "--"]
    start = time.perf_counter()
    proc = subprocess.run([*labns, *cmd], capture_output=True, text=True, check=False)
    return time.perf_counter() - start, proc


def add_computers(lab: Lab, count: int) -> float:
    """Add ``count`` computer objects over LDAPS with ``ldapadd`` (runs inside the lab name space)."""
    d = json.loads((lab.dir / "hosts.json").read_text(encoding="utf-8"))["domain"]
    ldif = lab.dir / "bench-computers.ldif"
    with ldif.open("w", encoding="utf-8") as out:
        for i in range(count):
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
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10000)
    parser.add_argument("--dir", default=str(ROOT / ".lab-adbench"))
    args = parser.parse_args()
    scenario = str(ROOT / "tests" / "lab" / "scenarios" / "domain.yml")
    with Lab.started(args.dir, "127.0.63.0/24", "--scenario", scenario, "--show", "0") as lab:
        d = json.loads((lab.dir / "hosts.json").read_text(encoding="utf-8"))["domain"]
        added = add_computers(lab, args.objects)
        inv = lab.dir / "bench.ad.yml"
        inv.write_text(json.dumps({
            "plugin": "winauth.winrm.ad", "domain": d["dns_domain"], "ca_cert": d["ca"], "auth": "simple",
            "username": "LAB\\Administrator", "password": d["admin"]["password"],
        }), encoding="utf-8")
        base_filter = "(&(objectClass=computer)(!(userAccountControl:1.2.840.113556.1.4.803:=8192)))"
        ldapsearch = ["env", "LDAPTLS_CACERT=" + d["ca"], "ldapsearch", "-LLL", "-o", "ldif-wrap=no",
                      "-H", "ldaps://%s" % d["dc"]["fqdn"], "-x", "-D", "LAB\\Administrator",
                      "-w", d["admin"]["password"], "-E", "pr=1000/noprompt", "-b", d["base_dn"], base_filter,
                      *ACCOUNT_ATTRIBUTES]
        plugin_times, raw_times, floor_times, hosts = [], [], [], 0
        static = lab.dir / "static_inventory.py"
        for _round in range(2):
            seconds, proc = in_lab(lab, "ansible-inventory", "-i", str(inv), "--list")
            if proc.returncode != 0:
                raise SystemExit("ansible-inventory failed: " + proc.stderr[-2000:])
            hosts = len(json.loads(proc.stdout)["_meta"]["hostvars"])
            plugin_times.append(seconds)
            (lab.dir / "static_inventory.json").write_text(proc.stdout, encoding="utf-8")
            static.write_text("#!%s\nimport sys\nsys.stdout.write(open(%r).read())\n"
                              % (sys.executable, str(lab.dir / "static_inventory.json")), encoding="utf-8")
            static.chmod(0o755)
            seconds, proc = in_lab(lab, "ansible-inventory", "-i", str(static), "--list")
            if proc.returncode != 0:
                raise SystemExit("floor run failed: " + proc.stderr[-2000:])
            floor_times.append(seconds)
            seconds, proc = in_lab(lab, *ldapsearch)
            if proc.returncode != 0:
                raise SystemExit("ldapsearch failed: " + proc.stderr[-2000:])
            raw_times.append(seconds)
    plugin, raw, floor = min(plugin_times), min(raw_times), min(floor_times)
    print("computer objects added         %d in %.1f s" % (args.objects, added))
    print("hosts in the inventory         %d" % hosts)
    print("ad inventory plugin            %.2f s  (runs: %s)" % (plugin, ", ".join("%.2f" % t for t in plugin_times)))
    print("raw paged ldapsearch           %.2f s  (runs: %s)" % (raw, ", ".join("%.2f" % t for t in raw_times)))
    print("ansible-core floor (same vars) %.2f s  (runs: %s)" % (floor, ", ".join("%.2f" % t for t in floor_times)))
    print("ratio plugin / ldapsearch      %.2f  (target <= 2)" % (plugin / raw))
    print("ratio plugin / ansible floor   %.2f  (what the plugin itself adds)" % (plugin / floor))


if __name__ == "__main__":
    main()
