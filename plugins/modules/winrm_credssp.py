#!/usr/bin/python
# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: winrm_credssp
short_description: Scope CredSSP exactly - client delegate lists, server role, and switching it off
version_added: 0.3.0
description:
  - Manages the two halves of CredSSP over WS-Management, without PowerShell on the host, the way
    C(Enable-WSManCredSSP) / C(Disable-WSManCredSSP) do - but with an B(exact) delegate list.
  - O(role=client) sets the client auth C(CredSSP) value and the C(AllowFreshCredentials) delegation
    policy under C(HKLM\SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation) (values C(1), C(2),
    ... each C(wsman/<name>), the list DWORD and C(ConcatenateDefaults_AllowFresh)). Targets in
    O(delegate_computers) are added, C(wsman/) targets not listed are removed and the rest renumbered
    as Windows does; targets of other services (C(TERMSRV/...) for RDP) are left alone.
  - O(role=server) sets the service auth C(CredSSP) value (the host accepts delegated credentials).
  - O(state=disabled) mirrors C(Disable-WSManCredSSP) for the role; for the client it removes the
    C(wsman/) targets and deletes the list, its flags and subkey when nothing else is left.
  - Refuses wildcards unless O(allow_wildcard=true), and values Group Policy controls (the
    C(...\WinRM\Client\AllowCredSSP) or C(...\WinRM\Service\AllowCredSSP) policy), naming the policy.
  - Lockout guard - will not disable the server role on a host this controller reaches with
    C(transport=credssp) unless O(force=true).
  - Returns the two lines C(Get-WSManCredSSP) would print, and the same facts as data.
options:
  role:
    description: Which half of CredSSP to manage.
    type: str
    required: true
    choices: [client, server]
  state:
    description: C(enabled) configures the role, C(disabled) switches it off and cleans up.
    type: str
    choices: [enabled, disabled]
    default: enabled
  delegate_computers:
    description:
      - With O(role=client) and O(state=enabled), the exact set of computers this host may hand
        credentials to (the jump hosts), as host names (C(jump01.corp.example)) or C(wsman/) targets.
      - Required then; ignored otherwise.
    type: list
    elements: str
  ntlm_only:
    description:
      - Also manage C(AllowFreshCredentialsWhenNTLMOnly) with the same targets, which a client needs when
        the jump host authenticates with NTLM only (workgroup hosts, IP addresses).
      - With O(state=disabled), also clean that list up.
    type: bool
    default: false
  allow_wildcard:
    description:
      - Accept wildcard targets (C(*), C(*.corp.example)). CredSSP hands the user's reusable password to
        every host a wildcard matches, so any compromised host in that set can harvest it.
    type: bool
    default: false
  force:
    description: Disable the server role even when this controller connects with CredSSP (the run cannot read back).
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
    description: Shows the role switch and the delegate lists before and after.
seealso:
  - module: winauth.winrm.winrm_info
author:
  - winauth.winrm contributors (@winauth)
"""

EXAMPLES = r"""
- name: Let the admin workstation delegate to the two jump hosts, and nowhere else
  winauth.winrm.winrm_credssp:
    role: client
    delegate_computers: [jump01.corp.example, jump02.corp.example]

- name: Accept delegated credentials on the jump hosts only
  winauth.winrm.winrm_credssp:
    role: server
  when: inventory_hostname in groups['jump_hosts']

- name: Switch CredSSP off again after the double-hop work
  winauth.winrm.winrm_credssp:
    role: "{{ item }}"
    state: disabled
  loop: [client, server]
"""

RETURN = r"""
changes:
  description: What changed (or would change in check mode), one line per value.
  returned: always
  type: list
  elements: str
  sample: ["AllowFreshCredentials\\2 = 'wsman/jump02.corp.example'", "client.auth.credssp: false -> true"]
credssp:
  description: The CredSSP state of the host after the run (before it, in check mode).
  returned: success
  type: dict
  sample:
    client: {enabled: true, delegate_computers: [wsman/jump01.corp.example], ntlm_only_delegate_computers: []}
    server: {enabled: false}
get_wsmancredssp:
  description: The two lines C(Get-WSManCredSSP) prints for that state.
  returned: success
  type: list
  elements: str
  sample:
    - "The machine is configured to allow delegating fresh credentials to the following target(s):wsman/jump01"
    - This computer is not configured to receive credentials from a remote client computer.
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
diff:
  description: Before and after of the role switch and the delegate lists (diff mode).
  returned: changed and diff mode
  type: dict
wsman_round_trips:
  description: WS-Management requests sent.
  returned: always
  type: int
  sample: 5
"""

from ansible.module_utils.basic import AnsibleModule

ARGUMENT_SPEC = dict(
    role=dict(type="str", required=True, choices=["client", "server"]),
    state=dict(type="str", choices=["enabled", "disabled"], default="enabled"),
    delegate_computers=dict(type="list", elements="str"),
    ntlm_only=dict(type="bool", default=False),
    allow_wildcard=dict(type="bool", default=False),
    force=dict(type="bool", default=False),
)


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="winauth.winrm.winrm_credssp runs on the controller as an action plugin; "
                         "it cannot run as a module on the host")


if __name__ == "__main__":
    main()
