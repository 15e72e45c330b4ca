#!/usr/bin/python
# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hardening_audit
short_description: The hardening role's audit - winrm_info over the connection a hardened host accepts, and the plan
version_added: 0.3.0
description:
  - The first task of the C(winauth.winrm.hardening) role, in one task per host - one gather, one rule pass.
    Runs M(winauth.winrm.winrm_info) with the role's profile over the connection a hardened host still accepts
    (a host the inventory reaches with Basic over C(hardening_fallback_transport) on the same channel; in the
    strict profile over HTTPS where the inventory says HTTP), then the scheme switch alone, then the
    inventory's own connection, each only while none has worked; and from the audit that worked, decides
    which controls the role patches (filter C(winauth.winrm.hardening_plan)) and the host's record of the
    fleet report (M(winauth.winrm.hardening_report)).
  - Reads the role's variables from the play, as the role's tasks would - C(hardening_profile) (unless
    O(profile) is given), C(hardening_fallback_transport), C(hardening_https_default_port),
    C(hardening_kerberos_ready), C(hardening_no_remote_shell_ok), the switch of each control
    (C(hardening_winrm_*)) and the declared CredSSP scope (C(credssp_scoped_clients),
    C(credssp_scoped_jump_hosts)) unless O(credssp_scope) is given. Outside the role, use
    M(winauth.winrm.winrm_info).
  - It changes nothing, so check mode (the role's report mode) runs it as is. It does not switch the play's
    connection; the role does that from RV(hardening.connection) (for the rest of the play).
options:
  profile:
    description: The hardening profile (M(winauth.winrm.winrm_info)'s O(winauth.winrm.winrm_info#module:profile)).
    type: str
    choices: [baseline, strict]
  credssp_scope:
    description: As M(winauth.winrm.winrm_info)'s O(winauth.winrm.winrm_info#module:credssp_scope).
    type: dict
    suboptions:
      jump_hosts:
        description: Hosts that may hold the CredSSP server role.
        type: list
        elements: str
      clients:
        description: Hosts that may start CredSSP sessions.
        type: list
        elements: str
  fail_on:
    description: As M(winauth.winrm.winrm_info)'s O(winauth.winrm.winrm_info#module:fail_on).
    type: str
    choices: [none, low, medium, high]
    default: none
attributes:
  check_mode:
    support: full
    description: Reads only.
  diff_mode:
    support: none
    description: Reads only.
seealso:
  - module: winauth.winrm.winrm_info
  - module: winauth.winrm.hardening_report
  - ref: ansible_collections.winauth.winrm.docsite.guides
    description: The admin guides of winauth.winrm (hardening without lockout).
author:
  - winauth.winrm contributors (@winauth)
"""

EXAMPLES = r"""
- name: The hardening role's audit (the role runs it; outside the role use winrm_info)
  winauth.winrm.hardening_audit:
  register: hardening_before
"""

RETURN = r"""
ansible_facts:
  description: M(winauth.winrm.winrm_info)'s C(winauth_winrm) fact, from the connection that worked. Its
    RV(winauth.winrm.winrm_info#module:findings), RV(winauth.winrm.winrm_info#module:summary) and
    RV(winauth.winrm.winrm_info#module:connection) come along too; its compliance table is the C(before)
    of RV(hardening.record).
  returned: success
  type: dict
hardening:
  description: What the role keeps from the audit.
  returned: always
  type: dict
  contains:
    winner:
      description: Index in RV(hardening.candidates) of the connection that worked; -1 when none did.
      type: int
    connection:
      description: The C(transport), C(scheme) and C(port) that worked (null when none did).
      type: dict
    candidates:
      description: The connections tried in this order (each C(transport), C(scheme), C(port)).
      type: list
      elements: dict
    attempts:
      description: Each connection tried and its error message (empty for the one that worked).
      type: list
      elements: dict
    switched:
      description: The connection that worked is not the inventory's own (the role keeps it for the rest of the play).
      type: bool
    switched_from_basic:
      description: The inventory reaches the host with Basic and the fallback scheme worked instead.
      type: bool
    switched_to_https:
      description: Strict profile, the inventory says HTTP, and HTTPS worked instead.
      type: bool
    kerberos_missing:
      description: Strict profile on a Kerberos-ready host, and the audit authenticated without Kerberos.
      type: bool
    exempt:
      description: Controls that do not apply to this host, with the reason.
      type: dict
    record:
      description:
        - The host's record of the fleet report - C(mode) (report in check mode, apply otherwise), C(before)
          (M(winauth.winrm.winrm_info)'s compliance table), C(plan) (the filter C(winauth.winrm.hardening_plan) of
          it - C(todo), C(want), C(also), C(skipped), C(gpo)), C(connection) (winrm_info's, with
          C(switched_from_basic) and C(switched_to_https)) and C(notes) (what the report says about the
          connection - switches made, Kerberos missing).
        - The role adds C(after), the compliance table of its re-audit, in apply mode.
        - Null when no connection worked.
      type: dict
msg:
  description: Why no connection worked (each connection's error).
  returned: failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.winauth.winrm.plugins.module_utils._choices import AUDIT_ARGUMENT_SPEC

ARGUMENT_SPEC = AUDIT_ARGUMENT_SPEC  # winrm_info's: the action runs winrm_info with these


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="winauth.winrm.hardening_audit runs on the controller as an action plugin; "
                         "it cannot run as a module on the host")


if __name__ == "__main__":
    main()
