#!/usr/bin/python
# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: winrm_info
short_description: Audit the WinRM authentication posture of a Windows host
version_added: 0.1.0
description:
  - Reads every WinRM authentication setting of the host over WS-Management (service and client
    auth schemes, AllowUnencrypted, CbtHardeningLevel, TrustedHosts, listeners, the CredSSP
    delegation policy, domain membership) and which of them Group Policy controls.
  - Judges them with the collection's rules and returns a list of findings, each with the reason and
    the fix, plus the posture as the C(winauth_winrm) fact so the AWX/Tower fact cache keeps it.
  - With O(fail_on) it doubles as an ad-hoc compliance check that fails exactly the hosts with a
    finding at or above that severity.
  - Every HTTPS listener reports the certificate it names in C(LocalMachine\My) (subject, SAN, issuer,
    validity, days to expiry, self-signed, whether it carries a name the play uses for the host), read
    from the store's registry value through C(StdRegProv) - Windows has no WS-Management or WMI class for
    the certificate store.
  - Typically four WS-Management round trips per host, plus one per HTTPS listener (its certificate); a
    CredSSP delegation policy adds one per policy value.
options:
  fail_on:
    description:
      - Fail the task when a finding has this severity or a higher one.
      - C(none) never fails on findings; C(info) findings (values set by Group Policy) never fail.
    type: str
    choices: [none, low, medium, high]
    default: none
  credssp_scope:
    description:
      - The CredSSP scope the play intends; hosts outside it get C(...-OUT-OF-SCOPE) findings, delegation
        targets that are not declared jump hosts get C(WINRM-CLI-CREDSSP-UNDECLARED-TARGET).
      - Names are inventory host names; each one's C(ansible_host) counts as the same host.
      - Without it those findings are not produced. Delegation targets the inventory does not know are
        reported either way (C(WINRM-CLI-CREDSSP-UNKNOWN-TARGET)).
    type: dict
    suboptions:
      jump_hosts:
        description: Hosts that may hold the CredSSP server role (the intermediates of a double hop).
        type: list
        elements: str
      clients:
        description: Hosts that may start CredSSP sessions (delegate), to the jump hosts only.
        type: list
        elements: str
  profile:
    description:
      - Also judge the host against every hardening control of this profile and return RV(compliance).
      - C(baseline) - the CIS / STIG / Microsoft Server 2025 WinRM items (where they disagree, on
        AllowAutoConfig, each control says which one it follows) plus the collection's own (channel binding,
        TrustedHosts wildcards, RootSDDL, an HTTPS listener). C(strict) adds HTTPS-only listeners, Strict
        channel binding, an empty TrustedHosts, CredSSP only on declared jump hosts and no remote shells.
      - Reading the policy values costs three more WS-Management requests (a Get per value configured on top;
        on a domain member with policy values, the RSoP Enumerate that tells a GPO-delivered value from a local
        one). Without it the plain audit stays at four, and the findings that need those values are not produced.
    type: str
    choices: [baseline, strict]
extends_documentation_fragment:
  - winauth.winrm.wsman
attributes:
  check_mode:
    support: full
    description: Only reads; behaves the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
author:
  - winauth.winrm contributors (@winauth)
"""

EXAMPLES = r"""
- name: Audit WinRM authentication on every Windows host
  winauth.winrm.winrm_info:
  register: winrm_audit

- name: Show the high-severity findings
  ansible.builtin.debug:
    msg: "{{ winrm_audit.findings | selectattr('severity', 'equalto', 'high') | list }}"

- name: Compliance gate in a pipeline - fail hosts with a high finding
  winauth.winrm.winrm_info:
    fail_on: high

# Ad hoc:  ansible windows -m winauth.winrm.winrm_info -a fail_on=high
"""

RETURN = r"""
ansible_facts:
  description: Facts set on the host.
  returned: success
  type: dict
  contains:
    winauth_winrm:
      description: The WinRM authentication posture.
      type: dict
      sample:
        service:
          allow_unencrypted: false
          auth: {basic: false, kerberos: true, negotiate: true, certificate: false, credssp: false,
                 cbt_hardening_level: Relaxed}
          root_sddl: "O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"
        client:
          allow_unencrypted: false
          trusted_hosts: ""
          trusted_hosts_list: []
          auth: {basic: true, digest: true, kerberos: true, negotiate: true, certificate: true, credssp: false}
        winrs: {allow_remote_shell_access: true}
        listeners:
          - {address: "*", transport: HTTP, port: 5985, hostname: "", enabled: true, url_prefix: wsman,
             certificate_thumbprint: "", listening_on: ["10.0.0.5"], source: local, certificate: null}
          - {address: "*", transport: HTTPS, port: 5986, hostname: win01.lab.test, enabled: true, url_prefix: wsman,
             certificate_thumbprint: 2BD142A7D13196269264AD6BE0F8EC8DA172FF9E, listening_on: ["10.0.0.5"],
             source: local, certificate: {thumbprint: 2BD142A7D13196269264AD6BE0F8EC8DA172FF9E, found: true,
             subject: CN=win01.lab.test, san: [win01.lab.test, win01], issuer: CN=Lab Issuing CA, self_signed: false,
             not_before: "2026-01-01T00:00:00Z", not_after: "2027-01-01T00:00:00Z", days_to_expiry: 31,
             server_auth: true, has_private_key: true, name_matches: true, store: LocalMachine\My}}
        credential_delegation: {configured: false, lists: {}, flags: {}}
        computer: {name: WIN01, dns_host_name: win01, domain: lab.test, part_of_domain: true, workgroup: ""}
        gpo_controlled:
          service.auth.basic: HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM\Service\AllowBasic
findings:
  description: What is wrong or notable, highest severity first.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Stable rule id, for example C(WINRM-SVC-BASIC).
      type: str
    severity:
      description: One of C(info), C(low), C(medium) or C(high).
      type: str
    host:
      description: Inventory host name.
      type: str
    setting:
      description: The setting judged, for example C(service.auth.basic).
      type: str
    value:
      description: Its current value.
      type: raw
    why:
      description: Why it matters.
      type: str
    fix:
      description: What to run or change.
      type: str
    refs:
      description: Baseline references (CIS and STIG ids).
      type: list
      elements: str
    source:
      description: C(gpo) when Group Policy sets the value, else C(local).
      type: str
  sample:
    - id: WINRM-SVC-BASIC
      severity: high
      host: win01
      setting: service.auth.basic
      value: true
      why: Basic sends the account password with every request...
      fix: "winauth.winrm.winrm_auth: {service: {basic: false}}"
      refs: [CIS 18.10.89.2.1, STIG WN22-CC-000500]
      source: local
compliance:
  description: With O(profile), one row per control of the profile, in the order of the controls table.
  returned: when O(profile) is set
  type: list
  elements: dict
  contains:
    control: {description: "The control id, for example C(WINRM-SVC-BASIC).", type: str}
    title: {description: "What the control wants, in words.", type: str}
    setting: {description: The registry value or WS-Man leaf judged., type: str}
    want: {description: The wanted value under this profile (null = not configured)., type: raw}
    actual: {description: The effective value on the host., type: raw}
    follows: {description: The baseline the wanted value follows., type: str}
    refs: {description: CIS 2022 v4 / CIS 2025 v1 / STIG V2R3 ids., type: list, elements: str}
    profile: {description: The first profile that enforces the control., type: str}
    status:
      description: C(pass); C(gpo) when it fails on a value a domain GPO delivers (change the GPO, not the host);
        C(fail).
      type: str
    source: {description: "C(gpo) (a domain GPO delivers it), C(local) or C(default) (not configured).", type: str}
    module: {description: The module that enforces it (null when none does)., type: str}
    option:
      description: >-
        The option of that module (want null - delete the value with its
        O(winauth.winrm.winrm_policy#module:absent) list).
      type: str
    also: {description: Options to set in the same task (AllowAutoConfig needs its filters)., type: dict}
  sample:
    - {control: WINRM-SVC-BASIC, title: "WinRM service: Basic authentication off",
       setting: HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM\Service\AllowBasic, want: false, actual: true,
       follows: CIS 2022 v4 / STIG V2R3 / Microsoft Server 2025, refs: [CIS 2022 v4 18.10.89.2.1],
       profile: baseline, status: fail, source: local, module: winauth.winrm.winrm_policy,
       option: service_allow_basic}
summary:
  description: Number of findings per severity.
  returned: success
  type: dict
  sample: {high: 1, medium: 2, low: 0, info: 1}
connection:
  description: How this run reached the host - the authentication that really succeeded.
  returned: success
  type: dict
  sample: {endpoint: "http://win01.lab.test:5985/wsman", auth: ntlm, message_encryption: true}
wsman_round_trips:
  description: WS-Management requests sent.
  returned: always
  type: int
  sample: 4
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.winauth.winrm.plugins.module_utils._choices import AUDIT_ARGUMENT_SPEC

ARGUMENT_SPEC = AUDIT_ARGUMENT_SPEC


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="winauth.winrm.winrm_info runs on the controller as an action plugin; "
                         "it cannot run as a module on the host")


if __name__ == "__main__":
    main()
