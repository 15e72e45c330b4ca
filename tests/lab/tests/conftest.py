"""One lab per test session, on its own loopback network so it can coexist with a demo lab."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from winlab.client import DOMAIN_SCENARIO, Lab

LAB_DIR = Path(__file__).resolve().parents[1]

NETWORK = "127.0.20.0/24"
DOMAIN_NETWORK = "127.0.60.0/24"  # the domain lab's own network (DC on .250)
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


@pytest.fixture(scope="session")
def domain_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A lab with the Samba AD domain of scenarios/domain.yml, started once per session.

    Skipped only where the lab name space cannot exist (not root, no unshare); a missing
    or broken Samba fails the tests, it does not skip them.
    """
    import labns

    reason = labns.unavailable()
    if reason:
        pytest.skip(f"domain lab needs the lab name space: {reason}")
    started = time.monotonic()
    with Lab.started(tmp_path_factory.mktemp("domainlab"), DOMAIN_NETWORK, "--scenario", str(DOMAIN_SCENARIO)) as lab:
        lab.startup_seconds = time.monotonic() - started  # type: ignore[attr-defined]
        yield lab


@pytest.fixture
def recorded() -> Path:
    if not RECORDED.is_dir():
        pytest.skip(f"recorded Windows replies not available ({RECORDED})")
    return RECORDED
