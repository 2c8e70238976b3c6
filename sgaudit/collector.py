"""The cyclic garbage collector around sgaudit's stages.

A large estate's inventory and engine are millions of long-lived objects, and nothing sgaudit builds
forms reference cycles that matter: every full collection that a stage's allocations trigger would rescan
all of them for nothing. Two scopes:

- :func:`collector_paused` turns the collector off while objects are only being built (loading a
  snapshot, resolving endpoints): reference counting alone frees what is dropped.
- :func:`collector_spares_existing_objects` freezes what exists (``gc.freeze``) while a later stage runs,
  so young garbage is still collected; :func:`spare_what_exists` adds a stage's leftovers to the frozen set.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


@contextmanager
def collector_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector off for the duration of the block.

    Loading a large snapshot allocates millions of small, long-lived objects (parsed JSON, typed
    models, normalised rules) and frees almost none of them until the end: every allocation-triggered
    collection rescans the whole growing heap for nothing, which was about half of the load time of a
    20,000-interface estate. Nothing loaded forms reference cycles, so reference counting alone frees
    what is dropped. The collector is turned back on only if it was on before, so nested use and
    callers that manage it themselves are left as they were.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
