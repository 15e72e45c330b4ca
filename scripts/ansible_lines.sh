# shellcheck shell=bash
# Sourced by bootstrap.sh and test.sh: the ansible-core lines this collection is tested on and
# the controller Pythons each line supports (ansible-core's support matrix). ANSIBLE_OLDEST is
# what meta/runtime.yml requires_ansible claims (test.sh checks that they agree).
# shellcheck disable=SC2034  # used by the scripts that source this file
ANSIBLE_NEWEST=2.21
ANSIBLE_OLDEST=2.19
# shellcheck disable=SC2034
declare -A ANSIBLE_PYTHONS=([2.19]="3.11 3.12 3.13" [2.20]="3.12 3.13 3.14" [2.21]="3.12 3.13 3.14")

# find_python LINE: prints "<executable> <major.minor>" of the first Python on this machine that
# LINE supports and that can build a venv (Debian: python3-venv); returns 1 when there is none.
# Searched: $PYTHON, python3, python3.X on PATH, /usr/bin/python3*, pyenv's versions.
find_python() {
  local want=" ${ANSIBLE_PYTHONS[$1]} " c out
  local -a candidates=(python3 python3.14 python3.13 python3.12 python3.11)
  [ -n "${PYTHON:-}" ] && candidates=("$PYTHON" "${candidates[@]}")
  shopt -s nullglob
  candidates+=(/usr/bin/python3.1[0-9] "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.*/bin/python3)
  shopt -u nullglob
  for c in "${candidates[@]}"; do
    # The real base interpreter: a pyenv shim, a python3 -> python3.X link or an active venv's
    # python all name the same one, so the completion stamp does not depend on the way it was found.
    out=$("$c" -c 'import ensurepip, os, sys, venv
print(os.path.realpath(getattr(sys, "_base_executable", sys.executable)), "%d.%d" % sys.version_info[:2])' \
          2>/dev/null) || continue
    if [[ $want == *" ${out##* } "* ]]; then echo "$out"; return 0; fi
  done
  return 1
}
