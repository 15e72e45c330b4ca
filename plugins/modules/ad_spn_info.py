#!/usr/bin/python
# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ad_spn_info
short_description: The SPN each host's WinRM client really asks for, who owns it, duplicates and delegation
version_added: 0.3.0
description:
  - Runs on the controller and asks Active Directory over LDAP; it never connects to the hosts.
  - For each of O(hosts) works out the SPN the Ansible connection will request - the service class by client
    (C(winrm) - pywinrm - asks for C(HTTP) unless C(ansible_winrm_service) says otherwise; C(psrp) asks for
    C(WSMAN) unless C(ansible_psrp_negotiate_service)), the host part after C(ansible_winrm_kerberos_hostname_override)
    / C(ansible_psrp_negotiate_hostname_override) and after following a CNAME exactly as the controller's
    krb5.conf C(dns_canonicalize_hostname) and C(rdns) say (a short name that DNS does not canonicalise gets
    C(qualify_shortname), as MIT krb5 1.18 and later do).
  - Then who answers for it - the host's own computer account directly, or through C(HOST/) and the forest's
    C(sPNMappings) (read from the configuration partition; the documented default list when unreadable, and a
    note says so), another account (the 0x80090322 trap), several accounts (a duplicate), or nobody.
  - With O(duplicates) the whole domain is searched for SPNs held twice, as C(setspn -X) does.
  - Reports the delegation of each host's computer account (unconstrained, constrained with and without
    protocol transition, resource-based, sensitive, Protected Users) with PingCastle and BloodHound names in
    C(refs), and findings with the exact fix - the connection vars to use (C(recommended_vars)) or the
    C(winauth.winrm.ad_spn) task that registers, removes or moves the SPN.
  - Use C(run_once) - one LDAP connection serves every host.
options:
  hosts:
    description:
      - Inventory host names (their own connection vars are used) or plain DNS names (Ansible's C(winrm)
        defaults - service class C(HTTP) - are assumed).
      - Defaults to the current host.
    type: list
    elements: str
  duplicates:
    description: Search the whole domain for SPNs held by more than one account (C(setspn -X)).
    type: bool
    default: true
  krb5_conf:
    description:
      - The krb5.conf whose C(dns_canonicalize_hostname), C(rdns) and C(qualify_shortname) decide how a CNAME is
        followed and a short name completed.
      - Default every file of C($KRB5_CONFIG) (the first that sets a value wins, as MIT krb5 reads them), else
        C(/etc/krb5.conf) (MIT defaults - follow CNAMEs, reverse lookup - when none exists).
    type: path
extends_documentation_fragment:
  - winauth.winrm.ad.action
attributes:
  check_mode:
    support: full
    description: Reads only.
  diff_mode:
    description: Reads only; there is no diff.
    support: none
  platform:
    support: full
    platforms: posix
    description: Runs on the controller; the hosts are not contacted.
author:
  - winauth.winrm contributors (@winauth)
"""

EXAMPLES = r"""
- name: Which SPN will each host's connection ask for, and who has it?
  winauth.winrm.ad_spn_info:
    hosts: "{{ ansible_play_hosts }}"
    domain: example.com
  run_once: true
  delegate_to: localhost
  register: spn

- name: Connect with the vars that make Kerberos work
  ansible.builtin.set_fact:
    ansible_winrm_service: "{{ spn.hosts[inventory_hostname].recommended_vars.ansible_winrm_service | default(omit) }}"
"""

RETURN = r"""
hosts:
  description: One entry per name of O(hosts).
  returned: always
  type: dict
  contains:
    target: {description: C(ansible_host) or the name., type: str}
    client: {description: C(winrm) or C(psrp) (from C(ansible_connection))., type: str}
    service_class: {description: The service class the client asks for., type: str}
    kerberos_name: {description: The host part of the SPN (after override and canonicalisation)., type: str}
    spn: {description: The SPN the client will request., type: str}
    owner: {description: "The account the KDC issues the ticket for: name, dn, type (user, computer,
      managed_service_account), sid; null when nobody or several.", type: dict}
    via: {description: "C(direct), C(host_mapping) (HOST/ through sPNMappings) or null.", type: str}
    status: {description: "C(ok), C(missing), C(collision) (another account) or C(duplicate).", type: str}
    holders:
      description: Every account holding the SPN itself (two or more for a duplicate).
      type: list
      elements: dict
    computer: {description: "The host's own computer account (name, dn, dns_host_name, disabled, sid, spns).",
      type: dict}
    delegation: {description: "unconstrained, constrained, protocol_transition, resource_based, sensitive,
      protected_users of the computer account.", type: dict}
    findings: {description: "Findings as winrm_info returns them (id, severity, host, setting, value, why, fix,
      refs, source).", type: list, elements: dict}
    recommended_vars: {description: Connection vars that make Kerberos work; empty when nothing needs to change or
      no var helps (see the findings)., type: dict}
duplicates:
  description: SPNs held by two or more accounts of the domain (empty without O(duplicates)).
  returned: always
  type: list
  elements: dict
  contains:
    spn: {description: The SPN., type: str}
    owners: {description: DNs of the accounts holding it., type: list, elements: str}
findings:
  description: Every host's findings, then the domain-wide duplicate findings.
  returned: always
  type: list
  elements: dict
notes:
  description: What was assumed (e.g. the default sPNMappings).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.winauth.winrm.plugins.module_utils._ad_spec import AD_ARGUMENT_SPEC

ARGUMENT_SPEC = dict(
    hosts=dict(type="list", elements="str"),
    duplicates=dict(type="bool", default=True),
    krb5_conf=dict(type="path"),
    **AD_ARGUMENT_SPEC,
)


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="winauth.winrm.ad_spn_info runs on the controller as an action plugin; "
                         "it cannot run as a module on the host")


if __name__ == "__main__":
    main()
