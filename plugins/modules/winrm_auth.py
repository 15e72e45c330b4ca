#!/usr/bin/python
# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: winrm_auth
short_description: Enforce WinRM service and client authentication settings
version_added: 0.1.0
description:
  - Sets the WinRM service and client authentication schemes, C(AllowUnencrypted) on each side and
    the service's C(CbtHardeningLevel), over WS-Management (the same values as
    C(winrm set winrm/config/service/auth) or C(WSMan:\localhost\Service\Auth)).
  - Only the options you give are enforced; everything else is left as it is.
  - Idempotent; supports check mode (nothing is written) and diff mode (before/after of the values
    that change). After a write it reads the configuration again to confirm.
  - Refuses a value that Group Policy controls, naming the policy value to change.
  - B(Lockout guard) - refuses a change that would cut the controller's own path to the host
    (disabling the scheme this connection authenticates with, C(AllowUnencrypted=false) while the
    connection sends unencrypted HTTP, C(CbtHardeningLevel=Strict) over a channel without binding)
    unless O(force=true).
options:
  service:
    description: Settings of the WinRM service (the host as a remoting server).
    type: dict
    suboptions:
      basic:
        description: Basic authentication (passwords in every request; local accounts only).
        type: bool
      kerberos:
        description: Kerberos authentication.
        type: bool
      negotiate:
        description: Negotiate (Kerberos with NTLM fallback); NTLM logons need it.
        type: bool
      certificate:
        description: Client certificate authentication.
        type: bool
      credssp:
        description: The CredSSP server role (clients delegate their password to this host).
        type: bool
      allow_unencrypted:
        description: Accept unencrypted messages over HTTP.
        type: bool
      cbt_hardening_level:
        description: Channel binding token hardening for HTTPS.
        type: str
        choices: [None, Relaxed, Strict]
  client:
    description: Settings of the WinRM client (the host starting remoting sessions).
    type: dict
    suboptions:
      basic:
        description: Basic authentication.
        type: bool
      digest:
        description: Digest authentication.
        type: bool
      kerberos:
        description: Kerberos authentication.
        type: bool
      negotiate:
        description: Negotiate authentication.
        type: bool
      certificate:
        description: Client certificate authentication.
        type: bool
      credssp:
        description: The CredSSP client role (see also the C(winauth.winrm.credssp_scoped) role).
        type: bool
      allow_unencrypted:
        description: Send unencrypted messages over HTTP.
        type: bool
  force:
    description:
      - Apply a change even when the lockout guard says it would cut this controller's connection.
      - The run reports the change but cannot confirm it by reading back.
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
    description: Shows before and after of each value that changes.
author:
  - winauth.winrm contributors (@winauth)
"""

EXAMPLES = r"""
- name: Harden the WinRM service and client (CIS 18.10.89 / STIG WN22-CC-000470..000510)
  winauth.winrm.winrm_auth:
    service:
      basic: false
      allow_unencrypted: false
      credssp: false
      cbt_hardening_level: Relaxed
    client:
      basic: false
      digest: false
      allow_unencrypted: false

- name: Preview the change on every host
  winauth.winrm.winrm_auth:
    service: {basic: false}
  check_mode: true
  diff: true

# Ad hoc:  ansible windows -m winauth.winrm.winrm_auth -a '{"service": {"basic": false}}' --check --diff
"""

RETURN = r"""
changes:
  description: Each value that changed (or would change in check mode).
  returned: always
  type: list
  elements: str
  sample: ["service.auth.basic: true -> false"]
diff:
  description: Before and after of the changed values (with C(--diff)).
  returned: changed and diff mode
  type: dict
  sample: {before: {service: {auth: {basic: true}}}, after: {service: {auth: {basic: false}}}}
config:
  description: The enforced values as read back from the host after the change.
  returned: success
  type: dict
  sample: {service: {auth: {basic: false}}}
wsman_round_trips:
  description: WS-Management requests sent.
  returned: always
  type: int
  sample: 3
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.winauth.winrm.plugins.module_utils._choices import CBT_LEVELS

# The boolean switches of each side, in documentation order (each is a config leaf's option).
SERVICE_SWITCHES = ("basic", "kerberos", "negotiate", "certificate", "credssp", "allow_unencrypted")
CLIENT_SWITCHES = ("basic", "digest", "kerberos", "negotiate", "certificate", "credssp", "allow_unencrypted")

ARGUMENT_SPEC = dict(
    service=dict(
        type="dict",
        options={
            **{name: dict(type="bool") for name in SERVICE_SWITCHES},
            "cbt_hardening_level": dict(type="str", choices=list(CBT_LEVELS)),
        },
    ),
    client=dict(type="dict", options={name: dict(type="bool") for name in CLIENT_SWITCHES}),
    force=dict(type="bool", default=False),
)
REQUIRED_ONE_OF = [["service", "client"]]


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, required_one_of=REQUIRED_ONE_OF, supports_check_mode=True)
    module.fail_json(msg="winauth.winrm.winrm_auth runs on the controller as an action plugin; "
                         "it cannot run as a module on the host")


if __name__ == "__main__":
    main()
