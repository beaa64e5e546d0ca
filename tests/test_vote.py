"""Dot-voting through the real CLI: votes in each voter's own file, tallied by merge, ordered in the report."""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomli_w
import test_interview
from conftest import read, write_answers


PROJECT = ["--project", "Colorado office rollout", "--date", "2026-11-02"]
CHECK_IN = "Daily 10-minute check-in at 9:00"
RESOURCE = "Ask corporate for an extra resource in busy season"
BOARD = "One shared task board for both offices"
ENTER = "\r"


def answer(cli, folder: Path, name: str, improvements: list[str], *extra: str):
    result = cli("start", folder, *PROJECT, "--answers",
                 write_answers(folder.parent, name, {"improvements": improvements, "went_well": ["Landed on time"]}), *extra)
    assert result.exit_code == 0, result.output
    return result


def team(cli, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Three participants, merged: returns the folder and each action's id by its text."""
    folder = tmp_path / "retro"
    answer(cli, folder, "Linda", [CHECK_IN, RESOURCE])
    answer(cli, folder, "Kyle", [BOARD])
    answer(cli, folder, "Jessica", [RESOURCE])
    assert cli("merge", folder).exit_code == 0
    return folder, {item["text"]: item["id"] for item in actions(folder)}


def actions(folder: Path) -> list[dict]:
    return next(s for s in read(folder / "record.toml")["sections"] if s["id"] == "improvements")["items"]


def vote(cli, folder: Path, who: str, votes: str):
    return cli("vote", folder, "--name", who, "--votes", votes)


def report_rows(report: str) -> list[list[str]]:
    lines = report.split("## Improvements", 1)[1].split("\n## ", 1)[0].strip().splitlines()
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines if line.startswith("|")]


def test_votes_land_in_each_voters_file_and_merge_tallies_and_orders_them(cli, tmp_path: Path) -> None:
    folder, ids = team(cli, tmp_path)
    check_in, resource, board = ids[CHECK_IN], ids[RESOURCE], ids[BOARD]
    assert actions(folder)[0]["text"] == RESOURCE  # before voting: raised by two goes first

    result = vote(cli, folder, "Linda", f"{board}=2, {check_in}=1")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "0 of 3 dots left" in result.stderr
    linda = read(folder / "responses" / "linda.toml")
    assert linda["votes"] == {board: 2, check_in: 1}
    assert linda["answers"]["improvements"] == [CHECK_IN, RESOURCE] and linda["status"] == "complete"
    assert vote(cli, folder, "kyle", f"{board.lower()}=1").exit_code == 0  # ids and names in any case
    assert read(folder / "responses" / "kyle.toml")["votes"] == {board: 1}
    assert "votes" not in read(folder / "responses" / "jessica.toml")

    assert cli("merge", folder).exit_code == 0
    merged = actions(folder)
    assert [(a["text"], a["votes"]) for a in merged] == [(BOARD, 3), (CHECK_IN, 1), (RESOURCE, 0)]
    assert {a["text"]: a["id"] for a in merged} == ids  # voting never changes an id
    record_text = (folder / "record.toml").read_text(encoding="utf-8")
    assert "voters" not in record_text

    report = cli("render", folder).stdout
    rows = report_rows(report)
    assert rows[0] == ["ID", "Action", "Owner", "Due", "Status", "Votes", "Raised by"]
    assert [(row[0], row[5]) for row in rows[2:]] == [(board, "3"), (check_in, "1"), (resource, "0")]
    assert rows[2][6] == "Kyle" and rows[4][6] == "Jessica, Linda"


def test_voting_again_replaces_and_equal_votes_keep_the_count_order(cli, tmp_path: Path) -> None:
    folder, ids = team(cli, tmp_path)
    assert vote(cli, folder, "Linda", f"{ids[BOARD]}=3").exit_code == 0
    assert vote(cli, folder, "Linda", f"{ids[CHECK_IN]}=1,{ids[BOARD]}=1").exit_code == 0
    assert read(folder / "responses" / "linda.toml")["votes"] == {ids[CHECK_IN]: 1, ids[BOARD]: 1}
    assert cli("merge", folder).exit_code == 0
    # BOARD and CHECK_IN tie on votes; both raised by one person: lower id first. RESOURCE has none.
    expected = [*sorted([ids[CHECK_IN], ids[BOARD]], key=lambda i: int(i[1:])), ids[RESOURCE]]
    assert [a["id"] for a in actions(folder)] == expected
    assert [a["votes"] for a in actions(folder)] == [1, 1, 0]
    # Voting with no dots at all clears the votes; with none anywhere, the report has no Votes column.
    assert vote(cli, folder, "Linda", "").exit_code == 0
    assert "votes" not in read(folder / "responses" / "linda.toml")
    assert cli("merge", folder).exit_code == 0
    assert all("votes" not in a for a in actions(folder))
    assert report_rows(cli("render", folder).stdout)[0] == ["ID", "Action", "Owner", "Due", "Status", "Raised by"]


def test_answering_again_keeps_the_votes(cli, tmp_path: Path) -> None:
    folder, ids = team(cli, tmp_path)
    assert vote(cli, folder, "Kyle", f"{ids[BOARD]}=2").exit_code == 0
    answer(cli, folder, "Kyle", [BOARD, "Write the procedures down before the visit"])
    kyle = read(folder / "responses" / "kyle.toml")
    assert kyle["votes"] == {ids[BOARD]: 2} and len(kyle["answers"]["improvements"]) == 2


def test_dots_per_session(cli, tmp_path: Path) -> None:
    folder, ids = team(cli, tmp_path)
    assert read(folder / "postmortem.toml")["dots"] == 3
    too_many = vote(cli, folder, "Linda", f"{ids[BOARD]}=4")
    assert too_many.exit_code == 2
    assert "that is 4 dots, but each person has 3 in this post-mortem" in too_many.stderr
    session = read(folder / "postmortem.toml")
    (folder / "postmortem.toml").write_text(tomli_w.dumps({**session, "dots": 5}), encoding="utf-8")
    result = vote(cli, folder, "Linda", f"{ids[BOARD]}=4,{ids[RESOURCE]}=1")
    assert result.exit_code == 0, result.output
    assert "0 of 5 dots left" in result.stderr
    (folder / "postmortem.toml").write_text(tomli_w.dumps({**session, "dots": 0}), encoding="utf-8")
    bad = vote(cli, folder, "Linda", f"{ids[BOARD]}=1")
    assert bad.exit_code == 2 and "dots must be a whole number from 1 to 100, not 0" in bad.stderr


def test_bad_votes_are_refused_with_the_reason_and_nothing_written(cli, tmp_path: Path) -> None:
    folder, ids = team(cli, tmp_path)
    assert vote(cli, folder, "Linda", f"{ids[BOARD]}=1").exit_code == 0
    before = (folder / "responses" / "linda.toml").read_bytes()
    cases = {
        "A99=1": f"no action 'A99' to vote for (the open actions are {', '.join(a['id'] for a in actions(folder))})",
        f"{ids[BOARD]}=-1": "dots cannot be negative",
        f"{ids[BOARD]}=1.5": "'1.5' is not a whole number of dots",
        f"{ids[BOARD]}=two": "'two' is not a whole number of dots",
        f"{ids[BOARD]}": "is not ACTION=DOTS, as in A1=2",
        f"{ids[BOARD]}=1,{ids[BOARD].lower()}=1": "is given twice",
        f"{ids[BOARD]}=2,{ids[CHECK_IN]}=2": "that is 4 dots, but each person has 3",
    }
    for votes, message in cases.items():
        result = vote(cli, folder, "Linda", votes)
        assert result.exit_code == 2, votes
        assert message in result.stderr, (votes, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
        assert result.stdout == ""
    assert (folder / "responses" / "linda.toml").read_bytes() == before


def test_only_participants_vote_and_only_once_there_is_a_record(cli, tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    answer(cli, folder, "Linda", [CHECK_IN])
    no_record = vote(cli, folder, "Linda", "A1=1")
    assert no_record.exit_code == 2 and "no record.toml yet" in no_record.stderr and "postmortem merge" in no_record.stderr
    assert cli("merge", folder).exit_code == 0
    stranger = vote(cli, folder, "Zed", "A1=1")
    assert stranger.exit_code == 2
    assert "Zed has no response in" in stranger.stderr and "answer first" in stranger.stderr
    assert not (folder / "responses" / "zed.toml").exists()
    assert cli("vote", folder, "--votes", "A1=1").exit_code == 2  # no name
    token = cli("vote", folder, "--token", "0123456789abcdef", "--votes", "A1=1")
    assert token.exit_code == 2 and "--token is for anonymous post-mortems" in token.stderr


def test_a_hand_edited_file_that_overspends_stops_merge(cli, tmp_path: Path) -> None:
    folder, ids = team(cli, tmp_path)
    path = folder / "responses" / "kyle.toml"
    data = read(path)
    path.write_text(tomli_w.dumps({**data, "votes": {ids[BOARD]: 9}}), encoding="utf-8")
    record_before = (folder / "record.toml").read_bytes()
    result = cli("merge", folder)
    assert result.exit_code == 2
    line = path.read_text(encoding="utf-8").splitlines().index("[votes]") + 1
    assert f"{path}:{line}: votes spend 9 dots, but each person has 3" in result.stderr  # merge gives the line
    assert (folder / "record.toml").read_bytes() == record_before
    path.write_text(tomli_w.dumps({**data, "votes": {ids[BOARD]: "lots"}}), encoding="utf-8")
    result = cli("merge", folder)
    assert result.exit_code == 2 and f"{path}:{line}: votes must be a table of action ids and whole numbers" in result.stderr


def test_a_drafts_votes_are_not_counted_and_merge_says_so(cli, tmp_path: Path) -> None:
    """Merge leaves drafts out, their votes too: `vote` sends a draft to finish first, and a vote
    left in a draft (an answer reopened, a file edited by hand) is named on stderr at merge."""
    folder, ids = team(cli, tmp_path)
    draft = folder / "responses" / "miguel.toml"
    draft.write_text(tomli_w.dumps({"name": "Miguel", "status": "draft", "done": [], "answers": {}}), encoding="utf-8")
    result = vote(cli, folder, "Miguel", f"{ids[CHECK_IN]}=2")
    assert result.exit_code == 2 and "unfinished draft" in result.stderr and "finish them first" in result.stderr
    assert "votes" not in read(draft)
    draft.write_text(tomli_w.dumps({**read(draft), "votes": {ids[CHECK_IN]: 2}}), encoding="utf-8")
    result = cli("merge", folder)
    assert result.exit_code == 0
    assert f"postmortem: 2 dot(s) for {ids[CHECK_IN]} in {draft} not counted: the response is an unfinished draft\n" in result.stderr
    assert all(item.get("votes", 0) == 0 for item in actions(folder))


def drive(args: list[str], keys: str):
    """`postmortem ARGS` with keys typed at the prompts: the result and what the prompts drew."""
    run = test_interview.drive(args, keys)
    assert not run.hung, run.screen[-1500:]
    return run.result, run.screen


def test_interactive_vote_asks_per_action_with_the_dots_left(cli, tmp_path: Path) -> None:
    folder, _ = team(cli, tmp_path)
    order = [a["id"] for a in actions(folder)]
    # The name first; then 5 is refused (only 3 dots), 2 for the first action, Enter (none) for the
    # second, 1 for the third: no dots are left, so nothing more is asked.
    keys = "Linda" + ENTER + "5" + ENTER + "\x15" + "2" + ENTER + ENTER + "1" + ENTER
    result, screen = drive(["vote", str(folder)], keys)
    assert result.exit_code == 0, (result.output, screen)
    assert result.stdout == ""
    assert "3 of 3 dots left" in screen and "1 of 3 dots left" in screen
    assert "(2 of 3 dots left)" not in screen  # the refused 5 was never taken
    assert RESOURCE in screen
    assert read(folder / "responses" / "linda.toml")["votes"] == {order[0]: 2, order[2]: 1}

    # Voting again offers the earlier votes; Enter keeps them.
    result, screen = drive(["vote", str(folder), "--name", "Linda"], ENTER + ENTER + ENTER)
    assert result.exit_code == 0, (result.output, screen)
    assert read(folder / "responses" / "linda.toml")["votes"] == {order[0]: 2, order[2]: 1}


def test_interactive_vote_strips_escape_sequences_from_action_text(cli, tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    answer(cli, folder, "Linda", ["Fix \x1b]0;pwned\x07the board\x1b[2J"])
    assert cli("merge", folder).exit_code == 0
    result, screen = drive(["vote", str(folder), "--name", "Linda"], "1" + ENTER)
    assert result.exit_code == 0, (result.output, screen)
    assert "\x1b]0" not in screen and "\x07" not in screen and "\x1b[2J" not in screen
    assert "Fix ]0;pwnedthe board[2J" in screen


def test_vote_without_a_terminal_asks_for_votes(cli, tmp_path: Path) -> None:
    folder, _ = team(cli, tmp_path)
    result = cli("vote", folder, "--name", "Linda")
    assert result.exit_code == 2 and "--votes A1=2,A3=1" in result.stderr


def test_record_votes_survive_toml_round_trip(cli, tmp_path: Path) -> None:
    folder, ids = team(cli, tmp_path)
    assert vote(cli, folder, "Jessica", f"{ids[RESOURCE]}=3").exit_code == 0
    assert cli("merge", folder).exit_code == 0
    record = tomllib.loads((folder / "record.toml").read_text(encoding="utf-8"))
    assert record["sections"][2]["items"][0]["votes"] == 3
    html = cli("render", folder, "--to", "html").stdout
    assert "<th>Votes</th>" in html


def test_the_incident_report_shows_votes_too(cli, tmp_path: Path) -> None:
    import shutil

    from conftest import REPO

    folder = tmp_path / "incident"
    shutil.copytree(REPO / "examples" / "incident-checkout-outage", folder)
    assert "| Votes |" not in cli("render", folder).stdout
    assert vote(cli, folder, "Mei", "A7=2,A3=1").exit_code == 0
    assert cli("merge", folder).exit_code == 0
    report = cli("render", folder).stdout
    assert "| ID | Action | Type | Owner | Status | Votes | Raised by |\n" in report
    rows = [line for line in report.split("## Action items", 1)[1].split("\n## ", 1)[0].splitlines() if line.startswith("| A")]
    assert [row.split(" | ")[0] for row in rows[:2]] == ["| A7", "| A3"]
    assert rows[0].split(" | ")[5] == "2"



def test_interactive_vote_shows_every_open_action_before_the_first_dot_and_the_totals_after(cli, tmp_path: Path) -> None:
    folder, ids = team(cli, tmp_path)
    assert vote(cli, folder, "Kyle", f"{ids[RESOURCE]}=3").exit_code == 0
    assert cli("edit", ids[BOARD], folder, "--status", "done").exit_code == 0
    # Two open actions: 2 dots for the first, Enter for the second.
    result, screen = drive(["vote", str(folder), "--name", "Linda"], "2" + ENTER + ENTER)
    assert result.exit_code == 0, (result.output, screen)
    first_prompt = screen.index("(3 of 3 dots left)")
    assert CHECK_IN in screen[:first_prompt] and RESOURCE in screen[:first_prompt]  # the whole list first
    assert BOARD not in screen and ids[BOARD] not in screen  # a done action gets no dots and no prompt
    assert "Dots so far" not in screen[:first_prompt]  # what others gave stays hidden until one votes
    open_order = [a["id"] for a in actions(folder) if a["text"] != BOARD]
    assert read(folder / "responses" / "linda.toml")["votes"] == {open_order[0]: 2}
    totals = dict.fromkeys(open_order, 0)
    totals[ids[RESOURCE]] += 3  # Kyle's, uncounted by merge yet
    totals[open_order[0]] += 2
    expected = ", ".join(f"{i} {n}" for i, n in sorted(totals.items(), key=lambda pair: -pair[1]))
    assert f"Dots so far: {expected}." in result.stderr


def test_dots_for_a_done_or_dropped_action_are_refused(cli, tmp_path: Path) -> None:
    folder, ids = team(cli, tmp_path)
    assert cli("edit", ids[BOARD], folder, "--status", "dropped").exit_code == 0
    result = vote(cli, folder, "Linda", f"{ids[BOARD]}=1")
    assert result.exit_code == 2 and f"{ids[BOARD]} is dropped: dots go to open actions" in result.stderr
    assert "votes" not in read(folder / "responses" / "linda.toml")
    for item in ids.values():
        assert cli("edit", item, folder, "--status", "done").exit_code == 0
    result = vote(cli, folder, "Linda", "")
    assert result.exit_code == 2 and "none is left to vote on" in result.stderr
