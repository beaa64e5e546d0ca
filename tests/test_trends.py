"""`history --scores`: each rating and scorecard dimension over time, as a chart, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from conftest import write_answers
from postmortem import escape

ESC = "\x1b]0;pwned\x07\x1b[2J\x9b31m"
EVIL_TEAM = f"=HYPERLINK(\"x\"){ESC}"


def quarter(cli, root: Path, name: str, date: str, procurement: int, roti: int) -> Path:
    folder = root / name
    answers = write_answers(root, "Dana", {
        "scorecard": [
            {
                "team": "Procurement" if name != "q2" else "procurement", "response_time": procurement,
                "quality": 4, "communication": 3, "collaboration": 3,
            },
            {"team": EVIL_TEAM, "response_time": 1, "quality": 1, "communication": 1, "collaboration": 1},
        ],
        "roti": roti,
    })
    result = cli("start", folder, "--project", f"Laptops {name}{ESC}", "--format", "internal-service", "--date", date, "--answers", answers)
    assert result.exit_code == 0, result.output
    assert cli("merge", folder).exit_code == 0
    return folder


def quarters(cli, root: Path) -> None:
    quarter(cli, root, "q3", "2026-09-30", 4, 4)
    quarter(cli, root, "q1", "2026-03-31", 2, 3)
    quarter(cli, root, "q2", "2026-06-30", 3, 5)


def test_text_chart_shows_each_dimension_over_time(cli, tmp_path: Path) -> None:
    quarters(cli, tmp_path)
    result = cli("history", tmp_path, "--scores")
    assert result.exit_code == 0, result.output
    blocks = {b.splitlines()[0]: b.splitlines()[1:] for b in result.stdout.strip().split("\n\n")}

    response = blocks["Service scorecard · Procurement · response_time"]
    assert [line.split()[0] for line in response] == ["2026-03-31", "2026-06-30", "2026-09-30"]  # "procurement" in q2 too
    assert [line.count("█") for line in response] == [8, 12, 16]
    assert [line.split()[-2] for line in response] == ["2.0", "3.0", "4.0"]
    assert [line.split()[-2] for line in blocks["Return on time invested"]] == ["3.0", "5.0", "4.0"]
    assert escape.plain(f"Service scorecard · {EVIL_TEAM} · quality") in blocks
    assert "\x1b" not in result.stdout and "\x9b" not in result.stdout


def test_json_and_csv_tables(cli, tmp_path: Path) -> None:
    quarters(cli, tmp_path)
    rows = json.loads(cli("history", tmp_path, "--scores", "--json").stdout)
    procurement = [(r["date"], r["mean"]) for r in rows if r["team"].casefold() == "procurement" and r["dimension"] == "response_time"]
    assert procurement == [("2026-03-31", 2.0), ("2026-06-30", 3.0), ("2026-09-30", 4.0)]
    assert {r["team"] for r in rows if r["team"] and r["team"].casefold() != "procurement"} == {EVIL_TEAM}  # JSON is exact

    table = list(csv.DictReader(io.StringIO(cli("history", tmp_path, "--scores", "--csv").stdout)))
    assert list(table[0]) == ["date", "project", "question", "heading", "team", "dimension", "mean", "count", "record"]
    assert len(table) == len(rows) == 3 * (1 + 2 * 4)
    evil = [r for r in table if r["team"] not in ("", "Procurement", "procurement")]
    assert evil and all(r["team"] == escape.spreadsheet(EVIL_TEAM) and r["team"].startswith("'") for r in evil)
    assert all("\x1b" not in cell for r in table for cell in r.values())


def test_a_record_with_a_hand_edited_mean_that_is_no_number_is_named_and_left_out(cli, tmp_path: Path) -> None:
    folder = quarter(cli, tmp_path, "q1", "2026-03-31", 2, 3)
    quarter(cli, tmp_path, "q3", "2026-09-30", 4, 4)
    record = folder / "record.toml"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("mean = 3.0", "mean = nan", 1).replace("mean = 2.0", 'mean = "two"', 1), encoding="utf-8")
    result = cli("history", tmp_path, "--scores")
    assert result.exit_code == 2, result.output  # the others are shown; a file left out is bad input
    assert "nan" not in result.stdout and "2026-09-30" in result.stdout and "2026-03-31" not in result.stdout
    assert f"{record}:" in result.stderr and "mean must be a number" in result.stderr


def test_csv_needs_scores(cli, tmp_path: Path) -> None:
    quarters(cli, tmp_path)
    result = cli("history", tmp_path, "--csv")
    assert result.exit_code == 2 and "--csv is for --scores" in result.stderr
