"""The unit tier: pure Python, no warehouse. A test here that starts a build fails."""

import pytest
from conftest import UNIT_TIER_ENV


@pytest.fixture(autouse=True)
def _unit_tier(monkeypatch):
    monkeypatch.setenv(UNIT_TIER_ENV, "1")
