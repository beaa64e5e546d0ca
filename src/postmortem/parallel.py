"""Two parts of a long job at once: this process does one while a forked copy of it does the other.

Forking is what makes the copy cheap: it starts with everything this process has read and
imported, so nothing is sent to it. Only its result comes back, through pickle, so the split is
worth it only where that result is small beside the work (docs/development.md). This is for Linux,
and only when this process may run on more than one CPU and runs one thread; elsewhere both parts
are done here.
"""

from __future__ import annotations

import copyreg
import datetime as dt
import os
import sys
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

A = TypeVar("A")
B = TypeVar("B")


def can_fork() -> bool:
    """Whether a second process would run beside this one: Linux, with more than one CPU to use, and
    this process runs one thread (a copy of a process with threads, as `serve`, could wait forever
    for a lock that one of them held)."""
    import threading

    return sys.platform.startswith("linux") and len(os.sched_getaffinity(0)) > 1 and threading.active_count() == 1


def both(here: Callable[[], A], there: Callable[[], B]) -> tuple[A, B]:
    """here() and there(), there() in a forked copy of this process while this one runs here().
    What there() returns must pickle. If the copy cannot give its result (it was killed, ran out
    of memory, or failed), there() is run here after all, so an error is raised, and shown, here."""
    if not can_fork():
        return here(), there()
    import multiprocessing

    _portable_time_zones()
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    for stream in (sys.stdout, sys.stderr):  # what is buffered would otherwise be written twice
        if stream is not None:
            stream.flush()
    copy = context.Process(target=_send, args=(there, send), daemon=True)
    copy.start()
    send.close()
    try:
        mine = here()
        try:
            theirs = receive.recv()
        except (EOFError, OSError):  # the copy ended without a result
            theirs = there()
    finally:
        receive.close()
        if copy.is_alive():
            copy.kill()
        copy.join()
    return mine, theirs


@cache
def _portable_time_zones() -> None:
    """The time zones rtoml reads (a fixed offset each, which pickle cannot carry) sent back as the
    standard library's: the same offset, the same times."""
    try:
        import rtoml
    except ImportError:
        return
    some_day = dt.datetime(2000, 1, 1)
    zone_type = type(rtoml.loads("t = 2000-01-01T00:00:00Z")["t"].tzinfo)  # not named by the module
    copyreg.pickle(zone_type, lambda zone: (dt.timezone, (zone.utcoffset(some_day),)))


def _send(there: Callable[[], Any], pipe: Any) -> None:
    """In the copy: there()'s result sent back, and the copy ends at once, whatever happens (its
    failure is seen again where there() is run after it)."""
    code = 1
    try:
        pipe.send(there())
        code = 0
    except BaseException:  # redone, and raised, in the process that forked
        pass
    finally:
        os._exit(code)
