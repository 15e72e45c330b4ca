# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._winrm import sddl

DEFAULT = "O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"
RECORDED = Path("/work/shared/windows-recorded/config-get.response.xml")


def test_default_grants_nothing_remote() -> None:
    aces = sddl.dacl(DEFAULT)
    assert [(a.type, a.rights, a.trustee) for a in aces] == [("A", "GA", "S-1-5-32-544"), ("A", "GR", "S-1-5-4")]
    assert sddl.remote_grants(DEFAULT) == []  # the SACL's audit ACEs for WD are not grants


@pytest.mark.skipif(not RECORDED.exists(), reason="windows-recorded/ not available here")
def test_the_recorded_windows_rootsddl_grants_nothing_remote() -> None:
    text = RECORDED.read_text(encoding="utf-8")
    start = text.index("RootSDDL>") + len("RootSDDL>")
    assert sddl.remote_grants(text[start:text.index("<", start)]) == []


@pytest.mark.parametrize(("descriptor", "names"), [
    (DEFAULT.replace("(A;;GR;;;IU)", "(A;;GR;;;IU)(A;;GA;;;RM)"), []),  # Enable-PSRemoting on 2012+
    (DEFAULT.replace("(A;;GR;;;IU)", "(A;;GR;;;IU)(A;;GA;;;S-1-5-32-580)"), []),
    (DEFAULT.replace("(A;;GR;;;IU)", "(A;;GXGR;;;WD)"), ["Everyone"]),
    (DEFAULT.replace("(A;;GR;;;IU)", "(A;;GA;;;AU)(D;;GA;;;BG)"), ["Authenticated Users"]),
    (DEFAULT.replace("(A;;GR;;;IU)", "(A;;GA;;;S-1-5-21-1-2-3-1105)"), ["S-1-5-21-1-2-3-1105"]),
    (DEFAULT.replace("(A;;GR;;;IU)", "(A;;GA;;;DU)"), ["Domain Users"]),
    (DEFAULT.replace("(A;;GR;;;IU)", "(XA;;GA;;;BU;(Member_of {SID(BA)}))"), ["Users"]),  # conditional ACE
])
def test_grants_beyond_administrators_and_remote_management_users(descriptor: str, names: list[str]) -> None:
    assert [a.name for a in sddl.remote_grants(descriptor)] == names


def test_deny_aces_and_the_sacl_are_not_grants() -> None:
    assert sddl.remote_grants("O:NSG:BAD:P(A;;GA;;;BA)(D;;GA;;;WD)S:P(AU;FA;GA;;;AU)") == []


@pytest.mark.parametrize("bad", ["D:P(A;;GA;;;BA", "D:(A;GA;BA)"])
def test_unparseable_descriptors_raise(bad: str) -> None:
    with pytest.raises(sddl.SDDLError):
        sddl.remote_grants(bad)
