#!/usr/bin/python
# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: winrm_policy
short_description: Set the WinRM, CredSSP and remote-UAC Group Policy registry values, lockout-safe
version_added: 0.3.0
description:
  - Writes the registry values the WinRM Group Policies set (C(HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM\...)),
    the CredSSP encryption oracle, remote credential guard and remote UAC, through WMI C(StdRegProv) over
    WS-Management - no PowerShell on the host. One typed option per value; an option that is omitted
    is not managed, and O(absent) deletes the values it names (the policy becomes "Not Configured").
  - A WinRM policy value makes the matching C(winrm get winrm/config) value C(Source="GPO") and read-only,
    so M(winauth.winrm.winrm_auth) can no longer change it afterwards.
  - Refuses a value a domain Group Policy object delivers (the host's resultant set of policy), naming the
    GPO - a local change would be undone at the next refresh.
  - Lockout guard - refuses, unless O(force=true), values that would cut this controller's own connection
    (Basic off while it connects with Basic, unencrypted traffic off while it sends unencrypted messages,
    Strict channel binding over HTTP, the auth scheme it uses, AllowAutoConfig off, remote shells off,
    remote UAC on for the local account it uses).
  - Whether the WinRM service of a real Windows host applies a policy value written to the registry at once
    or only after C(gpupdate) / a service restart is not confirmed; re-run M(winauth.winrm.winrm_info) to
    see the effective configuration.
options:
  service_allow_basic:
    description:
      - Service C(AllowBasic) (CIS 18.10.89.2.1, STIG WN22-CC-000500 wants V(false)). Refused without O(force) when
        this controller connects with Basic.
      - Not managed when omitted.
    type: bool
  service_allow_unencrypted:
    description:
      - Service C(AllowUnencryptedTraffic) (CIS 18.10.89.2.3 wants V(false)). Refused without O(force) while this
        connection sends unencrypted messages over HTTP.
      - Not managed when omitted.
    type: bool
  service_allow_credssp:
    description:
      - Service C(AllowCredSSP). V(false) is refused without O(force) when this controller connects with
        CredSSP. Once set, M(winauth.winrm.winrm_credssp) can no longer switch the server role.
      - Not managed when omitted.
    type: bool
  service_allow_kerberos:
    description:
      - Service C(AllowKerberos) (its policy is named "Disallow Kerberos authentication"; V(true) writes 1).
      - Not managed when omitted.
    type: bool
  service_allow_negotiate:
    description:
      - Service C(AllowNegotiate) ("Disallow Negotiate authentication"; V(true) writes 1).
      - Not managed when omitted.
    type: bool
  service_allow_auto_config:
    description:
      - Service C(AllowAutoConfig), "Allow remote server management through WinRM". V(true) makes the service
        listen on HTTP with the two filters (Microsoft's Server 2025 baseline); V(false) (CIS 18.10.89.2.2,
        L2) stops it answering remote requests and is refused without O(force) - use O(absent) to remove the
        policy instead.
      - Not managed when omitted.
    type: bool
  service_ipv4_filter:
    description:
      - The IPv4 filter of C(AllowAutoConfig) (C(*) or address ranges). The value name C(IPv4Filter) is not
        yet confirmed against WindowsRemoteManagement.admx.
      - Not managed when omitted.
    type: str
  service_ipv6_filter:
    description:
      - The IPv6 filter of C(AllowAutoConfig). The value name C(IPv6Filter) is not yet confirmed.
      - Not managed when omitted.
    type: str
  service_disable_run_as:
    description:
      - Service C(DisableRunAs), "Disallow WinRM from storing RunAs credentials" (CIS 18.10.89.2.4 wants V(true)).
      - Not managed when omitted.
    type: bool
  service_cbt_hardening_level:
    description:
      - Service C(CbtHardeningLevel) with C(CBTHardeningLevelStatus=1). V(strict) over plain HTTP, or over a
        connection that sends no channel binding token, is refused without O(force).
      - Not managed when omitted.
    type: str
    choices: [none, relaxed, strict]
  winrs_allow_remote_shell_access:
    description:
      - C(Service\WinRS\AllowRemoteShellAccess) (CIS 18.10.90.1, L2 wants V(false)). V(false) is refused without
        O(force) - Ansible's winrm and psrp connections run every module in a remote shell.
      - Not managed when omitted.
    type: bool
  client_allow_basic:
    description:
      - Client C(AllowBasic) (CIS 18.10.89.1.1, STIG WN22-CC-000470 wants V(false)).
      - Not managed when omitted.
    type: bool
  client_allow_unencrypted:
    description:
      - Client C(AllowUnencryptedTraffic) (CIS 18.10.89.1.2 wants V(false)).
      - Not managed when omitted.
    type: bool
  client_allow_digest:
    description:
      - Client C(AllowDigest) (CIS 18.10.89.1.3 wants V(false)).
      - Not managed when omitted.
    type: bool
  client_allow_credssp:
    description:
      - Client C(AllowCredSSP).
      - Not managed when omitted.
    type: bool
  client_allow_kerberos:
    description:
      - Client C(AllowKerberos).
      - Not managed when omitted.
    type: bool
  client_allow_negotiate:
    description:
      - Client C(AllowNegotiate).
      - Not managed when omitted.
    type: bool
  client_trusted_hosts:
    description:
      - Client C(TrustedHostsList) with C(TrustedHosts=1) - the TrustedHosts list as one comma-separated
        string. The value name C(TrustedHostsList) is not yet confirmed. Prefer
        M(winauth.winrm.winrm_trusted_hosts), which checks for wildcards.
      - Not managed when omitted.
    type: str
  allow_encryption_oracle:
    description:
      - C(AllowEncryptionOracle) under C(...\Policies\System\CredSSP\Parameters) (CVE-2018-0886); CIS 18.9.4.1
        wants V(force_updated_clients).
      - Not managed when omitted.
    type: str
    choices: [force_updated_clients, mitigated, vulnerable]
  allow_protected_creds:
    description:
      - C(AllowProtectedCreds) under C(...\CredentialsDelegation), remote credential guard (CIS 18.9.4.2, STIG
        WN22-CC-000100 wants V(true)).
      - Not managed when omitted.
    type: bool
  local_account_token_filter_policy:
    description:
      - C(LocalAccountTokenFilterPolicy) under C(...\CurrentVersion\Policies\System) (remote UAC; CIS 18.4.1,
        STIG WN22-MS-000020 wants V(false)). V(false) is refused without O(force) when it was V(true) and this
        connection logs on as a local account other than C(Administrator).
      - Not managed when omitted.
    type: bool
  absent:
    description:
      - Options whose policy value is deleted (the policy is then not configured).
      - An option may not be both set and listed here.
    type: list
    elements: str
    default: []
  force:
    description: Apply values the lockout guard refuses (the run may not be able to read back).
    type: bool
    default: false
extends_documentation_fragment:
  - winauth.winrm.wsman
attributes:
  check_mode:
    support: full
    description: Reports what would change and writes nothing.
  diff_mode:
    support: full
    description: Shows each managed option before and after.
seealso:
  - module: winauth.winrm.winrm_auth
  - module: winauth.winrm.winrm_trusted_hosts
  - module: winauth.winrm.winrm_info
author:
  - winauth.winrm contributors (@winauth)
"""

EXAMPLES = r"""
- name: The CIS / STIG WinRM values
  winauth.winrm.winrm_policy:
    client_allow_basic: false
    client_allow_unencrypted: false
    client_allow_digest: false
    service_allow_basic: false
    service_allow_unencrypted: false
    service_disable_run_as: true
    allow_encryption_oracle: force_updated_clients
    allow_protected_creds: true
    local_account_token_filter_policy: false

- name: Hand CredSSP back to local configuration
  winauth.winrm.winrm_policy:
    absent: [service_allow_credssp, client_allow_credssp]
"""

RETURN = r"""
changed:
  description: Whether a value was (or in check mode would be) written or deleted.
  returned: always
  type: bool
changes:
  description: One line per value written or deleted.
  returned: always
  type: list
  elements: str
  sample:
    - "service_allow_basic: (not configured) -> false
      (HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service\\AllowBasic = 0)"
policy:
  description: Every option's configured value after the run (before it, in check mode); null = not configured.
  returned: success
  type: dict
  sample: {service_allow_basic: false, service_cbt_hardening_level: relaxed, allow_encryption_oracle: null}
diff:
  description: The managed options before and after (diff mode).
  returned: changed and diff mode
  type: dict
applied:
  description: When a write stopped part-way, the changes the host has (from a fresh read).
  returned: on a partial write
  type: list
  elements: str
not_applied:
  description: When a write stopped part-way, the changes the host does not have.
  returned: on a partial write
  type: list
  elements: str
wsman_round_trips:
  description: WS-Management requests sent.
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

# One entry per row of plugins/plugin_utils/_winrm/policy.py OPTIONS (a unit test keeps them equal).
ARGUMENT_SPEC = dict(
    service_allow_basic=dict(type="bool"),
    service_allow_unencrypted=dict(type="bool"),
    service_allow_credssp=dict(type="bool"),
    service_allow_kerberos=dict(type="bool"),
    service_allow_negotiate=dict(type="bool"),
    service_allow_auto_config=dict(type="bool"),
    service_ipv4_filter=dict(type="str"),
    service_ipv6_filter=dict(type="str"),
    service_disable_run_as=dict(type="bool"),
    service_cbt_hardening_level=dict(type="str", choices=['none', 'relaxed', 'strict']),
    winrs_allow_remote_shell_access=dict(type="bool"),
    client_allow_basic=dict(type="bool"),
    client_allow_unencrypted=dict(type="bool"),
    client_allow_digest=dict(type="bool"),
    client_allow_credssp=dict(type="bool"),
    client_allow_kerberos=dict(type="bool"),
    client_allow_negotiate=dict(type="bool"),
    client_trusted_hosts=dict(type="str"),
    allow_encryption_oracle=dict(type="str", choices=['force_updated_clients', 'mitigated', 'vulnerable']),
    allow_protected_creds=dict(type="bool"),
    local_account_token_filter_policy=dict(type="bool"),
    absent=dict(type="list", elements="str", default=[]),
    force=dict(type="bool", default=False),
)


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="winauth.winrm.winrm_policy runs on the controller as an action plugin; "
                         "it cannot run as a module on the host")


if __name__ == "__main__":
    main()
