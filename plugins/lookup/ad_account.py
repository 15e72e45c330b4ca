# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: ad_account
short_description: Check that an account is fit to be a CredSSP service account
version_added: 0.3.0
description:
  - For each term - an account name (C(svc_hop), C(LAB\svc_hop) or C(svc_hop@lab.test)) - reads Active
    Directory and says whether it exists, is enabled, and is in none of the privileged groups
    (Domain Admins, Enterprise Admins, Schema Admins, Administrators, Account, Server, Backup and Print
    Operators), nested membership and the primary group included.
  - Reports Protected Users membership and what it changes (its credentials are never delegated, so
    CredSSP and Kerberos delegation cannot work with it).
  - Privileged groups are recognised by SID, so renamed or localised groups count too.
  - Used by the C(winauth.winrm.credssp_scoped) role (control CREDSSP-05).
options:
  _terms:
    description: Account names.
    required: true
    type: list
    elements: str
extends_documentation_fragment:
  - winauth.winrm.ad
"""

EXAMPLES = r"""
- name: Refuse a privileged CredSSP service account
  ansible.builtin.assert:
    that: check.ok
    fail_msg: "{{ check.problems | join('; ') }}"
  vars:
    check: "{{ lookup('winauth.winrm.ad_account', 'svc_hop', domain='corp.example') }}"
"""

RETURN = r"""
_list:
  description: One result per term.
  type: list
  elements: dict
  contains:
    name: {description: The term., type: str}
    found: {description: Whether the account exists., type: bool}
    dn: {description: Its distinguished name., type: str}
    enabled: {description: Whether it is enabled., type: bool}
    privileged_groups:
      description: Privileged groups it is in, each with how (directly, through a nested group, primary group).
      type: list
      elements: str
    protected_users: {description: Whether it is in Protected Users., type: bool}
    problems: {description: 'What makes it unfit, each with the fix; empty when fit.', type: list, elements: str}
    notes: {description: What is worth knowing but does not make it unfit., type: list, elements: str}
    ok: {description: No problems., type: bool}
"""

from typing import Any

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.base import ADPluginBase
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.privilege import check_account


class LookupModule(ADPluginBase, LookupBase):
    AD_PLUGIN = "winauth.winrm.ad_account"
    AD_ERROR = AnsibleLookupError

    def run(self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        self.set_options(var_options=variables, direct=kwargs)
        for number, term in enumerate(terms, 1):
            if not isinstance(term, str) or not term.strip():
                raise self.ad_fail("term %d is not an account name: pass names such as 'svc_hop' or "
                                   "'svc_hop@corp.example' as strings" % number)
        with self.ad_errors(), self.ad_connection() as ad:
            return [check_account(ad, term.strip()).as_dict() for term in terms]
