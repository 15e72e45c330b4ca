#!/usr/bin/env bash
# Benchmark (not a test): winrm_info on N lab hosts vs ansible.builtin.debug, same inventory
# and forks; prints round trips per host, both wall times and their ratio.
#   bash scripts/benchmark.sh [hosts=100] [forks=25]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# shellcheck source=scripts/collection_path.sh
source scripts/collection_path.sh
python tests/benchmark/run.py --hosts "${1:-100}" --forks "${2:-25}"
