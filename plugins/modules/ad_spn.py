#!/usr/bin/python
# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ad_spn
short_description: Register, remove or move service principal names on an AD account, refusing duplicates
version_added: 0.3.0
description:
  - Runs on the controller and writes Active Directory over LDAP; the task's host is not contacted.
  - Makes O(spns) present, absent or exactly the SPNs of O(account) - a computer (C(NAME$)), a user or a
    managed service account - comparing case-insensitively as the KDC does; idempotent.
  - Validates each SPN (C(service/host[:port][/name])) before anything is asked or written.
  - Refuses to add an SPN another account holds - naming that account - unless O(move=true), which takes it off
    the other account and puts it on O(account) as one all-or-nothing change - the write rights on every account
    involved are checked first, and a refusal half-way undoes what was done.
  - Warns when an added C(HTTP/) (or another C(HOST/) alias) SPN shadows the C(HOST/) SPN of another account, the
    way the 0x80090322 trap is made.
  - The fix for the findings of M(winauth.winrm.ad_spn_info).
options:
  account:
    description: The account - its sAMAccountName (C(SRV01$) for a computer), C(DOMAIN\name), UPN or DN.
    type: str
    required: true
  spns:
    description: The SPNs, e.g. C(HTTP/srv01.example.com), C(WSMAN/srv01), C(HTTP/srv01.example.com:5985).
    type: list
    elements: str
    required: true
  state:
    description:
      - C(present) adds the missing ones, C(absent) removes those listed, C(exact) leaves the account with
        exactly O(spns).
    type: str
    choices: [present, absent, exact]
    default: present
  move:
    description: Move an SPN held by another account to O(account) instead of refusing.
    type: bool
    default: false
extends_documentation_fragment:
  - winauth.winrm.ad.action
attributes:
  check_mode:
    support: full
    description: Reports the change (and the moves) and writes nothing.
  diff_mode:
    support: full
    description: The account's SPNs before and after.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller; the hosts are not contacted.
seealso:
  - module: winauth.winrm.ad_spn_info
author:
  - winauth.winrm contributors (@winauth)
"""

EXAMPLES = r"""
- name: Register the alias SPN on the host's own account
  winauth.winrm.ad_spn:
    account: SRV07$
    spns: [HTTP/web07.example.com]
    domain: example.com
  delegate_to: localhost

- name: Take HTTP/srv03 back from the IIS pool account (it loses Kerberos for that name)
  winauth.winrm.ad_spn:
    account: SRV03$
    spns: [HTTP/srv03.example.com, HTTP/srv03]
    move: true
    domain: example.com
  delegate_to: localhost
"""

RETURN = r"""
spns:
  description: The account's SPNs after the change (as they would be, in check mode).
  returned: always
  type: list
  elements: str
added:
  description: SPNs added.
  returned: always
  type: list
  elements: str
removed:
  description: SPNs removed from the account.
  returned: always
  type: list
  elements: str
moved:
  description: SPNs moved here, each with the DN of the account it was taken from.
  returned: always
  type: list
  elements: dict
  contains:
    spn: {description: The SPN., type: str}
    from: {description: DN of the account that held it., type: str}
account:
  description: The account changed - name, dn, type, sid.
  returned: always
  type: dict
diff:
  description: The account's SPNs before and after.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.winauth.winrm.plugins.module_utils._ad_spec import AD_ARGUMENT_SPEC

ARGUMENT_SPEC = dict(
    account=dict(type="str", required=True),
    spns=dict(type="list", elements="str", required=True),
    state=dict(type="str", choices=["present", "absent", "exact"], default="present"),
    move=dict(type="bool", default=False),
    **AD_ARGUMENT_SPEC,
)


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="winauth.winrm.ad_spn runs on the controller as an action plugin; "
                         "it cannot run as a module on the host")


if __name__ == "__main__":
    main()
