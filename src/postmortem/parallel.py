"""A long job over many files shared by two processes: this one does the first half while a forked
copy of it does the second.

Only where what comes back is small: the copy's results travel back through pickle, which for a
whole record costs as much as reading it (`history` keeps only what it reads of each record).
Forking is what makes the copy cheap (no imports, no set-up), so this is for Linux, and only when
this process may run on more than one CPU.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MINIMUM = 100  # fewer items than this: forking and pickling cost more than half the job saves


def can_fork() -> bool:
    """Whether a second process would run beside this one: Linux, with more than one CPU to use."""
    return sys.platform.startswith("linux") and len(os.sched_getaffinity(0)) > 1


def in_halves(work: Callable[[Iterable[T]], list[R]], items: Sequence[T], *, label: str = "") -> list[R]:
    """work(items): one result per item, in order. With many items and a second CPU, the second half
    is worked on by a forked process at the same time. work must be picklable (a module's function,
    or a functools.partial of one) and so must its results. label: the progress bar (progress.py)
    of the half this process works on."""
    from postmortem.progress import track

    if len(items) < MINIMUM or not can_fork():
        return work(track(items, len(items), label))
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    middle = (len(items) + 1) // 2
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        second = pool.submit(work, items[middle:])
        first = work(track(items[:middle], middle, label))
        try:
            return first + second.result()
        except BrokenProcessPool:  # the copy died (killed, out of memory): its half is worked on here
            return first + work(items[middle:])
