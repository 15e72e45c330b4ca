"""A TCP port that drops connection attempts, like a firewall DROP rule, without a firewall.

Linux drops an incoming SYN when the listening socket's accept queue is full (net/ipv4
tcp_conn_request: ``sk_acceptq_is_full`` -> drop), so a listener with ``listen(0)`` whose one
queue slot is taken by a connection nobody accepts makes every further connect time out -
the client sees exactly what a filtered port looks like (no RST, no ICMP). Needs no root and
no iptables, which a private network name space (unshare -n) may not have.

A refused port needs nothing: an address/port nobody listens on answers with a reset.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def filtered_port(address: str, port: int) -> Iterator[tuple[str, int]]:
    """Hold ``address:port`` so connection attempts to it get no answer until the block ends."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[socket.socket] = []
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((address, port))
        listener.listen(0)
        for _filler in range(2):  # listen(0) still queues one; the second proves the queue is full
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            try:
                filler.connect((address, port))
            except BlockingIOError:
                pass
            fillers.append(filler)
        time.sleep(0.05)  # let the first handshake land in the accept queue
        yield address, port
    finally:
        for s in fillers:
            s.close()
        listener.close()
