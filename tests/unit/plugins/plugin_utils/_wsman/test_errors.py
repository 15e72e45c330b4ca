# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman import errors


def test_str_names_operation_target_and_cause() -> None:
    e = errors.ProtocolError("bad reply", target="https://win01:5986/wsman", operation="Get config")
    assert str(e) == "Get config on https://win01:5986/wsman: bad reply"
    assert e.message == "bad reply"
    assert e.target == "https://win01:5986/wsman"
    assert e.operation == "Get config"


def test_str_with_only_target_or_only_message() -> None:
    assert str(errors.WSManError("boom", target="win01")) == "on win01: boom"
    assert str(errors.WSManError("boom", operation="Put config/service")) == "Put config/service: boom"
    assert str(errors.WSManError("boom")) == "boom"


@pytest.mark.parametrize(
    ("cls", "parent"),
    [
        (errors.SettingsError, errors.WSManError),
        (errors.MissingLibraryError, errors.WSManError),
        (errors.TransportError, errors.WSManError),
        (errors.UnreachableError, errors.TransportError),
        (errors.TLSError, errors.TransportError),
        (errors.WSManTimeoutError, errors.TransportError),
        (errors.AuthenticationError, errors.WSManError),
        (errors.ProtocolError, errors.WSManError),
    ],
)
def test_hierarchy(cls: type[errors.WSManError], parent: type[Exception]) -> None:
    assert issubclass(cls, parent)
    assert issubclass(cls, Exception)
