#!/usr/bin/env bash
# The main job against the lab: start the lab WinRM hosts, audit them with winrm_info,
# harden them with winrm_auth, audit again and print the report (.lab/report.md).
# Installs what it needs on a fresh Debian 12 machine. The lab keeps running afterwards
# (try: ansible -i .lab/inventory.yml all -m winauth.winrm.winrm_info -a fail_on=high);
# stop it with: .venv/bin/python tests/lab/labctl.py down
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# shellcheck source=scripts/collection_path.sh
source scripts/collection_path.sh
python tests/lab/labctl.py up --dir .lab
ansible-playbook -i .lab/inventory.yml -i tests/lab/demo_overrides.yml winauth.winrm.audit_harden \
  -e winrm_hosts=all -e "winrm_report_path=$PWD/.lab/report.md" || true
echo
cat .lab/report.md
