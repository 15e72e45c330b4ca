# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hardening controls: one table, :data:`CONTROLS`, keyed by the setting each judges.

For internal collection use only; this is not a public API.

A control names the setting (a registry policy value or a WS-Man config leaf), the value the
profile wants and which baseline that value follows, the benchmark ids (metadata: they drift
between benchmark versions), and the module/option the ``hardening`` role enforces it with.
:func:`compliance` judges a posture against every control of a profile; the findings for failing
controls come from the same rows -- from the :class:`FlagRule` of ``_findings/winrm.py`` where
the control is that check, from the rule named in ``finding`` where one exists, else from
:data:`RULES` generated here.

Benchmark ids: CIS 2022 v4 as ansible-lockdown's Windows-2022-CIS role uses them; CIS 2025 v1 as
the 2025 audit numbers them (18.10.90.x / 18.10.91.1; the 2025 role still says 18.10.89.x);
STIG = Windows Server 2022 STIG V2R3.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.credssp import target_host
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import Entry, Finding, Rule, Scope
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import (
    trusted_hosts_entries,
    wildcard_entries,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.policy import OPTIONS, Option
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.posture import Posture
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.sddl import SDDLError, remote_grants

PROFILES = ("baseline", "strict")
POLICY = "winauth.winrm.winrm_policy"


@dataclass(frozen=True)
class Reading:
    """What the host has for one control: the value, and where it comes from (local | gpo | default)."""

    actual: object
    source: str


@dataclass(frozen=True)
class Control:
    """One row of :data:`CONTROLS`.

    Attributes:
        id, title, setting, want, profile, follows, refs, module, option: as contracts.md names them;
            ``profile`` is the first profile that enforces the control (strict includes baseline),
            ``want`` / ``follows`` are the baseline's.
        strict: ``(want, follows)`` when the strict profile wants something else.
        accept: values that pass besides ``want`` (``strict`` passes the ``relaxed`` control).
        finding: the id of the finding that reports a failure (a rule elsewhere, unless ``severity``
            is set); None: the control's own id.
        severity, why, fix, when, remedy: of the finding :data:`RULES` generates for the control (fired
            only for a value someone configured, so a Windows default stays a compliance row).
        evidence: the finding's value from the reading, when it is not the reading itself; a
            finding fires only when it is truthy (TrustedHosts: the patterns other than a bare
            ``*``, which WINRM-CLI-TRUSTEDHOSTS-ANY reports).
        read: how to read the setting; None for a :data:`OPTIONS` row named by ``option``.
        judge: pass predicate (reading, want, scope); None for "equal to want or in accept".
        also: options the enforcing task must set together with ``option`` (AllowAutoConfig=1
            needs its filters in the same winrm_policy task, or the service listens nowhere).
    """

    id: str
    title: str
    setting: str
    want: object
    follows: str
    refs: tuple[str, ...]
    module: str | None
    option: str | None
    profile: str = "baseline"
    strict: tuple[object, str] | None = None
    accept: tuple[object, ...] = ()
    finding: str | None = None
    severity: str | None = None
    why: str = ""
    read: Callable[[Posture], Reading] | None = None
    judge: Callable[[Reading, object, Scope], bool] | None = None
    evidence: Callable[[Reading], object] | None = None
    when: str = ""
    fix: str = ""
    remedy: str = ""
    also: dict[str, object] = field(default_factory=dict)

    def wanted(self, profile: str) -> tuple[object, str]:
        """``(want, follows)`` under ``profile``."""
        if profile == "strict" and self.strict is not None:
            return self.strict
        return self.want, self.follows

    def reading(self, posture: Posture) -> Reading:
        if self.read is not None:
            return self.read(posture)
        return policy_reading(posture, OPTIONS[self.option or ""])

    def passes(self, reading: Reading, want: object, scope: Scope) -> bool:
        if self.judge is not None:
            return self.judge(reading, want, scope)
        return _same(reading.actual, want) or any(_same(reading.actual, a) for a in self.accept)


def _same(actual: object, want: object) -> bool:
    if isinstance(actual, str) and isinstance(want, str):
        return actual.lower() == want.lower()
    if isinstance(actual, bool) or isinstance(want, bool):
        return actual is want
    return actual == want


def policy_reading(posture: Posture, option: Option) -> Reading:
    """The effective value of a policy option.

    With a config leaf that is the leaf (the policy's value when one is configured: the leaf then
    reads ``Source="GPO"``); without one, the configured policy value, else the Windows default.
    """
    delivered = posture.policy is not None and option.name in posture.policy.gpo
    if option.leaf is not None and option.leaf in posture.config.settings:
        value = posture.config.value(option.leaf)
        if isinstance(value, str) and option.mapping is not None:
            value = option.from_data(value)
        return Reading(value, "gpo" if delivered else "local")
    configured = posture.policy.value(option.name) if posture.policy is not None else None
    if configured is None:
        return Reading(option.default, "default")
    return Reading(configured, "gpo" if delivered else "local")


def _read_leaf(key: str) -> Callable[[Posture], Reading]:
    def read(posture: Posture) -> Reading:
        return Reading(posture.config.value(key), "gpo" if posture.config.is_gpo(key) else "local")
    return read


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _trusted_hosts_ok(reading: Reading, want: object, _scope: Scope) -> bool:
    entries = trusted_hosts_entries(_text(reading.actual))
    return not entries if want == "empty" else not wildcard_entries(entries)


def _broad_grants(sddl: object) -> list[str]:
    """The RootSDDL grants beyond Administrators / Remote Management Users, as ``name (SID: rights)``."""
    if not isinstance(sddl, str) or not sddl:
        return []  # an old Windows without the leaf: nothing to judge
    try:
        return ["%s (%s: %s)" % (ace.name, ace.trustee, ace.rights) for ace in remote_grants(sddl)]
    except SDDLError as e:
        return ["unreadable RootSDDL: %s" % e]


def _root_sddl_ok(reading: Reading, _want: object, _scope: Scope) -> bool:
    return not _broad_grants(reading.actual)


def _read_listeners(posture: Posture) -> Reading:
    return Reading(sorted({"%s:%s" % (li.transport, li.port) for li in posture.listeners if li.enabled}), "local")


def _listeners_ok(reading: Reading, want: object, _scope: Scope) -> bool:
    bound = reading.actual if isinstance(reading.actual, list) else []
    https = any(str(b).startswith("HTTPS:") for b in bound)
    return https and (want != "HTTPS only" or all(str(b).startswith("HTTPS:") for b in bound))


def _credssp_server_ok(reading: Reading, want: object, scope: Scope) -> bool:
    return reading.actual is want or scope.is_jump_host()


def _read_credssp_client(posture: Posture) -> Reading:
    """The CredSSP client role and every WinRM delegation target: ``["client role on", "wsman/*"]``."""
    entries = sorted({e for lst in posture.delegation.lists.values() if lst.enabled is not False
                      for e in lst.wsman_entries})
    on = ["client role on"] if posture.config.value("client.auth.credssp") is True else []
    return Reading(on + entries, "gpo" if posture.config.is_gpo("client.auth.credssp") else "local")


def _credssp_client_ok(reading: Reading, want: object, scope: Scope) -> bool:
    """Baseline: no wildcard delegation target; strict: no client role, no target. Declared clients pass
    (their exact scope is the credssp_scoped role's job)."""
    if scope.is_client():
        return True
    found = reading.actual if isinstance(reading.actual, list) else []
    if want == "off":
        return not found
    return not any("*" in target_host(str(e)) for e in found if e != "client role on")


_ALL = "CIS 2022 v4 / STIG V2R3 / Microsoft Server 2025"
_WINAUTH = "winauth (no public baseline covers it)"


def _path(option: str) -> str:
    return OPTIONS[option].path


CONTROLS: dict[str, Control] = {c.setting: c for c in (
    Control("WINRM-CLI-BASIC", "WinRM client: Basic authentication off", _path("client_allow_basic"), False, _ALL,
            ("CIS 2022 v4 18.10.89.1.1", "CIS 2025 v1 18.10.90.1.1", "STIG WN22-CC-000470"),
            POLICY, "client_allow_basic", finding="WINRM-CLI-BASIC"),
    Control("WINRM-CLI-UNENCRYPTED", "WinRM client: unencrypted traffic off", _path("client_allow_unencrypted"),
            False, _ALL, ("CIS 2022 v4 18.10.89.1.2", "CIS 2025 v1 18.10.90.1.2", "STIG WN22-CC-000480"),
            POLICY, "client_allow_unencrypted", finding="WINRM-CLI-UNENCRYPTED"),
    Control("WINRM-CLI-DIGEST", "WinRM client: Digest authentication off", _path("client_allow_digest"), False,
            _ALL, ("CIS 2022 v4 18.10.89.1.3", "CIS 2025 v1 18.10.90.1.3", "STIG WN22-CC-000490"),
            POLICY, "client_allow_digest", finding="WINRM-CLI-DIGEST"),
    Control("WINRM-SVC-BASIC", "WinRM service: Basic authentication off", _path("service_allow_basic"), False, _ALL,
            ("CIS 2022 v4 18.10.89.2.1", "CIS 2025 v1 18.10.90.2.1", "STIG WN22-CC-000500"),
            POLICY, "service_allow_basic", finding="WINRM-SVC-BASIC"),
    # CIS 18.10.89.2.2 (L2) wants Disabled, which stops the service answering remote requests at all
    # (the role would cut its own connection); Microsoft's Server 2025 baseline enables it with
    # both filters '*'. Strict leaves it not configured: enabled, the service listens on HTTP itself
    # (a Source="GPO" listener nobody can delete), which HTTPS-only cannot have.
    Control("WINRM-SVC-AUTOCONFIG", "WinRM service: remote management through WinRM (AllowAutoConfig)",
            _path("service_allow_auto_config"), True, "Microsoft Server 2025",
            ("CIS 2022 v4 18.10.89.2.2", "CIS 2025 v1 18.10.90.2.2"), POLICY, "service_allow_auto_config",
            strict=(None, "winauth strict (HTTPS-only listeners; CIS's Disabled would cut remote management)"),
            also={"service_ipv4_filter": "*", "service_ipv6_filter": "*"}),
    Control("WINRM-SVC-AUTOCONFIG-IPV4", "WinRM service: AllowAutoConfig IPv4 filter",
            _path("service_ipv4_filter"), "*", "Microsoft Server 2025", (), POLICY, "service_ipv4_filter"),
    Control("WINRM-SVC-AUTOCONFIG-IPV6", "WinRM service: AllowAutoConfig IPv6 filter",
            _path("service_ipv6_filter"), "*", "Microsoft Server 2025", (), POLICY, "service_ipv6_filter"),
    Control("WINRM-SVC-UNENCRYPTED", "WinRM service: unencrypted traffic off", _path("service_allow_unencrypted"),
            False, _ALL, ("CIS 2022 v4 18.10.89.2.3", "CIS 2025 v1 18.10.90.2.3", "STIG WN22-CC-000510"),
            POLICY, "service_allow_unencrypted", finding="WINRM-SVC-UNENCRYPTED"),
    Control("WINRM-SVC-RUNAS", "WinRM service: no stored RunAs credentials", _path("service_disable_run_as"), True,
            _ALL, ("CIS 2022 v4 18.10.89.2.4", "CIS 2025 v1 18.10.90.2.4", "STIG WN22-CC-000520"),
            POLICY, "service_disable_run_as", severity="low",
            why="WinRM plugins may store RunAs credentials, which an administrator of the host can recover."),
    # L2, and Ansible's own winrm/psrp connections need remote shells: strict only, and the
    # lockout guard still refuses it without force.
    Control("WINRM-WINRS-SHELL", "WinRS: remote shell access off",
            _path("winrs_allow_remote_shell_access"), False, "CIS 2022 v4 (L2)",
            ("CIS 2022 v4 18.10.90.1", "CIS 2025 v1 18.10.91.1"), POLICY, "winrs_allow_remote_shell_access",
            profile="strict"),
    Control("WINRM-CREDSSP-ORACLE", "CredSSP: encryption oracle remediation (CVE-2018-0886)",
            _path("allow_encryption_oracle"), "force_updated_clients", "CIS 2022 v4 / Microsoft Server 2025",
            ("CIS 2022 v4 18.9.4.1",), POLICY, "allow_encryption_oracle", severity="medium",
            why="Below Force Updated Clients, CredSSP still talks to clients without the CVE-2018-0886 fix "
                "(Vulnerable: also as a client), whose man in the middle can run commands on the server."),
    Control("WINRM-CREDSSP-PROTECTED-CREDS", "Remote host allows delegation of non-exportable credentials",
            _path("allow_protected_creds"), True, _ALL, ("CIS 2022 v4 18.9.4.2", "STIG WN22-CC-000100"),
            POLICY, "allow_protected_creds", severity="low",
            why="Without AllowProtectedCreds the host cannot use Remote Credential Guard / restricted admin "
                "and hands reusable credentials to the servers it connects to."),
    Control("WINRM-UAC-LOCAL-ACCOUNTS", "Remote UAC on for local accounts (LocalAccountTokenFilterPolicy)",
            _path("local_account_token_filter_policy"), False, _ALL, ("CIS 2022 v4 18.4.1", "STIG WN22-MS-000020"),
            POLICY, "local_account_token_filter_policy", severity="medium",
            why="LocalAccountTokenFilterPolicy=1 gives every local administrator a full admin token over the "
                "network, so one shared local password opens the whole fleet (pass-the-hash)."),
    Control("WINRM-SVC-CBT", "WinRM service: channel binding (CbtHardeningLevel)",
            _path("service_cbt_hardening_level"), "relaxed", _WINAUTH, (), POLICY, "service_cbt_hardening_level",
            strict=("strict", _WINAUTH), accept=("strict",), finding="WINRM-SVC-CBT-NONE"),
    Control("WINRM-SVC-KERBEROS", "WinRM service: Kerberos on", _path("service_allow_kerberos"), True, _WINAUTH, (),
            POLICY, "service_allow_kerberos", finding="WINRM-SVC-KERBEROS-OFF"),
    Control("WINRM-SVC-CREDSSP", "WinRM service: CredSSP only on declared jump hosts", "service.auth.credssp", False,
            _WINAUTH, (), "winauth.winrm.winrm_credssp", "role: server, state: disabled", profile="strict",
            finding="WINRM-SVC-CREDSSP", read=_read_leaf("service.auth.credssp"), judge=_credssp_server_ok),
    # Added by the hardening branch: the delegation lists' wildcard targets are the lab's (and the
    # field's) high finding no baseline row covers; strict: CredSSP off everywhere not declared.
    Control("WINRM-CLI-CREDSSP", "CredSSP client: no wildcard delegation (strict: off unless a declared client)",
            "client.auth.credssp", "no wildcard target", _WINAUTH, (), "winauth.winrm.winrm_credssp",
            "role: client, state: disabled", strict=("off", _WINAUTH), finding="WINRM-CLI-CREDSSP-WILDCARD",
            read=_read_credssp_client, judge=_credssp_client_ok),
    Control("WINRM-CLI-TRUSTEDHOSTS", "WinRM client: TrustedHosts without wildcards", "client.trusted_hosts",
            "no wildcard", _WINAUTH, (), "winauth.winrm.winrm_trusted_hosts", "entries",
            strict=("empty", _WINAUTH), finding="WINRM-CLI-TRUSTEDHOSTS-WILDCARD",
            read=_read_leaf("client.trusted_hosts"), judge=_trusted_hosts_ok, severity="low",
            why="A TrustedHosts pattern lets this host's WinRM client send NTLM logons, unverified, to every name "
                "or address it matches, including hosts added to that range later.",
            evidence=lambda r: [e for e in wildcard_entries(trusted_hosts_entries(_text(r.actual))) if e != "*"],
            when="`client.trusted_hosts` has a pattern (`*.corp.example`, `10.0.0.*`)",
            fix="winauth.winrm.winrm_trusted_hosts: {entries: [<exact names>], state: exact}",
            remedy="`winrm_trusted_hosts` with exact names"),
    Control("WINRM-SVC-ROOTSDDL", "WinRM service: RootSDDL grants remote access to Administrators / Remote "
            "Management Users only", "service.root_sddl", "Administrators, Remote Management Users", _WINAUTH, (),
            None, None, finding="WINRM-SVC-ROOTSDDL-BROAD", read=_read_leaf("service.root_sddl"),
            judge=_root_sddl_ok, severity="medium", evidence=lambda r: _broad_grants(r.actual),
            why="The service's RootSDDL lets more than Administrators and Remote Management Users run WinRM "
                "operations remotely.",
            when="`service.root_sddl` grants access beyond Administrators / Remote Management Users",
            fix="put the accounts that need remoting into Remote Management Users and reset RootSDDL: winrm set "
                "winrm/config/service @{RootSDDL=\"O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)(A;;GA;;;RM)"
                "S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)\"}",
            remedy="only BA and RM in RootSDDL"),
    Control("WINRM-LISTENER-HTTPS", "WinRM listeners: HTTPS (strict: HTTPS only)", "listeners", "HTTPS listener",
            _WINAUTH, (), "winauth.winrm.winrm_listener", "transport", strict=("HTTPS only", _WINAUTH),
            finding="WINRM-LISTENER-NO-HTTPS", read=_read_listeners, judge=_listeners_ok),
)}


def _in_profile(control: Control, profile: str) -> bool:
    return PROFILES.index(control.profile) <= PROFILES.index(profile)


def compliance(posture: Posture, profile: str, scope: Scope | None = None) -> list[dict[str, object]]:
    """One row per control of ``profile``, in table order (the ``compliance`` result of winrm_info).

    Status: ``pass``; ``gpo`` when it fails on a value a domain GPO delivers (the role must not
    "fix" it locally); ``fail`` otherwise. ``want`` None means "not configured": enforce it with
    ``winrm_policy: {absent: [<option>]}``; ``also`` lists options to set in the same task.
    """
    scope = scope or Scope()
    rows = []
    for control in CONTROLS.values():
        if not _in_profile(control, profile):
            continue
        want, follows = control.wanted(profile)
        reading = control.reading(posture)
        ok = control.passes(reading, want, scope)
        rows.append({
            "control": control.id, "title": control.title, "setting": control.setting, "want": want,
            "actual": reading.actual, "follows": follows, "refs": list(control.refs), "profile": control.profile,
            "status": "pass" if ok else "gpo" if reading.source == "gpo" else "fail", "source": reading.source,
            "module": control.module, "option": control.option, "also": dict(control.also) if want is not None else {},
        })
    return rows


def _generated(control: Control) -> Rule:
    fid = control.finding or control.id

    def check(posture: Posture, scope: Scope) -> Iterator[Finding]:
        if posture.policy is None:
            return  # winrm_info without profile: the controls are not judged
        reading = control.reading(posture)
        if reading.source == "default" or control.passes(reading, control.want, scope):
            return
        value = control.evidence(reading) if control.evidence is not None else reading.actual
        if control.evidence is not None and not value:
            return
        if reading.source == "gpo":
            fix = "change it in the Group Policy object that delivers %s" % control.setting
        else:
            fix = control.fix or "%s: {%s: %s}" % (control.module, control.option, _yaml(control.want))
        yield Finding(fid, control.severity or "low", control.setting, value, control.why, fix, control.refs,
                      reading.source)

    shown = _yaml(control.want)
    when = control.when or "`%s` configured and not %s" % (control.setting.rsplit("\\", 1)[-1], shown)
    remedy = control.remedy or "`winrm_policy: {%s: %s}`" % (control.option, shown)
    return Rule((Entry(fid, control.severity or "low", when, remedy, control.refs),), check)


def _yaml(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


# The findings of the controls no other rule reports (those with a severity); they need the
# policy read, so winrm_info produces them only with ``profile``.
RULES: tuple[Rule, ...] = tuple(_generated(c) for c in CONTROLS.values() if c.severity)
