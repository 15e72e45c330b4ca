"""Run a command as a client of the lab domain: DNS from the lab DC, Kerberos from its krb5.conf.

    python tests/lab/labns.py --dir .lab-domain -- kinit ansible@LAB.TEST
    python tests/lab/labns.py --dir .lab-domain -- ansible-playbook -i .lab-domain/inventory.yml site.yml

The command runs in a private mount name space (``unshare --mount``, needs root) where
<run dir>/resolv.conf is bind-mounted over /etc/resolv.conf, so host names of the lab
(srv01.lab.test) and SRV records (_ldap._tcp.dc._msdcs.lab.test, _kerberos._udp.lab.test)
resolve through the DC's DNS. The machine's own /etc/resolv.conf and /etc/hosts are never
modified, and the name space ends with the command. Environment added:

    KRB5_CONFIG  <run dir>/krb5.conf (realm, KDC through DNS SRV, rdns = false)
    KRB5CCNAME   FILE:<run dir>/ccache/krb5cc_<uid>, unless already set
    LAB_DIR      the run directory

Stdlib only: importable as a module (``command()``, ``environment()``, ``unavailable()``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

# $0 is the resolv.conf to mount, "$@" the command: nothing from the caller is parsed by the shell.
_SCRIPT = 'mount --bind "$0" /etc/resolv.conf && exec "$@"'


class LabNSError(RuntimeError):
    """The lab name space cannot be entered; the message says why."""


@functools.cache
def unavailable() -> str | None:
    """Why name spaces cannot be used here (None when they can); tries one once per process."""
    if os.geteuid() != 0:
        return "labns needs root (unshare --mount and mount --bind need CAP_SYS_ADMIN)"
    for tool in ("unshare", "mount"):
        if shutil.which(tool) is None:
            return f"labns needs {tool} (package util-linux / mount)"
    try:  # root in a container without CAP_SYS_ADMIN cannot unshare
        probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                               capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unshare --mount failed: {e}"
    if probe.returncode != 0:
        return f"unshare --mount is not permitted here: {probe.stderr.strip()}"
    return None


def domain_of(run_dir: str | Path) -> dict[str, Any]:
    """The `domain` section of <run dir>/hosts.json."""
    path = Path(run_dir).resolve() / "hosts.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise LabNSError(f"no lab in {path.parent} ({e}); start one with labctl.py up") from e
    domain = doc.get("domain")
    if not domain:
        raise LabNSError(f"the lab in {path.parent} has no domain (use --scenario tests/lab/scenarios/domain.yml)")
    return dict(domain)


def environment(run_dir: str | Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a lab client runs with (base defaults to os.environ)."""
    domain = domain_of(run_dir)
    env = dict(os.environ if base is None else base)
    env["KRB5_CONFIG"] = domain["krb5_conf"]
    env.setdefault("KRB5CCNAME", f"FILE:{domain['ccache_dir']}/krb5cc_{os.getuid()}")
    env["LAB_DIR"] = str(Path(run_dir).resolve())
    return env


def command(run_dir: str | Path, *argv: str) -> list[str]:
    """The argv that runs argv inside the lab name space (pass environment(run_dir) as its env)."""
    if not argv:
        raise LabNSError("no command given")
    resolv = domain_of(run_dir)["resolv_conf"]
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", _SCRIPT, resolv, *argv]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=Path(".lab"), help="lab run directory (default .lab)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- command [args...]")
    args = parser.parse_args(argv)
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    try:
        reason = unavailable()
        if reason:
            raise LabNSError(reason)
        full = command(args.dir, *cmd)
        env = environment(args.dir)
    except LabNSError as e:
        print(f"labns: {e}", file=sys.stderr)
        return 2
    os.execvpe(full[0], full, env)


if __name__ == "__main__":
    sys.exit(main())
