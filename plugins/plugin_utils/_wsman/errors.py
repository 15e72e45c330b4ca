# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exception hierarchy of the WS-Management core.

For internal collection use only; this is not a public API.

Every error carries the operation, the target and a cause phrased for an admin, so an
action plugin can turn it into one clear ``msg`` without a traceback.
"""

from __future__ import annotations

from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError


class WSManError(WinAuthError):
    """Base class: something went wrong talking WS-Management to a host.

    Args:
        message: what happened and, where known, how to fix it.
        target: the endpoint (``https://host:5986/wsman``) or host name.
        operation: the WS-Man operation and resource, e.g. ``Get config/service/auth``.
    """


class SettingsError(WSManError):
    """The host's connection variables are missing, contradictory or unsupported."""


class MissingLibraryError(WSManError):
    """A controller-side Python library is not installed."""


class TransportError(WSManError):
    """The HTTP(S) exchange itself failed (network, TLS, timeout)."""


class UnreachableError(TransportError):
    """No TCP connection could be made."""


class TLSError(TransportError):
    """The TLS handshake or certificate validation failed."""


class WSManTimeoutError(TransportError):
    """The host did not answer in time."""


class DeadlineExceededError(WSManTimeoutError):
    """A WS-Man request did not complete within its overall deadline (see _wsman.wire)."""


class AuthenticationError(WSManError):
    """The host rejected the credentials or the authentication scheme."""


class ProtocolError(WSManError):
    """The host answered with something that is not the expected WS-Man reply."""


class RedirectRefusedError(ProtocolError):
    """The host answered HTTP 3xx; WinRM never redirects, so the redirect was not followed.

    Attributes:
        location: the refused ``Location`` header as received (untrusted text), or None.
    """

    def __init__(self, message: str, target: str | None = None, operation: str | None = None,
                 location: str | None = None) -> None:
        super().__init__(message, target=target, operation=operation)
        self.location = location


class ReplyTooLargeError(ProtocolError):
    """The reply is larger than the MaxEnvelopeSize the request asked for (plus encryption framing)."""


class ParseError(ProtocolError):
    """A reply is not well-formed XML, or not the shape the model of that resource expects."""
