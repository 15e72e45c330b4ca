# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures of the unit tests.

The collection is imported as ``ansible_collections.winauth.winrm`` (pyproject.toml puts
the .build symlink tree on the pytest pythonpath; scripts/collection_path.sh makes it).
Recorded Windows replies are read in place from ``../shared/windows-recorded`` (override
with WINAUTH_RECORDED_DIR) and every test that needs one is skipped when it is absent.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parents[2]

from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.xml import parse  # noqa: E402
from ansible_collections.winauth.winrm.tests.unit.helpers import FakeSender  # noqa: E402

DEFAULT_RECORDED_DIR = _REPO.parent / "shared" / "windows-recorded"


@pytest.fixture(scope="session")
def recorded_dir() -> Path:
    """The folder of recorded Windows replies; skips the test when it is absent."""
    path = Path(os.environ.get("WINAUTH_RECORDED_DIR") or DEFAULT_RECORDED_DIR)
    if not path.is_dir():
        pytest.skip("recorded Windows replies not available at %s" % path)
    return path


@pytest.fixture(scope="session")
def recorded(recorded_dir: Path) -> Callable[[str], bytes]:
    """``recorded("config-get.response.xml")`` → the raw bytes (skips when the file is absent)."""

    def read(name: str) -> bytes:
        path = recorded_dir / name
        if not path.is_file():
            pytest.skip("recorded reply %s not available" % path)
        return path.read_bytes()

    return read


@pytest.fixture(scope="session")
def recorded_root(recorded: Callable[[str], bytes]) -> Callable[[str], ET.Element]:
    """``recorded_root(name)`` → the recorded document parsed with the collection's safe parser."""

    def load(name: str) -> ET.Element:
        return parse(recorded(name))

    return load


@pytest.fixture
def sender() -> FakeSender:
    """An empty fake transport; tests queue replies on ``sender.replies``."""
    return FakeSender()
