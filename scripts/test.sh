#!/usr/bin/env bash
# Runs every check of the collection on a fresh Debian 12 or 13 machine (installs what it needs),
# on both ends of the ansible-core lines it claims (scripts/ansible_lines.sh), each in its own venv:
#   newest line (.venv)       shellcheck, ruff, mypy, ansible-test sanity and units, ansible-lint,
#                             build + install by FQCN + ansible-doc, then one pytest run: unit
#                             tests, lab self-tests, integration tests (ansible-playbook against
#                             the lab WinRM hosts and the Samba AD DC), molecule scenarios of the roles
#   oldest line (.venv-X.Y)   ansible-test sanity, pytest of the unit and integration tests
# A line no Python on this machine supports is not run, and the output says so at once and in the
# closing summary. pytest runs in a private network name space where it can (the labs use fixed
# loopback addresses); the rest needs the package registries once (pip, ansible-test's venvs).
# The last line is the newest line's pytest count.
#   bash scripts/test.sh            everything
#   bash scripts/test.sh --fast     skip ansible-test (slow: it builds its own venvs)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/ansible_lines.sh
source scripts/ansible_lines.sh
bash scripts/bootstrap.sh || { echo "bootstrap failed"; exit 1; }
ORIG_PATH=$PATH  # bootstrap looks for Pythons on the caller's PATH, not on the venvs' below
# shellcheck source=scripts/collection_path.sh
source scripts/collection_path.sh
BASE_PATH=$PATH
mkdir -p .build

FAST=0; [ "${1:-}" = "--fast" ] && FAST=1
failed=() summary=() not_run=()
step() {  # step NAME COMMAND...
  local name="$1 [$LINE]"; shift
  echo "=== $name"
  local t0=$SECONDS
  if "$@"; then
    echo "--- $name ok ($((SECONDS - t0)) s)"; summary+=("ok      $name ($((SECONDS - t0)) s)")
  else
    echo "--- $name FAILED ($((SECONDS - t0)) s)"; summary+=("FAILED  $name ($((SECONDS - t0)) s)"); failed+=("$name")
  fi
}
not_run() {  # not_run WHAT: loud now, repeated in the summary
  echo "!!! NOT RUN: $*"; not_run+=("$*")
}
use_venv() {  # use_venv DIR: its python and tools first on PATH; LINE = its ansible-core version
  PATH="$ROOT/$1/bin:$BASE_PATH"
  LINE=$(python -c 'import sys; from ansible.release import __version__ as v
print("ansible-core %s, Python %d.%d" % ((v,) + sys.version_info[:2]))')
}

metadata() {  # requires_ansible, galaxy version and version_added agree; changelog fragments lint clean
  python - "$ANSIBLE_OLDEST" <<'PY' && antsibull-changelog lint
import pathlib, re, sys
import yaml
oldest, bad = sys.argv[1], []
runtime = yaml.safe_load(pathlib.Path("meta/runtime.yml").read_text())
if runtime.get("requires_ansible") != ">=%s.0" % oldest:
    bad.append("meta/runtime.yml: requires_ansible must be '>=%s.0', the oldest line scripts/test.sh tests "
               "(ANSIBLE_OLDEST in scripts/ansible_lines.sh), not %r" % (oldest, runtime.get("requires_ansible")))
version = yaml.safe_load(pathlib.Path("galaxy.yml").read_text())["version"]
def key(v): return tuple(int(x) for x in str(v).split("."))
for path in sorted(pathlib.Path("plugins").glob("*/*.py")):
    for added in re.findall(r"^\s*version_added:\s*['\"]?([0-9.]+)", path.read_text(), re.M):
        if key(added) > key(version):
            bad.append("%s: version_added %s is newer than the collection (galaxy.yml version %s)" % (path, added, version))
def names(path):
    lines = (re.split(r"[\s\[<>=!~;#]", line.strip(), maxsplit=1)[0] for line in pathlib.Path(path).read_text().splitlines())
    return {n.lower() for n in lines if n and not n.startswith("-")}
for name in sorted(names("requirements.txt") - names("tests/unit/requirements.txt")):
    bad.append("tests/unit/requirements.txt (ansible-test units) lacks %s of requirements.txt" % name)
print("\n".join(bad) or "requires_ansible >=%s.0, version %s, version_added all <= it" % (oldest, version))
sys.exit(1 if bad else 0)
PY
}

mypy_check() { (cd .build && MYPYPATH=. mypy --config-file ../pyproject.toml ansible_collections/winauth/winrm/plugins); }

TEST_COPY=.build/sanity/ansible_collections/winauth/winrm
collection_copy() {  # ansible-test wants the collection at ansible_collections/<ns>/<name> as real files
  rm -rf .build/sanity && mkdir -p "$TEST_COPY"
  git ls-files -co --exclude-standard | rsync -a --files-from=- ./ "$TEST_COPY/"
  (cd "$TEST_COPY" && git init -q && git add -A)
}

sanity() {
  local dest=$TEST_COPY log pyver pipver
  collection_copy
  pyver=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  log=$ROOT/.build/sanity-$(python -c 'from ansible.release import __version__ as v; print(v)').log
  # ansible-test fetches get-pip from its own file server (unreachable here): put our stand-in in its cache.
  pipver=$(python -c 'from ansible_test._internal.python_requirements import get_venv_packages as g
print(g(type("P", (), {"version": "'"$pyver"'"})())["pip"])')
  mkdir -p ~/.ansible/test/cache
  cp tests/sanity/offline_get_pip.py ~/.ansible/test/cache/get_pip_"${pipver//./_}".py
  (cd "$dest" && ansible-test sanity --venv --python "$pyver" --color no > "$log" 2>&1)
  local rc=$?
  # Every skipped test is listed: a sanity test that cannot run must not pass unnoticed.
  grep -E "^(ERROR|FATAL|WARNING: Skipping)" "$log" | head -50
  return $rc
}

units() {  # as the ecosystem runs them: its own venv from tests/unit/requirements.txt, its own pytest config
  collection_copy
  (cd "$TEST_COPY" && ansible-test units --venv --python "$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
     --color no > "$ROOT/.build/units.log" 2>&1)
  local rc=$?
  grep -E "^(ERROR|FATAL)|^=+ .* in [0-9.]+s" "$ROOT/.build/units.log" | tail -20
  return $rc
}

lint() {  # as in a plain clone: ansible-lint finds the collection itself (.ansible-lint)
  env -u ANSIBLE_COLLECTIONS_PATH -u PYTHONPATH ansible-lint -q 2>&1 | tail -30
  return "${PIPESTATUS[0]}"
}

build_install() {  # every module, plugin and role renders from the built and installed collection
  local tmp rc=0 kind file name; tmp=$(mktemp -d)
  ansible-galaxy collection build --force --output-path "$tmp" . >/dev/null &&
  ansible-galaxy collection install --force -p "$tmp/coll" "$tmp"/winauth-winrm-*.tar.gz >/dev/null || rc=1
  for file in plugins/modules/*.py plugins/lookup/*.py plugins/inventory/*.py plugins/filter/*.py roles/*/; do
    ((rc == 0)) || break
    kind=$(basename "$(dirname "$file")"); name=$(basename "$file" .py)
    case $kind in modules) kind=module ;; roles) kind=role ;; esac
    [ "$name" = __init__ ] && continue
    ANSIBLE_COLLECTIONS_PATH="$tmp/coll" ansible-doc -t "$kind" "winauth.winrm.$name" >/dev/null ||
      { echo "ansible-doc -t $kind winauth.winrm.$name does not render"; rc=1; }
  done
  ((rc == 0)) && ANSIBLE_COLLECTIONS_PATH="$tmp/coll" ansible-doc -l winauth.winrm | grep -q winauth.winrm.winrm_info &&
  tarball_contents "$tmp"/winauth-winrm-*.tar.gz || rc=1
  rm -rf "$tmp"; return $rc
}

tarball_contents() {  # the lab, the benchmark and the dev tooling stay out of the collection artifact
  local bad
  bad=$(tar -tzf "$1" | grep -E '^(extensions/molecule|tests/(lab|benchmark|browser|integration|output)|tests/sanity/offline_get_pip\.py|scripts|requirements-(dev|awx)\.txt|pyproject\.toml|\.(ci|venv|build|lab|ansible|git))')
  [ -z "$bad" ] || { echo "build_ignore (galaxy.yml) lets these into the tarball:"; echo "$bad" | head; return 1; }
}

docsite_lint() {  # the docs site as antsibull-docs builds it: extra docs, links, every plugin's and role's docs
  antsibull-docs lint-collection-docs --plugin-docs "$ROOT/.build/ansible_collections/winauth/winrm"
}

galaxy_import() {  # the built tarball through galaxy-importer, offline (scripts/galaxy-importer.cfg says which checks)
  local tmp rc; tmp=$(mktemp -d)
  ansible-galaxy collection build --force --output-path "$tmp" . >/dev/null || { rm -rf "$tmp"; return 1; }
  (cd "$tmp" && env -u ANSIBLE_COLLECTIONS_PATH -u PYTHONPATH GALAXY_IMPORTER_CONFIG="$ROOT/scripts/galaxy-importer.cfg" \
     python -m galaxy_importer.main "$tmp"/winauth-winrm-*.tar.gz > "$ROOT/.build/galaxy-importer.log" 2>&1)
  rc=$?
  # Its warnings are listed (the flake8 pass also reads plugins/filter/*.yml as Python: E999 there is its own noise).
  grep -E "^(WARNING|ERROR)" "$ROOT/.build/galaxy-importer.log" | head -20
  echo "galaxy-importer ran: $(grep -E '^(run_|check_)[a-z0-9_]+ = True' scripts/galaxy-importer.cfg | cut -d' ' -f1 | tr '\n' ' ')" \
       "(not: $(grep -E '^run_[a-z0-9_]+ = False' scripts/galaxy-importer.cfg | cut -d' ' -f1 | tr '\n' ' '))"
  rm -rf "$tmp"; return $rc
}

molecule_all() {  # every role scenario: create/destroy start and stop a lab of its own (no Docker)
  # Scenarios over the domain lab (spn_validation) reach the members by FQDN: molecule runs in a
  # private mount name space whose /etc/resolv.conf names that lab's DC (<network>.250), as
  # tests/lab/labns.py does. Where that name space cannot exist they are left out, loudly.
  local wrap=() scenarios=(--all) resolv=$ROOT/.build/molecule-resolv.conf net reason
  net=$(sed -n 's|^ *WINAUTH_MOLECULE_NETWORK: *"\{0,1\}\([0-9.]*\)\.0/24.*|\1|p' extensions/molecule/spn_validation/molecule.yml)
  reason=$(python -c 'import sys; sys.path.insert(0, "tests/lab"); import labns; print(labns.unavailable() or "")')
  if [ -z "$reason" ] && [ -n "$net" ]; then
    printf 'nameserver %s.250\nsearch lab.test\n' "$net" > "$resolv"
    # shellcheck disable=SC2016  # "$0" and "$@" are the inner shell's
    wrap=(unshare --mount --propagation private sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$resolv")
  else
    not_run "molecule scenario spn_validation (domain lab): ${reason:-no WINAUTH_MOLECULE_NETWORK in its molecule.yml}"
    scenarios=(--scenario-name credssp_scoped)
  fi
  "${LAB_NETNS[@]}" "${wrap[@]}" molecule test "${scenarios[@]}" > "$ROOT/.build/molecule.log" 2>&1
  local rc=$?
  # (molecule looks for a "default" scenario for shared state first and says CRITICAL when there is none)
  grep -E "^(DETAILS|SCENARIO RECAP)|: (actions|Executed)|CRITICAL|ERROR" "$ROOT/.build/molecule.log" |
    grep -v "default/molecule.yml' glob failed" | tail -25
  return $rc
}

browser() {  # the hardening report page in headless Chromium: renders, counts equal the JSON, a screenshot
  python -m pytest -q -p no:cacheprovider -s tests/browser 2>&1 | tee "$ROOT/.build/browser.log" | grep -E "screenshot|passed|failed|Error" | tail -5
  return "${PIPESTATUS[0]}"
}

# The labs listen on fixed loopback addresses: where it can, pytest runs in a private network
# name space (only lo, no network), so parallel runs and a demo lab on this machine never clash,
# while the rest (pip, ansible-test's venvs) keeps the machine's network.
if unshare -n true 2>/dev/null && command -v ip >/dev/null; then
  LAB_NETNS=(unshare -n -- sh -c 'ip link set lo up && exec "$@"' lab-netns)
else
  LAB_NETNS=()
  echo "!!! pytest runs in this network name space (unshare -n refused): the lab's loopback addresses may clash"
fi

pytest_run() {  # pytest_run LOG PATHS...: the count line ends up as the last line of LOG
  local log=$1; shift
  echo "=== pytest [$LINE]"
  "${LAB_NETNS[@]}" python -m pytest -q -p no:cacheprovider --durations=15 "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  summary+=("$( ((rc == 0)) && echo "ok     " || echo "FAILED ") pytest [$LINE]: $(tail -n 1 "$log")")
  ((rc == 0)) || failed+=("pytest [$LINE]")
}

# The oldest line first, so the newest line's pytest count stays the last line.
use_venv .venv
newest=$LINE
if [[ $newest != "ansible-core $ANSIBLE_NEWEST."* ]]; then
  not_run "ansible-core $ANSIBLE_NEWEST: no Python ${ANSIBLE_PYTHONS[$ANSIBLE_NEWEST]// //} on this machine (Debian 12 has" \
          "none: Debian 13's python3, or pyenv install 3.13); the whole suite runs on $newest instead"
fi
OLDEST_INTEGRATION=(tests/integration/test_it_winrm_info.py tests/integration/test_it_bad_input.py
                    tests/integration/test_it_secrets.py tests/integration/test_it_credssp_scoped.py
                    tests/integration/test_it_spn_validation.py tests/integration/test_it_awx_domain.py
                    tests/integration/test_it_awx_runner.py tests/integration/test_it_awx_packaging.py)
if [[ $newest == "ansible-core $ANSIBLE_OLDEST."* ]]; then
  : # .venv already is the oldest line: the whole suite below covers it
else
  PATH=$ORIG_PATH bash scripts/bootstrap.sh ".venv-$ANSIBLE_OLDEST" "$ANSIBLE_OLDEST"
  case $? in
    0) use_venv ".venv-$ANSIBLE_OLDEST"
       if ((FAST)); then not_run "ansible-test sanity [$LINE] (--fast)"; else step "ansible-test sanity" sanity; fi
       # The oldest line runs every unit test and the integration tests that go through each kind
       # of plugin ansible-core loads (action modules, lookups, inventory, filters, roles, playbooks,
       # ansible-galaxy install, ansible-runner); the protocol-level lab tests (wire, WS-Man, policy
       # round trips, SPN writes...) do not depend on the ansible-core line and run once, below.
       pytest_run .build/pytest-oldest.log tests/unit "${OLDEST_INTEGRATION[@]}" ;;
    3) not_run "ansible-core $ANSIBLE_OLDEST (oldest claimed line): no Python ${ANSIBLE_PYTHONS[$ANSIBLE_OLDEST]// //} on this machine" ;;
    *) echo "bootstrap of .venv-$ANSIBLE_OLDEST failed"; failed+=("bootstrap .venv-$ANSIBLE_OLDEST") ;;
  esac
fi

use_venv .venv
step "metadata" metadata
mapfile -t shell_scripts < <(git ls-files "*.sh")
# Also here: --fast skips sanity, and sanity checks only *.sh files (not .ci/run).
step shellcheck shellcheck -x .ci/run "${shell_scripts[@]}"
step ruff ruff check plugins tests scripts
step mypy mypy_check
if ((FAST)); then
  not_run "ansible-test sanity and units [$LINE] (--fast)"
else
  step "ansible-test sanity" sanity
  if [[ $LINE == "ansible-core 2.19."* ]]; then
    # ansible-test units --venv puts its venv inside the collection tree, where 2.19's collection
    # loader lists no compiled modules, so gssapi fails to import (AttributeError: mic_token);
    # 2.21's loader lists them. Controllers are not affected (site-packages is not in a collection).
    not_run "ansible-test units [$LINE]: 2.19's collection loader breaks gssapi inside ansible-test's venv"
  else
    step "ansible-test units" units
  fi
fi
step "ansible-lint (production)" lint
step "galaxy build + install + ansible-doc" build_install
step "antsibull-docs lint-collection-docs" docsite_lint
step "galaxy-importer (offline)" galaxy_import
step "molecule (extensions/molecule)" molecule_all
if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then
  step "report page in headless Chromium" browser
else
  not_run "the hardening report page test: no chromium on this machine (apt-get install chromium)"
fi
pytest_run .build/pytest.log tests/unit tests/lab/tests tests/integration

echo "=== summary"
printf '%s\n' "${summary[@]}"
for n in "${not_run[@]}"; do echo "!!! NOT RUN: $n"; done
if ((${#failed[@]})); then echo "checks failed: ${failed[*]}"; fi
# CI reads the test count from the last line.
tail -n 1 .build/pytest.log
((${#failed[@]} == 0))
