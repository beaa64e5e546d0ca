"""Limits that agree: what is written can be read back, numbers from files that size output are
bounded where they are loaded, and check and error paths cost what the happy paths cost."""

from __future__ import annotations

import time
from pathlib import Path

from conftest import write_answers
from postmortem import check as check_mod
from postmortem import record as record_mod
from postmortem import store

PROJECT = ["--project", "Billing migration", "--date", "2026-11-02"]


def _post_mortem(cli, folder: Path, people: int) -> Path:
    for number in range(people):
        answers = {"went_well": [f"Thing {number}"], "improvements": ["Daily check-in"], "rating": 1 + number % 5}
        assert cli("start", folder, *PROJECT, "--answers", write_answers(folder.parent, f"P{number}", answers)).exit_code == 0
    return folder


def test_check_reads_each_response_once(cli, tmp_path: Path, monkeypatch) -> None:
    folder = _post_mortem(cli, tmp_path / "pm", 40)
    assert cli("merge", folder).exit_code == 0
    reads: list[Path] = []
    real = store.read_toml

    def counted(path: Path, **kwargs):
        reads.append(path)
        return real(path, **kwargs)

    monkeypatch.setattr(store, "read_toml", counted)
    problems, checked = check_mod.check([folder])
    assert problems == [] and checked == 43
    assert len(reads) <= checked + 5, len(reads)  # was 40 + 40 * 39 / 2: every earlier response again for each


def _nested(depth: int, size: int) -> bytes:
    return b'name = "Bob"\n# ' + b"y" * size + b"\nx = " + b"[" * depth + b"]" * depth + b"\n"


def _seconds(path: Path) -> float:
    start = time.perf_counter()
    try:
        store.read_toml(path, max_bytes=record_mod.MAX_BYTES)
    except Exception:
        pass
    return time.perf_counter() - start


def test_an_error_path_is_no_slower_than_the_happy_path(tmp_path: Path) -> None:
    fine, deep = tmp_path / "fine.toml", tmp_path / "deep.toml"
    fine.write_bytes(_nested(150, 10_000_000))  # deep enough that the reference parser reads it, as it reads deep below
    deep.write_bytes(_nested(10_000, 10_000_000))
    try:
        store.read_toml(deep, max_bytes=record_mod.MAX_BYTES)
        raise AssertionError("read")
    except store.PostmortemError as err:
        assert str(err) == f"{deep}:3: invalid TOML: nested too deeply"
    happy, error = min(_seconds(fine) for _ in range(2)), min(_seconds(deep) for _ in range(2))
    assert error < 2 * happy + 0.5, (happy, error)  # was a loop over every character: 3.5 s against 0.4 s


def test_a_hand_edited_distribution_is_refused_where_it_is_read(cli, tmp_path: Path) -> None:
    folder = _post_mortem(cli, tmp_path / "pm", 2)
    assert cli("merge", folder).exit_code == 0
    record = folder / "record.toml"
    good = record.read_text(encoding="utf-8")
    lines = good.splitlines()
    at = lines.index("distribution = [") + 1
    for bomb in ("distribution = [-25000000, -1, -1, -1, -1]", "distribution = [1e308, 1e308, 0, 0, 0]"):
        record.write_text(good.replace("\n".join(lines[at - 1: at + 6]), bomb, 1), encoding="utf-8")
        start = time.perf_counter()
        result = cli("render", folder, "-o", tmp_path / "report.md")
        assert time.perf_counter() - start < 5
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert result.stderr.startswith(f"postmortem: {record}:{at}: sections[6].distribution[1] must be a whole number from 0 to")
        assert not (tmp_path / "report.md").exists()


def _big_answers(tmp_path: Path) -> Path:
    """An answers file under the read limit whose response file comes out over it: literal strings
    of backslashes, which the response file writes escaped, twice as long."""
    items = ", ".join(f"'{n:03d} " + "\\" * 3000 + "'" for n in range(200))
    path = tmp_path / "big.toml"
    path.write_text(f'name = "Ann"\n[answers]\nwent_well = [{items}]\n', encoding="utf-8")
    assert path.stat().st_size <= store.MAX_BYTES
    return path


def test_start_never_writes_a_response_merge_cannot_read(cli, tmp_path: Path) -> None:
    folder = _post_mortem(cli, tmp_path / "pm", 1)
    big = _big_answers(tmp_path)
    for args, stdin in (([big], None), (["-"], big.read_text(encoding="utf-8"))):
        result = cli("start", folder, "--answers", *args, input=stdin)
        assert result.exit_code == 2, result.output
        assert "over the 1024 KiB that postmortem reads; nothing was written" in result.stderr
        assert not (folder / "responses" / "ann.toml").exists()
    assert cli("merge", folder).exit_code == 0


def test_answers_on_standard_input_have_the_same_limit_as_a_file(cli, tmp_path: Path) -> None:
    text = 'name = "Ann"\n[answers]\nwent_well = ["' + "x" * 3000 + '"]\n# ' + "y" * store.MAX_BYTES + "\n"
    result = cli("start", tmp_path / "pm", *PROJECT, "--answers", "-", input=text)
    assert result.exit_code == 2
    assert result.stderr == "postmortem: <stdin>: larger than 1024 KiB\n"
    assert not (tmp_path / "pm").exists()


def test_merge_refuses_a_record_it_could_not_read_back(cli, tmp_path: Path, monkeypatch) -> None:
    folder = _post_mortem(cli, tmp_path / "pm", 3)
    monkeypatch.setattr(record_mod, "MAX_BYTES", 1024)  # stands in for 256 MiB, some 70,000 responses
    result = cli("merge", folder)
    assert result.exit_code == 2
    assert "over the 1 KiB that postmortem reads; nothing was written" in result.stderr
    assert not (folder / "record.toml").exists()


def test_who_was_not_heard_from_is_found_in_linear_time() -> None:
    """merge names who it has nothing from among every invitee and response: with thousands of
    each, a comparison of every name with every other would take minutes."""
    from types import SimpleNamespace

    from postmortem.merge import not_heard_from

    def took(count: int) -> float:
        responses = [
            SimpleNamespace(name=f"Person {n}", complete=n % 3 != 0, answers={"q": "x" if n % 2 else ""}, agreements=[]) for n in range(count)
        ]
        session = SimpleNamespace(invited=[f"person {n}" for n in range(0, 2 * count, 2)])
        started = time.perf_counter()
        silent = not_heard_from(session, responses)
        assert "person 0" in silent and "person 2" in silent and "Person 1" not in silent  # a draft, an empty answer, an answer
        return time.perf_counter() - started

    small, large = min(took(2_000) for _ in range(3)), took(20_000)
    assert large < 30 * small  # 10x the names: linear is ~10x, quadratic ~100x
