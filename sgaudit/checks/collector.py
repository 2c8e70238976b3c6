"""The cyclic garbage collector during a check run: what exists before a stage is left alone.

A large estate's inventory and engine are millions of long-lived objects, and every full collection
that a stage's allocations trigger would rescan all of them (and what the previous stages built) for
nothing: they live until the run ends anyway. A scope freezes what exists (``gc.freeze``), young
garbage is still collected, and everything is handed back to the collector when the scope ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_sparing: ContextVar[bool] = ContextVar("sgaudit_collector_sparing", default=False)
"""True inside the outermost :func:`collector_spares_existing_objects` scope that froze the heap."""


@contextmanager
def collector_spares_existing_objects() -> Iterator[None]:
    """Keep the cyclic garbage collector off the objects that exist already (the inventory, the
    engine's indexes, a run's matrix) while a stage runs, and hand them back afterwards.

    The checks, the report context and the renderers allocate many short-lived values; each full
    collection they trigger rescans the whole snapshot, which on a large estate was a quarter to a third
    of the checks' time. Young garbage is still collected. The scopes nest (the outermost one owns the
    freeze), and when someone else manages the collector (disabled, or objects already frozen), it is
    left alone.
    """
    if _sparing.get() or not gc.isenabled() or gc.get_freeze_count():
        yield
        return
    token = _sparing.set(True)
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        _sparing.reset(token)


def spare_what_exists() -> None:
    """Inside a :func:`collector_spares_existing_objects` scope, count what exists now as long-lived
    too (what a stage leaves for the next: indexes, caches, results), so the full collections of the
    stages after it skip it; elsewhere, nothing. On a large estate the intents and the first rules
    build hundreds of thousands of such objects, which every later full collection rescanned."""
    if _sparing.get() and gc.isenabled():
        gc.freeze()
