"""One lab per test session, on its own loopback network so it can coexist with a demo lab."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

LAB_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(LAB_DIR))

from client import Lab  # noqa: E402

NETWORK = "127.0.20.0/24"
RECORDED = LAB_DIR.parents[2] / "shared" / "windows-recorded"


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    started = time.monotonic()
    with Lab.started(tmp_path_factory.mktemp("lab"), NETWORK) as instance:
        instance.startup_seconds = time.monotonic() - started  # type: ignore[attr-defined]
        yield instance


@pytest.fixture
def fresh(lab: Lab) -> Iterator[Lab]:
    """The lab with every host back at its scenario state and counters at zero."""
    with lab.fresh():
        yield lab


@pytest.fixture
def recorded() -> Path:
    if not RECORDED.is_dir():
        pytest.skip(f"recorded Windows replies not available ({RECORDED})")
    return RECORDED
