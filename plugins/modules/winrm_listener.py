#!/usr/bin/python
# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: winrm_listener
short_description: WinRM HTTP and HTTPS listeners, with the certificate checked and the controller's own listener kept
version_added: 0.3.0
description:
  - Creates, changes and deletes one WinRM listener over WS-Management (Create, Put and Delete of
    C(http://schemas.microsoft.com/wbem/wsman/1/config/listener) with the selectors C(Address) and
    C(Transport)), as C(winrm create|set|delete winrm/config/Listener?Address=*+Transport=HTTPS) do,
    without PowerShell on the host.
  - For an HTTPS listener the certificate must be in the host's C(LocalMachine\My) store, not
    expired, valid for server authentication, and its subject CN or a SAN DNS name must be
    O(hostname); otherwise the module refuses before writing anything, naming what is wrong.
  - Windows has no WS-Management or WMI resource for the certificate store, so the certificate is
    read from where the store keeps it, the registry value
    C(HKLM\SOFTWARE\Microsoft\SystemCertificates\MY\Certificates\<thumbprint>\Blob), through WMI
    C(StdRegProv.GetBinaryValue) (one request).
  - Lockout guard - refuses to delete or disable the listener this controller's connection runs
    through, or to move it to another port, unless O(force=true). Create the new listener first,
    reconnect through it, then remove the old one.
  - Listeners created by Group Policy (C(Source="GPO"), the policy "Allow remote server management
    through WinRM") and the compatibility listeners (C(Source="Compatibility"), ports 80/443) are
    reported with their C(source) and never changed or deleted; asking to is an error that names the
    policy or setting that controls them.
options:
  transport:
    description: The listener's transport (its C(Transport) selector).
    type: str
    required: true
    choices: [http, https]
  address:
    description:
      - The listener's C(Address) selector - C(*) (every address), C(IP:<address>) or C(MAC:<address>).
        A bare IP address is taken as C(IP:<address>).
    type: str
    default: "*"
  port:
    description:
      - The TCP port. Default C(5985) for HTTP, C(5986) for HTTPS - also for an existing listener, which is
        moved to it when it listens elsewhere (refused for the listener this controller uses, see O(force)).
    type: int
  hostname:
    description:
      - HTTPS - the name the listener answers as, which the certificate must carry (subject CN or SAN).
      - When omitted, a new HTTPS listener gets the host's FQDN (C(Win32_ComputerSystem) C(DNSHostName)
        plus C(Domain) on a domain member, C(DNSHostName) otherwise); an existing one keeps its hostname.
      - HTTP - managed only when given.
    type: str
  certificate_thumbprint:
    description:
      - HTTPS - the SHA-1 thumbprint of the certificate in C(LocalMachine\My), 40 hexadecimal digits.
        Spaces, colons and the invisible mark certlm.msc puts in front of a copied thumbprint are removed.
      - When omitted to create an HTTPS listener, the module picks the certificate of C(LocalMachine\My) that
        fits O(hostname) - valid now, for server authentication, with its private key, issued for that name;
        CA-issued before self-signed, then the latest expiry - as C(winrm quickconfig -transport:https) does
        (one request, plus one per certificate in the store). An existing listener keeps its certificate.
      - Must not be given for HTTP.
    type: str
  enabled:
    description: Whether the listener accepts connections (C(Enabled)).
    type: bool
    default: true
  state:
    description: C(present) creates or updates the listener, C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - Delete, disable or move the listener this controller is connected through. The task then
        cannot read the host back; the next task must connect another way.
    type: bool
    default: false
extends_documentation_fragment:
  - winauth.winrm.wsman
attributes:
  check_mode:
    support: full
    description: Reads the listeners (and the certificate), reports what would change, writes nothing.
  diff_mode:
    support: full
    description: Shows the listener before and after.
notes:
  - The certificate checks happen on the controller, before the write; Windows itself checks only that the
    certificate is in the store and that its CN matches C(Hostname) (faults 2150858882 and 2150858985).
  - Changing the certificate of the HTTPS listener the controller uses is not refused, but the controller must
    trust the new certificate's issuer, or the next connection fails validation.
seealso:
  - module: winauth.winrm.winrm_info
  - module: winauth.winrm.winrm_auth
author:
  - winauth.winrm contributors (@winauth)
"""

EXAMPLES = r"""
- name: HTTPS listener with the host's CA-issued certificate
  winauth.winrm.winrm_listener:
    transport: https
    hostname: "{{ inventory_hostname }}"
    certificate_thumbprint: "{{ winrm_cert_thumbprint }}"

- name: Remove the HTTP listener once the play connects over HTTPS
  winauth.winrm.winrm_listener:
    transport: http
    state: absent

- name: Keep the HTTP listener configured but not listening
  winauth.winrm.winrm_listener:
    transport: http
    enabled: false
"""

RETURN = r"""
listener:
  description:
    - The listener after the run (as it would be, in check mode); null once deleted.
    - An HTTPS listener's C(certificate) has the facts of its certificate in C(LocalMachine\My)
      (C(found=false) when the store has none with that thumbprint).
  returned: success
  type: dict
  sample:
    address: "*"
    transport: HTTPS
    port: 5986
    hostname: win01.corp.example
    enabled: true
    url_prefix: wsman
    certificate_thumbprint: 2BD142A7D13196269264AD6BE0F8EC8DA172FF9E
    listening_on: [10.0.0.5]
    source: local
    certificate:
      thumbprint: 2BD142A7D13196269264AD6BE0F8EC8DA172FF9E
      subject: CN=win01.corp.example
      san: [win01.corp.example, win01]
      issuer: CN=Corp Issuing CA
      not_before: "2026-01-01T00:00:00Z"
      not_after: "2027-01-01T00:00:00Z"
      days_to_expiry: 31
      self_signed: false
      server_auth: true
      has_private_key: true
      name_matches: true
      store: LocalMachine\My
      found: true
listeners:
  description: Every listener of the host after the run (the same shape, C(certificate) only for the one managed).
  returned: success
  type: list
  elements: dict
changes:
  description: What changed (or would change in check mode), one line per value.
  returned: always
  type: list
  elements: str
  sample: ["HTTPS listener *:5986 enabled: true -> false"]
applied:
  description: When the write failed, the changes the host has nevertheless (from a fresh read).
  returned: on a failed write
  type: list
  elements: str
not_applied:
  description: When the write failed, the changes the host does not have.
  returned: on a failed write
  type: list
  elements: str
diff:
  description: The listener before and after (diff mode).
  returned: changed and diff mode
  type: dict
wsman_round_trips:
  description: WS-Management requests sent.
  returned: always
  type: int
  sample: 4
"""

from ansible.module_utils.basic import AnsibleModule

ARGUMENT_SPEC = dict(
    transport=dict(type="str", required=True, choices=["http", "https"]),
    address=dict(type="str", default="*"),
    port=dict(type="int"),
    hostname=dict(type="str"),
    certificate_thumbprint=dict(type="str"),
    enabled=dict(type="bool", default=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    force=dict(type="bool", default=False),
)


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="winauth.winrm.winrm_listener runs on the controller as an action plugin; "
                         "it cannot run as a module on the host")


if __name__ == "__main__":
    main()
