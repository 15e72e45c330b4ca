# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HKLM registry access through WMI ``root/default/StdRegProv`` over WS-Man.

For internal collection use only; this is not a public API.

Each method is one Invoke round trip. StdRegProv reports errors as ``ReturnValue``
(a Win32 error code), not as faults: 2 = not found, 5 = access denied.
"""

from __future__ import annotations

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.client import WSManClient
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import ProtocolError, WSManError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import WSMAN_BASE, children

STDREGPROV_URI = WSMAN_BASE + "wmi/root/default/StdRegProv"
HKLM = 2147483650
REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_MULTI_SZ = 1, 2, 3, 4, 7
ERROR_FILE_NOT_FOUND = 2
ERROR_ACCESS_DENIED = 5


class RegistryError(WSManError):
    """StdRegProv returned a non-zero ReturnValue other than "not found"."""


class Registry:
    """HKLM via StdRegProv.

    Args:
        client: the WS-Man client of the host.
    """

    def __init__(self, client: WSManClient) -> None:
        self.client = client

    def _invoke(self, method: str, key: str, **params: str | int) -> dict[str, list[str]] | None:
        """Invoke and return the output values, or None for "not found"."""
        out = self.client.invoke(STDREGPROV_URI, method, {"hDefKey": HKLM, "sSubKeyName": key, **params})
        values = children(out)  # an empty output array (no values, no subkeys) is xsi:nil
        raw = values.get("ReturnValue", [""])[0]
        if not raw.lstrip("-").isdigit():
            raise ProtocolError("StdRegProv.%s reply has no numeric ReturnValue" % method,
                                target=self.client.endpoint, operation="Invoke StdRegProv.%s" % method)
        code = int(raw)
        if code == ERROR_FILE_NOT_FOUND:
            return None
        if code != 0:
            what = "access denied" if code == ERROR_ACCESS_DENIED else "Win32 error %d" % code
            raise RegistryError("HKLM\\%s: %s" % (key, what), target=self.client.endpoint,
                                operation="Invoke StdRegProv.%s" % method)
        return values

    def enum_values(self, key: str) -> dict[str, int] | None:
        """``{value name: REG_* type}`` of a key, or None when the key does not exist."""
        out = self._invoke("EnumValues", key)
        if out is None:
            return None
        names, types = out.get("sNames", []), out.get("Types", [])
        return {name: int(kind) if kind.isdigit() else 0 for name, kind in zip(names, types, strict=False)}

    def enum_keys(self, key: str) -> list[str] | None:
        """Subkey names, or None when the key does not exist."""
        out = self._invoke("EnumKey", key)
        return None if out is None else out.get("sNames", [])

    def get_string(self, key: str, name: str) -> str | None:
        """A REG_SZ value, or None when absent."""
        out = self._invoke("GetStringValue", key, sValueName=name)
        return None if out is None else out.get("sValue", [""])[0]

    def get_dword(self, key: str, name: str) -> int | None:
        """A REG_DWORD value, or None when absent."""
        out = self._invoke("GetDWORDValue", key, sValueName=name)
        if out is None:
            return None
        raw = out.get("uValue", [""])[0]
        return int(raw) if raw.isdigit() else None

    def get_binary(self, key: str, name: str) -> bytes | None:
        """A REG_BINARY value, or None when absent.

        StdRegProv returns ``uValue`` as a uint8 array: one element per byte, in decimal.

        Raises:
            ProtocolError: an element is not a byte.
        """
        out = self._invoke("GetBinaryValue", key, sValueName=name)
        if out is None:
            return None
        raw = out.get("uValue", [])  # children() has stripped every value
        if all(map(str.isdigit, raw)):
            try:
                return bytes(map(int, raw))  # refuses a number above 255 (and a non-ASCII digit)
            except ValueError:
                pass
        raise ProtocolError("StdRegProv.GetBinaryValue of HKLM\\%s\\%s returned a value that is not bytes"
                            % (key, name), target=self.client.endpoint, operation="Invoke StdRegProv.GetBinaryValue")

    def create_key(self, key: str) -> None:
        """Create a key (and its parents); no error when it exists."""
        self._invoke("CreateKey", key)

    def set_string(self, key: str, name: str, value: str) -> None:
        """Write a REG_SZ value.

        Raises:
            RegistryError: the key does not exist (StdRegProv does not create it) or the write failed.
        """
        self._written(key, self._invoke("SetStringValue", key, sValueName=name, sValue=value), "SetStringValue")

    def set_dword(self, key: str, name: str, value: int) -> None:
        """Write a REG_DWORD value.

        Raises:
            RegistryError: the key does not exist (StdRegProv does not create it) or the write failed.
        """
        self._written(key, self._invoke("SetDWORDValue", key, sValueName=name, uValue=value), "SetDWORDValue")

    def _written(self, key: str, out: dict[str, list[str]] | None, method: str) -> None:
        # A Set* on a missing key answers "not found" instead of writing: that is a failed write.
        if out is None:
            raise RegistryError("HKLM\\%s: the key does not exist, so the value was not written (CreateKey first)"
                                % key, target=self.client.endpoint, operation="Invoke StdRegProv.%s" % method)

    def delete_value(self, key: str, name: str) -> None:
        """Delete a value; no error when it is already gone."""
        self._invoke("DeleteValue", key, sValueName=name)

    def delete_key(self, key: str) -> None:
        """Delete a key without subkeys; no error when it is already gone."""
        self._invoke("DeleteKey", key)
