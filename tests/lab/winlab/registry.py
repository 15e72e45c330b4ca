"""An emulated Windows registry stored inside a host's JSON state.

Layout in the state dict::

    "registry": {"HKEY_LOCAL_MACHINE": {"subkeys": {"SOFTWARE": {...}}, "values": [
        {"name": "AllowBasic", "type": "REG_DWORD", "data": 0}, ...]}}

Key and value names are matched case-insensitively and keep the case they
were created with. Subkeys enumerate sorted case-insensitively (as the
registry stores them); values enumerate in creation order.
"""

from __future__ import annotations

from typing import Any

Key = dict[str, Any]

HIVES: dict[int, str] = {
    2147483648: "HKEY_CLASSES_ROOT",
    2147483649: "HKEY_CURRENT_USER",
    2147483650: "HKEY_LOCAL_MACHINE",
    2147483651: "HKEY_USERS",
    2147483653: "HKEY_CURRENT_CONFIG",
}
HIVE_ALIASES = {
    "HKLM": "HKEY_LOCAL_MACHINE",
    "HKCU": "HKEY_CURRENT_USER",
    "HKCR": "HKEY_CLASSES_ROOT",
    "HKU": "HKEY_USERS",
    "HKCC": "HKEY_CURRENT_CONFIG",
}
TYPES: dict[str, int] = {
    "REG_SZ": 1,
    "REG_EXPAND_SZ": 2,
    "REG_BINARY": 3,
    "REG_DWORD": 4,
    "REG_MULTI_SZ": 7,
    "REG_QWORD": 11,
}

# Win32 error codes StdRegProv returns in ReturnValue.
OK = 0
FILE_NOT_FOUND = 2
ACCESS_DENIED = 5


def new_key() -> Key:
    return {"subkeys": {}, "values": []}


def split_path(path: str) -> list[str]:
    return [p for p in path.replace("/", "\\").split("\\") if p]


def split_full(path: str) -> tuple[str, list[str]]:
    """'HKLM\\SOFTWARE\\X' -> ('HKEY_LOCAL_MACHINE', ['SOFTWARE', 'X'])."""
    parts = split_path(path)
    if not parts:
        raise ValueError(f"empty registry path: {path!r}")
    hive = HIVE_ALIASES.get(parts[0].upper(), parts[0].upper())
    if hive not in HIVES.values():
        raise ValueError(f"unknown registry hive in {path!r}")
    return hive, parts[1:]


def _child(key: Key, name: str) -> tuple[str, Key] | None:
    subkeys: dict[str, Key] = key["subkeys"]
    if name in subkeys:
        return name, subkeys[name]
    folded = name.casefold()
    for existing, sub in subkeys.items():
        if existing.casefold() == folded:
            return existing, sub
    return None


class Registry:
    """Operations on the 'registry' section of one host's state."""

    def __init__(self, data: dict[str, Key]) -> None:
        self.data = data

    def _hive(self, hive: str) -> Key:
        return self.data.setdefault(hive, new_key())

    def find(self, hive: str, parts: list[str]) -> Key | None:
        key: Key | None = self.data.get(hive)
        for name in parts:
            found = _child(key, name) if key is not None else None
            key = found[1] if found else None
            if key is None:
                return None
        return key

    def find_path(self, path: str) -> Key | None:
        hive, parts = split_full(path)
        return self.find(hive, parts)

    def create(self, hive: str, parts: list[str]) -> tuple[Key, bool]:
        key = self._hive(hive)
        created = False
        for name in parts:
            found = _child(key, name)
            if found is None:
                key["subkeys"][name] = new_key()
                key = key["subkeys"][name]
                created = True
            else:
                key = found[1]
        return key, created

    def create_path(self, path: str) -> Key:
        hive, parts = split_full(path)
        return self.create(hive, parts)[0]

    def delete(self, hive: str, parts: list[str]) -> int:
        """RegDeleteKey semantics: a key that still has subkeys cannot be deleted."""
        if not parts:
            return ACCESS_DENIED
        parent = self.find(hive, parts[:-1])
        found = _child(parent, parts[-1]) if parent is not None else None
        if parent is None or found is None:
            return FILE_NOT_FOUND
        name, key = found
        if key["subkeys"]:
            return ACCESS_DENIED
        del parent["subkeys"][name]
        return OK


def subkey_names(key: Key) -> list[str]:
    return sorted(key["subkeys"], key=str.upper)


def get_value(key: Key, name: str) -> dict[str, Any] | None:
    folded = name.casefold()
    return next((v for v in key["values"] if v["name"].casefold() == folded), None)


def set_value(key: Key, name: str, type_name: str, data: Any) -> bool:
    """Create or replace a value; returns True if anything changed."""
    existing = get_value(key, name)
    if existing is None:
        key["values"].append({"name": name, "type": type_name, "data": data})
        return True
    if existing["type"] == type_name and existing["data"] == data:
        return False
    existing["type"] = type_name
    existing["data"] = data
    return True


def delete_value(key: Key, name: str) -> bool:
    existing = get_value(key, name)
    if existing is None:
        return False
    key["values"].remove(existing)
    return True


def coerce(spec: Any) -> tuple[str, Any]:
    """A scenario value: {type, data} or shorthand int -> REG_DWORD, str -> REG_SZ, list -> REG_MULTI_SZ."""
    if isinstance(spec, dict):
        type_name = str(spec["type"]).upper()
        if type_name not in TYPES:
            raise ValueError(f"unknown registry type {type_name!r}")
        data = spec["data"]
    elif isinstance(spec, bool):
        raise ValueError("registry values cannot be booleans; use 0/1")
    elif isinstance(spec, int):
        type_name, data = "REG_DWORD", spec
    elif isinstance(spec, str):
        type_name, data = "REG_SZ", spec
    elif isinstance(spec, list):
        type_name, data = "REG_MULTI_SZ", [str(s) for s in spec]
    else:
        raise ValueError(f"unsupported registry value {spec!r}")
    if type_name in ("REG_DWORD", "REG_QWORD"):
        data = int(data)
    elif type_name == "REG_MULTI_SZ":
        data = [str(s) for s in data]
    elif type_name == "REG_BINARY":
        data = [int(b) & 0xFF for b in data]
    else:
        data = str(data)
    return type_name, data
