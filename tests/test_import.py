"""`postmortem import DIR EXPORT`: a Google Forms or Microsoft Forms export becomes response files,
each row checked exactly as `start --answers` checks an answers file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, read, write_answers
from postmortem import importer

GOOGLE = REPO / "examples" / "import-spring-catalogue" / "google-forms.csv"
MICROSOFT = REPO / "tests" / "data" / "microsoft-forms.xlsx"


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")


def _session(cli, folder: Path, *extra: str) -> Path:
    result = cli("start", folder, "--project", "Spring catalogue", "--format", "classic", "--invite", "Maria Keller", *extra)
    assert result.exit_code == 0, result.output
    return folder


def _export(path: Path, rows: list[list[str]], delimiter: str = ",", bom: bool = False) -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


HEADER = ["Timestamp", "Email Address", "Your name", "What went well?", "Overall, how did this project go for you?"]


def test_google_forms_export_gives_the_files_start_answers_gives(cli, tmp_path: Path) -> None:
    imported = _session(cli, tmp_path / "imported")
    result = cli("import", imported, GOOGLE)
    assert result.exit_code == 0, result.output
    assert "Imported 3 response(s)" in result.output
    assert "warning" not in result.output  # timestamp and e-mail are the form's own columns

    typed = _session(cli, tmp_path / "typed")
    tom = write_answers(tmp_path, "Tom Brandt", {
        "went_well": ["The printer held our slot even though files came in a day late"],
        "went_poorly": ["Three files reached the printer after the slot was confirmed; we paid a rush fee"],
        "improvements": ["Book the print slot only after final files are in the shared folder; Tom checks the folder every Friday"],
        "stakeholders": [{"name": "Printer", "role": "Prints and binds the books", "interest": "final files by the agreed date"}],
        "takeaways": "A print slot is only as good as the files behind it.",
        "rating": 3,
        "roti": 4,
    }, role="Production manager")
    assert cli("start", typed, "--answers", tom).exit_code == 0
    assert (imported / "responses/tom-brandt.toml").read_text() == (typed / "responses/tom-brandt.toml").read_text()

    maria = read(imported / "responses/maria-keller.toml")
    assert maria["role"] == "Managing editor"
    assert maria["answers"]["went_poorly"] == [  # a quoted line break separates two entries; "" is a quote
        "Cover approvals waited four days for sign-off from sales",
        'Proofs for three titles came back with the same "widow and orphan" problems',
    ]
    assert maria["answers"]["stakeholders"][1] == {
        "name": "Sales team", "role": "Sells to bookshops", "interest": "covers early enough for the pre-order catalogue",
    }
    assert "roti" not in read(imported / "responses/aisha-rahman.toml")["answers"]  # an empty cell is no answer
    assert cli("merge", imported).exit_code == 0


def test_microsoft_forms_workbook_with_a_map_and_a_multi_select(cli, tmp_path: Path) -> None:
    folder = _session(cli, tmp_path / "pm")
    result = cli("import", folder, MICROSOFT, "--map", "Improvements=improvements")
    assert result.exit_code == 0, result.output
    assert "column 'Which teams did you work with?' matches no question; ignored" in result.output
    lena = read(folder / "responses/lena-vogt.toml")
    assert lena["answers"]["improvements"] == [  # "a;b;" is how Microsoft Forms joins a multi-select answer
        "Send the typesetter a font sample page with every first file",
        "Check the first proof of each title against the sample page",
    ]
    assert lena["answers"]["rating"] == 4
    jonas = read(folder / "responses/jonas-weber.toml")
    assert jonas["answers"]["went_well"] == ["Sales had the catalogue copy a week early", "The pre-order page went live on time"]
    assert "went_poorly" not in jonas["answers"]


def test_a_bad_row_is_named_by_row_and_column_and_nothing_is_written(cli, tmp_path: Path) -> None:
    folder = _session(cli, tmp_path / "pm")
    export = _export(tmp_path / "export.csv", [
        HEADER,
        ["2026/03/02 9:14:02", "a@example.org", "Ana", "Good handover", "4"],
        ["2026/03/02 9:15:02", "b@example.org", "Ben", "Clear plan", "great"],
        ["2026/03/02 9:16:02", "c@example.org", "", "Nice", "3"],
    ])
    result = cli("import", folder, export)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines == [
        f"postmortem: {export}: row 3, column 'Overall, how did this project go for you?': "
        "answers.rating must be a whole number from 1 to 5, not 'great'",
        f"postmortem: {export}: row 4: the name column 'Your name' is empty",
    ]
    assert not (folder / "responses").exists()


def test_excel_semicolon_csv_with_byte_order_mark(cli, tmp_path: Path) -> None:
    folder = _session(cli, tmp_path / "pm")
    export = _export(tmp_path / "export.csv", [HEADER, ["x", "a@example.org", "Ana", "Good, quick handover", "5"]], ";", bom=True)
    assert cli("import", folder, export).exit_code == 0
    assert read(folder / "responses/ana.toml")["answers"] == {"went_well": ["Good, quick handover"], "rating": 5}


def test_same_person_twice_is_refused(cli, tmp_path: Path) -> None:
    folder = _session(cli, tmp_path / "pm")
    export = _export(tmp_path / "export.csv", [HEADER, ["x", "", "Ana", "One", "4"], ["y", "", "ana ", "Two", "5"]])
    result = cli("import", folder, export)
    assert result.exit_code == 2
    assert "rows 2 and 3 are both 'ana''s answers; delete one" in result.output
    assert not (folder / "responses").exists()


def test_importing_again_updates_the_same_files(cli, tmp_path: Path) -> None:
    folder = _session(cli, tmp_path / "pm")
    assert cli("import", folder, GOOGLE).exit_code == 0
    assert cli("import", folder, GOOGLE).exit_code == 0
    assert len(list((folder / "responses").glob("*.toml"))) == 3


def test_anonymous_session_keeps_no_name_and_random_tokens(cli, tmp_path: Path) -> None:
    import hashlib

    folder = tmp_path / "pm"
    assert cli("start", folder, "--project", "P", "--anonymous", "--invite", "Maria Keller").exit_code == 0
    result = cli("import", folder, GOOGLE)
    assert result.exit_code == 0 and "importing this export again would add its rows again" in result.output
    files = sorted((folder / "responses").glob("*.toml"))
    assert len(files) == 3
    text = "".join(f.read_text() for f in files)
    for word in ("Maria", "Keller", "Tom Brandt", "Managing editor", "example.org"):
        assert word not in text
    rows = importer.read_table(GOOGLE)[1:]  # a token made from a row could be found again from it
    assert not {f.stem for f in files} & {hashlib.sha256("\x1f".join(r).encode()).hexdigest()[:16] for r in rows}


@pytest.mark.parametrize(("args", "message"), [
    (["--map", "Nope=went_well"], "--map names a column the export does not have: 'nope'"),
    (["--map", "What went well?=wellness"], "'wellness' is not a question id of the 'classic' set"),
    (["--map", "Your name=-"], "no name column (Name, Your name, ...): give one with --map COLUMN=name"),
    (["--map", "Timestamp=went_well"], "columns 'Timestamp' and 'What went well?' both give went_well"),
])
def test_bad_maps(cli, tmp_path: Path, args: list[str], message: str) -> None:
    folder = _session(cli, tmp_path / "pm")
    result = cli("import", folder, GOOGLE, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not (folder / "responses").exists()


def test_unreadable_exports(cli, tmp_path: Path) -> None:
    folder = _session(cli, tmp_path / "pm")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Your name,What went well?\nJosé,Café\n".encode("latin-1"))
    result = cli("import", folder, latin)
    assert result.exit_code == 2 and f"{latin}:2: not valid UTF-8: export it as CSV UTF-8" in result.output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    result = cli("import", folder, broken)
    assert result.exit_code == 2 and "not a readable XLSX workbook" in result.output
    empty = _export(tmp_path / "empty.csv", [HEADER])
    assert "has no answers" in cli("import", folder, empty).output


def test_cells_become_answers_file_values() -> None:
    assert importer.cell_answer("items", " a \r\n\n b ") == ["a", "b"]
    assert importer.cell_answer("items", "one; two") == ["one; two"]  # a semicolon inside prose stays
    assert importer.cell_answer("people", "HR, People team, nobody burns out, ever") == [
        {"name": "HR", "role": "People team", "interest": "nobody burns out, ever"}
    ]
    assert importer.cell_answer("events", "14:02 - Checkout errors spike") == [{"time": "14:02", "what": "Checkout errors spike"}]
    assert importer.cell_answer("rating", "4") == 4
    assert importer.cell_answer("choice", " Partly ") == "Partly"


_entry = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=25).map(str.strip).filter(
    lambda t: t and not t.endswith(";")
)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(st.lists(_entry, min_size=1, max_size=4), st.sampled_from(["", "1", "5"])), min_size=1, max_size=4),
    delimiter=st.sampled_from([",", ";", "\t"]),
    bom=st.booleans(),
    title=st.sampled_from(["What went well?", "What went well, and why?", 'What "went" well; really?']),
)
def test_any_csv_export_reads_back_its_cells(tmp_path_factory, rows, delimiter: str, bom: bool, title: str) -> None:
    """Whatever the delimiter, quoting and byte-order mark, each cell's lines come back as the entries."""
    path = tmp_path_factory.mktemp("csv") / "export.csv"
    _export(path, [["Your name", title, "Overall, how did this project go for you?"],
                   *([f"P{n}", "\n".join(entries), rating] for n, (entries, rating) in enumerate(rows))], delimiter, bom)
    table = importer.read_table(path)
    assert table[0] == ["Your name", title, "Overall, how did this project go for you?"]
    for (entries, rating), row in zip(rows, table[1:], strict=True):
        assert importer.cell_answer("items", row[1]) == entries and row[2] == rating
