"""winrm_info's fleet names: the inventory's addresses without a variable computation per host."""

from __future__ import annotations

from pathlib import Path

from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.vars.hostvars import HostVars
from ansible.vars.manager import VariableManager

from ansible_collections.winauth.winrm.plugins.action.winrm_info import _inventory_addresses
from ansible_collections.winauth.winrm.plugins.plugin_utils._findings.engine import FleetNames

INVENTORY = """
all:
  children:
    jump:
      vars: {ansible_host: 10.0.0.99}
      hosts:
        jumpalias: {}
        jump02: {ansible_host: jump02.lab.test}
    web:
      hosts:
        web01: {}
"""


def _task_vars(tmp_path: Path) -> tuple[dict[str, object], list[str]]:
    path = tmp_path / "inventory.yml"
    path.write_text(INVENTORY, encoding="utf-8")
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[str(path)])
    variables = VariableManager(loader=loader, inventory=inventory)
    hostvars = HostVars(inventory=inventory, variable_manager=variables, loader=loader)
    return {"hostvars": hostvars}, [h.name for h in inventory.get_hosts()]


def test_addresses_come_from_host_then_group_variables(tmp_path: Path) -> None:
    task_vars, names = _task_vars(tmp_path)
    assert sorted(_inventory_addresses(task_vars, names)()) == ["10.0.0.99", "jump02.lab.test"]


def test_a_target_known_only_by_address_is_an_inventory_host(tmp_path: Path) -> None:
    task_vars, names = _task_vars(tmp_path)
    fleet = FleetNames(names, _inventory_addresses(task_vars, names))
    assert fleet.knows("jump02.lab.test") and fleet.knows("10.0.0.99") and fleet.knows("web01.lab.test")
    assert not fleet.knows("db07.lab.test")


def test_without_ansible_core_hostvars_the_full_lookup_is_used() -> None:
    hostvars = {"a": {"ansible_host": "10.1.1.1"}, "b": {}}
    assert _inventory_addresses({"hostvars": hostvars}, ["a", "b", "c"])() == ["10.1.1.1"]
