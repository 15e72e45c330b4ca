"""http://schemas.microsoft.com/wbem/wsman/1/config/listener: Enumerate/Get/Put/Create/Delete.

Listeners are real: the network layer binds what these entries say after each
change (see network.py), so deleting the HTTP listener stops HTTP service.

Besides the local listeners (state "listeners") a host has the ones Windows derives,
marked on the Listener element as in windows-recorded/listener-enumerate-gpo.winrm-cmd.txt:
``Source="GPO"`` -- an HTTP listener on all addresses when the policy "Allow remote server
management through WinRM" (Service\\AllowAutoConfig=1) is on; it replaces a local listener
with the same Address and Transport and cannot be changed or deleted locally -- and
``Source="Compatibility"`` -- HTTP on port 80 / HTTPS on 443 while
EnableCompatibilityHttp(s)Listener is true. Order: GPO, local, compatibility (as recorded).
The fault for deleting a GPO listener is not recorded (2150858890 is assumed).
"""

from __future__ import annotations

import ipaddress
from typing import Any
from xml.etree.ElementTree import Element

from .. import certstore, faults, policy, registry, schema, xmlns
from ..hoststate import HostState
from ..operation import Context, Reply
from ..xmlutil import esc, local, ns_of
from . import enumeration

FIELDS = ("Address", "Transport", "Port", "Hostname", "Enabled", "URLPrefix", "CertificateThumbprint")
_WRITABLE = {"Port": "port", "Hostname": "string", "Enabled": "bool", "URLPrefix": "string",
             "CertificateThumbprint": "string"}
_PROVIDER = faults.CONFIG_PROVIDER


def ip_in_filter(ip: str, spec: str) -> bool:
    """IPv4Filter/IPv6Filter semantics: '*' is everything, '' nothing, else ranges."""
    if spec.strip() == "*":
        return True
    addr = ipaddress.ip_address(ip)
    for part in filter(None, (p.strip() for p in spec.split(","))):
        low, _dash, high = part.partition("-")
        try:
            lo = ipaddress.ip_address(low.strip())
            hi = ipaddress.ip_address(high.strip() or low.strip())
        except ValueError:
            continue
        if lo.version == addr.version and lo <= addr <= hi:  # type: ignore[operator]
            return True
    return False


def listening_on(host: HostState, listener: dict[str, str]) -> list[str]:
    """Addresses a listener really serves on this host (its only address, if it matches)."""
    address = listener["Address"]
    if address != "*" and not (address.upper().startswith("IP:") and address[3:].strip() == host.address):
        return []
    if not ip_in_filter(host.address, host.value("Service", "IPv4Filter")):
        return []
    return [host.address]


def _derived(transport: str, port: str, source: str, thumbprint: str = "") -> dict[str, str]:
    return {"Address": "*", "Transport": transport, "Port": port, "Hostname": "", "Enabled": "true",
            "URLPrefix": "wsman", "CertificateThumbprint": thumbprint, "Source": source}


def effective_listeners(host: HostState) -> list[dict[str, str]]:
    """The listeners the service runs: GPO ones, then the local ones they do not replace, then compatibility."""
    return derived_listeners(host.state, host.effective())


def derived_listeners(state: dict[str, Any], effective: schema.Effective) -> list[dict[str, str]]:
    """:func:`effective_listeners` of a state and its effective config (also used to build hosts.json)."""
    gpo = [_derived("HTTP", effective[("Service", "DefaultPorts", "HTTP")][0], "GPO")] if policy.auto_config(
        registry.Registry(state["registry"])) else []
    taken = {(g["Address"].lower(), g["Transport"]) for g in gpo}
    local: list[dict[str, str]] = [
        li for li in state["listeners"] if (li["Address"].lower(), li["Transport"]) not in taken]
    compatibility = []
    if effective[("Service", "EnableCompatibilityHttpListener")][0] == "true":
        compatibility.append(_derived("HTTP", "80", "Compatibility"))
    if effective[("Service", "EnableCompatibilityHttpsListener")][0] == "true":
        thumbprint = effective[("Service", "CertificateThumbprint")][0]
        compatibility.append(_derived("HTTPS", "443", "Compatibility", thumbprint))
    return gpo + local + compatibility


def render(host: HostState, listener: dict[str, str]) -> str:
    parts = [f"<cfg:{name}>{esc(listener[name])}</cfg:{name}>" for name in FIELDS]
    on = listening_on(host, listener)
    parts += [f"<cfg:ListeningOn>{esc(a)}</cfg:ListeningOn>" for a in on] or ['<cfg:ListeningOn xsi:nil="true"/>']
    source = f' Source="{listener["Source"]}"' if listener.get("Source") else ""
    # Get-WSManInstance shows cfg, xsi and lang on a listener, in that order.
    return (
        f'<cfg:Listener xmlns:cfg="{xmlns.LISTENER}" xmlns:xsi="{xmlns.XSI}" xml:lang="en-US"{source}>'
        f"{''.join(parts)}</cfg:Listener>"
    )


def _keys(ctx: Context) -> tuple[str, str]:
    """Address and Transport selectors, canonicalized; anything else is invalid."""
    sel = ctx.request.selectors
    address, transport = ctx.request.selector("Address"), ctx.request.selector("Transport")
    if len(sel) != 2 or address is None or transport is None or transport.upper() not in ("HTTP", "HTTPS"):
        raise faults.invalid_selectors(_PROVIDER)
    if address != "*" and not address.upper().startswith(("IP:", "MAC:")):
        raise faults.listener_address_invalid()
    if address.upper().startswith("IP:"):
        address = "IP:" + address[3:].strip()
    return address, transport.upper()


def _find(host: HostState, address: str, transport: str) -> dict[str, str] | None:
    for listener in effective_listeners(host):
        if listener["Address"].lower() == address.lower() and listener["Transport"] == transport:
            return listener
    return None


def _body_values(body: Element | None, allow_keys: bool) -> dict[str, str]:
    if body is None or local(body.tag) != "Listener" or ns_of(body.tag) != xmlns.LISTENER:
        raise faults.schema_validation()
    values: dict[str, str] = {}
    for child in body:
        name = local(child.tag)
        if ns_of(child.tag) != xmlns.LISTENER:
            raise faults.schema_validation()
        if name in ("Address", "Transport") and allow_keys:
            values[name] = (child.text or "").strip()
        elif name in _WRITABLE:
            values[name] = schema.normalize(_WRITABLE[name], child.text or "", name)
        else:  # ListeningOn is read-only; anything else is unknown
            raise faults.schema_validation()
    return values


def _check_certificate(host: HostState, listener: dict[str, str]) -> None:
    thumbprint = listener["CertificateThumbprint"].replace(" ", "").upper()
    listener["CertificateThumbprint"] = thumbprint
    if listener["Transport"] == "HTTP":
        if thumbprint:
            # ERROR_WSMAN_CONFIG_THUMBPRINT_SHOULD_BE_EMPTY 0x803380EB; subcode unconfirmed.
            raise faults.WSManFault(
                2150858987, "w:InvalidParameter",
                "The WinRM client cannot process the request. When HTTP is the transport, the "
                "Certificate thumbprint must be blank. HTTP does not use the Certificate thumbprint. ",
                provider=_PROVIDER,
            )
        return
    cert = certstore.lookup(host.state, thumbprint)
    if cert is None:
        raise faults.cert_not_found()
    hostname = listener["Hostname"].lower()
    if hostname and hostname not in [n.lower() for n in cert["dns_names"]]:
        raise faults.cert_cn_mismatch()


def enumerate_listeners(ctx: Context) -> Reply:
    if ctx.request.selectors:
        raise faults.invalid_selectors(_PROVIDER)
    items = [render(ctx.host, lst) for lst in effective_listeners(ctx.host)]
    return enumeration.enumerate_items(ctx, items)


def _missing() -> faults.WSManFault:
    # Valid selectors naming no listener: 2150858752 from the Config provider, as Windows
    # answered `winrm delete winrm/config/Listener?Address=*+Transport=HTTPS` (inspec/train#105).
    return faults.resource_not_found(_PROVIDER)


def get(ctx: Context) -> Reply:
    listener = _find(ctx.host, *_keys(ctx))
    if listener is None:
        raise _missing()
    return Reply(xmlns.ACTION_GET + "Response", render(ctx.host, listener))


def put(ctx: Context) -> Reply:
    address, transport = _keys(ctx)
    listener = _find(ctx.host, address, transport)
    if listener is None or listener.get("Source") == "Compatibility":
        raise _missing()  # compatibility listeners follow the config only (unconfirmed)
    if listener.get("Source") == "GPO":
        raise faults.gpo_controlled("Listener")
    values = _body_values(ctx.request.body, allow_keys=True)
    same_address = values.pop("Address", address).lower() == address.lower()
    if not same_address or values.pop("Transport", transport).upper() != transport:
        raise faults.cannot_change_keys()
    updated: dict[str, Any] = {**listener, **values}
    _check_certificate(ctx.host, updated)
    if updated != listener:
        listener.update(updated)
        ctx.host.commit()
    return Reply(xmlns.ACTION_PUT + "Response", render(ctx.host, listener))


def create(ctx: Context) -> Reply:
    address, transport = _keys(ctx)
    if _find(ctx.host, address, transport) is not None:
        raise faults.already_exists()
    values = _body_values(ctx.request.body, allow_keys=False)
    default_port = ctx.host.value("Service", "DefaultPorts", transport)
    listener = {
        "Address": address, "Transport": transport, "Port": default_port, "Hostname": "",
        "Enabled": "true", "URLPrefix": "wsman", "CertificateThumbprint": "", **values,
    }
    _check_certificate(ctx.host, listener)
    ctx.host.state["listeners"].append({name: listener[name] for name in FIELDS})
    ctx.host.commit()
    # winrm create prints exactly this EPR: anonymous Address + listener URI + key selectors.
    body = (
        f"<x:ResourceCreated><a:Address>{xmlns.ANONYMOUS}</a:Address><a:ReferenceParameters>"
        f"<w:ResourceURI>{xmlns.LISTENER}</w:ResourceURI><w:SelectorSet>"
        f'<w:Selector Name="Address">{esc(address)}</w:Selector>'
        f'<w:Selector Name="Transport">{transport}</w:Selector>'
        "</w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>"
    )
    return Reply(xmlns.ACTION_CREATE + "Response", body)


def delete(ctx: Context) -> Reply:
    listener = _find(ctx.host, *_keys(ctx))
    if listener is None or listener.get("Source") == "Compatibility":
        raise _missing()  # compatibility listeners follow the config only (unconfirmed)
    if listener.get("Source") == "GPO":
        raise faults.gpo_controlled("Listener")
    ctx.host.state["listeners"].remove(listener)
    ctx.host.commit()
    return Reply(xmlns.ACTION_DELETE + "Response", "", "s a w p")
