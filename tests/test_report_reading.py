"""The report as its reader takes it in: what the facilitator decided is on the page, every
detail reads as typed, nothing needs tidying by hand before it goes on the wiki."""

from __future__ import annotations

from pathlib import Path

from conftest import write_answers

ROLLOUT = {
    "went_well": ["The VP set expectations about her availability up front"],
    "went_poorly": ["Unannounced drop-ins several times a day"],
    "improvements": [
        "Ask corporate for a temporary extra resource during busy season",
        {"text": "Daily 10-minute check-in at 9:00 instead of drop-ins", "owner": "Kyle", "due": "2026-12-15"},
        "Check the office's busy-season calendar before fixing rollout dates",
    ],
    "rating": 3,
}


def rollout(cli, tmp_path: Path, fmt: str = "classic", answers: dict | None = None) -> Path:
    folder = tmp_path / "pm"
    path = write_answers(tmp_path, "Linda", answers or ROLLOUT, role="Quality & compliance associate")
    result = cli("start", folder, "--project", "Colorado rollout", "--format", fmt, "--date", "2026-11-20", "--answers", path)
    assert result.exit_code == 0, result.output
    assert cli("merge", folder).exit_code == 0
    return folder


def row(report: str, action_id: str) -> list[str]:
    line = next(line for line in report.splitlines() if line.startswith(f"| {action_id} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_every_action_shows_its_status_and_note_and_a_closed_one_looks_done(cli, tmp_path: Path) -> None:
    folder = rollout(cli, tmp_path)
    assert cli("edit", "A2", folder, "--status", "done", "--note", "Running since 1 December at 9:15").exit_code == 0
    assert cli("edit", "A1", folder, "--status", "dropped", "--note", "No budget this year").exit_code == 0
    assert cli("edit", "A3", folder, "--status", "in progress").exit_code == 0
    report = cli("render", folder).stdout
    header = next(line for line in report.splitlines() if line.startswith("| ID |"))
    assert [c.strip() for c in header.strip("|").split("|")] == ["ID", "Action", "Owner", "Due", "Status", "Raised by"]
    assert row(report, "A2")[4] == "✓ done" and row(report, "A1")[4] == "✗ dropped" and row(report, "A3")[4] == "in progress"
    assert "- A2 (✓ done): Running since 1 December at 9:15" in report
    assert "- A1 (✗ dropped): No budget this year" in report
    assert "A3 (" not in report  # no note, no line


def test_an_action_closed_with_actions_done_reads_as_done(cli, tmp_path: Path) -> None:
    folder = rollout(cli, tmp_path)
    assert cli("actions", "done", "A2", folder).exit_code == 0
    report = cli("render", folder).stdout
    assert row(report, "A2")[4] == "✓ done" and row(report, "A1")[4] == "open"
