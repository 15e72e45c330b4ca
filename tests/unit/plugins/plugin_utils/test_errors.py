# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One error root: every exception class the collection defines derives from WinAuthError."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from ansible_collections.winauth.winrm.plugins import plugin_utils
from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import faults


def _exception_classes() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(plugin_utils.__path__, plugin_utils.__name__ + "."):
        module = importlib.import_module(info.name)
        for _name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == module.__name__:
                found.append(obj)
    return found


def test_every_error_class_is_under_the_root() -> None:
    classes = _exception_classes()
    assert len(classes) >= 20  # WS-Man, faults, AD, Kerberos, parse errors
    outside = [c.__qualname__ for c in classes if not issubclass(c, WinAuthError)]
    assert outside == []


def test_fault_classes_carry_their_wsman_code() -> None:
    assert faults.GPOControlledFault.ERROR_CODE == 2150858890
    assert faults.InvalidSelectorsFault.ERROR_CODE == 2150858843
    assert faults.AccessDeniedFault.ERROR_CODE == 5
    for code, cls in faults._BY_CODE.items():
        # access denied also arrives as the HRESULT 0x80070005 of the same Win32 error
        assert cls.ERROR_CODE == code or (cls, code) == (faults.AccessDeniedFault, faults.CODE_E_ACCESSDENIED)


def test_root_message_names_operation_and_target() -> None:
    e = WinAuthError("refused", target="https://win01:5986/wsman", operation="Put config/service/auth")
    assert str(e) == "Put config/service/auth on https://win01:5986/wsman: refused"
    assert str(WinAuthError("plain")) == "plain"
