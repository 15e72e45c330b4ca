# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the WS-Man core accepts on the wire: no redirects, one deadline per request, bounded replies.

For internal collection use only; this is not a public API.

pywinrm sends through a ``requests`` session whose auth handlers (NTLM, Kerberos,
CredSSP) re-send on their own through the session's adapter. :class:`GuardedAdapter`
replaces that adapter, so every HTTP exchange — the handshake legs included — passes
three checks before anything else sees the reply:

* **No redirects.** WinRM never answers 3xx. Any 3xx raises
  :class:`RedirectRefusedError` naming the refused ``Location``; nothing (no request,
  no credential, no body) is ever sent to it. The adapter sits below the auth handlers,
  so no handler gets to answer a 3xx either.
* **One deadline per WS-Man request** (:class:`RequestGuard`). A socket timeout bounds
  each read, not their sum: a peer that sends one byte every two seconds never trips it.
  The deadline (``read_timeout``) starts when the request's first HTTP request is on an
  open connection; a timer then shuts the request's sockets down when it passes, which
  wakes the blocked read at once, wherever it is (status line, headers, body, a
  handshake leg). Connecting is bounded before that by the connection timeout.
* **Bounded replies.** A ``Content-Length`` above the limit is refused before the body
  is read at all; a body within it is left for requests, which reads exactly that many
  bytes (after the auth handlers, which need the unread response's socket for channel
  binding). A chunked or unannounced body is read here, in chunks, counting bytes, and
  cut off as soon as it passes the limit. So at most ``max_reply_bytes`` + :data:`CHUNK`
  bytes of a reply are ever held in memory.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.envelope import MAX_ENVELOPE_SIZE
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import (
    DeadlineExceededError,
    ProtocolError,
    RedirectRefusedError,
    ReplyTooLargeError,
    WSManError,
    WSManTimeoutError,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import WSManSettings

try:
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import ProtocolError as _Urllib3ProtocolError
    from urllib3.exceptions import ReadTimeoutError as _Urllib3ReadTimeout
    HAS_REQUESTS = True
except ImportError:  # pragma: no cover - pywinrm (and so requests) missing is reported by the transport
    HAS_REQUESTS = False
    HTTPAdapter = object  # type: ignore[assignment,misc]

# Bytes read from the socket per step while receiving a body.
CHUNK = 64 * 1024
# Seconds the per-read socket timeout runs past the deadline, so that the deadline (with
# its precise message) always ends a wait first.
BACKSTOP = 1.0
# Room for WinRM message encryption around an envelope of MaxEnvelopeSize bytes:
# MS-WSMV 2.2.9.1 multipart framing (~300 bytes per part), the signature/trailer of each
# sealed part and, for CredSSP, one part and one TLS record header per 16 KiB. 1/16 of
# the envelope plus 16 KiB is several times what any of them adds.
ENCRYPTION_MARGIN_FIXED = 16 * 1024


def reply_limit(max_envelope_size: int = MAX_ENVELOPE_SIZE) -> int:
    """Largest HTTP body accepted for a request that asked for ``max_envelope_size`` bytes.

    Windows never sends a reply larger than the ``w:MaxEnvelopeSize`` of the request (it
    faults or ends the enumeration batch instead); the margin covers encryption framing.
    """
    return max_envelope_size + max_envelope_size // 16 + ENCRYPTION_MARGIN_FIXED


def printable(text: str, limit: int = 200) -> str:
    """Untrusted header text made safe to show: control characters escaped, length bounded."""
    shown = text[:limit].encode("unicode_escape").decode("ascii")
    return shown + ("...(%d characters)" % len(text) if len(text) > limit else "")


def _shutdown(sock: Any) -> None:
    """Wake any thread blocked reading ``sock``: shut the socket down (not close it).

    The base-class call works for TLS sockets too and leaves the TLS object alone; the
    reader sees end-of-file and urllib3/requests raise, which the transport reports as
    the deadline having passed.
    """
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, TypeError, ValueError):
        pass  # already closed, or not a real socket


class RequestGuard:
    """The deadline of the one WS-Man request in flight, and the sockets it reads from.

    Args:
        settings: the connection settings; the deadline is ``settings.request_deadline``
            and the error messages name the variables to change.
        max_reply_bytes: largest reply body accepted (see :func:`reply_limit`).
    """

    def __init__(self, settings: WSManSettings, max_reply_bytes: int | None = None) -> None:
        self.settings = settings
        self.max_reply_bytes = max_reply_bytes if max_reply_bytes is not None else reply_limit()
        self.seconds: float = float(settings.request_deadline)
        self.expired = False
        self._ends: float | None = None
        self._timer: threading.Timer | None = None
        self._active = False
        self._status: int | None = None
        self._sockets: list[Any] = []
        self._lock = threading.Lock()

    # -- lifetime of one request ---------------------------------------------------
    def start(self, seconds: float | None = None) -> None:
        """Begin a new request; its deadline runs from the first response it waits for.

        Args:
            seconds: the deadline (default: the settings' ``request_deadline``).
        """
        self.stop()
        if seconds is not None:
            self.seconds = float(seconds)
        self.expired = False
        self._active = True
        self._status = None

    def _arm(self) -> None:
        if self._ends is not None or not self._active:
            return
        self._ends = time.monotonic() + self.seconds
        timer = threading.Timer(self.seconds, self._fire)
        timer.daemon = True  # never keeps a worker process alive
        self._timer = timer
        timer.start()

    def stop(self) -> None:
        """The request is over: disarm the timer and forget its sockets."""
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        with self._lock:
            self._sockets = []
        self._ends = None
        self._active = False

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)

    def watch(self, sock: Any) -> None:
        """Note a socket the request is about to read from (called by the connection).

        Raises:
            DeadlineExceededError: the deadline has already passed.
        """
        self._arm()
        with self._lock:
            if sock is not None and sock not in self._sockets:
                self._sockets.append(sock)
        self.check()

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None when no request is in flight)."""
        return None if self._ends is None else self._ends - time.monotonic()

    def check(self) -> None:
        """Raise when the deadline has passed.

        Raises:
            DeadlineExceededError: naming the deadline and the variable to raise.
        """
        left = self.remaining()
        if self.expired or (left is not None and left <= 0):
            self.expired = True
            raise self.deadline_error()

    def cap(self, timeout: Any) -> Any:
        """The requests timeout for one send: the connect part as given, the read part a backstop.

        The deadline (= the read timeout) ends every wait by itself, with a message that says
        how far the reply got; the per-read socket timeout is the time left plus
        :data:`BACKSTOP` seconds, so it never races the deadline and only matters if the
        deadline's timer could not run.
        """
        if isinstance(timeout, tuple) and len(timeout) == 2:
            connect, read = timeout
        elif isinstance(timeout, (int, float)):
            connect, read = timeout, timeout
        else:
            return timeout
        read = self.seconds if read is None else float(read)
        left = self.remaining()
        if left is not None:
            read = min(read, max(left, 0.0))
        return (connect, read + BACKSTOP)

    def note_status(self, status: int) -> None:
        """The status line and headers of a response have arrived (for the deadline's message)."""
        self._status = status

    # -- messages ------------------------------------------------------------------------
    def deadline_error(self) -> DeadlineExceededError:
        s = self.settings
        read_var = s.variable("read_timeout")
        got = ("it had sent its headers (HTTP %d) but not the whole body" % self._status if self._status
               else "it had not sent (all of) the status line and headers of its answer")
        return DeadlineExceededError(
            "no complete reply within the request deadline of %g s (%s) after sending the request: %s. The "
            "connection was made, so the host is not unreachable: it is stalled, hostile, or merely slow — raise "
            "%s if it is slow" % (self.seconds, read_var, got, read_var),
            target=s.endpoint,
        )

    def redirect_error(self, status: int, location: str | None) -> RedirectRefusedError:
        shown = printable(location) if location else "(no Location header)"
        return RedirectRefusedError(
            "the host answered HTTP %d redirecting to %s; WinRM never redirects, so nothing was sent there "
            "(no request, no credential, no change): point %s at the Windows host itself, or remove what answers "
            "in its place (a proxy, load balancer or another web server on port %d)"
            % (status, shown, self.settings.variable("host"), self.settings.port),
            target=self.settings.endpoint,
            location=location,
        )

    def _too_large(self, size: int, announced: bool) -> ReplyTooLargeError:
        limit = self.max_reply_bytes
        how = "announced a reply of %d bytes (Content-Length)" % size if announced else "sent more than that"
        return ReplyTooLargeError(
            "the reply is larger than the %d bytes this client accepts (the MaxEnvelopeSize of %d it asked for "
            "plus room for message encryption): the host %s; refused %s. Windows never exceeds the "
            "MaxEnvelopeSize of the request, so something other than the WinRM service answered"
            % (limit, MAX_ENVELOPE_SIZE, how, "before reading it" if announced else "without reading the rest"),
            target=self.settings.endpoint,
        )

    # -- the body ----------------------------------------------------------------------------
    def read_body(self, response: Any) -> None:
        """Read a streamed ``requests.Response`` body within the size limit and the deadline.

        Afterwards ``response.content`` holds the body, as if requests had read it.

        Raises:
            ReplyTooLargeError: announced or sent more than ``max_reply_bytes``.
            DeadlineExceededError: the deadline passed while the body was arriving.
            WSManTimeoutError: the body stalled for a whole read timeout.
            ProtocolError: the body was compressed or cut short.
        """
        headers = response.headers
        encoding = (headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise ProtocolError(
                "the reply is compressed (Content-Encoding: %s) although the request asked for none; WinRM never "
                "compresses, so something other than the WinRM service answered" % printable(encoding, 40),
                target=self.settings.endpoint,
            )
        length = (headers.get("Content-Length") or "").strip()
        announced = int(length) if length.isdigit() else None
        if announced is not None:
            if announced > self.max_reply_bytes:
                raise self._too_large(announced, announced=True)
            # requests reads exactly this many bytes; requests_ntlm/requests_kerberos first take
            # the TLS certificate for channel binding from the unread response's socket.
            return
        chunks: list[bytes] = []
        total = 0
        try:
            while True:
                chunk = response.raw.read(CHUNK, decode_content=False)
                if not chunk:
                    break
                total += len(chunk)
                if total > self.max_reply_bytes:
                    raise self._too_large(total, announced=False)
                chunks.append(chunk)
                self.check()
        except WSManError:
            raise
        except _Urllib3ReadTimeout:
            self.check()
            raise self.stall_error("%d bytes" % total) from None
        except (_Urllib3ProtocolError, OSError) as e:
            self.check()
            raise self.truncated_error("%d bytes" % total, type(e).__name__) from None
        # What requests itself does once it has read a body (Response.content).
        response._content = b"".join(chunks)
        response._content_consumed = True

    def stall_error(self, received: str = "part") -> WSManTimeoutError:
        """The body stopped arriving for a whole read timeout (the connection itself was fine)."""
        read_var = self.settings.variable("read_timeout")
        return WSManTimeoutError(
            "the host sent the reply's headers but then stopped: nothing more of its body within the %d s read "
            "timeout, after %s of it. The connection was made, so this is a stalled host or network, not an "
            "unreachable one; raise %s if the host is merely slow" % (self.settings.read_timeout, received, read_var),
            target=self.settings.endpoint,
        )

    def truncated_error(self, received: str = "part", cause: str = "") -> ProtocolError:
        """The connection closed before the body was complete."""
        return ProtocolError(
            "the host closed the connection after %s of its reply (a truncated reply%s); retry, and if it persists "
            "check the WinRM service and anything between it and the controller"
            % (received, ": " + printable(cause, 60) if cause else ""),
            target=self.settings.endpoint,
        )


class _WatchedConnection:
    """Mixed into urllib3's connection class: registers the socket of each response it reads."""

    _wsman_guard: RequestGuard
    sock: Any

    def getresponse(self) -> Any:
        self._wsman_guard.watch(self.sock)
        response = super().getresponse()  # type: ignore[misc]
        self._wsman_guard.note_status(response.status)
        return response


def _watch_pool(pool: Any, guard: RequestGuard) -> Any:
    """Make the pool's new connections register their sockets with ``guard``."""
    base = getattr(pool, "ConnectionCls", None)
    if base is not None and not issubclass(base, _WatchedConnection):
        pool.ConnectionCls = type("Watched" + base.__name__, (_WatchedConnection, base), {"_wsman_guard": guard})
    return pool


class GuardedAdapter(HTTPAdapter):  # type: ignore[misc]
    """The session's only adapter: refuses redirects, enforces the deadline, bounds the body.

    Args:
        guard: the transport's :class:`RequestGuard`.
    """

    def __init__(self, guard: RequestGuard) -> None:
        super().__init__()
        self.guard = guard

    def get_connection_with_tls_context(self, *args: Any, **kwargs: Any) -> Any:
        return _watch_pool(super().get_connection_with_tls_context(*args, **kwargs), self.guard)

    def get_connection(self, *args: Any, **kwargs: Any) -> Any:  # requests < 2.32.2
        return _watch_pool(super().get_connection(*args, **kwargs), self.guard)

    def send(self, request: Any, stream: bool = False, timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Any = None) -> Any:
        guard = self.guard
        guard.check()
        try:
            response = super().send(request, stream=True, timeout=guard.cap(timeout), verify=verify, cert=cert,
                                    proxies=proxies)
        except WSManError:
            raise
        except Exception:
            guard.check()  # the deadline shut the socket down: say that, not "connection reset"
            raise
        try:
            if 300 <= response.status_code < 400:
                raise guard.redirect_error(response.status_code, response.headers.get("Location"))
            guard.read_body(response)
        except BaseException:
            response.close()
            raise
        return response


def install(session: Any, guard: RequestGuard) -> None:
    """Put the guard under every send of a requests session (idempotent).

    Args:
        session: the ``requests.Session`` pywinrm built.
        guard: the transport's :class:`RequestGuard`.
    """
    if getattr(session, "_wsman_guarded", False):
        return
    adapter = GuardedAdapter(guard)
    for prefix in ("http://", "https://"):
        old = session.adapters.get(prefix)
        session.mount(prefix, adapter)
        if old is not None and old is not adapter:
            old.close()
    # Belt and braces: requests' own redirect following is off as well.
    session.max_redirects = 0
    # WinRM never compresses; asking for identity keeps a hostile peer from sending a
    # small compressed body that expands past the size limit.
    session.headers["Accept-Encoding"] = "identity"
    session.trust_env = False
    session._wsman_guarded = True
