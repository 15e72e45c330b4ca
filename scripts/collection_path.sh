# shellcheck shell=bash
# Sourced by the scripts: makes this checkout importable as ansible_collections.winauth.winrm
# (a symlink under .build) and points Ansible and Python at it.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$ROOT/.build/ansible_collections/winauth"
ln -sfn ../../.. "$ROOT/.build/ansible_collections/winauth/winrm"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.build"
export PYTHONPATH="$ROOT/.build${PYTHONPATH:+:$PYTHONPATH}"
export PATH="$ROOT/.venv/bin:$PATH"
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
