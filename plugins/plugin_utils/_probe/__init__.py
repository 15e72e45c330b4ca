# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""winrm_probe: why a WinRM connection does (not) work, one layer per module.

For internal collection use only; this is not a public API.

``step`` is the result shape, ``run`` the table of steps; ``dns``, ``tcp``, ``http``, ``tls``,
``kerberos``, ``clock`` and ``roundtrip`` each gather one layer's facts (I/O) and judge them
(pure functions, unit-tested without a network).
"""
