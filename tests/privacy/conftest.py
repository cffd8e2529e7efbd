from __future__ import annotations

import pytest

from privacy import registry


@pytest.fixture
def clean_registry():
    """Holders a test registers are gone afterwards; the apps' own stay."""
    before = dict(registry._holders)
    yield registry
    registry._holders.clear()
    registry._holders.update(before)
