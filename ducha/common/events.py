"""How a lower layer tells the layers above it that something happened, without importing them (Saleor's plugin
manager, Zulip's `send_event`): the domain publishes a named event; an app above listens, registering its
listener in its `AppConfig.ready()`. The publisher knows no listener; a listener knows the publisher's event.

- `publish_on_commit(name, **payload)`: after the current transaction commits — a notice, a message. A listener
  that fails is logged and does not undo the write that happened (Django's robust on-commit callbacks).
- `publish(name, **payload)`: now, inside the caller's transaction — a consequence that must happen with the
  change or not at all (the calendar changed, so deadlines move). Returns each listener's answer, in the order
  they registered; a listener that fails rolls the caller back with it.

Event names are `<publisher>.<what happened>` (`item.assigned`, `calendar.arrangement_changed`); each publisher
documents its events and their payloads where it defines them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger("ducha.events")

Listener = Callable[..., Any]

_listeners: dict[str, list[Listener]] = defaultdict(list)


def listen(name: str, listener: Listener) -> None:
    """Call `listener(**payload)` whenever `name` is published. Registering the same listener twice is a no-op
    (an app's `ready()` may run more than once in tests)."""
    if listener not in _listeners[name]:
        _listeners[name].append(listener)


def listeners(name: str) -> list[Listener]:
    return list(_listeners.get(name, ()))


def publish(name: str, **payload: Any) -> list[Any]:
    """Call every listener of `name` now, in this transaction; their answers, in registration order."""
    return [listener(**payload) for listener in listeners(name)]


def publish_on_commit(name: str, **payload: Any) -> None:
    """Call every listener of `name` once the current transaction commits (at once outside a transaction)."""
    for listener in listeners(name):
        transaction.on_commit(_delivery(name, listener, payload), robust=True)


def _delivery(name: str, listener: Listener, payload: dict[str, Any]) -> Callable[[], None]:
    """The on-commit callback calling `listener`. A function with a name of its own, not a functools.partial:
    when a robust callback fails, Django logs it by `func.__qualname__`, which a partial lacks — the logging
    then raised an AttributeError into the caller, undoing the point of a robust callback."""

    def deliver() -> None:
        logger.debug("event %s → %s", name, getattr(listener, "__qualname__", listener))
        listener(**payload)

    deliver.__qualname__ = f"event {name} → {getattr(listener, '__qualname__', listener)}"
    return deliver
