#!/usr/bin/env bash
# Benchmark (not a test): the ad inventory plugin over N computer objects vs microsoft.ad.ldap, a raw paged
# ldapsearch of the same attributes, plus ansible-core's own floor; prints times and ratios.
#   bash scripts/benchmark_ad.sh [objects=10000] [--ansible-wheel PATH] [--profile FILE] [--rounds N] [--keep]
#   (needs root: the lab DC and name space; --keep: see tests/benchmark/ad_inventory.py)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# shellcheck source=scripts/collection_path.sh
source scripts/collection_path.sh
python tests/benchmark/ad_inventory.py --objects "${1:-10000}" "${@:2}"
