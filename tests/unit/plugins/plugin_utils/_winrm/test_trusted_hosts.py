# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm.trusted_hosts import plan_entries, validate_entries
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import SettingsError


@pytest.mark.parametrize("pattern", ["*", "*.corp.example", "10.0.0.*", "web*"])
def test_every_wildcard_is_refused_to_add(pattern: str) -> None:
    with pytest.raises(SettingsError, match="allow_wildcard") as info:
        validate_entries(["a.corp.example", pattern], adding=True, allow_wildcard=False)
    assert repr(pattern) in str(info.value)
    assert validate_entries([pattern], adding=True, allow_wildcard=True) == [pattern]
    assert validate_entries([pattern], adding=False, allow_wildcard=False) == [pattern]  # removing is fine


@pytest.mark.parametrize("bad", ["", "  ", "a,b", "a b"])
def test_entries_must_be_one_name_each(bad: str) -> None:
    with pytest.raises(SettingsError, match="one host name"):
        validate_entries([bad], adding=True, allow_wildcard=False)


def test_duplicates_collapse_case_insensitively() -> None:
    assert validate_entries([" A.lab ", "a.LAB", "b"], adding=True, allow_wildcard=False) == ["A.lab", "b"]


@pytest.mark.parametrize(("state", "after"), [
    ("present", ["x", "Y", "z"]),
    ("absent", ["x"]),
    ("exact", ["y", "z"]),
])
def test_plan(state: str, after: list[str]) -> None:
    assert plan_entries(["x", "Y"], ["y", "z"], state) == after
