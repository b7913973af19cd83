"""One re-read per wake-up for the waiters that would read the same page (#16).

A commit in a scope wakes every pull waiting on it: a branch's ten phones, a region's
thousand supervisors. Each woken pull re-reads the feed after its cursor, and waiters of
one scope at one cursor (every device that was up to date) would each run the same
statement for the same answer: a thousand statements, a thousand pooled connections
taken in turn, a thousand times the page read's CPU, for one commit.

:class:`SharedReads` lets them share one: the first of them reads, the others wait for
its result. A read may be shared only by a waiter woken *before it began*: the hub
counts its wake-ups (:attr:`sync.notify.Hub.generation`) and stamps each woken waiter
with the count (:attr:`sync.notify.Waiter.woken_at`); a read that began at a count at
least a waiter's began after that waiter's wake-up, so after the commit that caused it
(wake-ups are sent after COMMIT), and sees what that commit wrote. A waiter woken later
than every read in flight reads anew. A read that fails is not shared: each of its
waiters reads for itself.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Generic, Hashable, TypeVar

__all__ = ["SharedReads"]

T = TypeVar("T")


class _Read(Generic[T]):
    __slots__ = ("began", "done", "value", "failed")

    def __init__(self, began: int) -> None:
        self.began = began
        self.done = threading.Event()
        self.value: Any = None
        self.failed = False


class SharedReads(Generic[T]):
    """The last read of each key, with the wake-up count it began at (see the module doc).

    ``generation``: the hub's wake-up count now. ``size``: keys remembered (the oldest
    is forgotten first); a forgotten key costs its next waiter a read of its own.
    """

    def __init__(self, generation: Callable[[], int], size: int = 1024) -> None:
        self._generation = generation
        self._size = size
        self._lock = threading.Lock()
        self._reads: OrderedDict[Hashable, _Read[T]] = OrderedDict()

    def read(self, key: Hashable, woken_at: int, read: Callable[[], T]) -> T:
        """``read()`` for ``key``, or the result of one that began at wake-up count
        ``woken_at`` or later (the caller's wake-up came before it began)."""
        with self._lock:
            shared = self._reads.get(key)
            if shared is None or shared.began < woken_at:
                shared = None
                mine = self._reads[key] = _Read(self._generation())
                self._reads.move_to_end(key)
                if len(self._reads) > self._size:
                    self._reads.popitem(last=False)
        if shared is not None:
            shared.done.wait()
            return read() if shared.failed else shared.value
        try:
            mine.value = read()
        except BaseException:
            mine.failed = True
            with self._lock:
                if self._reads.get(key) is mine:
                    del self._reads[key]
            raise
        finally:
            mine.done.set()
        return mine.value
