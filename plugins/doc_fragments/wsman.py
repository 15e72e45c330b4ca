# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """How the WS-Man modules reach a host: through the host's own connection vars."""

    DOCUMENTATION = r"""
options: {}
attributes:
  platform:
    support: full
    platforms: windows
    description: Targets Windows hosts through their WinRM service.
requirements:
  - pywinrm >= 0.5.0 on the controller (C(pip install 'pywinrm[credssp,kerberos]')).
notes:
  - This module runs on the controller as an action plugin and talks WS-Management to the host's
    WinRM service directly; no PowerShell runs on the host and nothing is copied to it.
  - It reuses the host's connection settings, so credentials are never given twice. With
    C(ansible_connection=winrm) it reads C(ansible_host), C(ansible_port), C(ansible_user),
    C(ansible_password), C(ansible_winrm_transport), C(ansible_winrm_scheme), C(ansible_winrm_path),
    C(ansible_winrm_server_cert_validation), C(ansible_winrm_ca_trust_path),
    C(ansible_winrm_message_encryption), C(ansible_winrm_kerberos_delegation),
    C(ansible_winrm_kerberos_hostname_override), C(ansible_winrm_service),
    C(ansible_winrm_operation_timeout_sec), C(ansible_winrm_read_timeout_sec) and
    C(ansible_winrm_connection_timeout); with C(ansible_connection=psrp) the matching
    C(ansible_psrp_*) variables.
  - A connection failure (host unreachable, TLS not trusted, credentials rejected) marks the host
    UNREACHABLE, exactly as the winrm connection plugin would.
  - Timeouts. Each WS-Management request must be complete, reply included, within the read timeout
    (C(ansible_winrm_read_timeout_sec), default 30, or C(ansible_psrp_read_timeout)) after it is sent,
    however the host sends its answer; connecting is bounded by the connection timeout before that.
    The host may take up to the operation timeout (C(ansible_winrm_operation_timeout_sec), default 20,
    or C(ansible_psrp_operation_timeout)) before it answers, so the read timeout must be larger.
    C(ansible_winrm_connection_timeout) sets the operation timeout to its value and the read timeout to
    its value + 10, as the winrm connection plugin does. A timeout of C(0) is refused (the winrm
    connection plugin reads C(0) as "not set"; here it is an error, so that a typo never silently
    becomes 30 seconds); leave the variable unset for the default.
  - The host's replies are not trusted. An HTTP redirect is refused (WinRM never redirects) and nothing is
    sent to its target; a reply larger than the 153600-byte MaxEnvelopeSize the request asked for (plus
    room for message encryption), a single value longer than 32 KiB, and a reply that does not answer the
    request (no or another C(a:RelatesTo)) are refused with an error naming what was wrong.
  - Each run reports C(wsman_round_trips), the number of WS-Management requests it sent.
seealso:
  - ref: ansible_collections.winauth.winrm.docsite.guides
    description: The admin guides of winauth.winrm (audit, hardening, Kerberos, the double hop, AWX, troubleshooting).
  - name: Windows Remote Management configuration (MS-WSMV)
    description: The WS-Management protocol and the WinRM configuration resources used here.
    link: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-wsmv/
"""
