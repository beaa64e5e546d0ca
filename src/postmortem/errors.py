"""The one exception the library raises for anything a user can fix."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Key = tuple[Any, ...]  # where in a file: ("sections", 2, "items", 0, "id"); list positions count from 0


def dotted(key: Key) -> str:
    """A key path as people read it: sections[3].items[1].id (positions counted from 1)."""
    text = ""
    for part in key:
        text += f"[{part + 1}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


class PostmortemError(Exception):
    """Bad input or usage: shown as one line, exit code 2.

    key: the key path the problem is at, set where it is raised; the line it is written on is
    found from it (keylines.line_of) when the error is shown, unless the parser gave one."""

    exit_code = 2

    def __init__(
        self, message: str, *, path: Path | str | None = None, line: int | None = None, key: Key = ()
    ) -> None:
        self.path = path
        self._line = line
        self.key = tuple(key)
        self.detail = message
        super().__init__(message)

    @property
    def line(self) -> int | None:
        if self._line is None and self.key and self.path is not None:
            from postmortem.keylines import line_of

            self._line = line_of(Path(self.path), self.key)
        return self._line

    def in_file(self, path: Path | str) -> PostmortemError:
        """This error, about path when it names no file of its own."""
        if self.path is not None and str(self.path):
            return self
        return PostmortemError(self.detail, path=path, line=self._line, key=self.key)

    def __str__(self) -> str:
        if self.path is None:
            return self.detail
        return f"{self.path}:{self.line}: {self.detail}" if self.line else f"{self.path}: {self.detail}"


class Interrupted(Exception):
    """The participant pressed Ctrl-C or Ctrl-D; what they answered is saved."""

    exit_code = 130


@contextmanager
def about(path: Path | str) -> Iterator[None]:
    """Errors raised inside that name no file of their own are about path."""
    try:
        yield
    except PostmortemError as err:
        if err.path is not None and str(err.path):
            raise
        raise err.in_file(path) from None


def kept(every: list[PostmortemError] | None, check: Any, *args: Any) -> Any:
    """check(*args): its problem is raised, or, when every is a list (`postmortem check`, which
    lists every problem), added to it, and the result is None. Validators run each independent
    check through this, so the loaders and `check` apply exactly the same rules."""
    try:
        return check(*args)
    except PostmortemError as err:
        if every is None:
            raise
        every.append(err)
        return None
