"""Who wants to know that a person's facts changed: engines above the timeline keep derived rows (case work's due
items) that must follow every write in the same transaction. They register a listener here when the apps load,
since the timeline may not import them; the services call :func:`facts_changed` after each write."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Listener = Callable[[type[Any], list[Any]], None]
_listeners: dict[str, Listener] = {}


def listen(name: str, listener: Listener) -> None:
    """``listener(model, person_ids)`` is called after facts of ``model`` about these persons are written (once per
    ``name``: registering again replaces)."""
    _listeners[name] = listener


def facts_changed(model: type[Any], person_ids: Iterable[Any]) -> None:
    """Tell every listener, inside the writer's transaction (a listener's failure rolls the write back)."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return
    for listener in _listeners.values():
        listener(model, ids)
