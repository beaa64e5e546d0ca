"""Where a key is written in a TOML file: the one way a key path becomes a line number.

Loaders raise errors that carry the key path of the problem (errors.PostmortemError.key); the line
is looked up here only when an error is shown. The scan reads the layout postmortem writes and the
usual hand-written forms: `[table]`, `[[array.of.tables]]`, `key = value`, dotted keys, and
multi-line arrays with one entry a line.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from postmortem.errors import Key
from postmortem.store import MAX_RECORD_BYTES

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=\s*(.*)$""")
_KEY_PART = re.compile(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""")
_STRINGS = re.compile(r""""(?:[^"\\]|\\.)*"|'[^']*'|#.*$""")


def _key_parts(text: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in _KEY_PART.findall(text))


def _nesting(text: str) -> int:
    """How many brackets and braces text opens and does not close (strings and comments aside)."""
    bare = _STRINGS.sub("", text)
    return bare.count("[") + bare.count("{") - bare.count("]") - bare.count("}")


class Lines:
    """Where each key and table of a TOML text is written: key path -> line."""

    def __init__(self, text: str) -> None:
        self.where: dict[Key, int] = {}
        counts: dict[Key, int] = {}
        current: Key = ()
        in_string: str | None = None
        array: Key = ()  # the key of a multi-line array being read, its entries numbered from 0
        depth = entries = 0
        for number, line in enumerate(text.splitlines(), 1):
            if in_string:
                if line.count(in_string) % 2:
                    in_string = None
                continue
            if depth > 0:  # one entry a line, as postmortem writes them
                stripped = line.strip()
                if depth == 1 and stripped and not stripped.startswith(("#", "]")):
                    self.where.setdefault((*array, entries), number)
                    entries += 1
                depth += _nesting(line)
                continue
            header = _HEADER.match(line)
            if header and not _ASSIGN.match(line):
                names = _key_parts(header.group(2))
                resolved: Key = ()
                for index, name in enumerate(names):
                    resolved += (name,)
                    if index == len(names) - 1 and header.group(1) == "[[":
                        self.where.setdefault(resolved, number)  # the array's first table stands for the array
                        counts[resolved] = counts.get(resolved, -1) + 1
                        resolved += (counts[resolved],)
                    elif resolved in counts:
                        resolved += (counts[resolved],)
                self.where.setdefault(resolved, number)
                current = resolved
                continue
            assign = _ASSIGN.match(line)
            if assign:
                key = current + _key_parts(assign.group(1))
                self.where.setdefault(key, number)
                value = assign.group(2).strip()
                if value.startswith("[") and _nesting(value) > 0:
                    array, depth, entries = key, _nesting(value), 0
                    continue
                for quote in ('"""', "'''"):
                    if value.count(quote) % 2:
                        in_string = quote
                        break

    def find(self, key: Key) -> int | None:
        """The line of key, or of the nearest table or key above it that is written."""
        for length in range(len(key), 0, -1):
            if key[:length] in self.where:
                return self.where[key[:length]]
        return None


@functools.lru_cache(maxsize=8)
def _lines(path: str, mtime: int, size: int) -> Lines | None:
    try:
        return Lines(Path(path).read_bytes().decode("utf-8", errors="replace"))
    except OSError:
        return None


def line_of(path: Path, key: Key) -> int | None:
    """The line of path on which key is written (or the nearest table above it), if it can be found."""
    try:
        if path.is_symlink() or not path.is_file():
            return None
        stat = path.stat()
    except OSError:
        return None
    if stat.st_size > MAX_RECORD_BYTES:  # the largest file any loader reads
        return None
    lines = _lines(str(path), stat.st_mtime_ns, stat.st_size)
    return lines.find(tuple(key)) if lines is not None else None

