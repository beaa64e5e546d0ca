"""TOML files on disk: strict reading with one-line errors, atomic and exclusive writing.

The one module that knows the TOML libraries, each kept where benchmarks/run.py (--quick --cpu)
or the files' layout needs it:
- rtoml (compiled) reads: without it `actions` over 1,000 folders takes 2.9 s instead of 1.1 s,
  and `render` of the 10,000-response record 3.2 s instead of 1.7 s (targets 1.5 s and 2 s). It
  writes the record: 0.4 s instead of tomli_w's 4.4 s for that record.
- tomli (tomllib's parser, compiled) reads what rtoml refuses, for tomllib's messages with line and
  column, and large records in a third of rtoml's memory, at 2.5x tomllib's speed (2.5 s against
  6.4 s for that record).
- tomli_w writes every other file in the layout people read and edit (multi-line strings, keys in
  the order given).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import tomli_w

from postmortem.errors import PostmortemError

SCHEMA_VERSION = 1
MAX_BYTES = 1024 * 1024  # a session, question set, response or answers file
MAX_RECORD_BYTES = 256 * MAX_BYTES  # a record, written by merge from every response

MAX_KEY_DEPTH = 64
# A dotted key (a.b.c = 1, [a.b.c]) of more than MAX_KEY_DEPTH parts: tomli takes quadratic time
# and memory on those (a 200 KB file of `a.a.a...` runs for minutes), so they are refused first.
_DEEP_KEY = re.compile(
    r"""(?<![\w"'-])(?:(?:[A-Za-z0-9_-]++|"[^"\\\n]*+"|'[^'\n]*+')[ \t]*+\.[ \t]*+){%d,}""" % MAX_KEY_DEPTH
)
# Such a key is on one line and has MAX_KEY_DEPTH dots: this much cheaper test rules it out first,
# so a large record (tens of MB) is not scanned with the slower pattern above.
_MANY_DOTS = re.compile(r"^(?:[^\n.]*+\.){%d}" % MAX_KEY_DEPTH, re.MULTILINE)
# rtoml holds a tree of its own for the whole file while it builds Python's: some 15x the file's
# size at the peak, against 5x for tomli (a 31 MB record: 490 MB against 177 MB), at 2.5x the
# speed. A low-memory read (merge, which builds a second record beside the one it reads) gives
# larger files to tomli, so a re-merge of 10,000 responses stays within 400 MB.
FAST_PARSE_MAX = 4 * 1024 * 1024
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$|\s*\(at end of document\)$")


def parse_toml(raw: bytes, source: Path | str, *, low_memory: bool = False) -> dict[str, Any]:
    """Decode and parse TOML bytes; any problem becomes a PostmortemError naming source and line.
    low_memory: a file over FAST_PARSE_MAX is read by tomli alone, in a third of rtoml's memory."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise PostmortemError("starts with a byte-order mark; save it as UTF-8 without BOM", path=source, line=1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise PostmortemError(f"not valid UTF-8 (byte {err.start})", path=source, line=line) from None
    refused = ""  # rtoml's message, when it has refused the text
    if not low_memory or len(raw) <= FAST_PARSE_MAX:
        import rtoml  # compiled (Rust): 2x faster than tomli, which counts over many files

        try:
            return rtoml.loads(text)
        except rtoml.TomlParsingError as err:
            refused = str(err)  # the reference parser below gives the message; it may also read what rtoml refused
    deep = _DEEP_KEY.search(text) if _MANY_DOTS.search(text) else None  # rtoml refuses them at once; tomli takes minutes
    if deep:
        line = text.count("\n", 0, deep.start()) + 1
        raise PostmortemError(f"invalid TOML: a key nested more than {MAX_KEY_DEPTH} levels deep", path=source, line=line)
    import tomli  # tomllib's own parser, compiled: tomllib's messages, with line and column

    try:
        return tomli.loads(text)
    except tomli.TOMLDecodeError as err:
        for number, line_text in enumerate(text.splitlines(), 1):
            if line_text.startswith("<<<<<<< "):
                raise PostmortemError("git conflict marker; resolve the conflict first", path=source, line=number) from None
        message = str(err)
        match = _TOML_POSITION.search(message)
        line = None
        if match:
            message = message[: match.start()]
            line = int(match.group(1)) if match.group(1) else text.count("\n") + 1
        raise PostmortemError(f"invalid TOML: {message[:1].lower()}{message[1:]}", path=source, line=line) from None
    except RecursionError:
        raise PostmortemError("invalid TOML: nested too deeply", path=source, line=_deep_line(text, refused)) from None


_RTOML_DEPTH = re.compile(r"max recursion depth met at line (\d+)")


def _deep_line(text: str, message: str = "") -> int | None:
    """The line where arrays and inline tables first nest too deeply. tomli's RecursionError names
    none; rtoml's error does (its limit is lower, and it stops there at once): message is that
    error when rtoml has already read the text."""
    if not message:
        import rtoml

        try:
            rtoml.loads(text)
        except rtoml.TomlParsingError as err:
            message = str(err)
    match = _RTOML_DEPTH.search(message)
    return int(match.group(1)) if match else None


def read_toml(path: Path, *, max_bytes: int = MAX_BYTES, low_memory: bool = False) -> dict[str, Any]:
    """Read a TOML file that must be a regular file of at most max_bytes (low_memory: see parse_toml)."""
    try:
        if path.is_symlink():
            raise PostmortemError("is a symbolic link; refusing to follow it", path=path)
        with open(path, "rb") as handle:
            raw = _read_at_most(handle, max_bytes + 1)
    except FileNotFoundError:
        raise PostmortemError("no such file", path=path) from None
    except IsADirectoryError:
        raise PostmortemError("is a folder, not a file", path=path) from None
    except OSError as err:
        raise PostmortemError(f"cannot read: {err.strerror}", path=path) from None
    return parse_limited(raw, path, max_bytes, low_memory=low_memory)


def _read_at_most(handle: BinaryIO, limit: int) -> bytes:
    """Up to limit bytes of an open file. A buffer of the limit (64 MiB for a record) is not made
    for a file of a few kilobytes: it is read by its size, and on, should it have grown since.
    Reading 1,000 records took 0.05-0.11 s of system time with the limit's buffer, 0.01 s without."""
    raw = handle.read(min(os.fstat(handle.fileno()).st_size, limit))
    while len(raw) < limit:
        more = handle.read(min(limit - len(raw), 1 << 16))
        if not more:
            break
        raw += more
    return raw


def parse_limited(raw: bytes, source: Path | str, max_bytes: int = MAX_BYTES, *, low_memory: bool = False) -> dict[str, Any]:
    """parse_toml of raw, read as max_bytes + 1 bytes at most: more than max_bytes is refused."""
    if len(raw) > max_bytes:
        raise PostmortemError(f"larger than {max_bytes // 1024} KiB", path=source)
    return parse_toml(raw, source, low_memory=low_memory)


def check_schema_version(data: dict[str, Any]) -> None:
    version = data.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise PostmortemError(f"schema_version must be a positive integer, not {version!r}", key=("schema_version",))
    if version > SCHEMA_VERSION:
        raise PostmortemError(
            f"schema_version {version} is newer than this postmortem supports ({SCHEMA_VERSION}); upgrade postmortem",
            key=("schema_version",),
        )


def dumps(data: dict[str, Any], *, fast: bool = False) -> str:
    """TOML text in the order of data's keys (tables after the values they sit beside, as TOML
    requires). fast: rtoml's compiled writer, 20x faster on a large record, which puts every array
    of tables after a table's other values: used for the record, where it saves seconds."""
    if fast:
        import rtoml

        return rtoml.dumps(data, pretty=True)
    return tomli_w.dumps(data, multiline_strings=True)


def _temp_beside(path: Path) -> tuple[int, str]:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)
    return fd, tmp


def _write_temp(path: Path, text: str) -> str:
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _sync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """A failed write (full disk, read-only folder) is one line naming the file; the old file is untouched."""
    try:
        yield
    except FileExistsError:
        raise
    except FileNotFoundError:
        raise PostmortemError("cannot write: no such folder", path=path) from None
    except OSError as err:
        raise PostmortemError(f"cannot write: {err.strerror or err}", path=path) from None


def atomic_write_text(path: Path, text: str) -> None:
    """Replace path with text: readers see the old file or the new one, never a part."""
    atomic_write_all([(path, text)])


def atomic_write_all(writes: list[tuple[Path, str]]) -> None:
    """Replace each path with its text: every text goes to a temp file beside its path first, and
    only once all are on disk are they renamed into place, in the order given. A write that fails
    (a full disk) leaves every file as it was; readers see each file old or new, never a part."""
    temps: list[str] = []
    try:
        for path, text in writes:
            with _writing(path):
                temps.append(_write_temp(path, text))
        for (path, _), tmp in zip(writes, list(temps), strict=True):
            with _writing(path):
                os.replace(tmp, path)
            temps.remove(tmp)
    finally:
        for tmp in temps:  # not renamed: a failure on the way
            os.unlink(tmp)
    for folder in dict.fromkeys(path.parent for path, _ in writes):
        _sync_dir(folder)


def create_text_exclusive(path: Path, text: str) -> None:
    """Create path with text, complete or not at all; FileExistsError when it already exists."""
    with _writing(path):
        tmp = _write_temp(path, text)
        try:
            os.link(tmp, path)
        finally:
            os.unlink(tmp)
    _sync_dir(path.parent)


def write_toml(path: Path, data: dict[str, Any], *, exclusive: bool = False, fast: bool = False, max_bytes: int = MAX_BYTES) -> None:
    """Write data as TOML, atomically; refused, before anything is written, when the file would be
    larger than max_bytes, the most its reader takes: nothing is written that cannot be read back."""
    text = dumps(data, fast=fast)
    size = len(text) if text.isascii() else len(text.encode("utf-8"))
    if size > max_bytes:
        raise PostmortemError(
            f"would be {size // 1024} KiB, over the {max_bytes // 1024} KiB that postmortem reads; nothing was written", path=path
        )
    (create_text_exclusive if exclusive else atomic_write_text)(path, text)
