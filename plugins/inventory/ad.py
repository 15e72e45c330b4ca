# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: ad
short_description: Windows hosts from Active Directory, grouped by their Kerberos readiness
version_added: 0.2.0
description:
  - Reads computer accounts from Active Directory over LDAP (paged) and adds each as a host with
    C(ansible_host) set to its C(dNSHostName).
  - Adds the C(winauth_ad) variable, the host's Kerberos posture from the same rules as the
    C(winauth.winrm.auth_plan) lookup; a key whose value would be its default is left out, so write
    C(winauth_ad.fix | default({})).
  - "Always present: C(predicted_protocol) (C(kerberos), C(ntlm), C(credssp), C(basic), C(certificate) or C(fail))
    and C(spn_status) (C(ok), C(missing), C(collision) or C(duplicate)); C(prediction_reason) too, unless it would
    only say C(Kerberos to <spn>) (plain Kerberos to O(service)/host name, nothing to add)."
  - "Present only when true (default false, so write C(winauth_ad.disabled | default(false))): the flags
    C(disabled), C(domain_controller), C(unconstrained_delegation), C(protocol_transition),
    C(resource_based_delegation), C(sensitive) (cannot be delegated), C(protected_users)."
  - "Present only when not empty (the default in brackets): C(spn_owner) [none] the account the KDC finds for the
    SPN, C(spn_holders) [[]] every account holding it, C(fix) [{}] the connection variables that make the
    prediction succeed, C(delegation_findings) [[]], C(constrained_delegation_to) [[]] the SPNs it may delegate to."
  - "With O(account_facts) also the account's attributes: C(dn), C(sam_account_name), C(dns_host_name) (the inventory
    host name), C(spns) (every SPN of the account), C(supported_enctypes), and C(spn) (the SPN the prediction asks
    for, O(service)/host name); and every key above even when it holds its default."
  - "Groups: C(kerberos_ready), C(spn_missing), C(spn_collision), C(spn_duplicate) (the SPN is held by two
    or more accounts), C(unconstrained_delegation), C(disabled), plus whatever O(groups), O(keyed_groups) and
    O(compose) build."
  - C(winauth_ad.delegation_findings) lists the host's delegation findings (as C(winauth.winrm.ad_spn_info)
    reports them), with PingCastle / BloodHound names in C(refs).
  - The inventory file must end in C(.ad.yml) or C(.ad.yaml) (or set O(plugin) and use any name).
options:
  plugin:
    description: The name of this plugin; must be C(winauth.winrm.ad).
    required: true
    type: str
    choices: [winauth.winrm.ad]
  filter:
    description: LDAP filter ANDed with C((objectClass=computer)).
    type: str
    default: (!(userAccountControl:1.2.840.113556.1.4.803:=8192))
  attributes:
    description:
      - Extra LDAP attributes to fetch, available to O(compose) and O(groups) under C(winauth_ad.raw)
        (present only when this option is set).
      - "Each is a list of text values; binary values (C(objectSid), C(objectGUID)) are base64-encoded."
    type: list
    elements: str
    default: []
  transport:
    description: The WinRM transport the prediction assumes (what the hosts' C(ansible_winrm_transport) will be).
    type: str
    default: kerberos
  service:
    description: The SPN service class the prediction assumes (C(ansible_winrm_service)).
    type: str
    default: HTTP
  account_facts:
    description:
      - Add the account's own attributes to C(winauth_ad) (its DN, sAMAccountName, SPNs, encryption types) and keep
        the keys that hold their default value, as version 0.2.0 did.
      - Off by default because ansible-core handles every value of every host's variables several times (once to
        store it, once per C(ansible-inventory --list) or play); over 10,000 hosts these attributes made the
        inventory several times slower than the posture alone.
    type: bool
    default: false
    version_added: 0.3.0
extends_documentation_fragment:
  - winauth.winrm.ad
  - constructed
  - inventory_cache
author:
  - winauth.winrm contributors (@winauth)
"""

EXAMPLES = r"""
# inventory/windows.ad.yml
plugin: winauth.winrm.ad
domain: example.com
ca_cert: /etc/pki/example-ca.pem
filter: (operatingSystem=Windows Server*)
keyed_groups:
  - key: winauth_ad.predicted_protocol
    prefix: winrm
compose:
  ansible_connection: "'winrm'"
  ansible_winrm_transport: "'kerberos'"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/winauth-ad
"""

import functools
from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.template import trust_as_template

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.accounts import (
    COMPUTER_ATTRIBUTES,
    SPN_OWNER_ATTRIBUTES,
    Account,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.base import ADPluginBase
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.delegation import Delegation
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.spn import delegation_findings
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.predict import TargetFacts, predict, spn_status
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.settings import normalize_transports

STATUS_GROUPS = ("kerberos_ready", "spn_missing", "spn_collision", "spn_duplicate", "unconstrained_delegation",
                 "disabled")
# Keys of winauth_ad that only account_facts adds: the account's attributes, and two values derived from the
# host name (dns_host_name is the host name; spn is <service>/<host name>).
ACCOUNT_FACTS = frozenset({"dn", "sam_account_name", "dns_host_name", "spn", "spns", "supported_enctypes"})
FLAGS = ("disabled", "domain_controller", "unconstrained_delegation", "protocol_transition",
         "resource_based_delegation", "sensitive", "protected_users")
# Keys left out while they hold these values (most hosts): every value costs ansible-core per host, several times.
DEFAULTS: dict[str, Any] = {"spn_owner": None, "spn_holders": [], "fix": {}, "delegation_findings": [],
                            "constrained_delegation_to": [], **dict.fromkeys(FLAGS, False)}
# Values this plugin's own rules choose from, never text from the directory: no template syntax, so they are set
# trusted (plain strings in --list). Every other string stays untrusted, as ansible-core makes inventory data, so
# nothing an account's attributes say is ever templated; ansible-core wraps each untrusted string of each host
# ({"__ansible_unsafe": ...}) when it serialises them.
# The reason of a plain Kerberos prediction: no more than predicted_protocol and the SPN say, so left out.
PLAIN_KERBEROS = "Kerberos to %s"
VOCABULARY: dict[str, frozenset[str]] = {
    "predicted_protocol": frozenset({"kerberos", "ntlm", "credssp", "basic", "certificate", "fail"}),
    "spn_status": frozenset({"ok", "missing", "collision", "duplicate"}),
}


@functools.lru_cache(maxsize=8)
def _transports(transport: str | None) -> tuple[str, ...]:
    """The transports option once per inventory, not once per computer."""
    return normalize_transports(transport, username="user@REALM")


def host_record(account: Account, owners: Mapping[str, Account | list[Account]], service: str,
                transport: str | None) -> dict[str, Any]:
    """The ``winauth_ad`` variable of one computer: account facts, SPN status, prediction, delegation findings.

    ``owners`` maps each lower-cased SPN to its holder, or to every holder (two or more: a duplicate).
    """
    name = (account.dns_host_name or "").lower()
    spn = "%s/%s" % (service, name)
    found = owners.get(spn.lower())
    holders = found if isinstance(found, list) else [found] if found is not None else []
    # Held twice: the KDC refuses the SPN ("duplicate"); the prediction is judged against the other holder.
    others = [h for h in holders if h.dn.lower() != account.dn.lower()]
    owner = (others or holders)[0] if holders else None
    status = "duplicate" if len(holders) > 1 else spn_status(spn, owner, account)
    plan = predict(TargetFacts(
        target=name, transports=_transports(transport), service=service,
        directory=True, spn_owner=owner,
        host_account=account, wsman_spn_on_host=account.has_spn("WSMAN/%s" % name),
    ))
    record = account.as_dict()
    record.update(spn=spn, spn_status=status, spn_owner=owner.sam_account_name if owner else None,
                  spn_holders=[h.sam_account_name for h in holders],
                  predicted_protocol=plan.protocol, prediction_reason=plan.reason, fix=plan.fix,
                  delegation_findings=[f.as_dict(name) for f in delegation_findings(Delegation.of(account),
                                                                                    account.sam_account_name)])
    return record


def host_variable(record: Mapping[str, Any]) -> dict[str, Any]:
    """The ``winauth_ad`` variable without ``account_facts``: ``record`` less ACCOUNT_FACTS and keys at their DEFAULTS.

    A plain Kerberos ``prediction_reason`` (PLAIN_KERBEROS) is left out too.

    Args:
        record: a host_record (plus ``raw`` when the attributes option is set, which is kept).

    Returns:
        A new dict (``predicted_protocol`` and ``spn_status`` trusted when in VOCABULARY); ``record`` is not changed.
    """
    var = {k: v for k, v in record.items() if k not in ACCOUNT_FACTS and not (k in DEFAULTS and v == DEFAULTS[k])}
    if var.get("prediction_reason") == PLAIN_KERBEROS % record.get("spn"):
        del var["prediction_reason"]
    for key, words in VOCABULARY.items():
        if var.get(key) in words:  # anything else (never expected) stays untrusted
            var[key] = trust_as_template(var[key])
    return var


class InventoryModule(ADPluginBase, BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "winauth.winrm.ad"
    AD_PLUGIN = NAME
    AD_ERROR = AnsibleParserError

    def verify_file(self, path: str) -> bool:
        return super().verify_file(path) and path.endswith((".ad.yml", ".ad.yaml"))

    def _fetch(self) -> list[dict[str, Any]]:
        service = self.get_option("service")
        transport = self.get_option("transport")
        extra = list(self.get_option("attributes") or [])
        attributes = sorted(set(COMPUTER_ATTRIBUTES) | set(extra))
        user_filter = self.get_option("filter") or ""
        computer_filter = "(&(objectClass=computer)%s)" % user_filter
        # Without domain (server only) the searches run under the DC's rootDSE defaultNamingContext.
        hosts = []
        with self.ad_connection() as ad:
            # The two small searches first, so each computer's record is built as its page arrives (while the
            # DC builds the next page).
            # RBCD is a security descriptor: ask only which computers have one.
            rbcd = {e["dn"].lower() for e in ad.search(
                "(&(objectClass=computer)(msDS-AllowedToActOnBehalfOfOtherIdentity=*)%s)" % user_filter, ["cn"])}
            # One search for every account holding a <service>/ SPN finds collisions for all hosts at once.
            owners: dict[str, list[Account]] = {}
            for entry in ad.search("(servicePrincipalName=%s/*)" % service, SPN_OWNER_ATTRIBUTES):
                owner = Account.from_entry(entry)
                for spn in owner.spns:
                    if spn.lower().startswith(service.lower() + "/"):
                        owners.setdefault(spn.lower(), []).append(owner)
            for entry in ad.search(computer_filter, attributes, read_ahead=True):
                account = Account.from_entry(entry, rbcd=entry["dn"].lower() in rbcd, computer=True)
                if not account.dns_host_name:
                    continue  # never joined or pre-created: nothing to connect to
                record = host_record(account, owners, service, transport)
                if extra:
                    record["raw"] = {k: v for k, v in entry.items() if k in extra}
                hosts.append(record)
        return hosts

    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        hosts: list[dict[str, Any]] | None = None
        if use_cache:
            try:
                hosts = self._cache[cache_key]
            except KeyError:
                hosts = None
        if hosts is None:
            with self.ad_errors():
                hosts = self._fetch()
            if self.get_option("cache"):
                self._cache[cache_key] = hosts
        for group in STATUS_GROUPS:
            self.inventory.add_group(group)
        strict = self.get_option("strict")
        compose, groups, keyed = self.get_option("compose"), self.get_option("groups"), self.get_option("keyed_groups")
        constructed = bool(compose or groups or keyed)  # else skip a get_vars() copy per host (10,000 hosts)
        full = self.get_option("account_facts")
        for record in hosts:
            name = record["dns_host_name"]
            self.inventory.add_host(name)
            self.inventory.set_variable(name, "ansible_host", name)
            self.inventory.set_variable(name, "winauth_ad", record if full else host_variable(record))
            for group, member in (
                ("kerberos_ready", record["predicted_protocol"] == "kerberos"),
                ("spn_missing", record["spn_status"] == "missing"),
                ("spn_collision", record["spn_status"] == "collision"),
                ("spn_duplicate", record["spn_status"] == "duplicate"),
                ("unconstrained_delegation", record["unconstrained_delegation"]),
                ("disabled", record["disabled"]),
            ):
                if member:
                    self.inventory.add_child(group, name)
            if not constructed:
                continue
            hostvars = self.inventory.get_host(name).get_vars()
            self._set_composite_vars(compose, hostvars, name, strict=strict)
            self._add_host_to_composed_groups(groups, hostvars, name, strict=strict)
            self._add_host_to_keyed_groups(keyed, hostvars, name, strict=strict)
