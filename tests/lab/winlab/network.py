"""Listening sockets: what each host's listener configuration says, really bound.

One acceptor thread watches every listening socket; each accepted connection
gets its own thread (HTTP/1.1 keep-alive, TLS handshake done there, not in
the acceptor). Only loopback addresses are ever bound.
"""

from __future__ import annotations

import ipaddress
import logging
import queue
import selectors
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import certstore
from .hoststate import HostState
from .httpconn import WinRMHandler
from .pki import tls_server_end_point
from .resources.listener import effective_listeners, listening_on

log = logging.getLogger(__name__)

IDLE_TIMEOUT = 120.0  # seconds a keep-alive connection may sit idle
HANDSHAKE_TIMEOUT = 10.0


@dataclass
class Binding:
    """One bound (address, port) of one host, serving one listener entry."""

    manager: NetworkManager
    host: HostState
    address: str
    port: int
    transport: str  # "http" | "https"
    url_prefix: str
    thumbprint: str
    sock: socket.socket
    ssl_context: ssl.SSLContext | None = None
    cbt: bytes | None = None  # tls-server-end-point hash for channel binding
    active: bool = True
    connections: set[socket.socket] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def key(self) -> tuple[str, int, str, str, str]:
        return (self.address, self.port, self.transport, self.url_prefix.lower(), self.thumbprint)


def _check_loopback(address: str) -> None:
    if not ipaddress.ip_address(address).is_loopback:
        raise ValueError(f"refusing to bind non-loopback address {address}")


class NetworkManager:
    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._changes: queue.Queue[tuple[Callable[[], None], threading.Event]] = queue.Queue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._bindings: dict[str, list[Binding]] = {}
        self._sync_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="acceptor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        for bindings in self._bindings.values():
            for binding in bindings:
                self._close(binding)
        self._stop.set()
        self._wake()
        self._thread.join(timeout=5)

    def endpoints(self, host: HostState) -> list[tuple[str, int, str]]:
        return [(b.address, b.port, b.transport) for b in self._bindings.get(host.name, [])]

    # -- configuration -> sockets ---------------------------------------------
    def _desired(self, host: HostState) -> dict[tuple[str, int, str, str, str], dict[str, Any]]:
        desired: dict[tuple[str, int, str, str, str], dict[str, Any]] = {}
        with host.lock:
            for entry in effective_listeners(host):
                if entry.get("Enabled", "true") != "true":
                    continue
                transport = entry["Transport"].lower()
                thumbprint = entry.get("CertificateThumbprint", "") if transport == "https" else ""
                cert = certstore.lookup(host.state, thumbprint) if transport == "https" else None
                if transport == "https" and cert is None:
                    continue  # no usable certificate: HTTP.sys would have no SSL binding
                for address in listening_on(host, entry):
                    key = (address, int(entry["Port"]), transport, entry["URLPrefix"].lower(), thumbprint)
                    desired.setdefault(key, {"url_prefix": entry["URLPrefix"], "cert": cert})
            host.listeners_dirty = False
        return desired

    def sync(self, host: HostState, keep: socket.socket | None = None) -> None:
        """Make the bound sockets of a host match its listener configuration.

        `keep` is the connection of the request that caused the change: it stays open
        so the reply can still go out; its handler closes it afterwards.
        """
        with self._sync_lock:
            desired = self._desired(host)
            current = self._bindings.setdefault(host.name, [])
            for binding in [b for b in current if b.key not in desired]:
                current.remove(binding)
                self._close(binding, keep)
            have = {b.key for b in current}
            for key, info in desired.items():
                if key in have:
                    continue
                try:
                    current.append(self._open(host, key, info))
                except (OSError, ssl.SSLError, ValueError) as e:
                    log.error("%s: cannot listen on %s:%s (%s): %s", host.name, key[0], key[1], key[2], e)

    def _open(self, host: HostState, key: tuple[str, int, str, str, str], info: dict[str, Any]) -> Binding:
        address, port, transport, _prefix, thumbprint = key
        _check_loopback(address)
        ssl_context = None
        cbt = None
        if transport == "https":
            cert = info["cert"]
            ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ssl_context.load_cert_chain(cert["cert_file"], cert["key_file"])
            der = ssl.PEM_cert_to_DER_cert(Path(cert["cert_file"]).read_text(encoding="ascii"))
            cbt = tls_server_end_point(der)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
            sock.listen(128)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        binding = Binding(self, host, address, port, transport, info["url_prefix"], thumbprint, sock, ssl_context, cbt)

        def register() -> None:
            self._selector.register(sock, selectors.EVENT_READ, binding)

        self._apply(register)
        return binding

    def _close(self, binding: Binding, keep: socket.socket | None = None) -> None:
        binding.active = False
        sock = binding.sock

        def unregister() -> None:
            try:
                self._selector.unregister(sock)
            except (KeyError, ValueError):
                pass
            sock.close()

        # Synchronous: the port must be free before a changed listener rebinds it.
        self._apply(unregister)
        with binding.lock:
            for conn in list(binding.connections):
                if conn is keep:
                    continue
                try:
                    conn.shutdown(socket.SHUT_RDWR)  # wakes the idle handler thread, which then exits
                except OSError:
                    pass

    def _apply(self, change: Callable[[], None]) -> None:
        """Run a selector change on the acceptor thread (selectors are not thread-safe) and wait."""
        if not self._thread.is_alive():
            change()
            return
        done = threading.Event()
        self._changes.put((change, done))
        self._wake()
        if not done.wait(timeout=10):
            log.error("acceptor thread did not apply a listener change in time")

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass

    # -- accept loop ----------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            for key, _events in self._selector.select(timeout=1.0):
                binding: Binding | None = key.data
                if binding is None:
                    try:
                        while self._wake_r.recv(4096):
                            pass
                    except BlockingIOError:
                        pass
                    continue
                try:
                    conn, peer = binding.sock.accept()
                except (BlockingIOError, OSError):
                    continue
                threading.Thread(target=self._serve, args=(binding, conn, peer), daemon=True).start()
            while True:
                try:
                    change, done = self._changes.get_nowait()
                except queue.Empty:
                    break
                try:
                    change()
                finally:
                    done.set()

    def _serve(self, binding: Binding, conn: socket.socket, peer: tuple[str, int]) -> None:
        with binding.lock:
            binding.connections.add(conn)
        try:
            conn.setblocking(True)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if binding.ssl_context is not None:
                conn.settimeout(HANDSHAKE_TIMEOUT)
                tls = binding.ssl_context.wrap_socket(conn, server_side=True)
                with binding.lock:
                    binding.connections.discard(conn)
                    binding.connections.add(tls)
                conn = tls
            conn.settimeout(IDLE_TIMEOUT)
            WinRMHandler(conn, peer, binding)  # type: ignore[arg-type]
        except (OSError, ssl.SSLError) as e:  # peer went away or failed TLS: routine for a server
            log.debug("%s: connection from %s ended: %s", binding.host.name, peer[0], e)
        finally:
            with binding.lock:
                binding.connections.discard(conn)
            try:
                conn.close()
            except OSError:
                pass
