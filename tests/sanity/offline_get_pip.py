# Stand-in for the get-pip bootstrap script ansible-test downloads from its own CI file
# server (unreachable here: only package registries are). It does the same job with
# what every CPython ships: ensurepip's bundled wheel, then pip installs the exact
# packages ansible-test asked for from PyPI. ansible-test strips the environment, so
# the CA bundle is passed explicitly (a TLS-inspecting proxy may sit in front of PyPI).
# scripts/test.sh copies this file to ~/.ansible/test/cache/get_pip_<version>.py.
from __future__ import annotations

import ensurepip
import os
import ssl
import subprocess
import sys

if __name__ == "__main__":
    ensurepip.bootstrap(upgrade=True)
    args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    cafile = os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE") or ssl.get_default_verify_paths().cafile
    if cafile and os.path.exists(cafile):
        args = ["--cert", cafile, *args]
    sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *args]))
