#!/usr/bin/env bash
# The main job against the lab: start the lab WinRM hosts (a deliberately insecure fleet; win01 is
# reached with Basic over HTTPS), audit them, harden them with the hardening role, audit again, and
# print the path of the HTML fleet report (.lab/report/winrm-hardening.html; JSON next to it).
# Installs what it needs on a fresh Debian 12 or 13 machine. The lab keeps running afterwards
# (try: ansible -i .lab/inventory.yml all -m winauth.winrm.winrm_info -a fail_on=high);
# stop it with: .venv/bin/python tests/lab/labctl.py down
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# shellcheck source=scripts/collection_path.sh
source scripts/collection_path.sh
python tests/lab/labctl.py up --dir .lab
rc=0
ansible-playbook -i .lab/inventory.yml -i tests/lab/demo_overrides.yml winauth.winrm.audit_harden \
  -e winrm_hosts=all -e "winrm_report_dir=$PWD/.lab/report" || rc=$?
echo
python - "$PWD/.lab/report/winrm-hardening.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
print("profile %s, mode %s: %s" % (report["profile"], report["mode"],
      ", ".join("%s %d" % kv for kv in report["totals"].items())))
for host in report["hosts"]:
    print("  %-8s %s" % (host["name"], ", ".join("%s %d" % kv for kv in host["counts"].items() if kv[1])))
PY
echo "HTML report: $PWD/.lab/report/winrm-hardening.html"
exit "$rc"
