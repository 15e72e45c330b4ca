#!/usr/bin/env bash
# Benchmark (not a test): on 100 and 500 lab hosts (forks 25), in the same run, ansible.builtin.debug,
# ansible.builtin.raw over winrm, winrm_info, the hardening role in report mode, and winrm_info on a
# fleet with 3-entry CredSSP delegation lists; prints requests per host, median wall times, ratios and
# CPU seconds per host of the controller and of the lab server separately.
#   bash scripts/benchmark.sh [sizes="100 500"] [forks=25] [rounds=3] [rounds above 100 hosts=1]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# shellcheck source=scripts/collection_path.sh
source scripts/collection_path.sh
read -r -a sizes <<< "${1:-100 500}"
python tests/benchmark/run.py --sizes "${sizes[@]}" --forks "${2:-25}" --rounds "${3:-3}" --large-rounds "${4:-1}"
