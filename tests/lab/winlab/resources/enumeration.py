"""WS-Enumeration: Enumerate (optionally optimized), Pull and Release over rendered items.

With w:OptimizeEnumeration the first items come back in the EnumerateResponse
(w:Items); when they all fit, w:EndOfSequence follows and the context is empty,
as Windows does. Otherwise the client Pulls with the returned context.
"""

from __future__ import annotations

import time
import uuid
from typing import Any
from xml.etree.ElementTree import Element

from .. import faults, xmlns
from ..operation import Context, Reply
from ..xmlns import q
from ..xmlutil import esc

_PREFIXES = "s a n w p"
MAX_BATCH = 32000  # config MaxBatchItems default


def _max_elements(parent: Element | None, ns: str, default: int) -> int:
    el = None if parent is None else parent.find(q(ns, "MaxElements"))
    text = "" if el is None else (el.text or "").strip()
    return max(1, int(text)) if text.isdigit() else default


def _expire(ctx: Context) -> None:
    timeout = int(ctx.host.value("Service", "EnumerationTimeoutms")) / 1000
    now = time.monotonic()
    for key in [k for k, v in ctx.host.enumerations.items() if now - v["touched"] > timeout]:
        del ctx.host.enumerations[key]


def enumerate_items(ctx: Context, items: list[str], prefixes: str = _PREFIXES, activity: bool = False,
                    batch_limit: int | None = None) -> Reply:
    """Answer an Enumerate over rendered items.

    Args:
        prefixes: the envelope's namespace declarations (the providers differ: WMI
            replies declare s a n w only, windows/shell ones add p).
        activity: send p:ActivityId (see operation.Reply).
        batch_limit: at most this many items per reply whatever MaxElements says (a WMI
            provider that hands out one instance per reply, as recorded for Win32_Volume).
    """
    body = ctx.request.body
    if body is None or body.tag != q(xmlns.ENUMERATION, "Enumerate"):
        raise faults.schema_validation()
    _expire(ctx)
    optimize = body.find(q(xmlns.WSMAN, "OptimizeEnumeration")) is not None
    batch: list[str] = []
    if optimize:  # the first batch goes inline in the EnumerateResponse
        count = min(_max_elements(body, xmlns.WSMAN, 1), batch_limit or MAX_BATCH)
        batch, items = items[:count], items[count:]
    if optimize and not items:
        context_text = ""
    else:
        context_text = f"uuid:{str(uuid.uuid4()).upper()}"
        ctx.host.enumerations[context_text] = {
            "items": items, "uri": ctx.request.resource_uri, "touched": time.monotonic(),
            "prefixes": prefixes, "batch_limit": batch_limit,
        }
    inner = f"<n:EnumerationContext>{context_text}</n:EnumerationContext>"
    if optimize:
        inner += f"<w:Items>{''.join(batch)}</w:Items>"
        if not items:
            inner += "<w:EndOfSequence/>"
    return Reply(xmlns.ACTION_ENUMERATE + "Response", f"<n:EnumerateResponse>{inner}</n:EnumerateResponse>",
                 prefixes, activity)


def _context_of(ctx: Context, element: str) -> tuple[str, dict[str, Any]]:
    body = ctx.request.body
    if body is None or body.tag != q(xmlns.ENUMERATION, element):
        raise faults.schema_validation()
    el = body.find(q(xmlns.ENUMERATION, "EnumerationContext"))
    key = (el.text or "").strip() if el is not None else ""
    _expire(ctx)
    state = ctx.host.enumerations.get(key)
    if state is None:
        raise faults.invalid_enumeration_context()
    return key, state


def pull(ctx: Context) -> Reply:
    key, state = _context_of(ctx, "Pull")
    count = min(_max_elements(ctx.request.body, xmlns.ENUMERATION, 1), state["batch_limit"] or MAX_BATCH)
    batch, rest = state["items"][:count], state["items"][count:]
    if rest:
        state["items"], state["touched"] = rest, time.monotonic()
        inner = f"<n:EnumerationContext>{esc(key)}</n:EnumerationContext><n:Items>{''.join(batch)}</n:Items>"
    else:
        del ctx.host.enumerations[key]
        inner = f"<n:Items>{''.join(batch)}</n:Items><n:EndOfSequence/>"
    return Reply(xmlns.ACTION_PULL + "Response", f"<n:PullResponse>{inner}</n:PullResponse>", state["prefixes"])


def release(ctx: Context) -> Reply:
    key, _state = _context_of(ctx, "Release")
    del ctx.host.enumerations[key]
    return Reply(xmlns.ACTION_RELEASE + "Response", "", _PREFIXES)
