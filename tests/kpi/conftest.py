from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_figures() -> Iterator[None]:
    """Indicator figures are cached for ten minutes; each test writes its own facts."""
    cache.clear()
    yield
    cache.clear()
