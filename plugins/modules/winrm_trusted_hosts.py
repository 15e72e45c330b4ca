#!/usr/bin/python
# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: winrm_trusted_hosts
short_description: Manage the WinRM client's TrustedHosts list, without wildcards
version_added: 0.3.0
description:
  - Adds, removes or sets exactly the entries of the WinRM client's C(TrustedHosts) list
    (C(winrm/config/client), one WS-Management Put), the hosts this machine's WinRM client will
    authenticate to with NTLM without verifying who they are.
  - Refuses C(*) and any wildcard pattern (C(*.corp.example), C(10.0.0.*)) unless O(allow_wildcard=true);
    removing one is always allowed.
  - When Group Policy sets the list (the "Trusted Hosts" policy, C(Source="GPO") on the value), fails with
    one error naming the policy instead of trying a change the WinRM service refuses.
  - Only the client side changes, so the controller's own connection to the host is never affected.
options:
  entries:
    description:
      - Host names or addresses, one per item (C(jump01.corp.example), C(10.0.0.5)).
      - With O(state=exact), an empty list empties TrustedHosts.
    type: list
    elements: str
    default: []
  state:
    description:
      - C(present) adds the missing entries, C(absent) removes the given ones, C(exact) makes the list exactly
        O(entries) (in that order).
      - Entries compare case-insensitively, as WinRM matches them.
    type: str
    choices: [present, absent, exact]
    default: present
  allow_wildcard:
    description:
      - Accept entries with C(*). The client then sends unverified NTLM logons to every host the pattern
        matches, any of which can relay or crack them.
    type: bool
    default: false
extends_documentation_fragment:
  - winauth.winrm.wsman
attributes:
  check_mode:
    support: full
    description: Reports the list it would set and writes nothing.
  diff_mode:
    support: full
    description: Shows the list before and after.
seealso:
  - module: winauth.winrm.winrm_policy
  - module: winauth.winrm.winrm_info
author:
  - winauth.winrm contributors (@winauth)
"""

EXAMPLES = r"""
- name: Exactly the two workgroup hosts this jump host manages over HTTP
  winauth.winrm.winrm_trusted_hosts:
    entries: [build01.corp.example, 10.0.0.5]
    state: exact

- name: Remove the leftover wildcard
  winauth.winrm.winrm_trusted_hosts:
    entries: ["*"]
    state: absent
"""

RETURN = r"""
changed:
  description: Whether the list was (or in check mode would be) changed.
  returned: always
  type: bool
trusted_hosts:
  description: The list after the run (what it would be, in check mode).
  returned: success
  type: list
  elements: str
  sample: [build01.corp.example, 10.0.0.5]
diff:
  description: The list before and after (diff mode).
  returned: changed and diff mode
  type: dict
  sample: {before: {trusted_hosts: ["*"]}, after: {trusted_hosts: [build01.corp.example]}}
applied:
  description: When the Put failed but a fresh read shows the list changed, the change.
  returned: on a partial write
  type: list
  elements: str
not_applied:
  description: When the Put failed, the change the host does not have.
  returned: on a partial write
  type: list
  elements: str
wsman_round_trips:
  description: WS-Management requests sent.
  returned: always
  type: int
  sample: 3
"""

from ansible.module_utils.basic import AnsibleModule

ARGUMENT_SPEC = dict(
    entries=dict(type="list", elements="str", default=[]),
    state=dict(type="str", choices=["present", "absent", "exact"], default="present"),
    allow_wildcard=dict(type="bool", default=False),
)


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="winauth.winrm.winrm_trusted_hosts runs on the controller as an action plugin; "
                         "it cannot run as a module on the host")


if __name__ == "__main__":
    main()
