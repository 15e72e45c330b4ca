"""The lab's Samba AD domain controller as a process: provision, configure, start, wait, stop.

Everything lives in ``<run dir>/dc`` (database, sockets, pid files, logs); the DC binds
only its own loopback address (``interfaces = <address>/8``, ``bind interfaces only``),
so several labs can run side by side and nothing touches the machine's network set-up.
Started as ``samba -F --no-process-group`` in its own session: ``stop`` signals that
process group, identified by the pid file and checked against /proc before any signal.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .domainspec import DomainSpec

SAMBA_PYTHON = os.environ.get("LAB_SAMBA_PYTHON", "/usr/bin/python3")  # the Python with Samba's bindings
SETUP_SCRIPT = Path(__file__).resolve().parent / "samba_setup.py"
PROVISION_DATA = Path("/usr/share/samba/setup")  # from the samba-ad-provision package
INSTALL_HINT = ("install the Samba AD DC packages: apt-get install samba samba-ad-dc samba-ad-provision winbind "
                "krb5-user ldb-tools ldap-utils (scripts/bootstrap.sh does this)")

# What the DC serves: DNS, Kerberos, RPC endpoint mapper, LDAP, kpasswd, LDAPS, global catalog.
TCP_PORTS = {53: "DNS", 88: "Kerberos", 135: "RPC", 389: "LDAP", 464: "kpasswd", 636: "LDAPS",
             3268: "GC", 3269: "GC over TLS"}
UDP_PORTS = {53: "DNS", 88: "Kerberos", 389: "CLDAP", 464: "kpasswd"}
READY_PORTS = (53, 88, 389, 636)
# Services a lab DC needs: no NetBIOS (its broadcast sockets would collide between labs),
# no file server, no replication, no dynamic DNS updates (the lab writes its records).
SERVER_SERVICES = "-nbt -ntp_signd -s3fs -winbindd -dnsupdate -kcc -drepl"


class DCError(RuntimeError):
    """The domain controller cannot be provisioned or started; the message says why and what to do."""


@dataclass(frozen=True)
class DCLayout:
    """Paths of one lab DC inside a run directory."""

    run_dir: Path

    @property
    def root(self) -> Path:
        return self.run_dir / "dc"

    @property
    def smb_conf(self) -> Path:
        return self.root / "etc" / "smb.conf"

    @property
    def log_dir(self) -> Path:
        return self.root / "log"

    @property
    def stdout_log(self) -> Path:
        return self.log_dir / "samba.log"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "dc.pid"

    @property
    def sam_ldb(self) -> Path:
        return self.root / "private" / "sam.ldb"


def layout(run_dir: Path) -> DCLayout:
    return DCLayout(run_dir.resolve())


# -- preflight -------------------------------------------------------------------
def _port_user(address: str, port: int, kind: int) -> str | None:
    """None if (address, port) can be bound, else why not."""
    sock = socket.socket(socket.AF_INET, kind)
    try:
        # SO_REUSEADDR as Samba sets it: only a live listener (or UDP socket) counts, not TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        if kind == socket.SOCK_STREAM:
            sock.listen(1)
    except OSError as e:
        return e.strerror or str(e)
    finally:
        sock.close()
    return None


def preflight(address: str) -> None:
    """Fail before touching anything when the DC could not run here."""
    if os.geteuid() != 0:
        raise DCError("the domain lab needs root: Samba AD runs as root and binds ports 53, 88 and 389")
    for tool in ("samba", "samba-tool"):
        if shutil.which(tool) is None:
            raise DCError(f"{tool} not found: {INSTALL_HINT}")
    if not PROVISION_DATA.is_dir():
        raise DCError(f"{PROVISION_DATA} missing (package samba-ad-provision): {INSTALL_HINT}")
    if not Path(SAMBA_PYTHON).exists():
        raise DCError(f"{SAMBA_PYTHON} (the Python with Samba's bindings) not found: {INSTALL_HINT}")
    busy = []
    for ports, kind, proto in ((TCP_PORTS, socket.SOCK_STREAM, "tcp"), (UDP_PORTS, socket.SOCK_DGRAM, "udp")):
        for port, service in ports.items():
            why = _port_user(address, port, kind)
            if why is not None:
                busy.append(f"{proto}/{port} ({service}): {why}")
    if busy:
        raise DCError(f"the DC address {address} has ports in use -- another lab DC or a local DNS/KDC/LDAP "
                      f"server? Stop it or choose another lab network (--network). Busy: {'; '.join(busy)}")


# -- provisioning ------------------------------------------------------------------
def provision(domain: DomainSpec, lay: DCLayout) -> None:
    """`samba-tool domain provision` into <run dir>/dc (about 3 s)."""
    shutil.rmtree(lay.root, ignore_errors=True)
    lay.log_dir.mkdir(parents=True)
    empty = lay.root / "provision-base.conf"
    empty.write_text("", encoding="utf-8")  # never inherit /etc/samba/smb.conf
    cmd = [
        "samba-tool", "domain", "provision", "-s", str(empty),
        f"--realm={domain.realm}", f"--domain={domain.netbios}", "--server-role=dc",
        "--dns-backend=SAMBA_INTERNAL", f"--adminpass={domain.admin_password}",
        f"--host-name={domain.dc_name}", f"--host-ip={domain.dc_address}", f"--targetdir={lay.root}",
        f"--option=interfaces={domain.dc_address}/8", "--option=bind interfaces only=yes",
        "--option=dns forwarder=",
    ]
    log = lay.log_dir / "provision.log"
    with open(log, "wb") as out:
        result = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                timeout=300, check=False, env=_samba_env())
    if result.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise DCError(f"samba-tool domain provision failed (exit {result.returncode}); {log}:\n{tail}")


def write_smb_conf(domain: DomainSpec, lay: DCLayout, cert: Path, key: Path, ca: Path) -> None:
    """Replace the provisioned smb.conf with one that keeps every path inside the run directory."""
    root = lay.root
    run = root / "run"
    for sub in ("run", "run/ncalrpc", "cache", "state"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    text = f"""# Generated by tests/lab/labctl.py up -- lab domain controller {domain.dc_fqdn}
[global]
\tnetbios name = {domain.dc_name.upper()}
\trealm = {domain.realm}
\tworkgroup = {domain.netbios}
\tserver role = active directory domain controller
\tinterfaces = {domain.dc_address}/8
\tbind interfaces only = yes
\tdisable netbios = yes
\tserver services = {SERVER_SERVICES}
\tdns forwarder =
\tbinddns dir = {root}/bind-dns
\tcache directory = {root}/cache
\tlock directory = {root}
\tprivate dir = {root}/private
\tstate directory = {root}/state
\tpid directory = {run}
\tncalrpc dir = {run}/ncalrpc
\twinbindd socket directory = {run}/winbindd
\tntp signd socket directory = {run}/ntp_signd
\tlog file = {lay.log_dir}/log.%m
\tlogging = file
\tload printers = no
\tprintcap name = /dev/null
\tdisable spoolss = yes
\t# Like a Windows DC: SASL binds (GSSAPI, GSS-SPNEGO) without sign/seal over LDAPS/StartTLS;
\t# Samba's default "yes" refuses SASL over TLS altogether (and sign/seal inside TLS).
\tldap server require strong auth = allow_sasl_over_tls
\ttls enabled = yes
\ttls certfile = {cert}
\ttls keyfile = {key}
\ttls cafile = {ca}
[sysvol]
\tpath = {root}/state/sysvol
\tread only = no
[netlogon]
\tpath = {root}/state/sysvol/{domain.dns_domain}/scripts
\tread only = no
"""
    lay.smb_conf.write_text(text, encoding="utf-8")


def populate(lay: DCLayout, plan: dict[str, Any]) -> dict[str, Any]:
    """Accounts, SPNs, delegation, DNS records and keytabs, offline in sam.ldb (samba_setup.py)."""
    plan = {**plan, "smb_conf": str(lay.smb_conf)}
    log = lay.log_dir / "setup.log"
    with open(log, "wb") as err:
        result = subprocess.run([SAMBA_PYTHON, str(SETUP_SCRIPT)], input=json.dumps(plan).encode(),
                                stdout=subprocess.PIPE, stderr=err, timeout=300, check=False, env=_samba_env())
    if result.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise DCError(f"creating the lab accounts failed (exit {result.returncode}); {log}:\n{tail}")
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


# -- process -----------------------------------------------------------------------
def _samba_env() -> dict[str, str]:
    """The caller's environment without Kerberos/Python overrides meant for lab clients."""
    drop = ("KRB5_CONFIG", "KRB5CCNAME", "KRB5_KTNAME", "KRB5RCACHEDIR", "PYTHONPATH", "PYTHONHOME",
            "VIRTUAL_ENV", "NTLM_USER_FILE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    if os.environ.get("VIRTUAL_ENV"):  # keep the venv's python off PATH: samba-tool must find Samba's
        venv_bin = os.path.join(os.environ["VIRTUAL_ENV"], "bin")
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return env


# Fault injection for tests: WINLAB_DC_CLOCK_OFFSET="+10m" runs the DC under libfaketime
# (Debian's faketime), so its KDC answers from a clock 10 minutes ahead -- a real skew, as a DC
# whose time drifted. Windows DCs never do this on purpose; only the skew tests set it.
CLOCK_OFFSET_ENV = "WINLAB_DC_CLOCK_OFFSET"


def start(lay: DCLayout) -> int:
    """Start `samba` in the background (own session); returns its pid, recorded in <run dir>/dc.pid."""
    offset = os.environ.get(CLOCK_OFFSET_ENV)
    if offset and shutil.which("faketime") is None:
        raise DCError(f"{CLOCK_OFFSET_ENV} needs faketime: apt-get install faketime")
    skew = ["faketime", "-f", offset] if offset else []
    with open(lay.stdout_log, "ab") as log:
        proc = subprocess.Popen(
            [*skew, "samba", "-s", str(lay.smb_conf), "-F", "--no-process-group", "--debug-stdout", "-d1"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            close_fds=True, env=_samba_env(),
        )
    lay.pid_file.write_text(f"{proc.pid}\n", encoding="ascii")
    return proc.pid


def accepts(address: str, port: int) -> bool:
    """Whether a TCP connection to address:port succeeds within half a second."""
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (our own child that exited) is not alive
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def wait_ready(lay: DCLayout, pid: int, address: str, timeout: float = 60.0) -> None:
    """Until DNS, Kerberos, LDAP and LDAPS accept connections on the DC address."""
    deadline = time.monotonic() + timeout
    pending = list(READY_PORTS)
    while pending:
        if not alive(pid):
            raise DCError(f"samba exited during start-up; {lay.stdout_log}:\n{_tail(lay.stdout_log)}")
        pending = [p for p in pending if not accepts(address, p)]
        if not pending:
            return
        if time.monotonic() > deadline:
            names = ", ".join(f"{p} ({TCP_PORTS[p]})" for p in pending)
            raise DCError(f"samba did not open {names} on {address} within {timeout:.0f} s; "
                          f"{lay.stdout_log}:\n{_tail(lay.stdout_log)}")
        time.sleep(0.05)


def _tail(path: Path, size: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-size:]
    except OSError:
        return "(no log)"


def running_pid(lay: DCLayout) -> int | None:
    """The pid of this run directory's samba, if it is alive and really ours.

    Samba rewrites its command line ("samba: root process"), so the check is its
    executable plus its standard output, which start() pointed at this lab's log.
    """
    try:
        pid = int(lay.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        exe = os.path.basename(os.readlink(f"/proc/{pid}/exe"))
        stdout = os.readlink(f"/proc/{pid}/fd/1")
    except OSError:
        return None
    # faketime (WINLAB_DC_CLOCK_OFFSET) forks samba and stays the group leader start() recorded.
    ours = exe in ("samba", "faketime") and stdout == str(lay.stdout_log)
    return pid if ours and alive(pid) else None


def stop(lay: DCLayout, timeout: float = 10.0) -> int | None:
    """Stop this run directory's samba (the whole process group it leads); returns its pid if it ran."""
    pid = running_pid(lay)
    lay.pid_file.unlink(missing_ok=True)
    if pid is None:
        return None
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)  # start_new_session made samba the leader of its own group
        except ProcessLookupError:
            return pid
        except PermissionError as e:
            raise DCError(f"cannot stop samba (pid {pid}): {e}") from e
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _group_alive(pid):
                return pid
            time.sleep(0.05)
    return pid


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except OSError as e:
        return e.errno == errno.EPERM
    # Zombies of the group still count for killpg; look for a live member.
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False
