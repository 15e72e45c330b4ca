# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors of the Active Directory access core.

For internal collection use only; this is not a public API.
"""

from __future__ import annotations

from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError


class ADError(WinAuthError):
    """Something went wrong talking to Active Directory; the message says what to fix."""


class ADSettingsError(ADError):
    """An option is missing, malformed or contradictory."""


class ADConnectError(ADError):
    """No domain controller could be found or reached (DNS, network, TLS)."""


class ADBindError(ADError):
    """The domain controller refused the credentials or the bind method."""


class ADSearchError(ADError):
    """A search failed (bad filter, bad base, size limits)."""


class ADWriteError(ADError):
    """The DC refused a change (rights, constraint, a value already there); nothing of it was applied.

    Attributes:
        result_code: the LDAP result code of the refusal (RFC 4511), e.g. 50 insufficientAccessRights.
    """

    def __init__(self, message: str, result_code: int = 0) -> None:
        super().__init__(message)
        self.result_code = result_code
