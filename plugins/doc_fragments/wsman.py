# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """How the WS-Man modules reach a host: through the host's own connection vars."""

    DOCUMENTATION = r"""
options: {}
requirements:
  - pywinrm >= 0.5.0 on the controller (C(pip install 'pywinrm[credssp,kerberos]')).
  - defusedxml >= 0.7.1 on the controller.
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
  - Each run reports C(wsman_round_trips), the number of WS-Management requests it sent.
seealso:
  - name: Windows Remote Management configuration (MS-WSMV)
    description: The WS-Management protocol and the WinRM configuration resources used here.
    link: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-wsmv/
"""
