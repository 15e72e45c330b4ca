"""One lab per test session, on its own loopback network so it can coexist with a demo lab."""

from __future__ import annotations

import subprocess
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
    run_dir = tmp_path_factory.mktemp("lab")
    labctl = [sys.executable, str(LAB_DIR / "labctl.py")]
    started = time.monotonic()
    result = subprocess.run(
        [*labctl, "up", "--dir", str(run_dir), "--network", NETWORK],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    instance = Lab(run_dir)
    instance.startup_seconds = time.monotonic() - started  # type: ignore[attr-defined]
    try:
        yield instance
    finally:
        subprocess.run([*labctl, "down", "--dir", str(run_dir)], capture_output=True, timeout=30, check=False)


@pytest.fixture
def fresh(lab: Lab) -> Iterator[Lab]:
    """The lab with every host back at its scenario state and counters at zero."""
    lab.restore()
    lab.reset_counters()
    yield lab
    lab.restore()


@pytest.fixture
def recorded() -> Path:
    if not RECORDED.is_dir():
        pytest.skip(f"recorded Windows replies not available ({RECORDED})")
    return RECORDED
