"""`actions --ics FILE` and `start --deadline`: due dates as an iCalendar file, read back with icalendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar

from conftest import read, write_answers
from postmortem import escape

ESC = "\x1b]0;pwned\x07\x1b[2J\x9b31m"
HOSTILE = [
    "Daily check-in; at 9:00, not drop-ins\\n",
    f"two\nlines{ESC}, with \\, backslash",
    "=HYPERLINK(\"x\") $(rm -rf /) `id`",
]


def postmortem(cli, root: Path, project: str = f"Rollout; east, west{ESC}") -> Path:
    folder = root / "pm"
    improvements = [{"text": t, "owner": f"Kyle;{ESC}", "due": dt.date(2026, 12, 15 + n)} for n, t in enumerate(HOSTILE)]
    improvements.append("No due date")
    answers = write_answers(root, "Linda", {"improvements": improvements})
    result = cli("start", folder, "--project", project, "--date", "2026-11-20", "--answers", answers, "--deadline", "2026-11-27")
    assert result.exit_code == 0, result.output
    assert cli("merge", folder).exit_code == 0
    return folder


def events(path: Path) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


def test_one_all_day_event_per_due_action_and_the_deadline(cli, tmp_path: Path) -> None:
    folder = postmortem(cli, tmp_path)
    result = cli("actions", folder, "--ics", tmp_path / "actions.ics")
    assert result.exit_code == 0, result.output

    found = events(tmp_path / "actions.ics")

    project = f"Rollout; east, west{ESC}"
    assert read(folder / "postmortem.toml")["deadline"] == dt.date(2026, 11, 27)
    ids = {i["text"]: i["id"] for s in read(folder / "record.toml")["sections"] for i in s.get("items", []) if i.get("id")}
    expected = {escape.plain(f"{ids[t]}: {t} (Kyle;{ESC})"): dt.date(2026, 12, 15 + n) for n, t in enumerate(HOSTILE)}
    expected[escape.plain(f"Answers due: post-mortem of {project}")] = dt.date(2026, 11, 27)
    assert {summary: e.decoded("dtstart") for summary, e in found.items()} == expected
    for n, text in enumerate(HOSTILE):
        event = found[escape.plain(f"{ids[text]}: {text} (Kyle;{ESC})")]
        assert event.decoded("dtend") == dt.date(2026, 12, 16 + n)
        description = str(event["description"])
        assert escape.terminal(text) in description and escape.plain(project) in description
        assert "\x1b" not in description and "Owner: Kyle;" in description
    raw = (tmp_path / "actions.ics").read_text(encoding="utf-8")
    assert not set(raw) & set("\x1b\x07\x9b")


def test_uids_are_stable_so_a_reimport_updates(cli, tmp_path: Path) -> None:
    folder = postmortem(cli, tmp_path)
    cli("actions", folder, "--ics", tmp_path / "first.ics")
    cli("edit", "A1", folder, "--due", "2027-01-05")
    cli("actions", "done", "A2", folder)
    cli("actions", folder, "--ics", tmp_path / "second.ics")

    first = {str(e["uid"]): e for e in events(tmp_path / "first.ics").values()}
    second = {str(e["uid"]): e for e in events(tmp_path / "second.ics").values()}

    assert len(first) == 4 and set(second) < set(first)  # A2 is done: its event is gone, none is new
    moved = next(e for e in second.values() if str(e["summary"]).startswith("A1:"))
    assert moved.decoded("dtstart") == dt.date(2027, 1, 5) and str(first[str(moved["uid"])]["summary"]) == str(moved["summary"])


def test_a_linked_action_points_at_its_issue(cli, tmp_path: Path) -> None:
    folder = postmortem(cli, tmp_path)
    assert cli("actions", "link", "A1", "https://github.com/org/repo/issues/7", folder).exit_code == 0
    cli("actions", folder, "--ics", tmp_path / "actions.ics")
    event = next(e for e in events(tmp_path / "actions.ics").values() if str(e["summary"]).startswith("A1:"))
    assert str(event["url"]) == "https://github.com/org/repo/issues/7"


def test_deadline_on_an_existing_post_mortem_and_a_bad_one(cli, tmp_path: Path) -> None:
    folder = postmortem(cli, tmp_path)
    assert cli("start", folder, "--deadline", "2026-12-01").exit_code == 0
    assert read(folder / "postmortem.toml")["deadline"] == dt.date(2026, 12, 1)
    bad = cli("start", folder, "--deadline", "soon")
    assert bad.exit_code == 2 and "--deadline" in bad.stderr
    (folder / "postmortem.toml").write_text(
        (folder / "postmortem.toml").read_text(encoding="utf-8").replace("deadline = 2026-12-01", 'deadline = "tomorrow"'), encoding="utf-8"
    )
    checked = cli("check", folder)
    assert checked.exit_code == 1 and "deadline" in checked.stdout


def test_the_deadline_event_quotes_the_command_for_the_shell(cli, tmp_path: Path) -> None:
    from test_remind import shown_command_runs_as

    folder = tmp_path / "Q3 $(touch PWNED) it's"
    assert cli("start", folder, "--project", "Billing", "--invite", "Bob", "--deadline", "2026-12-20").exit_code == 0
    assert cli("actions", tmp_path, "--ics", tmp_path / "due.ics").exit_code == 0
    [event] = icalendar.Calendar.from_ical((tmp_path / "due.ics").read_bytes()).walk("VEVENT")
    description = str(event["description"])
    command = description[description.index("postmortem start"):]
    assert shown_command_runs_as(command, tmp_path) == ["start", str(folder.resolve())]


def test_a_hand_edited_link_or_due_date_still_makes_a_sound_event(cli, tmp_path: Path) -> None:
    """A link that is no URL (a line break in it) is left out, not a traceback; a due date typed as
    text, which the record accepts, is a date like any other."""
    folder = postmortem(cli, tmp_path)
    record = folder / "record.toml"
    text = record.read_text(encoding="utf-8").replace('status = "open"', 'status = "open"\nlink = "https://x.example/1\\r\\nEND:VEVENT"', 1)
    record.write_text(text.replace("due = 2026-12-16", 'due = "2026-12-16"'), encoding="utf-8")
    result = cli("actions", folder, "--ics", tmp_path / "due.ics")
    assert result.exit_code == 0, result.output
    found = events(tmp_path / "due.ics")
    assert len(found) == 4  # three actions with a due date, and the deadline
    assert sorted(e["dtstart"].dt for e in found.values()) == [dt.date(2026, 11, 27), *(dt.date(2026, 12, 15 + n) for n in range(3))]
    assert all(str(e["url"]).startswith("file://") for e in found.values())
    assert not any("END:VEVENT" in str(e["description"]) for e in found.values())
