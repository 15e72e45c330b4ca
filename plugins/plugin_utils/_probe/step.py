# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One probe step's result, and the verdict over all of them.

For internal collection use only; this is not a public API.

A failing or warning step names a cause of the :mod:`.._explain` table, so the probe's fix and
``winauth.winrm.explain`` of the real connection error agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._explain import CAUSES

STATUSES = ("ok", "warn", "fail", "skip")


@dataclass(frozen=True)
class Step:
    """What one layer check found.

    Attributes:
        name: the step (``dns``, ``tcp``, ``identify``, ``schemes``, ``tls``, ``kerberos``, ``clock``,
            ``roundtrip``).
        status: ``ok``, ``warn``, ``fail`` or ``skip``.
        summary: one sentence of what was found.
        layer: the layer that failed (the cause's layer), else the step's own layer.
        evidence: what was observed (addresses, timings, headers, certificate fields ...); never secrets.
        cause: the :data:`CAUSES` id for ``warn``/``fail``.
        fix: what to do (the cause's fix, made specific where the evidence allows).
        elapsed_ms: how long the step took.
    """

    name: str
    status: str
    summary: str
    layer: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    cause: str | None = None
    fix: str = ""
    elapsed_ms: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "status": self.status, "layer": self.layer, "summary": self.summary,
            "evidence": dict(self.evidence), "cause": self.cause, "fix": self.fix, "elapsed_ms": self.elapsed_ms,
        }


def ok(name: str, summary: str, **evidence: Any) -> Step:
    """A passed step; its layer is its name."""
    return Step(name, "ok", summary, name, evidence)


def skip(name: str, summary: str, **evidence: Any) -> Step:
    """A step that did not apply or could not run (its prerequisite failed)."""
    return Step(name, "skip", summary, name, evidence)


def problem(name: str, cause: str, summary: str, fix: str | None = None, status: str = "fail",
            evidence: Mapping[str, Any] | None = None, **more: Any) -> Step:
    """A failed (or ``status="warn"``) step naming a cause of the table.

    Args:
        name: the step.
        cause: a :data:`CAUSES` id; its layer and fix are used.
        summary: what was observed.
        fix: a more specific fix than the table's (e.g. with the host's own name in it).
        status: ``fail`` or ``warn``.
        evidence / more: observed facts.

    Raises:
        KeyError: ``cause`` is not in the table (a programming error, caught by the unit tests).
    """
    row = CAUSES[cause]
    return Step(name, status, summary, row.layer, {**(evidence or {}), **more}, cause, fix or row.fix)


def verdict(host: str, steps: Iterable[Step]) -> tuple[bool, str]:
    """``(healthy, one line)`` for the ad-hoc output: the first failure, else the warnings, else OK.

    Args:
        host: what the line starts with (the endpoint).
        steps: every step, in the order run.
    """
    steps = list(steps)
    failed = [s for s in steps if s.status == "fail"]
    if failed:
        first = failed[0]
        return False, "%s: FAIL at %s (%s): %s - fix: %s" % (host, first.layer, first.cause, first.summary, first.fix)
    warned = [s for s in steps if s.status == "warn"]
    passed = next((s for s in steps if s.name == "roundtrip" and s.status == "ok"), None)
    line = "%s: OK" % host
    if passed is not None:
        line += " - %s" % passed.summary
    if warned:
        line += "; warnings: %s" % "; ".join("%s (%s)" % (s.summary, s.cause) for s in warned)
    return True, line


def redact(value: Any, secret: str | None) -> Any:
    """``value`` with every occurrence of ``secret`` in its strings replaced by ``********``.

    Args:
        value: a result (dicts, lists, strings, scalars).
        secret: the password; nothing is changed when it is empty.
    """
    if not secret:
        return value
    if isinstance(value, str):
        return value.replace(secret, "********")
    if isinstance(value, Mapping):
        return {k: redact(v, secret) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, secret) for v in value]
    return value
