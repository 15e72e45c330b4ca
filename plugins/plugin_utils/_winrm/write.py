# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writes of several steps that are never half-reported.

For internal collection use only; this is not a public API.

Windows has no transaction across WinRM resources: changing service auth and client auth is
two Puts, and the second can fail after the first was applied (Group Policy landing in
between, the host going away, a fault). Every writing module runs its steps through
:func:`apply` and, when one fails, reports from a fresh read which changes the host really
has and which it has not (:func:`partial_result`), so ``changed`` is true as soon as anything
was applied and the message says how to finish.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError


@dataclass(frozen=True)
class Item:
    """One change a write carries.

    Attributes:
        describe: how results name it (``client.auth.basic: true -> false``).
        holds: given a fresh read of the host, whether the host has this change now.
    """

    describe: str
    holds: Callable[[Any], bool]


@dataclass(frozen=True)
class Step:
    """One write (one Put, Create, Delete or Invoke).

    Attributes:
        operation: what it does, for messages (``Put config/client/auth``).
        items: the changes it carries (none for a preparation such as CreateKey).
        run: does the write; raises WinAuthError when the host refuses it.
    """

    operation: str
    items: tuple[Item, ...]
    run: Callable[[], object]


@dataclass
class Outcome:
    """What :func:`apply` managed.

    Attributes:
        applied: changes of the steps that succeeded, in order.
        not_applied: changes of the failed step and of every step after it.
        failed_step: the step that failed, or None when all succeeded.
        error: its error.
    """

    applied: list[str] = field(default_factory=list)
    not_applied: list[str] = field(default_factory=list)
    failed_step: Step | None = None
    error: WinAuthError | None = None


def apply(steps: Sequence[Step]) -> Outcome:
    """Run ``steps`` in order, stopping at the first that fails."""
    outcome = Outcome()
    for index, step in enumerate(steps):
        try:
            step.run()
        except WinAuthError as e:
            outcome.failed_step, outcome.error = step, e
            outcome.not_applied = [item.describe for later in steps[index:] for item in later.items]
            return outcome
        outcome.applied.extend(item.describe for item in step.items)
    return outcome


def classify(steps: Sequence[Step], fresh: Any) -> tuple[list[str], list[str]]:
    """``(applied, not_applied)`` by what a fresh read of the host shows, not by what was acknowledged."""
    items = [item for step in steps for item in step.items]
    return ([i.describe for i in items if i.holds(fresh)], [i.describe for i in items if not i.holds(fresh)])


def partial_result(host: str, applied: list[str], not_applied: list[str], cause: WinAuthError,
                   finish: str, reread_error: WinAuthError | None = None) -> dict[str, object]:
    """The result of a write that stopped part-way.

    Args:
        host: inventory name, for the message.
        applied: changes the host has now (from a fresh read where one was possible).
        not_applied: changes it does not have.
        cause: the error that stopped the write.
        finish: how to complete it (the GPO to change, or "re-run the task").
        reread_error: set when the fresh read failed too; the lists then come from the
            steps' own outcome and the message says so.

    Returns:
        Result keys: ``failed``, ``changed`` (true when anything was applied), ``applied``,
        ``not_applied``, ``msg``.
    """
    if applied:
        state = "%s is partly changed: applied %s; not applied %s." % (
            host, "; ".join(applied), "; ".join(not_applied) or "(none)")
    else:
        state = "%s is unchanged: not applied %s." % (host, "; ".join(not_applied))
    msg = "%s Cause: %s. To finish: %s" % (state, cause, finish)
    if reread_error is not None:
        msg += " (The host could not be read back to confirm (%s); the lists say which writes it acknowledged.)" \
            % reread_error
    return {"failed": True, "changed": bool(applied), "applied": applied, "not_applied": not_applied, "msg": msg}
