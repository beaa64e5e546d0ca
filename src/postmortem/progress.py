"""A progress bar on stderr for long runs, only when a person is watching a terminal.

`track(files, len(files), "Reading responses")` gives back `files` unchanged when stderr is not
a terminal or the job is small, so scripts, pipes and CI logs get nothing extra; otherwise it
yields the same items while rich draws a transient bar on stderr (gone once the job is done).
rich is imported only then, so small runs and `--help` stay light.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

THRESHOLD = 200  # fewer items than this finish too fast for a bar to help


def _terminal() -> bool:
    stream = sys.stderr
    try:
        return stream is not None and stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


def track(iterable: Iterable[T], total: int, label: str, *, threshold: int = THRESHOLD, whole: int | None = None) -> Iterable[T]:
    """iterable itself, or the same items with a progress bar on stderr for a large job on a terminal.
    whole: the size of the job when these total items are this process's share of it (parallel.py):
    the bar counts the whole job, each item standing for its share."""
    whole = whole or total
    if whole <= threshold or not _terminal():
        return iterable
    return _bar(iterable, whole, whole / max(total, 1), label)


def _bar(iterable: Iterable[T], total: int, step: float, label: str) -> Iterator[T]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(file=sys.stderr)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        for item in iterable:
            yield item
            bar.advance(task, step)
