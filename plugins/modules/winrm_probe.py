#!/usr/bin/python
# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: winrm_probe
short_description: Say why a WinRM connection does not work, layer by layer
version_added: 0.3.0
description:
  - Runs on the controller and checks, with the host's own connection variables, each layer a WinRM connection
    goes through, outermost first. Each step reports C(status) (C(ok), C(warn), C(fail), C(skip)), the
    C(evidence) it saw and, when something is wrong, the C(cause) and the C(fix).
  - C(dns) - what the client connects to (getaddrinfo), the A/AAAA records, the CNAME chain and the reverse
    (PTR) names.
  - C(tcp) - 5985, 5986 and the configured port on each address, with timings - C(open), C(refused) (nothing
    listens), C(filtered) (no answer, a firewall) or C(unreachable).
  - C(identify) - the unauthenticated WS-Management Identify (C(WSMANIDENTIFY) header, as C(Test-WSMan) sends it)
    - vendor, product version and stack.
  - C(schemes) - the C(WWW-Authenticate) set of the 401 an unauthenticated POST gets, against the configured
    transports.
  - C(tls) - the HTTPS listener's certificate - chain against the configured CA bundle (requests uses certifi's
    bundle, not the system store, unless told otherwise), name match with the URL host, expiry, and whether
    channel binding will be sent.
  - C(krb5_conf) (only when named in O(steps)) - a krb5.conf is readable (C(KRB5_CONFIG), else C(/etc/krb5.conf))
    and knows the realm of the user (C(default_realm), or the realm of C(user@REALM), in capitals).
  - C(kdc) (only when named in O(steps)) - the realm's KDCs from krb5.conf C(kdc =) lines, else from the
    C(_kerberos._udp)/C(_kerberos._tcp) DNS SRV records, and one of them answers on TCP 88.
  - C(kerberos) - a TGT (with the password, in memory; or from the ticket cache) and the service ticket for the
    SPN the client will ask for (C(<service>/<host or override>)), like C(klist get).
  - C(clock) - the KDC's clock (from the KRB-ERROR to an AS-REQ without pre-authentication, which is not a failed
    logon) and the host's (its HTTP C(Date)), against the controller's; more than 5 minutes breaks Kerberos.
  - C(roundtrip) - an authenticated Identify with the configured transports (which protocol really
    authenticated) and a read of C(config) (whether the account may manage WinRM).
  - Everything before C(roundtrip) needs no valid credentials, so a wrong password still gets every other layer
    reported, and C(roundtrip) says the credentials are rejected.
  - Causes and fixes come from the same table as the P(winauth.winrm.explain#filter) filter, so the probe's cause for a
    fault and C(explain) of the error the real connection gives name the same C(cause) id.
options:
  steps:
    description:
      - The steps to run, always in the order above.
      - Default all but C(krb5_conf) and C(kdc), which the C(winauth.winrm.kerberos_preflight) playbook
        adds.
    type: list
    elements: str
    choices: [dns, tcp, identify, schemes, tls, kerberos, clock, roundtrip, krb5_conf, kdc]
  timeout:
    description: Seconds to wait for each unauthenticated connection (TCP connect, TLS, the 401, the KDC).
    type: int
    default: 5
  fail:
    description:
      - Fail the task when a step fails. With C(false) the task succeeds and C(healthy) tells.
    type: bool
    default: true
extends_documentation_fragment:
  - winauth.winrm.wsman
attributes:
  check_mode:
    support: full
    description: Only reads; behaves the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes.
notes:
  - Unlike the other modules, a connection failure does not mark the host UNREACHABLE - finding it is this module's
    job. It fails the task (unless O(fail=false)) with a one-line verdict in C(msg).
  - The password is handed only to the KDC (C(kerberos)) and the transport (C(roundtrip)); it never appears in the
    result. A wrong password costs one failed logon (the round trip), as a real connection would; when Kerberos is
    the only transport and no TGT can be had, the round trip is not tried.
  - For a failure in a playbook, C(rescue) with C({{ ansible_failed_result.msg | winauth.winrm.explain }}) names the
    cause from the error text alone; docs/troubleshooting.md lists the manual checks (C(Test-WSMan), C(winrs),
    C(klist)) each step replaces.
seealso:
  - plugin: winauth.winrm.explain
    plugin_type: filter
  - module: winauth.winrm.winrm_info
author:
  - winauth.winrm contributors (@winauth)
"""

EXAMPLES = r"""
# Ad hoc, one verdict line per host:
#   ansible windows -m winauth.winrm.winrm_probe
#   win01 | FAILED! => {"msg": "https://win01.example.com:5986/wsman: FAIL at tls (tls-untrusted): ... - fix: ..."}

- name: Probe every Windows host, report, do not stop
  winauth.winrm.winrm_probe:
    fail: false
  register: probe

- name: Show what is broken
  ansible.builtin.debug:
    msg: "{{ probe.steps | selectattr('status', 'equalto', 'fail') | list }}"
  when: not probe.healthy

- name: Only the layers before authentication (no logon attempt at all)
  winauth.winrm.winrm_probe:
    steps: [dns, tcp, identify, schemes, tls]

- name: Real work, explained when the connection fails
  block:
    - name: Ping
      ansible.windows.win_ping:
  rescue:
    - name: Why
      ansible.builtin.debug:
        msg: "{{ ansible_failed_result.msg | winauth.winrm.explain }}"
    - name: Probe the layers
      winauth.winrm.winrm_probe:
"""

RETURN = r"""
msg:
  description: "One line - C(<endpoint>: OK - ...) or C(<endpoint>: FAIL at <layer> (<cause>): <what> - fix: <fix>)."
  returned: always
  type: str
  sample: "http://10.0.0.5:5985/wsman: FAIL at kerberos (spn-not-found): no service ticket for HTTP/10.0.0.5 ..."
healthy:
  description: No step failed.
  returned: always
  type: bool
layer:
  description: The failing layer (of the first failing step), or null.
  returned: always
  type: str
  sample: kerberos
cause:
  description: Its cause id from the explain table (for example C(spn-not-found), C(tls-expired)), or null.
  returned: always
  type: str
fix:
  description: What to do about the first failure, or null.
  returned: always
  type: str
auth:
  description: The transport that really authenticated in the round trip, or null.
  returned: always
  type: str
  sample: kerberos
endpoint:
  description: The WS-Management URL probed.
  returned: always
  type: str
steps:
  description: Every step run, in order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: C(dns), C(tcp), C(identify), C(schemes), C(tls), C(kerberos), C(clock) or C(roundtrip).
      type: str
    status:
      description: C(ok), C(warn), C(fail) or C(skip).
      type: str
    layer:
      description: The layer of the cause when there is one (a round trip can fail at C(credentials),
        C(authorization), C(encryption) ...), else the step's own.
      type: str
    summary:
      description: What was found, in one sentence.
      type: str
    evidence:
      description: What was observed (addresses, port states and milliseconds, the WWW-Authenticate headers,
        certificate fields, the SPN, clock skews, the authenticated protocol). Never a secret.
      type: dict
    cause:
      description: The explain table's cause id for C(warn)/C(fail).
      type: str
    fix:
      description: What to do.
      type: str
    elapsed_ms:
      description: How long the step took.
      type: int
  sample:
    - {name: tcp, status: ok, layer: tcp, summary: "port 5986 open on 10.0.0.5 (1 ms)", cause: null, fix: "",
       elapsed_ms: 4, evidence: {ports: [{address: 10.0.0.5, port: 5985, state: refused, ms: 0}]}}
    - {name: schemes, status: ok, layer: schemes, summary: "offers negotiate, kerberos; kerberos can be used",
       cause: null, fix: "", elapsed_ms: 3,
       evidence: {www_authenticate: [Negotiate, Kerberos], status_line: "HTTP/1.1 401 "}}
wsman_round_trips:
  description: Authenticated WS-Management requests sent (the unauthenticated probes are not counted).
  returned: always
  type: int
  sample: 2
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.winauth.winrm.plugins.module_utils._choices import PROBE_OPT_IN_STEPS, PROBE_STEPS

ARGUMENT_SPEC = dict(
    steps=dict(type="list", elements="str", choices=list(PROBE_STEPS + PROBE_OPT_IN_STEPS)),
    timeout=dict(type="int", default=5),
    fail=dict(type="bool", default=True),
)


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="winauth.winrm.winrm_probe runs on the controller as an action plugin; "
                         "it cannot run as a module on the host")


if __name__ == "__main__":
    main()
