# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WinRM client's TrustedHosts list: validating entries and planning present / absent / exact.

For internal collection use only; this is not a public API.

TrustedHosts is one comma-separated string on ``config/client`` (``winrm set winrm/config/client
@{TrustedHosts="a,b"}``); WinRM matches entries case-insensitively and accepts ``*`` anywhere
in an entry as a wildcard.
"""

from __future__ import annotations

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import wildcard_entries
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import SettingsError

STATES = ("present", "absent", "exact")


def validate_entries(entries: list[str], adding: bool, allow_wildcard: bool) -> list[str]:
    """Trimmed, de-duplicated entries (case-insensitively, first spelling kept).

    Args:
        entries: the names given.
        adding: whether they are to be added (present / exact); removing a wildcard is always fine.
        allow_wildcard: accept wildcard entries to add.

    Raises:
        SettingsError: an empty entry, one with a comma or white space, or a wildcard to add
            without ``allow_wildcard``.
    """
    cleaned: list[str] = []
    for raw in entries:
        entry = raw.strip()
        if not entry or "," in entry or any(c.isspace() for c in entry):
            raise SettingsError("entries has %r, which is not one host name or address: give one name per list "
                                "item (host.corp.example, 10.0.0.5), no commas or spaces" % raw)
        if entry.lower() not in {c.lower() for c in cleaned}:
            cleaned.append(entry)
    wild = wildcard_entries(cleaned)
    if adding and wild and not allow_wildcard:
        raise SettingsError(
            "entries %s %s a wildcard: the WinRM client then sends NTLM logons, without verifying the server, to "
            "every host the pattern matches, so any of them can relay or crack them. List the hosts by name (or "
            "use HTTPS or Kerberos, which need no TrustedHosts), or pass allow_wildcard: true to accept that risk"
            % (", ".join(repr(w) for w in wild), "is" if len(wild) == 1 else "are"))
    return cleaned


def plan_entries(before: list[str], entries: list[str], state: str) -> list[str]:
    """The list after applying ``entries`` with ``state`` to ``before`` (order kept, case-insensitive)."""
    wanted = {e.lower() for e in entries}
    if state == "exact":
        return list(entries)
    if state == "absent":
        return [e for e in before if e.lower() not in wanted]
    have = {e.lower() for e in before}
    return before + [e for e in entries if e.lower() not in have]
