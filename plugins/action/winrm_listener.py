# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winauth.winrm.winrm_listener (documentation in plugins/modules)."""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

from ansible_collections.winauth.winrm.plugins.modules.winrm_listener import ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._action import ActionContext, WSManAction, display
from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.certificate import (
    STORE,
    Certificate,
    normalise_thumbprint,
    read_certificate,
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
        SettingsError: an option that does not fit the transport, or a missing thumbprint.
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
        if thumbprint is None:
            raise SettingsError(
                "creating an HTTPS listener needs certificate_thumbprint: the thumbprint of a certificate in "
                "LocalMachine\\My issued for the host's name (Get-ChildItem Cert:\\LocalMachine\\My lists them)")
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


def certificate_problems(cert: Certificate | None, thumbprint: str, hostname: str,
                         now: datetime.datetime | None = None) -> list[str]:
    """Why ``cert`` cannot serve an HTTPS listener named ``hostname`` (empty when it can)."""
    if cert is None:
        return ["the certificate %s is not in %s: import it with its private key (Import-PfxCertificate "
                "-CertStoreLocation Cert:\\LocalMachine\\My), or give the thumbprint of one that is"
                % (thumbprint, STORE)]
    problems = []
    moment = now or datetime.datetime.now(datetime.UTC)
    if cert.expired(moment):
        problems.append("the certificate %s expired on %s" % (thumbprint, cert.not_after_iso))
    elif cert.not_before > moment:
        problems.append("the certificate %s is not valid before %s" % (thumbprint, cert.not_before.isoformat()))
    if hostname and not cert.matches(hostname):
        problems.append("the certificate %s is for %s, not for hostname %r: set hostname to one of its names, or use "
                        "a certificate issued for %s" % (thumbprint, ", ".join(cert.names()) or "(no name)",
                                                         hostname, hostname))
    if not cert.server_auth:
        problems.append("the certificate %s is not valid for server authentication (its Enhanced Key Usage lacks "
                        "Server Authentication, 1.3.6.1.5.5.7.3.1)" % thumbprint)
    return problems


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
        change = plan(before_all, wanted)
        names = [n for n in (ctx.host, ctx.settings.host) if n]

        certificates: dict[str, Certificate | None] = {}
        after = change.after
        if after is not None and after.is_https and after.certificate_thumbprint:
            thumbprint = after.certificate_thumbprint.upper()
            cert = certificates[thumbprint] = read_certificate(Registry(ctx.client), thumbprint)
            touches = change.operation == "create" or any(
                name in change.values for name in ("CertificateThumbprint", "Hostname", "Enabled"))
            problems = certificate_problems(cert, thumbprint, after.hostname) if touches and after.enabled else []
            if problems:
                raise SettingsError("refusing to %s the %s: %s" % (
                    "create" if change.operation == "create" else "change", after.describe(), "; ".join(problems)))

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
        if reasons:
            display.warning("%s: forced listener change may have cut this controller's connection: %s"
                            % (ctx.host, "; ".join(reasons)))
            return {**result, "changed": outcome.error is None or result["changed"],
                    **self._report(apply_plan(before_all, change), change, certificates, names)}
        try:
            fresh = read_listeners(ctx.client)
        except ProtocolError as e:
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
