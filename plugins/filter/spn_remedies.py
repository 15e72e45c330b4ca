# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter plugins of the spn_validation role: spn_remedies, ntlm_readiness, ntlm_readiness_markdown.

Documentation in spn_remedies.yml, ntlm_readiness.yml and ntlm_readiness_markdown.yml; the rules in
plugin_utils/_kerberos/readiness.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import readiness


def _plans(value: Any, name: str) -> list[Mapping[str, Any]]:
    """The auth_plan predictions, or an error that says what was given instead."""
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)) or \
            not all(isinstance(p, Mapping) for p in value):
        raise AnsibleFilterError("winauth.winrm.%s: the input must be the list query('winauth.winrm.auth_plan', ...) "
                                 "returns, got %s" % (name, type(value).__name__))
    return list(value)


def _mapping(value: Any, name: str, option: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AnsibleFilterError("winauth.winrm.%s: %s must be a dictionary, got %s"
                                 % (name, option, type(value).__name__))
    return value


def spn_remedies(plans: Any, spn_info: Any = None, policy: str = "service_class", fix: bool = False,
                 ports: Any = None, users: Any = None) -> dict[str, dict[str, Any]]:
    """Per host: what is wrong, the one change, the ad_spn writes and the connection variables.

    Args:
        plans: the auth_plan predictions.
        spn_info: the registered ad_spn_info result (None or {} when it was not run).
        policy: service_class, port_spn or move.
        fix: the role writes to AD.
        ports: host → port (for port_spn).
        users: host → ansible_user (local or domain account; nothing else of it is used).

    Returns:
        host → remedy.

    Raises:
        AnsibleFilterError: wrong input or an unknown policy.
    """
    if not isinstance(fix, bool):
        raise AnsibleFilterError("winauth.winrm.spn_remedies: fix must be true or false, got %r" % (fix,))
    try:
        return readiness.remedies(_plans(plans, "spn_remedies"), _mapping(spn_info, "spn_remedies", "spn_info"),
                                  str(policy), fix, _mapping(ports, "spn_remedies", "ports"),
                                  _mapping(users, "spn_remedies", "users"))
    except ValueError as e:
        raise AnsibleFilterError("winauth.winrm.spn_remedies: %s" % e) from e


def ntlm_readiness(plans: Any, remedies: Any, after: Any = None, spn_info: Any = None, fix: bool = False,
                   policy: str = "service_class", generated: str = "", check_mode: bool = False,
                   fail_on: Any = readiness.FAIL_ON) -> dict[str, Any]:
    """The NTLM-retirement readiness report (a dictionary, for to_nice_json).

    Args:
        plans: the auth_plan predictions before the role.
        remedies: what spn_remedies returned for them.
        after: the auth_plan predictions after the role (None: not re-predicted).
        spn_info: the ad_spn_info result.
        fix: the role ran with fixing on.
        policy: the declared collision policy.
        generated: when, as text.
        check_mode: the run was in check mode.
        fail_on: outcomes that fail a host.

    Returns:
        The report.

    Raises:
        AnsibleFilterError: wrong input.
    """
    unknown = set(fail_on or ()) - {"fail", "ntlm", "credssp_ntlm", "basic", "certificate", "credssp"}
    if isinstance(fail_on, (str, bytes)) or unknown:
        raise AnsibleFilterError("winauth.winrm.ntlm_readiness: fail_on must be a list of fail, ntlm, credssp_ntlm, "
                                 "basic, certificate, credssp; got %r" % (fail_on,))
    return readiness.report(
        _plans(plans, "ntlm_readiness"), _mapping(remedies, "ntlm_readiness", "remedies"),
        None if after is None else _plans(after, "ntlm_readiness"),
        _mapping(spn_info, "ntlm_readiness", "spn_info") if spn_info else None,
        bool(fix), str(policy), str(generated), bool(check_mode), tuple(fail_on or ()))


def ntlm_readiness_markdown(report: Any) -> str:
    """The readiness report as Markdown.

    Args:
        report: what ntlm_readiness returned.

    Returns:
        The Markdown text.

    Raises:
        AnsibleFilterError: the input is not such a report.
    """
    if not isinstance(report, Mapping) or "summary" not in report or "hosts" not in report:
        raise AnsibleFilterError("winauth.winrm.ntlm_readiness_markdown: the input must be the report "
                                 "winauth.winrm.ntlm_readiness returns")
    return readiness.markdown(report)


class FilterModule:
    """winauth.winrm filters of the spn_validation role."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"spn_remedies": spn_remedies, "ntlm_readiness": ntlm_readiness,
                "ntlm_readiness_markdown": ntlm_readiness_markdown}
