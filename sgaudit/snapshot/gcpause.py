"""Pause the cyclic garbage collector while a snapshot is turned into objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
