"""WS-Transfer Get/Put on http://schemas.microsoft.com/wbem/wsman/1/config and sub-resources."""

from __future__ import annotations

from .. import faults, schema, xmlns
from ..operation import Context, Reply
from ..policy import set_leaf


def get(ctx: Context, resource: schema.Resource) -> Reply:
    if ctx.request.selectors:
        raise faults.invalid_selectors(faults.CONFIG_PROVIDER)
    return Reply(xmlns.ACTION_GET + "Response", schema.render(resource, ctx.host.effective()))


def put(ctx: Context, resource: schema.Resource) -> Reply:
    """Partial or whole Put: only the leaves present in the body change."""
    if ctx.request.selectors:
        raise faults.invalid_selectors(faults.CONFIG_PROVIDER)
    host = ctx.host
    updates = schema.parse_put(resource, ctx.request.body)
    effective = host.effective()
    for path in updates:
        if effective[path][1] == "GPO":
            raise faults.gpo_controlled(path[-1])
    changed = False
    for path, value in updates.items():
        changed |= set_leaf(host.state["config"], path, value)
    if changed:
        host.commit()
    return Reply(xmlns.ACTION_PUT + "Response", schema.render(resource, host.effective()))
