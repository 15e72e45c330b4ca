#!/usr/bin/env bash
# Installs everything the demo and the tests need on a fresh Debian 12 or 13 machine (as root,
# or with sudo): Debian packages (Python with venv support, Kerberos headers for gssapi and
# pykerberos, Samba for the lab DC, shellcheck for ansible-test sanity) and a virtualenv with
# requirements-dev.txt and one ansible-core line (the lines are in scripts/ansible_lines.sh).
#   bash scripts/bootstrap.sh             .venv: the newest tested line some Python here supports
#   bash scripts/bootstrap.sh DIR LINE    DIR: ansible-core LINE; exit 3 when no Python here supports it
# Safe to re-run: it installs only what is missing. A venv counts as made only once its completion
# stamp is written (after the last pip install), so a half-made one (no bin/python, no pip, a pip
# install that failed, another Python) is repaired or rebuilt on the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/ansible_lines.sh
source scripts/ansible_lines.sh

APT_PKGS=(python3 python3-venv python3-dev gcc libkrb5-dev krb5-user ca-certificates
          iproute2 util-linux mount openssl git rsync shellcheck
          samba samba-ad-dc samba-ad-provision winbind ldb-tools ldap-utils
          libsasl2-modules-gssapi-mit
          faketime)  # the lab DC with a skewed clock (WINLAB_DC_CLOCK_OFFSET, the clock-skew tests)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "bootstrap: not root and no sudo: as root run apt-get install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Optional: the headless browser that checks the hardening report page (scripts/test.sh step "browser").
# A machine that cannot install it still bootstraps; test.sh then says NOT RUN.
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'install ok installed'; then
  sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo)
  echo "bootstrap: installing Debian package chromium (the report page test)"
  { command -v sudo >/dev/null || [ "$(id -u)" = 0 ]; } &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null ||
    echo "bootstrap: WARNING: chromium could not be installed; scripts/test.sh will not run the report page test" >&2
fi

if (($# == 0)); then
  venv=.venv line=""
  for l in $(printf '%s\n' "${!ANSIBLE_PYTHONS[@]}" | sort -rV); do
    if py=$(find_python "$l"); then line=$l; break; fi
  done
  [ -n "$line" ] || { echo "bootstrap: no Python 3.11+ with venv support found (tried PATH and pyenv)" >&2; exit 1; }
  if [ "$line" != "$ANSIBLE_NEWEST" ]; then
    echo "bootstrap: WARNING: no Python ${ANSIBLE_PYTHONS[$ANSIBLE_NEWEST]// //} for ansible-core $ANSIBLE_NEWEST here;" \
         "$venv gets ansible-core $line" >&2
  fi
else
  venv=$1 line=$2
  [ -n "${ANSIBLE_PYTHONS[$line]:-}" ] || { echo "bootstrap: ansible-core $line is not a tested line" >&2; exit 1; }
  py=$(find_python "$line") || {
    echo "bootstrap: no Python ${ANSIBLE_PYTHONS[$line]// //} (with venv support) for ansible-core $line here" >&2; exit 3; }
fi
exe=${py% *}

stamp=$venv/.bootstrap-complete
reqs=$(cat requirements.txt requirements-dev.txt requirements-awx.txt | sha256sum | cut -d' ' -f1)
pyversion=$("$exe" -c 'import sys; print(sys.version)')
want="ansible-core $line; $exe $pyversion; requirements $reqs"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  if ! "$venv/bin/python" -m pip --version >/dev/null 2>&1 ||
     [ "$("$venv/bin/python" -c 'import sys; print(sys.version)' 2>/dev/null)" != "$pyversion" ]; then
    echo "bootstrap: creating $venv with $exe (Python ${py##* }) for ansible-core $line"
    "$exe" -m venv --clear "$venv"  # --clear: a leftover or symlinked .venv is emptied, not nested into
  fi
  rm -f "$stamp"
  echo "bootstrap: installing Python requirements into $venv (with no wheel cache yet, compiling gssapi/krb5 takes ~2 min)"
  "$venv/bin/python" -m pip install -q --upgrade pip wheel
  "$venv/bin/python" -m pip install -q -r requirements-dev.txt "ansible-core==$line.*"
  echo "$want" > "$stamp"
fi
