#!/usr/bin/env bash
# Runs every check of the collection on a fresh Debian 12 machine (installs what it needs):
# ruff, mypy, ansible-test sanity, ansible-lint (production), build+install by FQCN,
# then one pytest run: unit tests, lab self-tests, and integration tests that drive
# ansible-playbook against the lab WinRM hosts.
#   bash scripts/test.sh            everything
#   bash scripts/test.sh --fast     skip ansible-test sanity (slow: builds its own venvs)
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh || { echo "bootstrap failed"; exit 1; }
# shellcheck source=collection_path.sh
source scripts/collection_path.sh

FAST=0; [ "${1:-}" = "--fast" ] && FAST=1
failed=()
step() {  # step NAME COMMAND...
  local name=$1; shift
  echo "=== $name"
  local t0=$SECONDS
  if "$@"; then echo "--- $name ok ($((SECONDS - t0)) s)"; else echo "--- $name FAILED ($((SECONDS - t0)) s)"; failed+=("$name"); fi
}

mypy_check() { (cd .build && MYPYPATH=. mypy --config-file ../pyproject.toml ansible_collections/winauth/winrm/plugins); }

sanity() {
  # ansible-test wants the collection at ansible_collections/<ns>/<name> as real files.
  local dest=.build/sanity/ansible_collections/winauth/winrm
  rm -rf .build/sanity && mkdir -p "$dest"
  git ls-files -co --exclude-standard | rsync -a --files-from=- ./ "$dest/"
  (cd "$dest" && git init -q && git add -A)
  local pipver
  pipver=$(python -c 'from ansible_test._internal.python_requirements import get_venv_packages as g; print(g(type("P",(),{"version":"3.11"})())["pip"])')
  mkdir -p ~/.ansible/test/cache
  cp tests/sanity/offline_get_pip.py ~/.ansible/test/cache/get_pip_${pipver//./_}.py
  (cd "$dest" && ansible-test sanity --venv --python "$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
     --color no > "$ROOT/.build/sanity.log" 2>&1)
  local rc=$?
  grep -E "^(ERROR|FATAL|WARNING: Skipping)" .build/sanity.log | grep -v "^WARNING: Skipping" | head -50
  return $rc
}

lint() {
  ansible-lint -q 2>&1 | tail -30
  return "${PIPESTATUS[0]}"
}

build_install() {
  local tmp; tmp=$(mktemp -d)
  ansible-galaxy collection build --force --output-path "$tmp" . >/dev/null &&
  ansible-galaxy collection install --force -p "$tmp/coll" "$tmp"/winauth-winrm-*.tar.gz >/dev/null &&
  ANSIBLE_COLLECTIONS_PATH="$tmp/coll" ansible-doc winauth.winrm.winrm_info >/dev/null &&
  ANSIBLE_COLLECTIONS_PATH="$tmp/coll" ansible-doc winauth.winrm.winrm_auth >/dev/null &&
  ANSIBLE_COLLECTIONS_PATH="$tmp/coll" ansible-doc winauth.winrm.winrm_probe >/dev/null &&
  ANSIBLE_COLLECTIONS_PATH="$tmp/coll" ansible-doc -t filter winauth.winrm.explain >/dev/null &&
  ANSIBLE_COLLECTIONS_PATH="$tmp/coll" ansible-doc -t lookup winauth.winrm.auth_plan >/dev/null &&
  ANSIBLE_COLLECTIONS_PATH="$tmp/coll" ansible-doc -t inventory winauth.winrm.ad >/dev/null &&
  ANSIBLE_COLLECTIONS_PATH="$tmp/coll" ansible-doc -l winauth.winrm | grep -q winauth.winrm.winrm_info
  local rc=$?; rm -rf "$tmp"; return $rc
}

step ruff ruff check plugins tests scripts
step mypy mypy_check
[ $FAST = 1 ] || step "ansible-test sanity" sanity
step "ansible-lint (production)" lint
step "galaxy build + install + ansible-doc" build_install
# pytest last: its closing line is the test count CI reads.
echo "=== pytest"
python -m pytest -q -p no:cacheprovider tests/unit tests/lab/tests tests/integration
rc=$?
if ((${#failed[@]})); then echo "checks failed: ${failed[*]}"; exit 1; fi
exit $rc
