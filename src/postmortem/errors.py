"""The one exception the library raises for anything a user can fix."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class PostmortemError(Exception):
    """Bad input or usage: shown as one line, exit code 2."""

    exit_code = 2

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None):
        self.path = path
        self.line = line
        self.detail = message
        where = f"{path}:{line}: " if path is not None and line else f"{path}: " if path is not None else ""
        super().__init__(where + message)


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
        raise PostmortemError(err.detail, path=path, line=err.line) from None
