"""Process-wide settings the bulk readers share."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# git's "racily clean" window: a file changed this recently may change again within
# the same clock tick and keep its size, so no cache trusts its stat yet
FRESH_NS = 2_000_000_000


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while reading many records.

    Records, history tuples and parse results hold no reference cycles, so the
    collector would only rescan millions of live objects: about 0.3 s of a 3 s
    `check` and half the time of loading the history cache. Reference counting
    still frees everything as usual. Worker processes forked inside inherit it.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
