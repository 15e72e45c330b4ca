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


@pytest.mark.parametrize(
    ("cls", "parent"),
    [
        (errors.DeadlineExceededError, errors.WSManTimeoutError),
        (errors.RedirectRefusedError, errors.ProtocolError),
        (errors.ReplyTooLargeError, errors.ProtocolError),
    ],
)
def test_wire_errors_hierarchy(cls: type[errors.WSManError], parent: type[Exception]) -> None:
    # _action.py maps by class: a deadline is UNREACHABLE (a timeout, like the winrm plugin's),
    # a redirect or an oversized reply is a failure of the host's answer.
    assert issubclass(cls, parent)


def test_redirect_error_keeps_the_location() -> None:
    e = errors.RedirectRefusedError("refused", target="http://a/wsman", location="http://b/wsman")
    assert e.location == "http://b/wsman" and str(e) == "on http://a/wsman: refused"
