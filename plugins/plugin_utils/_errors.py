# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error root of the collection's controller-side code.

For internal collection use only; this is not a public API.

Every error the WS-Man core, the AD core, the Kerberos checks and the XML parser raise is a
:class:`WinAuthError`, so every plugin catches exactly one class and turns it into one clear
message. Each package adds its own branch (``_wsman.errors``, ``_ad.errors``,
``_kerberos.kdc``); this module imports nothing of theirs, so it sits below all of them.
"""

from __future__ import annotations

from typing import ClassVar


class WinAuthError(Exception):
    """Something went wrong; the message says what and, where known, how to fix it.

    Args:
        message: what happened and how to fix it, phrased for an admin.
        target: the endpoint (``https://host:5986/wsman``), DC or host name it happened on.
        operation: what was being done, e.g. ``Get config/service/auth`` or ``LDAP bind``.

    Attributes:
        ERROR_CODE: the numeric code the class stands for (a WSManFault HRESULT, an LDAP
            result code), or None; set by subclasses, as pyspnego's error classes carry theirs.
    """

    ERROR_CODE: ClassVar[int | None] = None

    def __init__(self, message: str, target: str | None = None, operation: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.target = target
        self.operation = operation

    def __str__(self) -> str:
        where = []
        if self.operation:
            where.append(self.operation)
        if self.target:
            where.append("on %s" % self.target)
        return "%s: %s" % (" ".join(where), self.message) if where else self.message
