#!/usr/bin/python
# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hardening_report
short_description: Write the WinRM hardening fleet report (JSON and HTML) on the controller
version_added: 0.3.0
description:
  - Collects every host's record of the C(winauth.winrm.hardening) role and writes one JSON document for
    machines and one HTML page for people - host x control with C(pass), C(fixed), C(fail), C(GPO-controlled)
    or C(skipped) and the reason, the baseline each control follows, and the counts per host, per control
    and in total.
  - Runs on the controller only (no connection to any host); use it once per play (C(run_once)).
  - Host values are untrusted, so the page escapes every text and forbids scripts and remote loads.
  - It never reports C(changed) - the report is output, not managed state - and it writes in check mode
    too (report mode of the role is check mode).
options:
  dest:
    description: Directory to write C(<name>.json) and C(<name>.html) into; created when missing.
    type: path
    required: true
  name:
    description: Base name of the two files.
    type: str
    default: winrm-hardening
  hosts:
    description: The hosts to report; defaults to every host of the play (C(ansible_play_hosts_all)).
    type: list
    elements: str
  record:
    description:
      - The host variable holding each host's record (set by the role), or a dotted path into one (the role's
        report mode reads C(hardening_before.hardening.record), the record M(winauth.winrm.hardening_audit)
        returns) - C(mode), C(before) and C(after)
        (compliance tables of M(winauth.winrm.winrm_info)), C(plan) (filter C(winauth.winrm.hardening_plan)),
        C(connection) and C(notes).
      - The registered result of each control's patch task is read from C(hardening_patch_<control>).
    type: str
    default: hardening_result
  profile:
    description: The profile the role ran with (shown in the report).
    type: str
    choices: [baseline, strict]
    default: baseline
attributes:
  check_mode:
    support: full
    description: Writes the report in check mode too; it changes no host.
  diff_mode:
    support: none
    description: Nothing on a host changes.
seealso:
  - module: winauth.winrm.winrm_info
  - ref: ansible_collections.winauth.winrm.docsite.guides
    description: The admin guides of winauth.winrm (hardening without lockout).
author:
  - winauth.winrm contributors (@winauth)
"""

EXAMPLES = r"""
- name: Write the fleet report
  winauth.winrm.hardening_report:
    dest: /srv/reports/winrm
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
json_path:
  description: The JSON document written.
  returned: success
  type: str
  sample: /srv/reports/winrm/winrm-hardening.json
html_path:
  description: The HTML page written.
  returned: success
  type: str
  sample: /srv/reports/winrm/winrm-hardening.html
totals:
  description: Cells per status over the whole fleet.
  returned: success
  type: dict
  sample: {pass: 40, fixed: 12, fail: 1, gpo: 2, skipped: 3}
failing:
  description: The host and control of every C(fail) cell, with the reason.
  returned: success
  type: list
  elements: dict
  sample: [{host: win01, control: WINRM-SVC-BASIC, reason: "refusing to lock this controller out ..."}]
"""

from ansible.module_utils.basic import AnsibleModule

ARGUMENT_SPEC = dict(
    dest=dict(type="path", required=True),
    name=dict(type="str", default="winrm-hardening"),
    hosts=dict(type="list", elements="str"),
    record=dict(type="str", default="hardening_result"),
    profile=dict(type="str", choices=["baseline", "strict"], default="baseline"),
)


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="winauth.winrm.hardening_report runs on the controller as an action plugin; "
                         "it cannot run as a module on the host")


if __name__ == "__main__":
    main()
