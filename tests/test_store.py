"""store's two TOML writers and its two-parser reading: whatever a participant typed comes back
exactly, whichever writer wrote it and whichever parser read it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import tomli
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import write_answers
from postmortem import store
from postmortem.errors import PostmortemError

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


def _record(text: str, names: list[str]) -> dict:
    return {
        "schema_version": 1,
        "project": text,
        "date": dt.date(2026, 11, 2),
        "participants": [{"name": n, "role": text} for n in names],
        "sections": [{"id": "well", "items": [{"text": text, "count": len(names), "raised_by": names, "wordings": [text, text.upper()]}]}],
        "incident": {"started_at": dt.datetime(2026, 11, 2, 9, 3), "summary": text},
        "responses": [{"name": n, "answers": {"well": [text], "rating": 3, "note": text}} for n in names],
    }


@settings(max_examples=300, deadline=None, derandomize=True)
@given(TEXT, st.lists(TEXT, max_size=3))
def test_both_writers_round_trip_any_text(text: str, names: list[str]) -> None:
    for fast in (False, True):
        written = store.dumps(_record(text, names), fast=fast)
        # tomli_w writes a multi-line string's CRLF as the file's newline: a line break either way
        record = _record(text if fast else text.replace("\r\n", "\n"), [n if fast else n.replace("\r\n", "\n") for n in names])
        assert store.parse_toml(written.encode("utf-8"), "record.toml") == record
        assert tomli.loads(written) == record  # the reference parser agrees


def test_fast_writer_puts_arrays_of_tables_last_and_keeps_the_rest_in_order() -> None:
    written = store.dumps(_record("Ship it", ["Ann", "Bob"]), fast=True)
    keys = [line.split(" =")[0] for line in written.splitlines() if " = " in line and not line.startswith(" ")]
    assert keys[:3] == ["schema_version", "project", "date"]
    assert written.index("[[participants]]") < written.index("[[sections]]") < written.index("[[responses]]")
    item = written[written.index("[[sections.items]]"):]
    assert item.index("text =") < item.index("count =") < item.index("raised_by =") < item.index("wordings =")


def test_a_file_the_fast_parser_refuses_gets_the_reference_parsers_message() -> None:
    with pytest.raises(PostmortemError) as caught:
        store.parse_toml(b'a = 1\nb = "two"\nc = [1, 2\n', "record.toml")
    assert str(caught.value).startswith("record.toml:4: invalid TOML: ")
    with pytest.raises(tomli.TOMLDecodeError) as reference:
        tomli.loads('a = 1\nb = "two"\nc = [1, 2\n')
    assert str(reference.value).split(" (at")[0].lower() in str(caught.value).lower()


def test_a_low_memory_read_of_a_file_over_the_fast_limit_is_tomli_alone(monkeypatch) -> None:
    """rtoml's own tree costs 15x a large record's size in memory: a low-memory read above FAST_PARSE_MAX never calls it."""
    import rtoml

    def refuse(text: str):
        raise AssertionError("rtoml read the file")

    raw = b'project = "Big"\nnotes = "' + b"x" * 200 + b'"\n'
    monkeypatch.setattr(rtoml, "loads", refuse)
    monkeypatch.setattr(store, "FAST_PARSE_MAX", len(raw) - 1)
    assert store.parse_toml(raw, "record.toml", low_memory=True) == {"project": "Big", "notes": "x" * 200}
    with pytest.raises(AssertionError, match="rtoml read"):  # a plain read takes the fast way at any size
        store.parse_toml(raw, "record.toml")
    monkeypatch.setattr(store, "FAST_PARSE_MAX", len(raw))
    with pytest.raises(AssertionError, match="rtoml read"):
        store.parse_toml(raw, "record.toml", low_memory=True)


def test_merge_reads_its_previous_record_the_low_memory_way_and_render_the_fast_way(cli, tmp_path: Path, monkeypatch) -> None:
    import rtoml

    folder = tmp_path / "pm"
    answers = write_answers(tmp_path, "Ann", {"went_well": ["Small steps"]})
    assert cli("start", folder, "--project", "Big", "--answers", answers).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    loads = rtoml.loads

    def no_records(text: str):
        if "[[sections" in text:
            raise AssertionError("rtoml read a record")
        return loads(text)

    monkeypatch.setattr(rtoml, "loads", no_records)
    monkeypatch.setattr(store, "FAST_PARSE_MAX", 10)
    assert cli("merge", folder).exit_code == 0
    with pytest.raises(AssertionError, match="rtoml read a record"):
        cli("render", folder)


def test_a_file_is_read_whole_up_to_the_limit_whatever_its_size_says(tmp_path: Path) -> None:
    """read_toml reads by the file's size, and on when there is more (a pipe has no size, a file
    may grow), never past the limit: a file over it is refused, not cut."""
    import os

    read, write = os.pipe()
    os.write(write, b'project = "piped"\n' + b"#" * 30_000 + b"\n")  # less than a pipe holds: nobody reads it yet
    os.close(write)
    with os.fdopen(read, "rb") as handle:
        assert store._read_at_most(handle, 100_000).startswith(b'project = "piped"') and len(store._read_at_most(handle, 1)) == 0
    big = tmp_path / "big.toml"
    big.write_bytes(b'a = "' + b"x" * store.MAX_BYTES + b'"\n')
    with pytest.raises(PostmortemError, match="larger than"):
        store.read_toml(big)
    small = tmp_path / "small.toml"
    small.write_text('a = "b"\n', encoding="utf-8")
    assert store.read_toml(small) == {"a": "b"}
