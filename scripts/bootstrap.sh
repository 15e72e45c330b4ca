#!/usr/bin/env bash
# Installs everything the demo and the tests need on a fresh Debian 12 machine:
# Debian packages (Kerberos headers for gssapi/pykerberos, Samba for the lab DC)
# and a project virtualenv in .venv with requirements-dev.txt.
# Safe to re-run: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PKGS=(gcc python3-dev libkrb5-dev krb5-user iproute2 openssl git rsync
          samba samba-ad-dc samba-ad-provision winbind ldb-tools ldap-utils
          libsasl2-modules-gssapi-mit)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing Python requirements into .venv (first run compiles gssapi/krb5: ~2 min)"
  .venv/bin/pip install -q --upgrade pip wheel
  .venv/bin/pip install -q -r requirements-dev.txt
  echo "$want" > "$stamp"
fi
