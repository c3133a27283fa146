"""The record panels' tests compare a panel with the same panel reading every one of its lists, as it did before it
asked ``core.presence`` which lists the client has rows in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import pytest


@contextmanager
def reading_every_list(monkeypatch: pytest.MonkeyPatch, presenters: ModuleType) -> Iterator[None]:
    """Within the block, ``presenters`` is told that the client has rows in every list."""
    with monkeypatch.context() as patched:
        patched.setattr(presenters, "models_with_rows", lambda models, field, value: frozenset(models))
        yield
