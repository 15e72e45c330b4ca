# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winauth.winrm.winrm_listener (documentation in plugins/modules)."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from ansible_collections.winauth.winrm.plugins.modules.winrm_listener import ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._action import ActionContext, WSManAction, display
from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.certificate import (
    STORE,
    Certificate,
    choose,
    normalise_thumbprint,
    problems,
    read_certificate,
    read_store,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.computer import read_computer_system
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.listener import (
    DEFAULT_PORTS,
    LISTENER_URI,
    Listener,
    ListenerPlan,
    Wanted,
    apply_plan,
    find,
    listener_facts,
    normalise_address,
    plan,
    read_listeners,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.lockout import listener_cut_reasons
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.write import (
    Item,
    Step,
    apply,
    classify,
    partial_result,
)
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ProtocolError, SettingsError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.registry import Registry


def wanted_from(args: dict[str, Any], existing: Listener | None, fqdn: str | None) -> Wanted:
    """The listener the task asks for, its defaults filled in.

    Args:
        args: the validated module arguments.
        existing: the listener with the same selectors, if the host has one.
        fqdn: the host's FQDN, the hostname of a new HTTPS listener (None: not needed).

    Raises:
        SettingsError: an option that does not fit the transport.
    """
    transport = args["transport"].upper()
    address = normalise_address(args["address"])
    if args["state"] == "absent":
        return Wanted(transport, address, present=False)
    raw = args["certificate_thumbprint"]
    thumbprint = normalise_thumbprint(raw) if raw not in (None, "") else None
    hostname = args["hostname"]
    if transport == "HTTP" and thumbprint:
        raise SettingsError("certificate_thumbprint is for https listeners: an HTTP listener has no certificate "
                            "(Windows refuses one, 0x803380EB); remove the option or set transport: https")
    if transport == "HTTPS" and existing is None:
        hostname = hostname if hostname is not None else fqdn
    return Wanted(transport, address, port=args["port"] or DEFAULT_PORTS[transport], hostname=hostname,
                  enabled=args["enabled"], certificate_thumbprint=thumbprint)


def host_fqdn(client: WSManClient) -> str | None:
    """DNSHostName (+ Domain on a domain member) from Win32_ComputerSystem."""
    computer = read_computer_system(client)
    if computer is None or not computer.dns_host_name:
        return None
    if computer.part_of_domain and computer.domain:
        return "%s.%s" % (computer.dns_host_name, computer.domain)
    return computer.dns_host_name


def pick_certificate(client: WSManClient, hostname: str) -> str:
    """The thumbprint of the certificate of LocalMachine\\My that fits ``hostname`` best.

    What ``winrm quickconfig -transport:https`` does when no thumbprint is given; one EnumKey plus
    one GetBinaryValue per certificate in the store.

    Raises:
        SettingsError: no certificate fits; the message lists each one and why not.
    """
    store = read_store(Registry(client))
    chosen = choose(store, hostname)
    if chosen is not None:
        return chosen.thumbprint
    why = ["%s (%s)" % (c.thumbprint, "; ".join(problems(c, c.thumbprint, hostname))
                        or "no private key linked in the store") for c in store]
    raise SettingsError(
        "no certificate in %s can serve an HTTPS listener for hostname %r (it needs one that is valid now, for "
        "server authentication, with its private key, issued for that name): %s. Enrol or import one, or give "
        "certificate_thumbprint" % (STORE, hostname, "; ".join(why) if why else "the store is empty"))


def checked_certificate(client: WSManClient, change: ListenerPlan) -> dict[str, Certificate | None]:
    """Read the certificate the HTTPS listener will name (one request) and refuse one that cannot serve it.

    Checked when the write puts the certificate to use: a create, or a change of the thumbprint, the
    hostname or ``Enabled``, leaving the listener enabled. Windows itself checks only that the store
    has it and that its CN is the hostname.

    Returns:
        ``{thumbprint: certificate or None}`` for the result's facts (empty for HTTP).

    Raises:
        SettingsError: naming every problem of the certificate.
    """
    after = change.after
    if after is None or not after.is_https or not after.certificate_thumbprint:
        return {}
    thumbprint = after.certificate_thumbprint.upper()
    cert = read_certificate(Registry(client), thumbprint)
    put_to_use = ("CertificateThumbprint", "Hostname", "Enabled")
    in_use = change.operation == "create" or any(n in change.values for n in put_to_use)
    found = problems(cert, thumbprint, after.hostname) if in_use and after.enabled else []
    if found:
        raise SettingsError("refusing to %s the %s: %s" % ("create" if change.operation == "create" else "change",
                                                           after.describe(), "; ".join(found)))
    return {thumbprint: cert}


def _step(client: WSManClient, change: ListenerPlan, selectors: dict[str, str]) -> Step:
    items = tuple(Item(line, change.holds) for line in change.changes)
    if change.operation == "create":
        return Step("Create config/listener", items, partial(client.create, LISTENER_URI, change.body(), selectors))
    if change.operation == "put":
        return Step("Put config/listener", items, partial(client.put, LISTENER_URI, change.body(), selectors))
    return Step("Delete config/listener", items, partial(client.delete, LISTENER_URI, selectors))


def _shown(listener: Listener | None) -> dict[str, object]:
    if listener is None:
        return {}
    shown = listener.as_dict()
    shown.pop("listening_on")
    return shown


class ActionModule(WSManAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, ctx: ActionContext) -> dict[str, Any]:
        args = ctx.args
        before_all = read_listeners(ctx.client)
        transport = args["transport"].upper()
        existing = find(before_all, normalise_address(args["address"]), transport)
        needs_fqdn = args["state"] == "present" and transport == "HTTPS" and existing is None and not args["hostname"]
        wanted = wanted_from(args, existing, host_fqdn(ctx.client) if needs_fqdn else None)
        if wanted.present and transport == "HTTPS" and existing is None and wanted.certificate_thumbprint is None:
            wanted = replace(wanted, certificate_thumbprint=pick_certificate(ctx.client, wanted.hostname or ""))
        change = plan(before_all, wanted)
        names = [n for n in (ctx.host, ctx.settings.host) if n]

        certificates = checked_certificate(ctx.client, change)
        result: dict[str, Any] = {"changed": change.operation is not None, "changes": list(change.changes)}
        if ctx.diff and change.operation is not None:
            result["diff"] = {"before": _shown(change.before), "after": _shown(change.after)}
        reasons = listener_cut_reasons(ctx.settings, ctx.transport.auth_used or "", change)
        if reasons and not args["force"]:
            return {**result, "changed": False, "failed": True,
                    "msg": "refusing to lock this controller out of %s: %s. Create and reach the host through another "
                           "listener first, or pass force: true." % (ctx.host, "; ".join(reasons))}
        if change.operation is None or ctx.check_mode:
            return {**result, **self._report(apply_plan(before_all, change), change, certificates, names)}

        subject = change.before if change.before is not None else change.after
        steps = [_step(ctx.client, change, subject.selectors if subject is not None else wanted.selectors)]
        outcome = apply(steps)
        if reasons and outcome.error is None:
            # The path this task used is gone: report what the host acknowledged, without a re-read.
            display.warning("%s: forced listener change may have cut this controller's connection: %s"
                            % (ctx.host, "; ".join(reasons)))
            return {**result, **self._report(apply_plan(before_all, change), change, certificates, names)}
        try:
            fresh = read_listeners(ctx.client)
        except WinAuthError as e:
            if outcome.error is not None:
                return {**result, **partial_result(ctx.host, outcome.applied, outcome.not_applied, outcome.error,
                                                   "fix the cause, then re-run this task", reread_error=e)}
            raise
        applied, missing = classify(steps, fresh)
        if outcome.error is not None:
            return {**result, **partial_result(ctx.host, applied, missing, outcome.error,
                                               "fix the cause, then re-run this task (it applies only what is still "
                                               "missing)"), **self._report(fresh, change, certificates, names)}
        if missing:
            raise ProtocolError("the host accepted the write but its listeners do not show it: %s"
                                % "; ".join(missing), target=ctx.settings.endpoint, operation="confirm")
        return {**result, **self._report(fresh, change, certificates, names)}

    @staticmethod
    def _report(listeners: tuple[Listener, ...], change: ListenerPlan, certificates: dict[str, Certificate | None],
                names: list[str]) -> dict[str, Any]:
        target = change.after
        mine = find(listeners, target.address, target.transport) if target is not None else None
        return {
            "listener": listener_facts(mine, certificates, names) if mine is not None else None,
            "listeners": [li.as_dict() for li in listeners],
        }
