# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import re


class ModuleDocFragment:
    """How plugins reach Active Directory; option names are the keywords of _ad.settings.build_ad_settings."""

    DOCUMENTATION = r"""
options:
  domain:
    description:
      - DNS name of the Active Directory domain, for example C(example.com).
      - Domain controllers are found through the DNS SRV record C(_ldap._tcp.dc._msdcs.<domain>) unless
        O(server) is set; it also gives the default search base.
      - Without it (O(server) only) searches run under the DC's naming context, read from its rootDSE
        (C(defaultNamingContext)).
    type: str
    env:
      - name: WINAUTH_AD_DOMAIN
  server:
    description:
      - Domain controller host names to use instead of DNS discovery, tried in order.
      - Use the name in the DC's certificate (LDAPS) and its SPN (Kerberos), not an IP address.
    type: list
    elements: str
    env:
      - name: WINAUTH_AD_SERVER
  port:
    description: LDAP port; 636 with O(tls_mode=ldaps), else 389.
    type: int
  tls_mode:
    description:
      - C(ldaps) (TLS from the start, port 636), C(starttls) (upgrade on 389) or C(none).
      - Inside TLS the bind is tied to the DC's certificate (channel binding, C(tls-server-end-point)).
      - With C(none) the Kerberos, Negotiate and NTLM binds sign and seal every message (as a DC that requires
        LDAP signing wants); a simple bind is refused.
    type: str
    choices: [ldaps, starttls, none]
    default: ldaps
    env:
      - name: WINAUTH_AD_TLS_MODE
  auth:
    description:
      - C(kerberos) - SASL GSS-SPNEGO with Kerberos, from the ticket cache or from O(username)/O(password) turned
        into a ticket in memory (no kinit needed).
      - C(negotiate) - SASL GSS-SPNEGO offering Kerberos, then NTLM.
      - C(simple) - a plain LDAP bind; refused without TLS.
      - C(ntlm) - SASL GSS-SPNEGO with NTLM (pyspnego's own MD4, so it works on OpenSSL 3 / FIPS hosts).
    type: str
    choices: [kerberos, simple, ntlm, negotiate]
    default: kerberos
    env:
      - name: WINAUTH_AD_AUTH
  username:
    description: Bind user, C(user@REALM) for Kerberos, C(DOMAIN\user) or a DN for the others.
    type: str
    env:
      - name: WINAUTH_AD_USERNAME
  password:
    description: Password of O(username); leave unset to use the Kerberos ticket cache.
    type: str
    env:
      - name: WINAUTH_AD_PASSWORD
  ca_cert:
    description: CA bundle to validate the DC's LDAPS/StartTLS certificate.
    type: path
    env:
      - name: WINAUTH_AD_CA_CERT
  validate_certs:
    description: Validate the DC's certificate (name and issuer).
    type: bool
    default: true
  search_base:
    description:
      - Base DN of searches; defaults to the domain's naming context (C(DC=example,DC=com) from O(domain), else
        the DC's rootDSE C(defaultNamingContext)).
      - Referrals to other domains are not followed; the search fails naming them.
    type: str
  timeout:
    description: Seconds for connecting and for each LDAP reply.
    type: int
    default: 10
seealso:
  - ref: ansible_collections.winauth.winrm.docsite.guides
    description: The admin guides of winauth.winrm (audit, hardening, Kerberos, the double hop, AWX, troubleshooting).
requirements:
  - sansldap, pyspnego[kerberos] >= 0.11, dnspython >= 2.4 and python-gssapi on the controller.
"""

    ACTION: str  # set below the class


# The same options for the controller-side AD modules (ad_spn_info, ad_spn): module options
# document no ``env`` (their argument spec reads the WINAUTH_AD_* variables as fallbacks). Set
# after the class: ansible-test's yamllint reads every assignment in a fragment class as a YAML string.
ModuleDocFragment.ACTION = re.sub(r"\n    env:\n      - name: \w+", "", ModuleDocFragment.DOCUMENTATION)
