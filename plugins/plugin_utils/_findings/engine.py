# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Findings: the one rule engine that judges a posture.

For internal collection use only; this is not a public API.

A rule is a :class:`Rule`: its catalogue entry (what docs/findings.md lists) and a check.
Most rules only compare one configuration flag with the wanted value; those are rows of
:class:`FlagRule`, whose fix text comes from the config leaf table. Every consumer
(winrm_info, the roles, the report) goes through :func:`evaluate`, so a rule exists once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field

from ansible_collections.winauth.winrm.plugins.module_utils._choices import FAIL_ON, SEVERITIES
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.config import LEAVES
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.posture import Posture

__all__ = ["FAIL_ON", "SEVERITIES", "Entry", "FlagRule", "Finding", "FleetNames", "Rule", "Scope", "catalogue_markdown",
           "evaluate", "exceeds", "same_host"]


@dataclass(frozen=True)
class Finding:
    """One problem (or notable fact) on one host."""

    id: str
    severity: str
    setting: str
    value: object
    why: str
    fix: str
    refs: tuple[str, ...] = field(default_factory=tuple)
    source: str = "local"

    def as_dict(self, host: str) -> dict[str, object]:
        data = asdict(self)
        data["refs"] = list(self.refs)
        data["host"] = host
        return data


class FleetNames:
    """Every name an inventory knows its hosts by: the inventory names, then their addresses.

    Reading a host's ``ansible_host`` costs a variable computation per host, so for a fleet it
    is O(hosts) per audited host; the addresses are therefore read only when a name is not
    already one of the inventory names, and then once.

    Args:
        names: the inventory host names.
        addresses: reads every host's ``ansible_host`` (called at most once).
    """

    def __init__(self, names: Iterable[str], addresses: Callable[[], Iterable[str]] = tuple) -> None:
        self.names = frozenset(n.lower() for n in names)
        self._read_addresses = addresses
        self._addresses: frozenset[str] | None = None

    def knows(self, name: str) -> bool:
        """Whether ``name`` is an inventory host (by name, short name or address)."""
        if same_host(name, self.names):
            return True
        if self._addresses is None:
            self._addresses = frozenset(str(a).lower() for a in self._read_addresses() if a)
        return same_host(name, self._addresses)


@dataclass(frozen=True)
class Scope:
    """What the play declares about the fleet, for the rules that judge a host against it.

    Every field is optional: a rule that needs an undeclared one stays silent.

    Attributes:
        names: the names this host goes by (inventory name, ansible_host, FQDN), lower case.
        jump_hosts: names of the hosts declared to hold the CredSSP server role.
        clients: names of the hosts declared to start CredSSP sessions.
        known_hosts: every name the inventory knows (read lazily, see :class:`FleetNames`).
    """

    names: frozenset[str] = frozenset()
    jump_hosts: frozenset[str] | None = None
    clients: frozenset[str] | None = None
    known_hosts: FleetNames | None = None

    def is_jump_host(self) -> bool:
        """Whether this host is a declared jump host (False when none are declared)."""
        return self.jump_hosts is not None and any(same_host(n, self.jump_hosts) for n in self.names)

    def is_client(self) -> bool:
        """Whether this host is a declared CredSSP client (False when none are declared)."""
        return self.clients is not None and any(same_host(n, self.clients) for n in self.names)


def same_host(name: str, names: frozenset[str]) -> bool:
    """Whether ``name`` is one of ``names``: equal, or equal short names where one side is short."""
    low = name.strip().lower().rstrip(".")
    if low in names:
        return True
    short = low.split(".", 1)[0]
    return any(n.split(".", 1)[0] == short and ("." not in n or "." not in low) for n in names)


@dataclass(frozen=True)
class Entry:
    """One row of the findings catalogue (docs/findings.md).

    Attributes:
        id: the finding id.
        severity: the severity, or for findings that grade, the grading as text.
        when: what the host has when the finding fires (a Markdown cell).
        remedy: the fix in a few words (a Markdown cell).
        refs: CIS / STIG ids.
    """

    id: str
    severity: str
    when: str
    remedy: str
    refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One check and the catalogue rows of the findings it can produce.

    Attributes:
        entries: the findings it documents (usually one).
        check: (posture, scope) → findings.
    """

    entries: tuple[Entry, ...]
    check: Callable[[Posture, Scope], Iterator[Finding]]


def source(posture: Posture, key: str) -> str:
    """``gpo`` when Group Policy sets ``key``, else ``local``."""
    return "gpo" if posture.config.is_gpo(key) else "local"


def fix_for(posture: Posture, key: str, module_fix: str) -> str:
    """Say where to change a value: the GPO when policy controls it, else our module."""
    if posture.config.is_gpo(key):
        return "Group Policy controls this value (%s): change the GPO, then run gpupdate" % (
            LEAVES[key].policy_path or "Group Policy"
        )
    return module_fix


@dataclass(frozen=True)
class FlagRule:
    """A rule that fires when a boolean config leaf differs from ``want``.

    Attributes:
        id, severity, why, refs: as in :class:`Finding`.
        key: the config leaf (a :data:`LEAVES` key).
        want: the compliant value.
        hint: text appended to the leaf's own fix (``; connect with ntlm/kerberos instead``).
        exempt: hosts the play declares as allowed to differ (e.g. the CredSSP jump hosts).
        note: appended to the docs/findings.md "when" cell (what the value does *not* mean).
    """

    id: str
    severity: str
    key: str
    want: bool
    why: str
    hint: str = ""
    refs: tuple[str, ...] = ()
    exempt: Callable[[Scope], bool] | None = None
    note: str = ""

    def check(self, posture: Posture, scope: Scope | None = None) -> Iterator[Finding]:
        value = posture.config.value(self.key)
        if self.exempt is not None and self.exempt(scope or Scope()):
            return
        if isinstance(value, bool) and value != self.want:
            fix = fix_for(posture, self.key, (LEAVES[self.key].fix(self.want) or "") + self.hint)
            yield Finding(self.id, self.severity, self.key, value, self.why, fix, self.refs, source(posture, self.key))

    def as_rule(self) -> Rule:
        leaf = LEAVES[self.key]
        shown = "true" if not self.want else "false"
        entry = Entry(self.id, self.severity, "`%s` %s%s" % (self.key, shown, self.note),
                      "`%s: {%s: {%s: %s}}`" % ("winrm_auth", leaf.side, leaf.option, str(self.want).lower()),
                      self.refs)
        return Rule((entry,), self.check)


def evaluate(posture: Posture, rules: Iterable[Rule], scope: Scope | None = None) -> list[Finding]:
    """Run ``rules``; highest severity first, then by id."""
    scope = scope or Scope()
    findings = [finding for rule in rules for finding in rule.check(posture, scope)]
    order = {name: i for i, name in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: (-order[f.severity], f.id, f.setting))


def exceeds(findings: list[Finding], fail_on: str) -> list[Finding]:
    """Findings at or above the ``fail_on`` threshold (none for ``none``; info never counts)."""
    if fail_on == "none":
        return []
    threshold = SEVERITIES.index(fail_on)
    return [f for f in findings if f.severity != "info" and SEVERITIES.index(f.severity) >= threshold]


def catalogue_markdown(rules: Sequence[Rule]) -> str:
    """The table of docs/findings.md, one row per rule, in the rules' order."""
    lines = ["| id | severity | when | fix | refs |", "|---|---|---|---|---|"]
    for entry in (e for rule in rules for e in rule.entries):
        cells = (entry.id, entry.severity, entry.when, entry.remedy, ", ".join(entry.refs) or "-")
        lines.append("| %s |" % " | ".join(cells))
    return "\n".join(lines) + "\n"
