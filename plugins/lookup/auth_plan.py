# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: auth_plan
short_description: Predict whether a WinRM connection will use Kerberos, and why not
version_added: 0.2.0
description:
  - For each term - an inventory host (its own connection variables are used) or a host name - predicts the
    protocol the configured WinRM transport will really negotiate (C(kerberos), C(ntlm), C(credssp), C(basic),
    C(certificate) or C(fail)) and the reason.
  - "Reasons it recognises: an IP address as target, a name that does not resolve, no SPN C(<service>/<name>),
    the SPN registered on another account (the 0x80090322 trap), a workgroup host, a local account, a disabled
    computer account, no ticket (KDC unreachable, clock skew, wrong password, a lower-case realm)."
  - "Account facts apply to every transport, in the order the winrm plugin tries them: a Protected Users member
    gets no NTLM; a disabled computer account refuses domain NTLM logons whether the target is its FQDN, short
    name or an address (the computer is found by address through the PTR record or the domain's AD-integrated
    DNS zone); WinRM Basic accepts local accounts only (and C(DOMAIN\\user) without a transport means Basic)."
  - "The SPN's host part follows the client's krb5.conf (C(KRB5_CONFIG)): C(dns_canonicalize_hostname) (a CNAME
    alias is followed or not), C(rdns) and C(qualify_shortname)."
  - Where credentials are available it asks the KDC for the service ticket, like C(klist get).
  - Returns the connection variables that would make Kerberos work (FQDN C(ansible_host),
    C(ansible_winrm_service=WSMAN) when C(HTTP/) is taken, C(ansible_winrm_kerberos_hostname_override)).
  - Give the AD options (at least O(domain) or O(server)) so SPN owners and computer accounts can be looked
    up; without them only DNS and the KDC are asked, and an SPN collision cannot be seen.
options:
  _terms:
    description: Inventory host names or plain host names.
    required: true
    type: list
    elements: str
  transport:
    description:
      - Transport (or comma-separated transports) for terms that are not inventory hosts.
      - Inventory hosts use their own C(ansible_winrm_transport), or the winrm plugin's default when unset
        (Kerberos for a C(user@REALM) login, else Basic).
    type: str
    default: kerberos
  service:
    description: SPN service class for terms that are not inventory hosts.
    type: str
    default: HTTP
  check_ticket:
    description: Ask the KDC for the service ticket (with the host's own credentials, else the ticket cache).
    type: bool
    default: true
extends_documentation_fragment:
  - winauth.winrm.ad
author:
  - winauth.winrm contributors (@winauth)
"""

EXAMPLES = r"""
- name: Which of my Windows hosts will use Kerberos?
  ansible.builtin.debug:
    msg: "{{ item.target }}: {{ item.protocol }} - {{ item.reason }}"
  loop: "{{ query('winauth.winrm.auth_plan', *groups['windows'], domain='example.com') }}"

- name: Fail early when a host would silently fall back to NTLM
  ansible.builtin.assert:
    that: lookup('winauth.winrm.auth_plan', inventory_hostname, domain='example.com').protocol == 'kerberos'
    fail_msg: "{{ lookup('winauth.winrm.auth_plan', inventory_hostname, domain='example.com') }}"
"""

RETURN = r"""
_raw:
  description: One prediction per term.
  type: list
  elements: dict
  contains:
    host: {description: The term (inventory host name) this prediction is for., type: str}
    target: {description: The host name or address that will be connected to., type: str}
    protocol: {description: "kerberos, ntlm, credssp, basic, certificate or fail.", type: str}
    reason: {description: Why., type: str}
    spn: {description: The SPN a Kerberos client asks for., type: str}
    fix:
      description:
        - Connection variables that make the connection work, Kerberos where it can (FQDN C(ansible_host),
          C(ansible_winrm_service), C(ansible_winrm_kerberos_hostname_override), a C(user@REALM) C(ansible_user),
          C(ansible_winrm_transport)); C({}) when no variable can fix it (see RV(_raw[].remedy)).
        - Values in angle brackets are placeholders for what the plan could not find out.
      type: dict
    remedy:
      description:
        - The action that removes a failure or fallback, with the alternatives (the vars of RV(_raw[].fix),
          registering an SPN with C(setspn -S), enabling a computer account, the time source for clock skew);
          empty when nothing is wrong.
      type: str
      version_added: 0.3.0
"""

from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.base import ADPluginBase
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.facts import DirectoryFacts, gather
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.names import CLIENTS, HOST_VARS, PORT_VARS
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.predict import predict
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import build_settings, normalize_transports


def _describe(term: Any) -> str:
    """What a wrong term is, without its content (a hostvars dict would carry passwords)."""
    if isinstance(term, Mapping):
        keys = ", ".join(sorted(str(k) for k in term)[:5])
        return "a %s with keys %s%s" % (type(term).__name__, keys or "(none)", ", …" if len(term) > 5 else "")
    if isinstance(term, (list, tuple, set)):
        return "a %s of %d items" % (type(term).__name__, len(term))
    return "%s %r" % (type(term).__name__, term)


def check_terms(terms: Any) -> list[str]:
    """The terms as host names; raises AnsibleLookupError naming the first term that is not a string."""
    for number, term in enumerate(terms, 1):
        if not isinstance(term, str):
            raise AnsibleLookupError(
                "winauth.winrm.auth_plan: term %d is %s, not a host name: pass inventory host names or DNS names "
                "as strings, e.g. query('winauth.winrm.auth_plan', *groups['windows']) or "
                "lookup('winauth.winrm.auth_plan', inventory_hostname)" % (number, _describe(term))
            )
    return list(terms)


def _host_connection(hostvars: Any, name: str, default_service: str) -> dict[str, Any]:
    """The connection settings a host's own vars give, with the connection plugins' defaults."""
    hv = hostvars[name]

    def var(*keys: str, default: Any = None) -> Any:
        for key in keys:
            if key in hv:
                return hv[key]
        return default

    connection = str(var("ansible_connection", default="winrm")).rsplit(".", 1)[-1]
    kinit_managed = False
    # The service class and override variables by client: one table (_kerberos.names.CLIENTS),
    # shared with ad_spn_info. The lookup's own `service` option stands in for winrm's default.
    service_var, psrp_service, override_var = CLIENTS["psrp" if connection == "psrp" else "winrm"]
    service = var(service_var, default=psrp_service if connection == "psrp" else default_service)
    override = var(override_var)
    if connection == "psrp":
        auth = str(var("ansible_psrp_auth", default="negotiate")).lower()
        transport: Any = {"negotiate": "kerberos,ntlm"}.get(auth, auth)
        cert_pem = var("ansible_psrp_certificate_pem")
        cert_key_pem = var("ansible_psrp_certificate_key_pem")
    else:
        # No ansible_winrm_transport: the winrm plugin's own default. ansible-core 2.21
        # lib/ansible/plugins/connection/winrm.py, _build_winrm_kwargs(): "if self._winrm_user and '@' in
        # self._winrm_user: self._winrm_transport = ['kerberos'] else: ['ssl'] if https else ['plaintext']",
        # and pywinrm 0.5 winrm/transport.py maps plaintext/ssl (without a certificate) to HTTPBasicAuth:
        # so LAB\user with no transport is Basic, which never accepts a domain account.
        transport = var("ansible_winrm_transport")
        cert_pem = var("ansible_winrm_cert_pem")
        cert_key_pem = var("ansible_winrm_cert_key_pem")
    settings = build_settings(
        host=var(*HOST_VARS, default=name),
        port=var(*PORT_VARS),
        username=var("ansible_user", "ansible_winrm_user", "ansible_psrp_user"),
        password=var("ansible_password", "ansible_winrm_pass", "ansible_winrm_password", "ansible_psrp_pass",
                     "ansible_psrp_password"),
        transport=transport, service=service, kerberos_hostname_override=override,
        cert_pem=cert_pem, cert_key_pem=cert_key_pem,
    )
    if connection != "psrp":
        mode = var("ansible_winrm_kinit_mode")
        kinit_managed = (mode == "managed") or (mode is None and settings.kerberos_managed)
    return {"target": settings.host, "transports": settings.transports, "service": settings.service,
            "hostname_override": settings.kerberos_hostname_override, "username": settings.username,
            "password": settings.password, "kinit_managed": kinit_managed, "host": name,
            "cert": bool(cert_pem and cert_key_pem), "scheme": settings.scheme}


class LookupModule(ADPluginBase, LookupBase):
    AD_PLUGIN = "winauth.winrm.auth_plan"
    AD_ERROR = AnsibleLookupError

    def run(self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        self.set_options(var_options=variables, direct=kwargs)
        names = check_terms(terms)
        hostvars = (variables or {}).get("hostvars", {})
        with self.ad_errors():
            ad = self.ad_connection() if self.ad_configured() else None
            if ad is not None:
                ad.open()
            directory = DirectoryFacts(ad) if ad is not None else None
            plans = []
            try:
                for term in names:
                    if term in hostvars:
                        conn = _host_connection(hostvars, term, self.get_option("service"))
                    else:
                        transports = normalize_transports(self.get_option("transport"), username="user@REALM")
                        conn = {"target": term, "transports": transports,
                                "service": self.get_option("service"), "hostname_override": None,
                                "username": None, "password": None, "host": term}
                    facts = gather(directory=directory, check_ticket=self.get_option("check_ticket"), **conn)
                    plans.append(predict(facts).as_dict())
            finally:
                if ad is not None:
                    ad.close()
        return plans
